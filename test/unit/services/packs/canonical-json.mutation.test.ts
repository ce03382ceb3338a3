import { describe, expect, it } from 'vitest';
import { canonicalize, CanonicalJsonError } from '../../../../main/services/packs/canonical-json';

describe('canonical JSON refusals', () => {
  it('names the root and its own error class', () => {
    try {
      canonicalize(NaN);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CanonicalJsonError);
      expect((e as Error).name).toBe('CanonicalJsonError');
      expect((e as Error).message).toBe('(root): number NaN has no JSON form');
      expect((e as CanonicalJsonError).path).toBe('');
    }
  });

  it('counts nesting through objects as well as arrays', () => {
    const nest = (n: number): unknown => (n === 0 ? 1 : { k: nest(n - 1) });
    expect(canonicalize(nest(64))).toBe('{"k":'.repeat(64) + '1' + '}'.repeat(64));
    expect(() => canonicalize(nest(65))).toThrow(/deeper than 64/);
  });

  it('sorts hundreds of members, not only the few a property generates', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${String((i * 7919) % 300).padStart(3, '0')}`);
    const obj = Object.fromEntries(keys.map((k) => [k, 0]));
    const sorted = [...keys].sort();
    expect(canonicalize(obj)).toBe(`{${sorted.map((k) => `"${k}":0`).join(',')}}`);
    const reversed = Object.fromEntries([...sorted].reverse().map((k) => [k, 1]));
    expect(canonicalize(reversed)).toBe(`{${sorted.map((k) => `"${k}":1`).join(',')}}`);
  });
});
