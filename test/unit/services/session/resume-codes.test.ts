import { describe, expect, it } from 'vitest';
import { formatResumeCode, HmacResumeCodes, normalizeResumeCode, RESUME_CODE_LENGTH } from '../../../../main/services/session/resume-codes';

const codes = new HmacResumeCodes(Buffer.from('a-secret-of-enough-length-1234567'));

describe('proctor resume codes', () => {
  it('are 10 unambiguous characters, bound to the session and to the resume count', () => {
    const c = codes.codeFor('session-a', 0);
    expect(c).toMatch(new RegExp(`^[0-9A-HJKMNP-TV-Z]{${RESUME_CODE_LENGTH}}$`));
    expect(codes.verify('session-a', 0, c)).toBe(true);
    expect(codes.verify('session-b', 0, c)).toBe(false);
    expect(codes.verify('session-a', 1, c)).toBe(false);
    expect(new HmacResumeCodes(Buffer.from('another-secret-of-enough-length-99')).verify('session-a', 0, c)).toBe(false);
  });

  it('accepts what a person types: lower case, dashes, spaces, O for 0', () => {
    const c = codes.codeFor('s', 3);
    const typed = ` ${formatResumeCode(c).toLowerCase().replace(/0/g, 'o')} `;
    expect(normalizeResumeCode(typed)).toBe(c);
    expect(codes.verify('s', 3, typed)).toBe(true);
  });

  it('refuses short secrets and codes of the wrong length', () => {
    expect(() => new HmacResumeCodes(Buffer.from('short'))).toThrow();
    expect(codes.verify('s', 0, codes.codeFor('s', 0).slice(0, 9))).toBe(false);
  });
});
