import { describe, expect, it } from 'vitest';
import { DIALOG_PAUSE_CAP_MS } from '../../../../main/services/session/answer-clock';
import { makeFixture, must, startedSession, type Fixture } from '../../../support/session-fixture';

function left(f: Fixture, sessionId: string): number {
  const v = must(f.service.current(sessionId));
  if (v.kind !== 'question') throw new Error('expected a question');
  return v.question.answerRemainingMs;
}

function journal(f: Fixture, sessionId: string, type: string): Array<Record<string, unknown>> {
  return (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq`).all(sessionId, type) as Array<{ payload: string }>).map(
    (r) => JSON.parse(r.payload) as Record<string, unknown>,
  );
}

describe('SessionService: Help and Leave stop the answer clock', () => {
  it('charges nothing while Help is open, and journals the pause', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    f.clock.advance(10_000);
    const before = left(f, sessionId);
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    f.clock.advance(5_000);
    f.service.tick();
    expect(left(f, sessionId)).toBe(before);
    const after = must(f.service.dialogClock(sessionId, 0, 'help', false));
    expect(after.answerRemainingMs).toBe(before);
    f.clock.advance(1_000);
    expect(left(f, sessionId)).toBe(before - 1_000);
    expect(journal(f, sessionId, 'clock_paused')).toEqual([expect.objectContaining({ dialog: 'help', questionIndex: 0 })]);
    expect(journal(f, sessionId, 'clock_resumed')).toEqual([expect.objectContaining({ dialog: 'help', pausedMs: 5_000 })]);
  });

  it('caps the pause per question so a dialog cannot become thinking time', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const before = left(f, sessionId);
    must(f.service.dialogClock(sessionId, 0, 'exit', true));
    f.clock.advance(DIALOG_PAUSE_CAP_MS + 7_000);
    f.service.tick();
    expect(left(f, sessionId)).toBe(before - 7_000);
    expect(journal(f, sessionId, 'clock_pause_capped')).toHaveLength(1);
    must(f.service.dialogClock(sessionId, 0, 'exit', false));
    // The allowance is used up: opening Help again no longer stops the clock on this question.
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    f.clock.advance(3_000);
    expect(left(f, sessionId)).toBe(before - 10_000);
  });

  it('adds up several pauses against one allowance', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const before = left(f, sessionId);
    for (let i = 0; i < 3; i++) {
      must(f.service.dialogClock(sessionId, 0, 'help', true));
      f.clock.advance(DIALOG_PAUSE_CAP_MS / 2);
      f.service.tick();
      must(f.service.dialogClock(sessionId, 0, 'help', false));
    }
    expect(left(f, sessionId)).toBe(before - DIALOG_PAUSE_CAP_MS / 2);
    expect(journal(f, sessionId, 'clock_resumed').map((e) => e.pausedMs)).toEqual([DIALOG_PAUSE_CAP_MS / 2]);
    expect(journal(f, sessionId, 'clock_pause_capped')).toHaveLength(1);
    expect(journal(f, sessionId, 'clock_paused')).toHaveLength(2);
  });
});
