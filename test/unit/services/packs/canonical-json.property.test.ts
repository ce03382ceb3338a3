import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize, CanonicalJsonError } from '../../../../main/services/packs/canonical-json';

/** Strings without lone surrogates (I-JSON), including astral characters and control characters. */
const wellFormed = fc.string({ unit: 'grapheme', maxLength: 12 });
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    finite,
    fc.integer(),
    wellFormed,
    fc.array(tie('value'), { maxLength: 5 }),
    fc.dictionary(wellFormed, tie('value'), { maxKeys: 6 }),
  ),
})).value;

/** Rebuilds a value with every object's keys inserted in a shuffled order (deterministic per seed). */
function shuffleKeys(v: unknown, seed: number): unknown {
  if (Array.isArray(v)) return v.map((x, i) => shuffleKeys(x, seed + i));
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    let s = seed;
    for (let i = entries.length - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    // fromEntries, not assignment: a "__proto__" member must stay an own member.
    return Object.fromEntries(entries.map(([k, x]) => [k, shuffleKeys(x, s)]));
  }
  return v;
}

/**
 * An independent oracle for RFC 8785: object members sorted by UTF-16 code units (compared one
 * unit at a time here, not with `<` on strings), numbers and strings as ECMAScript serialises them.
 */
function oracle(v: unknown): string {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(oracle).join(',')}]`;
  const units = (s: string) => Array.from({ length: s.length }, (_, i) => s.charCodeAt(i));
  const cmp = (a: string, b: string) => {
    const x = units(a);
    const y = units(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  const keys = Object.keys(v as object).sort(cmp);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${oracle((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

describe('canonical JSON (properties)', () => {
  it('agrees with an independent RFC 8785 serialisation for any JSON value', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalize(v)).toBe(oracle(v));
      }),
      { numRuns: 400 },
    );
  });

  it('round-trips: parsing the canonical form gives the same value and the same canonical form', () => {
    fc.assert(
      fc.property(json, (v) => {
        const c = canonicalize(v);
        const back = JSON.parse(c) as unknown;
        // -0 has no separate JSON spelling; everything else survives exactly.
        expect(back).toEqual(JSON.parse(JSON.stringify(v)));
        expect(canonicalize(back)).toBe(c);
      }),
      { numRuns: 300 },
    );
  });

  it('is independent of key order and of whitespace in the source text', () => {
    fc.assert(
      fc.property(json, fc.nat(), (v, seed) => {
        const c = canonicalize(v);
        expect(canonicalize(shuffleKeys(v, seed))).toBe(c);
        expect(canonicalize(JSON.parse(JSON.stringify(v, null, 3)))).toBe(c);
        expect(canonicalBytes(v).equals(Buffer.from(c, 'utf8'))).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps a "__proto__" member as data', () => {
    const v = JSON.parse('{"b":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalize(v)).toBe('{"__proto__":{"x":1},"b":1}');
    expect(canonicalize(shuffleKeys(v, 3))).toBe('{"__proto__":{"x":1},"b":1}');
  });

  it('never puts whitespace between tokens and emits members in strictly increasing order', () => {
    fc.assert(
      fc.property(fc.dictionary(wellFormed, fc.integer(), { minKeys: 2, maxKeys: 8 }), (o) => {
        const c = canonicalize(o);
        // RFC 8785 orders members by UTF-16 code units, which is what `<` compares. (Reading the
        // order back through Object.keys(JSON.parse(c)) would be wrong: JavaScript lists
        // integer-like keys such as "0" first, so {"":0,"0":0} looked out of order.)
        const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
        for (let i = 1; i < keys.length; i++) expect(keys[i - 1]! < keys[i]!).toBe(true);
        expect(c).toBe(`{${keys.map((k) => `${JSON.stringify(k)}:${String(o[k])}`).join(',')}}`);
      }),
      // The counterexample a CI run found against the old oracle, always tried first.
      { examples: [[{ '0': 0, '': 0 }]] },
    );
  });

  it('refuses every non-JSON value wherever it sits, naming where', () => {
    const bad = fc.oneof(
      fc.constantFrom<unknown>(NaN, Infinity, -Infinity, () => 1, Symbol('s'), 10n, new Date(0), new Map(), /x/, new Uint8Array(1)),
      fc.constantFrom('\ud800', 'a\udc00', '\udbff!', 'x\ud83d').map((s) => s as unknown),
    );
    fc.assert(
      fc.property(bad, fc.array(fc.constantFrom('a', 'b', 0), { maxLength: 4 }), (b, route) => {
        let v: unknown = b;
        for (const step of route.slice().reverse()) v = typeof step === 'number' ? [v] : { [step]: v };
        expect(() => canonicalize(v)).toThrow(CanonicalJsonError);
        try {
          canonicalize(v);
        } catch (e) {
          const expectedPath = route.reduce<string>((p, step) => (typeof step === 'number' ? `${p}[${step}]` : p ? `${p}.${step}` : step), '');
          expect((e as CanonicalJsonError).path).toBe(expectedPath);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses a lone surrogate in a member name, and nesting beyond 64 levels but not at 64', () => {
    expect(() => canonicalize({ ['k\udc00']: 1 })).toThrow(/lone surrogate/);
    const nest = (n: number): unknown => (n === 0 ? 1 : [nest(n - 1)]);
    expect(canonicalize(nest(64))).toBe('['.repeat(64) + '1' + ']'.repeat(64));
    expect(() => canonicalize(nest(65))).toThrow(/deeper than 64/);
    expect(canonicalize(Object.create(null) as object)).toBe('{}');
    expect(canonicalize({ a: undefined })).toBe('{}');
    expect(() => canonicalize(undefined)).toThrow(/undefined has no JSON form/);
    expect(canonicalize([true, false])).toBe('[true,false]');
    expect(canonicalize(-0)).toBe('0');
  });
});
