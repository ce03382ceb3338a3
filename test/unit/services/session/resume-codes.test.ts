import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { formatResumeCode, HmacResumeCodes, normalizeResumeCode, RefusingResumeCodes, RESUME_CODE_LENGTH, RotatingResumeCodes } from '../../../../main/services/session/resume-codes';

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

describe('rotation of the centre secret', () => {
  const current = { keyId: 'rc-2026-12', secret: Buffer.alloc(32, 1) };
  const previous = { keyId: 'rc-2026-11', secret: Buffer.alloc(32, 2), acceptUntil: Date.parse('2026-12-10T00:00:00Z') };

  it('issues with the current key and accepts the previous key only until its window ends', () => {
    const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));
    const rotating = new RotatingResumeCodes([current, previous], clock);
    expect(rotating.currentKeyId).toBe('rc-2026-12');
    expect(rotating.codeFor('s', 0)).toBe(new HmacResumeCodes(current.secret).codeFor('s', 0));
    const oldCode = new HmacResumeCodes(previous.secret).codeFor('s', 0);
    expect(rotating.verify('s', 0, oldCode)).toBe(true);
    clock.set(Date.parse('2026-12-10T00:00:01Z'));
    expect(rotating.verify('s', 0, oldCode)).toBe(false);
    expect(rotating.verify('s', 0, rotating.codeFor('s', 0))).toBe(true);
  });

  it('a kiosk without a provisioned secret accepts no code at all', () => {
    const none = new RefusingResumeCodes('no resume-code secret is provisioned');
    expect(none.verify()).toBe(false);
    expect(() => none.codeFor()).toThrow(/unavailable/);
  });
});
