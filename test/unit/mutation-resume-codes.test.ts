/**
 * Resume-code rotation and the public demo secret, pinned at the edges a mutant of
 * main/services/session/resume-codes.ts would move: the last millisecond a previous key is
 * accepted, a kiosk configured with no key at all, and the demo secret being recognised.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/common/clock';
import { DEMO_PROCTOR_SECRET, HmacResumeCodes, isKnownDemoSecret, KNOWN_DEMO_SECRET_HASHES, RotatingResumeCodes } from '../../main/services/session/resume-codes';

const current = { keyId: 'k2', secret: Buffer.alloc(32, 2) };
const UNTIL = Date.UTC(2026, 11, 1);
const previous = { keyId: 'k1', secret: Buffer.alloc(32, 1), acceptUntil: UNTIL };

describe('resume codes: the public demo secret', () => {
  it('is recognised by its sha256, written out here (an independent hash of the documented text)', () => {
    const hex = createHash('sha256').update('interview-kiosk-demo-proctor-secret-v1', 'utf8').digest('hex');
    expect(KNOWN_DEMO_SECRET_HASHES).toEqual([hex]);
    expect(isKnownDemoSecret(Buffer.from('interview-kiosk-demo-proctor-secret-v1'))).toBe(true);
    expect(isKnownDemoSecret(DEMO_PROCTOR_SECRET)).toBe(true);
  });

  it('a different secret is not the demo one', () => {
    expect(isKnownDemoSecret(Buffer.from('interview-kiosk-demo-proctor-secret-v2'))).toBe(false);
    expect(isKnownDemoSecret(Buffer.alloc(32, 7))).toBe(false);
  });
});

describe('resume codes: rotating keys', () => {
  it('refuses to start with no key, and says so', () => {
    expect(() => new RotatingResumeCodes([], new ManualClock())).toThrow('at least one resume-code key is required');
  });

  it('issues with the first key and reports its id', () => {
    const codes = new RotatingResumeCodes([current, previous], new ManualClock(UNTIL - 1));
    expect(codes.currentKeyId).toBe('k2');
    expect(codes.codeFor('s-1', 0)).toBe(new HmacResumeCodes(current.secret).codeFor('s-1', 0));
  });

  it('accepts a previous key up to and including its acceptUntil millisecond, and not one after', () => {
    const clock = new ManualClock(UNTIL - 1);
    const codes = new RotatingResumeCodes([current, previous], clock);
    const old = new HmacResumeCodes(previous.secret).codeFor('s-1', 3);
    expect(codes.verify('s-1', 3, old)).toBe(true);
    clock.set(UNTIL);
    expect(codes.verify('s-1', 3, old)).toBe(true);
    clock.set(UNTIL + 1);
    expect(codes.verify('s-1', 3, old)).toBe(false);
    // The current key has no window: it verifies long after.
    clock.set(UNTIL + 86_400_000 * 365);
    expect(codes.verify('s-1', 3, codes.codeFor('s-1', 3))).toBe(true);
  });
});
