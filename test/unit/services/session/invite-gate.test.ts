import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { err, ok, type Result } from '../../../../main/common/result';
import { openDatabase } from '../../../../main/db/connection';
import { DEFAULT_INVITE_POLICY, delayAfter, gateState, InviteGate } from '../../../../main/services/session/invite-gate';
import { CheckInRequest, ResumeRequest } from '../../../../preload/contract/session';
import { normalizeInviteCode } from '../../../../preload/contract/invite-code';
import { tempDbPath } from '../../../support/session-fixture';

const VALID = new Set(['DEMO-2026', 'AB12-CD34']);
const known = (c: string) => VALID.has(c);

function gate(dbPath = tempDbPath(), clock = new ManualClock()) {
  const db = openDatabase(dbPath);
  const g = new InviteGate({ db, clock, logger: silentLogger, known });
  const attempts: string[] = [];
  const attempt = (code: string): Result<string> => {
    attempts.push(code);
    return VALID.has(code) ? ok(code) : err('INVITE_NOT_FOUND', 'no such invite');
  };
  return { db, g, clock, attempts, attempt, dbPath };
}

describe('invite code normalisation', () => {
  it.each([
    ['ＤＥＭＯ－２０２６', 'DEMO-2026'],
    ['demo 2026', 'DEMO-2026'],
    ['  demo - 2026 ', 'DEMO-2026'],
    ['DEMO—2026', 'DEMO-2026'],
    ['demo。2026', 'DEMO-2026'],
    ['ｄｅｍｏ　２０２６', 'DEMO-2026'],
    ['DEMO\u200B-2026', 'DEMO-2026'],
    ['demo_2026', 'DEMO-2026'],
  ])('reads %j as %s', (typed, code) => {
    expect(normalizeInviteCode(typed)).toBe(code);
  });

  it('the check-in and resume contracts accept what a Chinese IME types', () => {
    const c = CheckInRequest.safeParse({ inviteCode: 'ＤＥＭＯ－２０２６', locale: 'zh-CN' });
    expect(c.success).toBe(true);
    const r = ResumeRequest.safeParse({ inviteCode: 'demo 2026' });
    expect(r.success && r.data.inviteCode).toBe('DEMO-2026');
  });

  it('is idempotent and only ever yields letters, digits and single inner dashes', () => {
    // Upper-casing decomposes some letters (found by the property below): normalising twice must not change them.
    expect(normalizeInviteCode(normalizeInviteCode('ῒ'))).toBe(normalizeInviteCode('ῒ'));
    fc.assert(
      fc.property(fc.string({ maxLength: 80, unit: 'grapheme' }), (s) => {
        const n = normalizeInviteCode(s);
        expect(normalizeInviteCode(n)).toBe(n);
        expect(n).not.toMatch(/--|^-|-$|\s/);
      }),
    );
  });
});

