/**
 * JSON encoding for the development WebSocket transport: byte arrays travel as
 * `{"$bytes":"<base64>"}` and are restored before the router validates the request.
 *
 * Decoding is hostile-input safe: nesting deeper than MAX_WIRE_DEPTH is refused before
 * JSON.parse (a deep array would otherwise exhaust the stack in the reviver or in validation),
 * and only a canonical base64 `$bytes` value becomes bytes.
 */
export const MAX_WIRE_DEPTH = 64;

export class WireError extends Error {}

export function encodeWire(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    return v;
  });
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Deepest nesting of arrays and objects in a JSON text, counting brackets outside strings. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}

export function decodeWire(text: string): unknown {
  if (jsonDepth(text) > MAX_WIRE_DEPTH) throw new WireError('message nested too deeply');
  return JSON.parse(text, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      const b = (v as { $bytes?: unknown }).$bytes;
      // Only canonical base64 becomes bytes; anything else stays a plain object for the
      // contract to refuse (the frame's id is still good, so the sender gets INVALID_INPUT).
      if (keys.length === 1 && typeof b === 'string' && BASE64.test(b)) return new Uint8Array(Buffer.from(b, 'base64'));
    }
    return v;
  });
}
