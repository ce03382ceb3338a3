import { describe, expect, it } from 'vitest';
import { decideLift, decidePause, MAX_WRONG_PROCTOR_CODES, pauseOutstanding, type PauseReason, type ProctorPauseState } from '../../../../main/services/session/proctor-pause';
import { makeFixture, must, startedSession, type Fixture } from '../../../support/session-fixture';

const REASON: PauseReason = { source: 'integrity', kind: 'prohibited_process', severity: 'high', evidence: 'obs64.exe (OBS Studio)' };
const TAB = 'tab-aaaaaaaaaaaaaaaa';
const page = (n: number) => `page-${String(n).padStart(16, '0')}`;

function left(f: Fixture, sessionId: string): number {
  const v = must(f.service.current(sessionId));
  if (v.kind !== 'question') throw new Error('expected a question');
  return v.question.answerRemainingMs;
}

function rows(f: Fixture, sessionId: string, type: string): Array<Record<string, unknown>> {
  return (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq`).all(sessionId, type) as Array<{ payload: string }>).map(
    (r) => JSON.parse(r.payload) as Record<string, unknown>,
  );
}

function codeOf(f: Fixture, sessionId: string): string {
  const { resume_count } = f.db.prepare(`SELECT resume_count FROM sessions WHERE id = ?`).get(sessionId) as { resume_count: number };
  return f.codes.codeFor(sessionId, resume_count);
}

const state = (over: Partial<ProctorPauseState> = {}): ProctorPauseState => ({ since: 1_000, reason: REASON, questionIndex: 0, wrongCodes: 0, ...over });

describe('decidePause / decideLift / pauseOutstanding', () => {
  it('calls a pause outstanding until it is lifted or a resume follows it', () => {
    expect(pauseOutstanding(undefined, undefined, undefined)).toBe(false);
    expect(pauseOutstanding(10, undefined, undefined)).toBe(true);
    expect(pauseOutstanding(10, 12, undefined)).toBe(false);
    expect(pauseOutstanding(10, undefined, 11)).toBe(false);
    expect(pauseOutstanding(14, 12, 11)).toBe(true);
  });

  it('pauses only an interview in progress, and only once', () => {
    expect(decidePause(undefined, 'in_progress')).toEqual({ kind: 'pause' });
    expect(decidePause(state(), 'in_progress')).toEqual({ kind: 'already_paused' });
    for (const s of ['checked_in', 'interrupted', 'exited', 'completed']) expect(decidePause(undefined, s)).toEqual({ kind: 'not_answering' });
  });

  it('lifts on a valid code with the whole pause uncharged; counts wrong codes down to a lock', () => {
    expect(decideLift(state(), true, 4_500)).toEqual({ kind: 'lift', pausedMs: 3_500 });
    expect(decideLift(undefined, true, 4_500)).toEqual({ kind: 'not_paused' });
    expect(decideLift(state(), false, 4_500)).toEqual({ kind: 'code_invalid', attemptsLeft: MAX_WRONG_PROCTOR_CODES - 1 });
    expect(decideLift(state({ wrongCodes: MAX_WRONG_PROCTOR_CODES - 1 }), false, 4_500)).toEqual({ kind: 'code_invalid', attemptsLeft: 0 });
    // Locked: even the right code is not judged any more.
    expect(decideLift(state({ wrongCodes: MAX_WRONG_PROCTOR_CODES }), true, 4_500)).toEqual({ kind: 'locked' });
  });
});

describe('SessionService: a proctor alert pauses the interview', () => {
  it('stops the clock, refuses answering, and continues unchanged on the proctor code', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    f.clock.advance(10_000);
    f.service.tick();
    const before = left(f, sessionId);
    expect(must(f.service.pauseForProctor(sessionId, REASON))).toEqual({ paused: true });
    expect(f.events.at(-1)).toMatchObject({ sessionId, code: 'PROCTOR_PAUSED' });

    f.clock.advance(120_000);
    f.service.tick();
    expect(left(f, sessionId)).toBe(before);
    const v = must(f.service.current(sessionId));
    expect(v.kind === 'question' && v.question.proctorPaused).toBe(true);
    const submit = f.service.submitAnswer(sessionId, 0, 0, 'typed while paused');
    expect(submit.ok ? null : submit.error.code).toBe('PROCTOR_PAUSED');
    const draft = f.service.saveDraft(sessionId, 0, 0, page(1), 'x');
    expect(draft.ok ? null : draft.error.code).toBe('PROCTOR_PAUSED');
    // Nothing the candidate does ends it, not even opening and closing Help.
    const help = f.service.dialogClock(sessionId, 0, 'help', true);
    expect(help.ok ? null : help.error.code).toBe('PROCTOR_PAUSED');
    f.clock.advance(5_000);
    expect(left(f, sessionId)).toBe(before);

    const wrong = f.service.liftProctorPause(sessionId, 'AAAA-BBBB');
    expect(wrong.ok ? null : wrong.error.code).toBe('RESUME_CODE_INVALID');
    expect(left(f, sessionId)).toBe(before);

    const after = must(f.service.liftProctorPause(sessionId, codeOf(f, sessionId)));
    expect(after.answerRemainingMs).toBe(before);
    expect(after.proctorPaused).toBeUndefined();
    expect(f.events.at(-1)).toMatchObject({ sessionId, code: 'PROCTOR_PAUSE_LIFTED' });
    f.clock.advance(1_000);
    expect(left(f, sessionId)).toBe(before - 1_000);
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed after the pause'));

    const paused = rows(f, sessionId, 'proctor_paused');
    const lifted = rows(f, sessionId, 'proctor_pause_lifted');
    expect(paused).toEqual([expect.objectContaining({ by: 'integrity', kind: 'prohibited_process', severity: 'high', evidence: 'obs64.exe (OBS Studio)', questionIndex: 0 })]);
    expect(rows(f, sessionId, 'proctor_pause_refused')).toHaveLength(1);
    expect(lifted).toEqual([expect.objectContaining({ by: 'proctor_code', questionIndex: 0, pausedMs: 125_000, chargedMs: 0 })]);
    // Same clock value on both sides of the pause, as journaled.
    expect(lifted[0]!.elapsedMs).toBe(paused[0]!.elapsedMs);
  });

  it('pauses once per alert and never a session that is not answering', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.pauseForProctor(sessionId, REASON));
    expect(must(f.service.pauseForProctor(sessionId, { ...REASON, kind: 'virtual_camera' }))).toEqual({ paused: false });
    expect(rows(f, sessionId, 'proctor_paused')).toHaveLength(1);
    const notPaused = f.service.liftProctorPause(sessionId, codeOf(f, sessionId));
    expect(notPaused.ok).toBe(true);
    const again = f.service.liftProctorPause(sessionId, codeOf(f, sessionId));
    expect(again.ok ? null : again.error.code).toBe('ILLEGAL_TRANSITION');

    const g = makeFixture();
    const s = must(g.service.checkIn('DEMO-2026', 'zh-CN'));
    expect(must(g.service.pauseForProctor(s.sessionId, REASON))).toEqual({ paused: false });
    expect(rows(g, s.sessionId, 'proctor_paused')).toHaveLength(0);
  });

  it('locks after too many wrong codes; then only the resume path (with its code) ends the pause', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const before = left(f, sessionId);
    must(f.service.pauseForProctor(sessionId, REASON));
    const codes: string[] = [];
    for (let i = 0; i < MAX_WRONG_PROCTOR_CODES + 1; i++) {
      const r = f.service.liftProctorPause(sessionId, `WRONG-${i}`);
      codes.push(r.ok ? 'ok' : r.error.code);
    }
    expect(codes.slice(0, MAX_WRONG_PROCTOR_CODES - 1).every((c) => c === 'RESUME_CODE_INVALID')).toBe(true);
    expect(codes.slice(MAX_WRONG_PROCTOR_CODES - 1)).toEqual(['RESUME_CODE_LOCKED', 'RESUME_CODE_LOCKED']);
    const right = f.service.liftProctorPause(sessionId, codeOf(f, sessionId));
    expect(right.ok ? null : right.error.code).toBe('RESUME_CODE_LOCKED');
    expect(rows(f, sessionId, 'proctor_pause_refused')).toHaveLength(MAX_WRONG_PROCTOR_CODES);
    expect(left(f, sessionId)).toBe(before);
  });

  it('keeps the clock stopped across a page reload during the pause', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.attachPage(sessionId, page(1), TAB));
    f.clock.advance(2_000);
    const before = left(f, sessionId);
    must(f.service.pauseForProctor(sessionId, REASON));
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(1_000);
    must(f.service.attachPage(sessionId, page(2), TAB, true));
    f.clock.advance(30_000);
    f.service.tick();
    expect(left(f, sessionId)).toBe(before);
    const lifted = must(f.service.liftProctorPause(sessionId, codeOf(f, sessionId)));
    expect(lifted.answerRemainingMs).toBe(before);
  });

  it('a crash during the pause ends in the resume path, which needs the code even within the grace period', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.pauseForProctor(sessionId, REASON));
    const g = f.reopen();
    expect(must(g.service.current(sessionId)).kind).toBe('interrupted');
    expect(must(g.service.resumeOffer(sessionId)).needsResumeCode).toBe(true);
    const without = g.service.resume('DEMO-2026', undefined);
    expect(without.ok ? null : without.error.code).toBe('RESUME_CODE_REQUIRED');
    const back = must(g.service.resume('DEMO-2026', codeOf(g, sessionId)));
    expect(back.kind).toBe('question');
    // The resume ended the pause: answering works again.
    must(g.service.submitAnswer(sessionId, 0, 0, 'typed after the resume'));
  });

  it('leaving during the pause does not get round it: coming back needs the code', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.pauseForProctor(sessionId, REASON));
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'network', 'x'));
    const without = f.service.resume('DEMO-2026', undefined);
    expect(without.ok ? null : without.error.code).toBe('RESUME_CODE_REQUIRED');
    must(f.service.resume('DEMO-2026', codeOf(f, sessionId)));
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed after the resume'));
  });
});
