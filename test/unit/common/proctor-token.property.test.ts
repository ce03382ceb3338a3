import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SKEW_MS,
  PROCTOR_ACTIONS,
  PROCTOR_TOKEN_CHARS,
  PROCTOR_TOKEN_EPOCH_MS,
  formatProctorToken,
  generateProctorSigningKey,
  issueProctorToken,
  looksLikeProctorToken,
  proctorPublicKey,
  verifyProctorToken,
  type ProctorAction,
} from '../../../main/common/proctor-token';

const hub = generateProctorSigningKey();
const other = generateProctorSigningKey();
const keys = [proctorPublicKey(hub.publicKey)];
const MIN = 60_000;
const scope = { sessionId: 's-1', kioskId: 'kiosk-01', centreId: 'centre-bj' };
const T0 = Date.UTC(2026, 11, 7, 7, 0);

const idArb = fc.string({ minLength: 1, maxLength: 40 });
const scopeArb = fc.record({ sessionId: idArb, kioskId: idArb, centreId: idArb });
const actionArb = fc.constantFrom<ProctorAction>(...PROCTOR_ACTIONS);
const nonceArb = fc.uint8Array({ minLength: 5, maxLength: 5 }).map((b) => Buffer.from(b).toString('hex'));
const nowArb = fc.integer({ min: PROCTOR_TOKEN_EPOCH_MS, max: Date.UTC(2050, 0, 1) });
const reqArb = fc.record({ scope: scopeArb, action: actionArb, now: nowArb, ttlMinutes: fc.integer({ min: 1, max: 255 }), nonce: nonceArb, arg: fc.integer({ min: 0, max: 255 }) });

function issue(r: { scope: typeof scope; action: ProctorAction; now: number; ttlMinutes: number; nonce: string; arg: number }, key = hub): string {
  return issueProctorToken({ ...r.scope, action: r.action, now: r.now, ttlMinutes: r.ttlMinutes, nonce: r.nonce, arg: r.arg }, key);
}

