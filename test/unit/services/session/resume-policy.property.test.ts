import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { makeFixture, must, packWith, startedSession, type Fixture } from '../../../support/session-fixture';

/**
 * The resume policy through the service's public API, on a real database: a crash after `answered`
 * ms of answering, `down` ms away, then a return. The expected figures are computed here from the
 * policy's words (README "Resume policy"), not read back from the database under test.
 */
const ANSWER_MS = 120_000; // the demo pack's first video question (index 1)
const TOLERANCE_MS = 1000; // the README's promise: within a second

interface Case {
  timerMode: 'paused' | 'wallclock';
  graceSeconds: number;
  returnWindowSeconds: number;
  answered: number;
  down: number;
}

const caseArb: fc.Arbitrary<Case> = fc
  .record({
    timerMode: fc.constantFrom('paused' as const, 'wallclock' as const),
    returnWindowSeconds: fc.integer({ min: 60, max: 4 * 3600 }),
    graceFraction: fc.double({ min: 0, max: 1, noNaN: true }),
    // 0 or at least a second, then one tick: the ticker persists once a second has passed, so the
    // clock is persisted at the very instant of the crash, the interruption's start is exact and
    // the grace boundary can be probed to the millisecond.
    answered: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: ANSWER_MS - 1000 })),
    downKind: fc.constantFrom('random', 'atGrace', 'afterGrace', 'atWindow', 'afterWindow'),
    downFraction: fc.double({ min: 0, max: 1.2, noNaN: true }),
  })
  .map((r) => {
    const graceSeconds = Math.floor(r.graceFraction * r.returnWindowSeconds);
    const down = {
      random: Math.floor(r.downFraction * r.returnWindowSeconds * 1000),
      atGrace: graceSeconds * 1000,
      afterGrace: graceSeconds * 1000 + 1,
      atWindow: r.returnWindowSeconds * 1000,
      afterWindow: r.returnWindowSeconds * 1000 + 1,
    }[r.downKind];
    return { timerMode: r.timerMode, graceSeconds, returnWindowSeconds: r.returnWindowSeconds, answered: r.answered, down };
  });

function answeringVideo(f: Fixture): string {
  const { sessionId } = startedSession(f);
  const next = must(f.service.submitAnswer(sessionId, 0, 0, '我叫张三，做了五年后端开发。'));
  if (next.kind !== 'question' || next.question.mode !== 'video') throw new Error('expected the video question');
  must(f.service.beginAnswer(sessionId, 1));
  return sessionId;
}

function remainingAfterResume(f: Fixture, code?: string): number {
  const v = must(f.service.resume('DEMO-2026', code));
  if (v.kind !== 'question') throw new Error(`expected a question, got ${v.kind}`);
  expect(v.question.questionIndex).toBe(1);
  return v.question.answerRemainingMs;
}

describe('resume policy (properties)', () => {
  it('resumes alone inside the grace window, with a code until the return window ends, never after', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const f = makeFixture({ pack: packWith({ timerMode: c.timerMode, graceSeconds: c.graceSeconds, returnWindowSeconds: c.returnWindowSeconds, maxResumes: 5, maxCodeAttempts: 3 }) });
        const sessionId = answeringVideo(f);
        f.clock.advance(c.answered);
        f.service.tick();
        const before = ANSWER_MS - c.answered;
        const g = f.reopen(); // the crash
        g.clock.advance(c.down);

        if (c.down > c.returnWindowSeconds * 1000) {
          expect(g.service.findResumable()).toEqual({ ok: true, value: null });
          expect(g.service.resume('DEMO-2026', g.codes.codeFor(sessionId, 0))).toMatchObject({ ok: false, error: { code: 'RESUME_WINDOW_CLOSED' } });
          return;
        }
        const offer = must(g.service.findResumable());
        expect(offer).not.toBeNull();
        const needsCode = c.down > c.graceSeconds * 1000;
        expect(offer!.needsResumeCode).toBe(needsCode);
        expect(offer!.answerRemainingMs).toBeGreaterThanOrEqual(0);
        const expected = c.timerMode === 'paused' ? before : Math.max(0, before - c.down);
        expect(Math.abs(offer!.answerRemainingMs - expected)).toBeLessThanOrEqual(TOLERANCE_MS);

        if (needsCode) {
          expect(g.service.resume('DEMO-2026', undefined)).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_REQUIRED' } });
          // A code for another resume count is refused and counted, the right one is accepted.
          expect(g.service.resume('DEMO-2026', g.codes.codeFor(sessionId, 1))).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
        }
        const remaining = remainingAfterResume(g, needsCode ? g.codes.codeFor(sessionId, 0) : undefined);
        expect(remaining).toBeGreaterThanOrEqual(0);
        // Never more time than before the interruption; a paused timer keeps it all.
        expect(remaining).toBeLessThanOrEqual(before + TOLERANCE_MS);
        expect(Math.abs(remaining - expected)).toBeLessThanOrEqual(TOLERANCE_MS);
        g.db.close();
      }),
      { numRuns: 30 },
    );
  });

  it('never lets the answer clock grow across repeated interruptions, and pauses it exactly in paused mode', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('paused' as const, 'wallclock' as const),
        // At most 4 × 28 s, so the question is never closed for running out of time.
        fc.array(fc.record({ answer: fc.oneof(fc.constant(0), fc.integer({ min: 1000, max: 14_000 })), down: fc.integer({ min: 0, max: 14_000 }) }), { minLength: 1, maxLength: 4 }),
        (timerMode, steps) => {
          let f = makeFixture({ pack: packWith({ timerMode, graceSeconds: 60, returnWindowSeconds: 3600, maxResumes: 10 }) });
          answeringVideo(f);
          let remaining = ANSWER_MS;
          let spentAnswering = 0;
          let spentAway = 0;
          for (const step of steps) {
            // One tick after at least a second: everything answered was persisted before the crash.
            f.clock.advance(step.answer);
            f.service.tick();
            spentAnswering += step.answer;
            f = f.reopen();
            f.clock.advance(step.down);
            spentAway += step.down;
            const now = remainingAfterResume(f);
            expect(now).toBeGreaterThanOrEqual(0);
            expect(now).toBeLessThanOrEqual(remaining);
            remaining = now;
            const expected = Math.max(0, ANSWER_MS - spentAnswering - (timerMode === 'wallclock' ? spentAway : 0));
            expect(Math.abs(now - expected), `${timerMode} after ${spentAnswering} ms answering, ${spentAway} ms away`).toBeLessThanOrEqual(TOLERANCE_MS);
          }
          f.db.close();
        },
      ),
      { numRuns: 12 },
    );
  });
});
