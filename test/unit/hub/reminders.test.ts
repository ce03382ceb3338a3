import { describe, expect, it } from 'vitest';
import { dingtalkUrl, truncateUtf8 } from '../../../hub/reminders/channels';
import { parseDuration, parseOffsets, reminderConfigFromEnv } from '../../../hub/reminders/config';
import { fixFor, reminderMessage } from '../../../hub/reminders/messages';

describe('hub reminder settings', () => {
  it('reads offsets, largest first, and refuses nonsense', () => {
    expect(parseOffsets('1h, 24h,30m')).toEqual([
      { kind: '24h', beforeMs: 86_400_000 },
      { kind: '1h', beforeMs: 3_600_000 },
      { kind: '30m', beforeMs: 1_800_000 },
    ]);
    expect(parseDuration('2d')).toBe(172_800_000);
    for (const bad of ['', '1x', '-1h', '0m', '31d', '1h,60m', 'a,b']) expect(() => parseOffsets(bad), bad).toThrow();
    expect(reminderConfigFromEnv({}).offsets.map((o) => o.kind)).toEqual(['24h', '1h']);
    expect(() => reminderConfigFromEnv({ HUB_CHECK_URL: 'https://x/check' })).toThrow(/\{code\}/);
    expect(() => reminderConfigFromEnv({ HUB_DINGTALK_WEBHOOK: 'file:///etc/passwd' })).toThrow(/http/);
    expect(() => reminderConfigFromEnv({ HUB_REMINDER_MAX_ATTEMPTS: '0' })).toThrow();
    const c = reminderConfigFromEnv({ HUB_SMTP_HOST: 'smtp.example.com', HUB_SMTP_SECURE: '1' });
    expect(c.smtp).toEqual({ host: 'smtp.example.com', port: 587, secure: true, from: 'interview-hub@smtp.example.com' });
    expect(c.dingtalk).toBeUndefined();
  });

  it('signs DingTalk URLs only with a secret, keeping the access token', () => {
    const plain = 'https://oapi.dingtalk.com/robot/send?access_token=abc';
    expect(dingtalkUrl(plain, undefined, 1)).toBe(plain);
    const u = new URL(dingtalkUrl(plain, 'SEC1', 1_700_000_000_000));
    expect(u.searchParams.get('access_token')).toBe('abc');
    expect(u.searchParams.get('timestamp')).toBe('1700000000000');
    expect(Buffer.from(u.searchParams.get('sign')!, 'base64')).toHaveLength(32);
  });

  it('cuts UTF-8 text to a byte budget without splitting a character', () => {
    const t = truncateUtf8('面试'.repeat(1000), 2048);
    expect(Buffer.byteLength(t, 'utf8')).toBeLessThanOrEqual(2048);
    expect(t.endsWith('…')).toBe(true);
    expect(t).not.toContain('\ufffd');
    expect(truncateUtf8('short', 2048)).toBe('short');
  });

  it('writes zh-CN then English, and what to fix for each failed check', () => {
    const m = reminderMessage({ candidateName: 'A', code: 'ABC', windowStart: 0, windowEnd: 3_600_000, location: 'centre', centre: 'C1', jobId: 'j', kind: '1h', timeZone: 'UTC', failedChecks: ['microphone.level', 'zzz'] });
    expect(m.text.indexOf('您好')).toBeLessThan(m.text.indexOf('Hello'));
    expect(m.text).toContain(fixFor('microphone.level').zh);
    expect(m.text).toContain(fixFor('microphone.level').en);
    expect(m.text).toContain('zzz');
    expect(m.text).not.toContain('system check beforehand'); // centre invites get no home-check link
    expect(fixFor('network.clock').en).toMatch(/^Clock/);
    expect(fixFor('network.loss').en).toMatch(/^Network/);
  });
});
