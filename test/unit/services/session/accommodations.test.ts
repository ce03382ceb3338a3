import { describe, expect, it } from 'vitest';
import { NO_ACCOMMODATIONS, type Accommodations } from '../../../../preload/contract/accommodations';
import { demoPack, loadPack } from '../../../../main/services/packs/pack-provider';
import { accommodatePack, scaledSeconds } from '../../../../main/services/session/accommodations';
import { AUTO_SUBMIT_GRACE_MS } from '../../../../main/services/session/session-service';
import { verifyJournal } from '../../../../main/services/journal/journal';
import { makeFixture, must, startedSession, type Fixture } from '../../../support/session-fixture';

function question(f: Fixture, sessionId: string) {
  const v = must(f.service.current(sessionId));
  if (v.kind !== 'question') throw new Error(`expected a question, got ${v.kind}`);
  return v.question;
}

function journal(f: Fixture, sessionId: string, type: string): Array<Record<string, unknown>> {
  return (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq`).all(sessionId, type) as Array<{ payload: string }>).map(
    (r) => JSON.parse(r.payload) as Record<string, unknown>,
  );
}

/** Submits the open text question and returns the next view's question. */
function submitText(f: Fixture, sessionId: string) {
  const q = question(f, sessionId);
  must(f.service.beginAnswer(sessionId, q.questionIndex));
  must(f.service.submitAnswer(sessionId, q.questionIndex, q.attempt, 'an answer'));
  return question(f, sessionId);
}

describe('accommodatePack', () => {
  it('multiplies preparation and answer time, rounding up, and leaves the signed hash alone', () => {
    const base = demoPack();
    const a: Accommodations = { ...NO_ACCOMMODATIONS, timeMultiplier: 1.5 };
    const p = accommodatePack(base, a);
    expect(p.hash).toBe(base.hash);
    p.questions.forEach((q, i) => {
      const b = base.questions[i]!.question;
      expect(q.question.answerSeconds).toBe(Math.ceil(b.answerSeconds * 1.5));
      expect(q.question.prepSeconds).toBe(Math.ceil(b.prepSeconds * 1.5));
    });
    // The pack itself is untouched: other candidates keep their times.
    expect(base.questions[0]!.question.answerSeconds).toBe(demoPack().questions[0]!.question.answerSeconds);
    expect(scaledSeconds(7, 1.25)).toBe(9);
    expect(scaledSeconds(90, 1.1)).toBe(99);
  });

  it('turns media answers into typed ones only where the pack allows it', () => {
    const base = demoPack();
    const a: Accommodations = { ...NO_ACCOMMODATIONS, textAnswers: true };
    expect(accommodatePack(base, a).questions.every((q) => q.question.mode === 'text')).toBe(true);
    const strict = structuredClone(base.pack);
    strict.policy.accommodations = { textInsteadOfMedia: false };
    const refused = loadPack(strict);
    if (!refused.ok) throw new Error(refused.error.message);
    expect(accommodatePack(refused.value, a).questions.map((q) => q.question.mode)).toEqual(base.questions.map((q) => q.question.mode));
  });
});

describe('SessionService with accommodations', () => {
  it('gives a 1.5× invite 1.5× the time and holds it to exactly that', () => {
    const f = makeFixture();
    const { sessionId, question: q } = startedSession(f, 'DEMO-ACC1');
    const plain = f.pack.questions[0]!.question.answerSeconds;
    expect(q.answerSeconds).toBe(plain * 1.5);
    expect(q.timeMultiplier).toBe(1.5);
    must(f.service.beginAnswer(sessionId, 0));
    // Past the plain limit (and its grace) the question is still open with the extra time left.
    f.clock.advance(plain * 1000 + AUTO_SUBMIT_GRACE_MS + 1_000);
    f.service.tick();
    const mid = question(f, sessionId);
    expect(mid.questionIndex).toBe(0);
    expect(mid.answerRemainingMs).toBe(plain * 1500 - (plain * 1000 + AUTO_SUBMIT_GRACE_MS + 1_000));
    // Past 1.5× (and the same grace) it closes.
    f.clock.advance(plain * 500);
    f.service.tick();
    expect(question(f, sessionId).questionIndex).toBe(1);
    expect(journal(f, sessionId, 'accommodations_set')).toEqual([
      { source: 'invite', accommodations: { timeMultiplier: 1.5, restBreakMinutes: 1, textAnswers: false, largeText: true, highContrast: false } },
    ]);
    const view = must(f.service.current(sessionId)).session;
    expect(view.accommodations).toEqual({ accommodations: expect.objectContaining({ timeMultiplier: 1.5, largeText: true }), source: 'invite', textAnswersRefused: false });
  });

  it('a candidate without accommodations keeps the pack time', () => {
    const f = makeFixture();
    const { question: q } = startedSession(f);
    expect(q.answerSeconds).toBe(f.pack.questions[0]!.question.answerSeconds);
    expect(q.timeMultiplier).toBeUndefined();
    expect(must(f.service.current(q.sessionId)).session.accommodations).toBeUndefined();
  });

  it('stops the clock for a rest break before the next stage, journals it, and ends it on request', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ACC1');
    const next = submitText(f, sessionId);
    expect(next.stageIndex).toBe(1);
    expect(next.restBreak).toEqual({ remainingMs: 60_000, maxMs: 60_000 });
    const prepBefore = next.prepRemainingMs;
    f.clock.advance(20_000);
    f.service.tick();
    const resting = question(f, sessionId);
    expect(resting.prepRemainingMs).toBe(prepBefore);
    expect(resting.restBreak?.remainingMs).toBe(40_000);
    const after = must(f.service.endRestBreak(sessionId, next.questionIndex));
    expect(after.restBreak).toBeUndefined();
    expect(after.prepRemainingMs).toBe(prepBefore);
    f.clock.advance(1_000);
    expect(question(f, sessionId).prepRemainingMs).toBe(prepBefore - 1_000);
    expect(journal(f, sessionId, 'rest_break_started')).toEqual([{ questionIndex: 1, stageIndex: 1, maxMs: 60_000 }]);
    expect(journal(f, sessionId, 'rest_break_ended')).toEqual([{ questionIndex: 1, restedMs: 20_000, maxMs: 60_000, by: 'candidate' }]);
    expect(verifyJournal(f.db, sessionId).ok).toBe(true);
  });

  it('ends a rest break at the very millisecond it runs out', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ACC1');
    submitText(f, sessionId);
    f.clock.advance(59_999);
    f.service.tick();
    expect(journal(f, sessionId, 'rest_break_ended')).toEqual([]);
    f.clock.advance(1);
    f.service.tick();
    expect(journal(f, sessionId, 'rest_break_ended')).toEqual([{ questionIndex: 1, restedMs: 60_000, maxMs: 60_000, by: 'time_up' }]);
  });

  it('ends a rest break by itself when its time is up, charging only the time after it', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ACC1');
    const next = submitText(f, sessionId);
    f.clock.advance(65_000);
    f.service.tick();
    const q = question(f, sessionId);
    expect(q.restBreak).toBeUndefined();
    expect(q.prepRemainingMs).toBe(next.prepRemainingMs - 5_000);
    expect(journal(f, sessionId, 'rest_break_ended')).toEqual([{ questionIndex: 1, restedMs: 60_000, maxMs: 60_000, by: 'time_up' }]);
  });

  it('gives no rest break to a candidate without one', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const next = submitText(f, sessionId);
    expect(next.restBreak).toBeUndefined();
    expect(journal(f, sessionId, 'rest_break_started')).toEqual([]);
  });

  it('lets a proctor set accommodations with a code bound to the session and the settings, journaling name and reason', () => {
    const f = makeFixture();
    const s = must(f.service.checkIn('DEMO-2026', 'en'));
    const a: Accommodations = { ...NO_ACCOMMODATIONS, timeMultiplier: 2, highContrast: true };
    const code = f.service.accommodationCode(s.sessionId, a);
    // A code for other settings does not work for these, and the refusal is journaled.
    const other = f.service.accommodationCode(s.sessionId, { ...a, timeMultiplier: 3 });
    const refused = f.service.setAccommodations({ sessionId: s.sessionId, accommodations: a, proctorCode: other, proctorName: 'Li Wei', reason: 'documented need' });
    expect(refused.ok).toBe(false);
    expect(journal(f, s.sessionId, 'accommodations_refused')).toHaveLength(1);
    const set = must(f.service.setAccommodations({ sessionId: s.sessionId, accommodations: a, proctorCode: code, proctorName: 'Li Wei', reason: 'documented need' }));
    expect(set.accommodations?.source).toBe('proctor');
    // The same code cannot be replayed: the next change needs a new one.
    expect(f.service.setAccommodations({ sessionId: s.sessionId, accommodations: a, proctorCode: code, proctorName: 'Li Wei', reason: 'again' }).ok).toBe(false);
    expect(journal(f, s.sessionId, 'accommodations_set')).toEqual([
      expect.objectContaining({ source: 'proctor', proctor: 'Li Wei', reason: 'documented need', accommodations: expect.objectContaining({ timeMultiplier: 2 }) }),
    ]);
    must(f.service.giveConsent(s.sessionId, true, f.pack.pack.policy.consentVersion));
    must(f.service.reportPrecheck(s.sessionId, 'ok', 'ok'));
    const v = must(f.service.start(s.sessionId));
    if (v.kind !== 'question') throw new Error('expected a question');
    expect(v.question.answerSeconds).toBe(f.pack.questions[0]!.question.answerSeconds * 2);
  });

  it('stops checking proctor codes after five wrong ones since the last change, and the right code then changes nothing', () => {
    const f = makeFixture();
    const s = must(f.service.checkIn('DEMO-2026', 'en'));
    const a: Accommodations = { ...NO_ACCOMMODATIONS, timeMultiplier: 1.5 };
    const code = f.service.accommodationCode(s.sessionId, a);
    const wrong = f.service.accommodationCode(s.sessionId, { ...a, timeMultiplier: 3 });
    const attempt = (c: string) => f.service.setAccommodations({ sessionId: s.sessionId, accommodations: a, proctorCode: c, proctorName: 'Li Wei', reason: 'documented need' });
    for (let i = 0; i < 4; i++) expect(attempt(wrong)).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    // Four wrong, then the right one still works: the cap counts wrong codes since the last change.
    must(attempt(code));
    const b: Accommodations = { ...a, restBreakMinutes: 5 };
    const next = f.service.accommodationCode(s.sessionId, b);
    const attemptB = (c: string) => f.service.setAccommodations({ sessionId: s.sessionId, accommodations: b, proctorCode: c, proctorName: 'Li Wei', reason: 'needs breaks' });
    for (let i = 0; i < 5; i++) expect(attemptB(wrong)).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    expect(attemptB(next)).toMatchObject({ ok: false, error: { code: 'ACCOMMODATION_CODE_LOCKED' } });
    expect(journal(f, s.sessionId, 'accommodations_refused')).toHaveLength(9);
    expect(journal(f, s.sessionId, 'accommodations_set')).toHaveLength(1);
  });

  it('gives the rest break again after a restart during it, with the clock still stopped', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ACC1');
    const next = submitText(f, sessionId);
    expect(next.restBreak).toBeDefined();
    const prepBefore = next.prepRemainingMs;
    f.clock.advance(10_000);
    f.service.tick();
    const g = f.reopen();
    must(g.service.resume('DEMO-ACC1', undefined));
    const q = question(g, sessionId);
    expect(q.restBreak).toEqual({ remainingMs: 60_000, maxMs: 60_000 });
    expect(q.prepRemainingMs).toBe(prepBefore);
    expect(journal(g, sessionId, 'rest_break_started')).toHaveLength(2);
    // Once the break is over and the clock has run, a restart does not give another one.
    must(g.service.endRestBreak(sessionId, q.questionIndex));
    g.clock.advance(3_000);
    g.service.tick();
    const h = g.reopen();
    must(h.service.resume('DEMO-ACC1', undefined));
    expect(question(h, sessionId).restBreak).toBeUndefined();
    expect(journal(h, sessionId, 'rest_break_started')).toHaveLength(2);
  });

  it('keeps accommodations and their time across a restart', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ACC1');
    f.clock.advance(10_000);
    f.service.tick();
    const g = f.reopen();
    must(g.service.resume('DEMO-ACC1', undefined));
    const q = question(g, sessionId);
    expect(q.answerSeconds).toBe(f.pack.questions[0]!.question.answerSeconds * 1.5);
    expect(q.answerRemainingMs).toBe(q.answerSeconds * 1000 - 10_000);
  });
});

describe('SessionService: the fair clock as pack policy', () => {
  function packWithFairClock(fairClock: { dialogsStopClock: boolean; dialogPauseCapSeconds: number }) {
    const p = structuredClone(demoPack().pack);
    p.policy.fairClock = fairClock;
    const r = loadPack(p);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  }

  it('uses the pack cap instead of the default', () => {
    const f = makeFixture({ pack: packWithFairClock({ dialogsStopClock: true, dialogPauseCapSeconds: 5 }) });
    const { sessionId, question: q0 } = startedSession(f);
    const v = must(f.service.dialogClock(sessionId, 0, 'help', true));
    expect(v.dialogPause).toEqual({ stopsClock: true, capMs: 5_000, leftMs: 5_000, open: true });
    f.clock.advance(8_000);
    f.service.tick();
    expect(question(f, sessionId).answerRemainingMs).toBe(q0.answerRemainingMs - 3_000);
    expect(journal(f, sessionId, 'clock_pause_capped')).toEqual([expect.objectContaining({ allowanceMs: 5_000 })]);
  });

  it('lets the clock run when the pack says dialogs do not stop it', () => {
    const f = makeFixture({ pack: packWithFairClock({ dialogsStopClock: false, dialogPauseCapSeconds: 120 }) });
    const { sessionId, question: q0 } = startedSession(f);
    const v = must(f.service.dialogClock(sessionId, 0, 'exit', true));
    expect(v.dialogPause?.stopsClock).toBe(false);
    f.clock.advance(4_000);
    expect(question(f, sessionId).answerRemainingMs).toBe(q0.answerRemainingMs - 4_000);
    expect(journal(f, sessionId, 'clock_paused')).toEqual([]);
  });
});
