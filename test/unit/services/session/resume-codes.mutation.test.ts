import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatResumeCode, HmacResumeCodes, normalizeResumeCode } from '../../../../main/services/session/resume-codes';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The documented code, computed independently: the HMAC's first 50 bits as a bit string, 5 at a time. */
function expectedCode(secret: Buffer, sessionId: string, resumeCount: number): string {
  const mac = createHmac('sha256', secret).update(`resume:v1:${sessionId}:${resumeCount}`).digest();
  const bits = [...mac].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i < 50; i += 5) out += CROCKFORD[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

describe('resume codes (independent oracle)', () => {
  it('are the first 50 bits of HMAC-SHA256(resume:v1:<session>:<count>) in Crockford base32', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 40 }), fc.uuid(), fc.nat(20), (secret, sid, n) => {
        const key = Buffer.from(secret);
        const codes = new HmacResumeCodes(key);
        const code = codes.codeFor(sid, n);
        expect(code).toBe(expectedCode(key, sid, n));
        expect(codes.verify(sid, n, code)).toBe(true);
        expect(codes.verify(sid, n + 1, code)).toBe(false);
      }),
      { numRuns: 200 },
    );
  });

  it('accepts a 16-byte secret and refuses a 15-byte one', () => {
    expect(() => new HmacResumeCodes(Buffer.alloc(16, 1))).not.toThrow();
    expect(() => new HmacResumeCodes(Buffer.alloc(15, 1))).toThrow(/at least 16 bytes/);
  });

  it('reads what people type: case, spaces, dashes, O as 0, I and L as 1', () => {
    expect(normalizeResumeCode(' ab-c\td\nO0 il IL ')).toBe('ABCD001111');
    expect(formatResumeCode('ABCDEFGHJK')).toBe('ABCDE-FGHJK');
    const codes = new HmacResumeCodes(Buffer.alloc(32, 7));
    const code = codes.codeFor('s', 0);
    expect(codes.verify('s', 0, `${code}0`)).toBe(false);
    expect(codes.verify('s', 0, '')).toBe(false);
  });
});
