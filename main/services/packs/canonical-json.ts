/**
 * RFC 8785 JSON Canonicalization Scheme (JCS). Signatures are computed over these bytes, so the
 * same data always signs the same whatever whitespace, key order or number spelling the file used.
 *
 * - object members sorted by their names as UTF-16 code-unit sequences (JS `<` on strings does
 *   exactly that, unlike `localeCompare`);
 * - numbers in ECMAScript `Number.prototype.toString` form (RFC 8785 §3.2.2.3 adopts it);
 *   NaN and ±Infinity have no JSON form and are refused;
 * - strings escaped as ECMAScript `JSON.stringify` does; lone surrogates are refused because
 *   I-JSON (RFC 7493), which JCS requires, forbids them.
 */

export class CanonicalJsonError extends Error {
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(`${path || '(root)'}: ${message}`);
    this.name = 'CanonicalJsonError';
  }
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function serializeString(s: string, path: string): string {
  if (LONE_SURROGATE.test(s)) throw new CanonicalJsonError('string contains a lone surrogate', path);
  return JSON.stringify(s);
}

function serializeNumber(n: number, path: string): string {
  if (!Number.isFinite(n)) throw new CanonicalJsonError(`number ${String(n)} has no JSON form`, path);
  // Object.is(-0) prints "0" in ES; JCS keeps that.
  return JSON.stringify(n);
}

function walk(value: unknown, path: string, out: string[], depth: number): void {
  if (depth > 64) throw new CanonicalJsonError('nested deeper than 64 levels', path);
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      out.push(serializeNumber(value, path));
      return;
    case 'string':
      out.push(serializeString(value, path));
      return;
    case 'object':
      break;
    default:
      throw new CanonicalJsonError(`${typeof value} has no JSON form`, path);
  }
  if (Array.isArray(value)) {
    out.push('[');
    value.forEach((item, i) => {
      if (i > 0) out.push(',');
      walk(item, `${path}[${i}]`, out, depth + 1);
    });
    out.push(']');
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    throw new CanonicalJsonError('only plain objects can be canonicalised', path);
  }
  const keys = Object.keys(value as Record<string, unknown>).filter((k) => (value as Record<string, unknown>)[k] !== undefined);
  keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  out.push('{');
  keys.forEach((k, i) => {
    if (i > 0) out.push(',');
    const childPath = path ? `${path}.${k}` : k;
    out.push(serializeString(k, childPath), ':');
    walk((value as Record<string, unknown>)[k], childPath, out, depth + 1);
  });
  out.push('}');
}

/**
 * The RFC 8785 canonical form of a JSON value. Members whose value is `undefined` are left out
 * (they do not exist in JSON); any other non-JSON value throws `CanonicalJsonError`.
 */
export function canonicalize(value: unknown): string {
  const out: string[] = [];
  walk(value, '', out, 0);
  return out.join('');
}

/** The canonical form as UTF-8 bytes, which is what gets signed and hashed. */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), 'utf8');
}