describe('proctor tokens', () => {
  it('round-trips every field for the session, kiosk and action it was issued for', () => {
    fc.assert(
      fc.property(reqArb, (r) => {
        const token = issue(r);
        expect(token).toHaveLength(PROCTOR_TOKEN_CHARS);
        const v = verifyProctorToken(formatProctorToken(token).toLowerCase(), { ...r.scope, action: r.action }, keys, r.now);
        expect(v.ok).toBe(true);
        if (!v.ok) return;
        expect(v.value.nonce).toBe(r.nonce);
        expect(v.value.arg).toBe(r.arg);
        expect(v.value.issuedAt).toBe(r.now - ((r.now - PROCTOR_TOKEN_EPOCH_MS) % MIN));
        expect(v.value.expiresAt).toBe(v.value.issuedAt + r.ttlMinutes * MIN);
        expect(v.value.keyId).toBe(hub.keyId);
      }),
      { numRuns: 150 },
    );
  });

  it('refuses a token with any one character changed (forgery by editing)', () => {
    fc.assert(
      fc.property(reqArb, fc.nat(), fc.nat(), (r, posSeed, charSeed) => {
        const token = issue(r);
        const pos = posSeed % token.length;
        const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.replace(token[pos]!, '');
        const changed = token.slice(0, pos) + alphabet[charSeed % alphabet.length] + token.slice(pos + 1);
        const v = verifyProctorToken(changed, { ...r.scope, action: r.action }, keys, r.now);
        expect(v.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a token signed by a key the kiosk does not trust, whatever the hint byte says', () => {
    fc.assert(
      fc.property(reqArb, (r) => {
        const v = verifyProctorToken(issue(r, other), { ...r.scope, action: r.action }, keys, r.now);
        expect(v.ok).toBe(false);
        if (!v.ok) expect(['PROCTOR_TOKEN_UNKNOWN_KEY', 'PROCTOR_TOKEN_INVALID']).toContain(v.code);
      }),
      { numRuns: 80 },
    );
  });

  it('refuses random strings of a token\'s length', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-HJKMNP-TV-Z]{125}$/), (s) => {
        expect(verifyProctorToken(s, { ...scope, action: 'resume' }, keys, T0).ok).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses it for another session, kiosk, centre or action, and names which', () => {
    fc.assert(
      fc.property(reqArb, scopeArb, actionArb, (r, s2, a2) => {
        const token = issue(r);
        const same = s2.sessionId === r.scope.sessionId && s2.kioskId === r.scope.kioskId && s2.centreId === r.scope.centreId;
        const v = verifyProctorToken(token, { ...s2, action: r.action }, keys, r.now);
        expect(v.ok).toBe(same);
        if (a2 !== r.action) {
          const w = verifyProctorToken(token, { ...r.scope, action: a2 }, keys, r.now);
          expect(w.ok ? 'accepted' : w.code).toBe('PROCTOR_TOKEN_WRONG_ACTION');
        }
      }),
      { numRuns: 150 },
    );
  });

  it('the scope is bound by the signature, not only by the tags (same tags, other ids)', () => {
    // Find two session ids with the same one-byte tag: the signature must still tell them apart.
    const token = issueProctorToken({ ...scope, action: 'resume', now: T0, ttlMinutes: 10, nonce: '0011223344' }, hub);
    let refusedBySignature = 0;
    for (let i = 0; i < 2000 && refusedBySignature < 3; i++) {
      const v = verifyProctorToken(token, { ...scope, sessionId: `s-${i + 2}`, action: 'resume' }, keys, T0);
      expect(v.ok).toBe(false);
      if (!v.ok && v.code === 'PROCTOR_TOKEN_INVALID') refusedBySignature++;
    }
    expect(refusedBySignature).toBeGreaterThan(0);
  });

  it('accepts exactly within [issued - skew, expiry + skew] and refuses one millisecond outside', () => {
    fc.assert(
      fc.property(reqArb, fc.integer({ min: 0, max: 30 * MIN }), (r, skew) => {
        const token = issue(r);
        const ok = verifyProctorToken(token, { ...r.scope, action: r.action }, keys, r.now, { skewMs: skew });
        if (!ok.ok) throw new Error(ok.code);
        const { issuedAt, expiresAt } = ok.value;
        const at = (now: number) => verifyProctorToken(token, { ...r.scope, action: r.action }, keys, now, { skewMs: skew });
        expect(at(issuedAt - skew).ok).toBe(true);
        expect(at(expiresAt + skew).ok).toBe(true);
        const early = at(issuedAt - skew - 1);
        const late = at(expiresAt + skew + 1);
        expect(early.ok ? 'accepted' : early.code).toBe('PROCTOR_TOKEN_NOT_YET_VALID');
        expect(late.ok ? 'accepted' : late.code).toBe('PROCTOR_TOKEN_EXPIRED');
      }),
      { numRuns: 100 },
    );
  });

  it('a kiosk clock set back cannot stretch a token: validity is fixed by the signed issue time', () => {
    const token = issueProctorToken({ ...scope, action: 'resume', now: T0, ttlMinutes: 15, nonce: 'aabbccddee' }, hub);
    expect(verifyProctorToken(token, { ...scope, action: 'resume' }, keys, T0 + 15 * MIN + DEFAULT_SKEW_MS + 1).ok).toBe(false);
    expect(verifyProctorToken(token, { ...scope, action: 'resume' }, keys, T0 - DEFAULT_SKEW_MS - 1).ok).toBe(false);
  });

  it('a retired key (notAfter before the issue time) is refused', () => {
    const token = issueProctorToken({ ...scope, action: 'resume', now: T0, ttlMinutes: 15, nonce: 'aabbccddee' }, hub);
    const retired = [{ ...keys[0]!, notAfter: T0 - 1 }];
    const v = verifyProctorToken(token, { ...scope, action: 'resume' }, retired, T0);
    expect(v.ok ? 'accepted' : v.code).toBe('PROCTOR_TOKEN_UNKNOWN_KEY');
    expect(verifyProctorToken(token, { ...scope, action: 'resume' }, [{ ...keys[0]!, notAfter: T0 }], T0).ok).toBe(true);
  });

  it('tells a token from a 10-character centre code and refuses junk without throwing', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 600 }), (s) => {
        const v = verifyProctorToken(s, { ...scope, action: 'resume' }, keys, T0);
        expect(v.ok).toBe(false);
      }),
      { numRuns: 300 },
    );
    expect(looksLikeProctorToken('ABCDE-12345')).toBe(false);
    expect(looksLikeProctorToken(formatProctorToken(issueProctorToken({ ...scope, action: 'resume', now: T0, ttlMinutes: 5, nonce: '0000000000' }, hub)))).toBe(true);
  });

  it('refuses to issue what the format cannot carry', () => {
    const base = { ...scope, action: 'resume' as const, now: T0, ttlMinutes: 5, nonce: '0000000000' };
    expect(() => issueProctorToken({ ...base, ttlMinutes: 0 }, hub)).toThrow(RangeError);
    expect(() => issueProctorToken({ ...base, ttlMinutes: 256 }, hub)).toThrow(RangeError);
    expect(() => issueProctorToken({ ...base, nonce: 'xyz' }, hub)).toThrow(RangeError);
    expect(() => issueProctorToken({ ...base, now: PROCTOR_TOKEN_EPOCH_MS - 1 }, hub)).toThrow(RangeError);
    expect(() => issueProctorToken({ ...base, sessionId: '' }, hub)).toThrow(RangeError);
    expect(() => issueProctorToken({ ...base, arg: 256 }, hub)).toThrow(RangeError);
  });
});