describe('InviteGate', () => {
  it('passes the normalised code to check-in, and restores a dash that was left out', async () => {
    const { g, attempt, attempts } = gate();
    expect((await g.checkIn('ＤＥＭＯ－２０２６', attempt)).ok).toBe(true);
    expect((await g.checkIn('demo 2026', attempt)).ok).toBe(true);
    expect((await g.checkIn('demo2026', attempt)).ok).toBe(true);
    expect(attempts).toEqual(['DEMO-2026', 'DEMO-2026', 'DEMO-2026']);
  });

  it('answers the first wrong codes at once, then makes the candidate wait, doubling each time', async () => {
    const { g, attempt, clock, attempts } = gate();
    for (let i = 0; i < DEFAULT_INVITE_POLICY.freeAttempts; i++) {
      expect((await g.checkIn(`WRONG-${i}000`, attempt)) as unknown).toMatchObject({ ok: false, error: { code: 'INVITE_NOT_FOUND' } });
    }
    // The next try, right away, is refused without looking at the code (even the right one).
    expect(await g.checkIn('DEMO-2026', attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_THROTTLED' } });
    expect(attempts).toHaveLength(3);
    expect(g.status()).toMatchObject({ state: 'waiting', retryAt: clock.now() + 2_000 });
    clock.advance(2_000);
    expect(await g.checkIn('WRONG-4000', attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_NOT_FOUND' } });
    expect(g.status()).toMatchObject({ state: 'waiting', retryAt: clock.now() + 4_000 });
    clock.advance(3_999);
    expect(await g.checkIn('DEMO-2026', attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_THROTTLED' } });
    clock.advance(1);
    expect((await g.checkIn('DEMO-2026', attempt)).ok).toBe(true);
    // A right code resets the count.
    expect(g.status()).toEqual({ state: 'open', wrongInARow: 0 });
  });

  it('takes parallel attempts one at a time, so a burst cannot pass the open gate together', async () => {
    const { g, attempts } = gate();
    const slow = async (code: string): Promise<Result<string>> => {
      attempts.push(code);
      await new Promise((r) => setTimeout(r, 5));
      return err('INVITE_NOT_FOUND', 'no such invite');
    };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => g.checkIn(`BURST-${1000 + i}`, slow)));
    expect(attempts).toHaveLength(DEFAULT_INVITE_POLICY.freeAttempts);
    expect(results.filter((r) => !r.ok && r.error.code === 'INVITE_THROTTLED')).toHaveLength(10 - DEFAULT_INVITE_POLICY.freeAttempts);
  });

  it('counts a code that cannot be an invite code as a wrong one', async () => {
    const { g, attempt, attempts } = gate();
    for (let i = 0; i < 3; i++) expect(await g.checkIn('!!', attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_NOT_FOUND' } });
    expect(attempts).toEqual([]);
    expect(g.status().state).toBe('waiting');
  });

  it('locks after N wrong codes in a row, survives a restart, and a proctor can clear it', async () => {
    const clock = new ManualClock();
    const first = gate(undefined, clock);
    for (let i = 0; i < DEFAULT_INVITE_POLICY.lockAfter; i++) {
      const r = await first.g.checkIn(`NOPE-${1000 + i}`, first.attempt);
      expect(r.ok).toBe(false);
      clock.advance(DEFAULT_INVITE_POLICY.maxDelayMs);
      if (i === DEFAULT_INVITE_POLICY.lockAfter - 1) expect(r).toMatchObject({ error: { code: 'INVITE_LOCKED' } });
    }
    first.db.close();
    const again = gate(first.dbPath, clock);
    expect(again.g.status().state).toBe('locked');
    expect(await again.g.checkIn('DEMO-2026', again.attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_LOCKED' } });
    expect(again.attempts).toEqual([]);
    expect(again.g.clear('proctor Li').state).toBe('open');
    expect((await again.g.checkIn('DEMO-2026', again.attempt)).ok).toBe(true);
    const outcomes = again.g.recent(100).map((r) => r.outcome).reverse();
    expect(outcomes.filter((o) => o === 'wrong')).toHaveLength(DEFAULT_INVITE_POLICY.lockAfter);
    expect(outcomes.slice(-3)).toEqual(['locked', 'cleared', 'accepted']);
  });

  it('the lockout runs out after its time, and the next wrong code locks again at once', async () => {
    const { g, attempt, clock } = gate();
    for (let i = 0; i < DEFAULT_INVITE_POLICY.lockAfter; i++) {
      await g.checkIn(`NOPE-${1000 + i}`, attempt);
      clock.advance(DEFAULT_INVITE_POLICY.maxDelayMs);
    }
    clock.advance(DEFAULT_INVITE_POLICY.lockMs);
    expect(g.status().state).toBe('open');
    expect(await g.checkIn('NOPE-9999', attempt)).toMatchObject({ ok: false, error: { code: 'INVITE_LOCKED' } });
  });

  it('does not count refusals about a real invite (an interview that has ended) as wrong codes', async () => {
    const { g } = gate();
    for (let i = 0; i < 5; i++) await g.checkIn('DEMO-2026', () => err('INVITE_USED', 'ended'));
    expect(g.status()).toEqual({ state: 'open', wrongInARow: 0 });
  });

  it('keeps its record append-only', () => {
    const { db, g } = gate();
    g.clear('x');
    expect(() => db.prepare(`DELETE FROM invite_attempts`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE invite_attempts SET outcome = 'accepted'`).run()).toThrow(/append-only/);
  });
});

describe('the throttle schedule', () => {
  it('matches the table: free tries, then 2 s, 4 s, 8 s … capped at a minute', () => {
    const p = DEFAULT_INVITE_POLICY;
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => delayAfter(n, p))).toEqual([0, 0, 0, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  });

  it('never lets a code through while waiting or locked (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 3_600_000 }), (wrong, since) => {
        const at = 1_000_000;
        const s = gateState(wrong, wrong === 0 ? null : at, at + since, DEFAULT_INVITE_POLICY);
        const wait = wrong >= DEFAULT_INVITE_POLICY.lockAfter ? DEFAULT_INVITE_POLICY.lockMs : delayAfter(wrong, DEFAULT_INVITE_POLICY);
        expect(s.state === 'open').toBe(since >= wait);
      }),
    );
  });
});
