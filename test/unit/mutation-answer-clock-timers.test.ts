/**
 * The AnswerClock class (main/services/session/answer-clock.ts) on a real database with a made-up
 * pack and a recording journal, for mutation testing: which phase a question opens in, what is
 * journaled when, how a timer is rebuilt from the database after a restart, and how preparation
 * ends by itself at its limit (to the millisecond, with the overflow charged to the answer).
 * The expected numbers are written out from each test's clock moves.
 */
import { describe, expect, it } from 'vitest';
import { getProgress, getSession, type SessionRow } from '../../main/db/queries/sessions';
import type { LoadedPack } from '../../main/services/packs/pack-provider';
import type { FlatQuestion } from '../../main/services/packs/pack-schema';
import { AnswerClock } from '../../main/services/session/answer-clock';
import type { SessionContext } from '../../main/services/session/context';
import { makeFixture, must, type Fixture } from '../support/session-fixture';

const T0 = Date.UTC(2026, 11, 7, 2, 0, 0);

function question(index: number, prepSeconds: number): FlatQuestion {
  return { index, question: { id: `q${index}`, mode: 'video', prepSeconds } } as unknown as FlatQuestion;
}
/** Question 0 has 10 s of preparation, question 1 none; question 50 is one check-in chose no variant for. */
const questions = [question(0, 10), question(1, 0)];
questions[50] = question(50, 0);
const pack = { questions, pack: { policy: {} } } as unknown as LoadedPack;

interface Rig {
  f: Fixture;
  sessionId: string;
  clock: AnswerClock;
  events: Array<{ type: string; payload: Record<string, unknown>; at: number }>;
  forget: (id: string) => void;
  session: () => SessionRow;
  restart: () => AnswerClock;
}

function rig(): Rig {
  const f = makeFixture();
  const { sessionId } = must(f.service.checkIn('DEMO-2026', 'zh-CN'));
  const events: Rig['events'] = [];
  const forgets: Array<(id: string) => void> = [];
  const journal = { append: (_id: string, type: string, payload: Record<string, unknown>, at: number) => events.push({ type, payload, at }) };
  const ctx = () =>
    ({
      db: f.db,
      deps: { db: f.db, journal },
      packOf: () => pack,
      onForget: (cb: (id: string) => void) => forgets.push(cb),
    }) as unknown as SessionContext;
  return {
    f,
    sessionId,
    clock: new AnswerClock(ctx()),
    events,
    forget: (id) => forgets.forEach((cb) => cb(id)),
    session: () => getSession(f.db, sessionId)!,
    restart: () => new AnswerClock(ctx()),
  };
}

describe('AnswerClock: opening a question', () => {
  it('a question with preparation opens preparing; one without opens answering, in memory and in the database', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    expect(r.clock.get(r.sessionId)).toEqual({ questionIndex: 0, phase: 'preparing', base: 0, since: T0, prepElapsed: 0, lastPersist: T0, dialogCapMs: 120_000 });
    expect(getProgress(r.f.db, r.sessionId, 0)?.phase).toBe('preparing');
    r.clock.openQuestion(r.sessionId, pack, 1, T0 + 5);
    expect(r.clock.get(r.sessionId)).toMatchObject({ questionIndex: 1, phase: 'answering', since: T0 + 5 });
    expect(getProgress(r.f.db, r.sessionId, 1)?.phase).toBe('answering');
  });

  it('journals question_started for the first attempt only, with the default variant when none was chosen', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    r.clock.openQuestion(r.sessionId, pack, 1, T0 + 1_000, 1);
    expect(r.events).toEqual([{ type: 'question_started', payload: { questionIndex: 1, questionId: 'q1', mode: 'video', variantId: 'default', chosenBy: [] }, at: T0 }]);
  });
});

describe('AnswerClock: a question with no variant row', () => {
  it('journals the default variant, chosen by no tags', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 50, T0);
    expect(r.events).toEqual([{ type: 'question_started', payload: { questionIndex: 50, questionId: 'q50', mode: 'video', variantId: 'default', chosenBy: [] }, at: T0 }]);
  });
});

describe('AnswerClock: the timer map', () => {
  it('delete, clear and a forgotten session each drop the timer', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    r.clock.delete(r.sessionId);
    expect(r.clock.get(r.sessionId)).toBeUndefined();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    r.clock.clear();
    expect([...r.clock.entries()]).toEqual([]);
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    r.forget('someone-else');
    expect(r.clock.get(r.sessionId)).toBeDefined();
    r.forget(r.sessionId);
    expect(r.clock.get(r.sessionId)).toBeUndefined();
  });
});

