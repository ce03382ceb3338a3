/**
 * The fair clock's records (main/services/session/fair-clock.ts), for mutation testing: what each
 * pause, resume and cap writes to the journal, field by field, and that the elapsed time is saved
 * to the database at each of those moments (so a crash during a dialog loses nothing). Expected
 * numbers are written out by hand from the clock moves in each test.
 */
import { describe, expect, it } from 'vitest';
import { makeFixture, must, startedSession, type Fixture } from '../support/session-fixture';

const CAP = 120_000;

function journal(f: Fixture, sessionId: string, type: string): Array<Record<string, unknown>> {
  return (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq`).all(sessionId, type) as Array<{ payload: string }>).map(
    (r) => JSON.parse(r.payload) as Record<string, unknown>,
  );
}

function progress(f: Fixture, sessionId: string): { phase: string; prep_elapsed_ms: number; elapsed_ms: number; persisted_at: number } {
  return f.db
    .prepare(`SELECT phase, prep_elapsed_ms, elapsed_ms, persisted_at FROM question_progress WHERE session_id = ? AND question_index = 0 ORDER BY attempt DESC LIMIT 1`)
    .get(sessionId) as { phase: string; prep_elapsed_ms: number; elapsed_ms: number; persisted_at: number };
}

/** A started session on its first question, with the preparation (if any) over and answering begun. */
function answering(): { f: Fixture; sessionId: string } {
  const f = makeFixture();
  const { sessionId } = startedSession(f);
  const v = must(f.service.current(sessionId));
  if (v.kind === 'question' && v.question.phase === 'preparing') must(f.service.beginAnswer(sessionId, 0));
  return { f, sessionId };
}

/** Elapsed milliseconds stored for the open phase of question 0. */
function stored(f: Fixture, sessionId: string): number {
  const p = progress(f, sessionId);
  return p.phase === 'preparing' ? p.prep_elapsed_ms : p.elapsed_ms;
}

describe('fair clock: what a pause records', () => {
  it('saves the elapsed time at the moment a dialog opens, and journals the whole allowance left', () => {
    const { f, sessionId } = answering();
    const t0 = f.clock.now();
    const base = stored(f, sessionId);
    f.clock.advance(4_000);
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    expect(progress(f, sessionId).persisted_at).toBe(t0 + 4_000);
    expect(stored(f, sessionId)).toBe(base + 4_000);
    const [paused] = journal(f, sessionId, 'clock_paused');
    expect(paused).toEqual({ dialog: 'help', questionIndex: 0, phase: 'answering', elapsedMs: base + 4_000, allowanceLeftMs: CAP });
  });

  it('a second pause on the same question journals what is left of the allowance', () => {
    const { f, sessionId } = answering();
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    f.clock.advance(30_000);
    must(f.service.dialogClock(sessionId, 0, 'help', false));
    f.clock.advance(1_000);
    must(f.service.dialogClock(sessionId, 0, 'exit', true));
    expect(journal(f, sessionId, 'clock_paused').map((p) => [p.dialog, p.allowanceLeftMs])).toEqual([
      ['help', CAP],
      ['exit', CAP - 30_000],
    ]);
  });
});

describe('fair clock: what a resume records', () => {
  it('saves the elapsed time when the dialog closes and journals the kind that was open, the pause and the allowance used', () => {
    const { f, sessionId } = answering();
    const base = stored(f, sessionId);
    f.clock.advance(2_000);
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    f.clock.advance(5_000);
    // Closed with the other kind: the journal names the dialog that was actually open.
    must(f.service.dialogClock(sessionId, 0, 'exit', false));
    expect(journal(f, sessionId, 'clock_resumed')).toEqual([{ dialog: 'help', questionIndex: 0, pausedMs: 5_000, allowanceUsedMs: 5_000 }]);
    expect(progress(f, sessionId).persisted_at).toBe(f.clock.now());
    expect(stored(f, sessionId)).toBe(base + 2_000);
  });

  it('the allowance used adds up across pauses', () => {
    const { f, sessionId } = answering();
    for (const ms of [5_000, 7_000]) {
      must(f.service.dialogClock(sessionId, 0, 'help', true));
      f.clock.advance(ms);
      must(f.service.dialogClock(sessionId, 0, 'help', false));
    }
    expect(journal(f, sessionId, 'clock_resumed').map((r) => r.allowanceUsedMs)).toEqual([5_000, 12_000]);
  });

  it('closing with no dialog open journals nothing', () => {
    const { f, sessionId } = answering();
    must(f.service.dialogClock(sessionId, 0, 'help', false));
    expect(journal(f, sessionId, 'clock_resumed')).toEqual([]);
  });
});

describe('fair clock: the cap', () => {
  it('at the tick after the allowance runs out: saves the time at that tick and journals the dialog and the allowance', () => {
    const { f, sessionId } = answering();
    const base = stored(f, sessionId);
    must(f.service.dialogClock(sessionId, 0, 'exit', true));
    f.clock.advance(CAP + 3_000);
    f.service.tick();
    expect(journal(f, sessionId, 'clock_pause_capped')).toEqual([{ dialog: 'exit', questionIndex: 0, allowanceMs: CAP }]);
    expect(progress(f, sessionId).persisted_at).toBe(f.clock.now());
    // The clock ran again from the moment the allowance ended: 3 s charged.
    expect(stored(f, sessionId)).toBe(base + 3_000);
  });

  it('one millisecond before the allowance runs out, a tick caps nothing', () => {
    const { f, sessionId } = answering();
    must(f.service.dialogClock(sessionId, 0, 'help', true));
    f.clock.advance(CAP - 1);
    f.service.tick();
    expect(journal(f, sessionId, 'clock_pause_capped')).toEqual([]);
    f.clock.advance(1);
    f.service.tick();
    expect(journal(f, sessionId, 'clock_pause_capped')).toHaveLength(1);
  });
});