describe('AnswerClock: timerFor', () => {
  it('keeps the timer of the open question, and builds a new one for another question', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    const t = r.clock.timerFor(r.session(), question(1, 0), T0 + 3_000);
    expect(t).toBe(r.clock.get(r.sessionId));
    expect(t.since).toBe(T0);
    r.clock.openQuestion(r.sessionId, pack, 0, T0 + 4_000);
    const other = r.clock.timerFor(r.session(), question(1, 0), T0 + 6_000);
    expect(other.questionIndex).toBe(1);
    expect(r.clock.get(r.sessionId)).toBe(other);
  });

  it('ends the preparation of the open question when its time is up', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    const t = r.clock.timerFor(r.session(), question(0, 10), T0 + 12_000);
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 10_000, since: T0 + 10_000, base: 0 });
  });

  it('after a restart, rebuilds a preparing timer from the database and stores it', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    r.clock.persist(r.sessionId, T0 + 3_000);
    const again = r.restart();
    const t = again.timerFor(r.session(), question(0, 10), T0 + 60_000);
    // Preparation resumes where it was saved: 3 s used, 7 s left from the restart.
    expect(t).toEqual({ questionIndex: 0, phase: 'preparing', base: 3_000, since: T0 + 60_000, prepElapsed: 3_000, lastPersist: T0 + 3_000, dialogCapMs: 120_000 });
    expect(again.get(r.sessionId)).toBe(t);
  });

  it('after a restart, rebuilds an answering timer from its saved answer time', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    r.clock.persist(r.sessionId, T0 + 4_000);
    const t = r.restart().timerFor(r.session(), question(1, 0), T0 + 90_000);
    expect(t).toMatchObject({ phase: 'answering', base: 4_000, since: T0 + 90_000 });
  });

  it('after a restart, a preparation already past its limit ends at once', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    r.clock.persist(r.sessionId, T0 + 10_000);
    const again = r.restart();
    const t = again.timerFor(r.session(), question(0, 10), T0 + 50_000);
    // All 10 s were saved before the restart: answering begins at the restart itself.
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 10_000, since: T0 + 50_000, base: 0 });
    expect(again.get(r.sessionId)).toBe(t);
    expect(r.events.filter((e) => e.type === 'answer_begun')).toEqual([{ type: 'answer_begun', payload: { questionIndex: 0, auto: true, prepElapsedMs: 10_000 }, at: T0 + 50_000 }]);
  });
});

describe('AnswerClock: a preparation saved past its limit', () => {
  it('journals exactly the limit as preparation after a restart, and the saved overflow as answer time', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    // The ticker saved 13 s of a 10 s preparation (it noticed the limit late), then the kiosk died.
    r.clock.persist(r.sessionId, T0 + 13_000);
    const t = r.restart().timerFor(r.session(), question(0, 10), T0 + 50_000);
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 10_000 });
    expect(r.events.filter((e) => e.type === 'answer_begun').map((e) => (e.payload as { prepElapsedMs: number }).prepElapsedMs)).toEqual([10_000]);
    expect(getProgress(r.f.db, r.sessionId, 0)).toMatchObject({ phase: 'answering', prep_elapsed_ms: 10_000 });
    expect(r.clock.elapsed(t, T0 + 50_000)).toBe(3_000);
  });
});

describe('AnswerClock: preparation ends by itself', () => {
  it('one millisecond short of the limit it is still preparing; at the limit answering begins, journaled as automatic', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    const t = r.clock.get(r.sessionId)!;
    r.clock.advancePhase(r.sessionId, t, T0 + 9_999);
    expect(t.phase).toBe('preparing');
    r.clock.advancePhase(r.sessionId, t, T0 + 10_000);
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 10_000, since: T0 + 10_000, base: 0, lastPersist: T0 + 10_000 });
    expect(r.events.filter((e) => e.type === 'answer_begun')).toEqual([{ type: 'answer_begun', payload: { questionIndex: 0, auto: true, prepElapsedMs: 10_000 }, at: T0 + 10_000 }]);
    expect(getProgress(r.f.db, r.sessionId, 0)).toMatchObject({ phase: 'answering', prep_elapsed_ms: 10_000 });
  });

  it('noticed late, answering is dated from the limit, so the overflow counts as answer time', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    const t = r.clock.get(r.sessionId)!;
    r.clock.advancePhase(r.sessionId, t, T0 + 12_500);
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 10_000, since: T0 + 10_000 });
    expect(r.clock.elapsed(t, T0 + 12_500)).toBe(2_500);
    expect(r.events.find((e) => e.type === 'answer_begun')).toEqual({ type: 'answer_begun', payload: { questionIndex: 0, auto: true, prepElapsedMs: 10_000 }, at: T0 + 10_000 });
  });

  it('an answering timer is left alone', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 1, T0);
    const t = r.clock.get(r.sessionId)!;
    r.clock.advancePhase(r.sessionId, t, T0 + 999_000);
    expect(t).toMatchObject({ phase: 'answering', since: T0 });
    expect(r.events.filter((e) => e.type === 'answer_begun')).toEqual([]);
  });

  it('answering begun by hand records the preparation used and auto: false', () => {
    const r = rig();
    r.clock.openQuestion(r.sessionId, pack, 0, T0);
    const t = r.clock.get(r.sessionId)!;
    r.clock.startAnswering(r.sessionId, t, T0 + 4_321, false);
    expect(t).toMatchObject({ phase: 'answering', prepElapsed: 4_321, base: 0, since: T0 + 4_321 });
    expect(r.events.find((e) => e.type === 'answer_begun')?.payload).toEqual({ questionIndex: 0, auto: false, prepElapsedMs: 4_321 });
  });
});
