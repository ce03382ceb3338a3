/**
 * Rest breaks (an accommodation): before each stage after the first, a candidate whose invite
 * gives them one rests with the clock stopped and the question hidden. The break ends when they
 * say they are ready or when its time is up; both are journaled (`rest_break_ended` with the time
 * rested), so HR sees the break and the time it did not charge.
 */
import type { QuestionView } from '../../../preload/contract/session';
import { ok, type Result } from '../../common/result';
import { getSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { endRestAt, type AnswerClock } from './answer-clock';
import type { SessionContext } from './context';
import type { SessionViews } from './views';

export class RestBreaks {
  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
  ) {}

  /** The candidate is ready: the break ends now (idempotent when none is running). */
  end(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.clock.timerFor(s, q, now);
      const rest = timer.rest;
      const rested = endRestAt(timer, now);
      if (rested !== null && rest) {
        transact(this.ctx.db, () => {
          this.clock.persist(s.id, now);
          this.ctx.deps.journal.append(s.id, 'rest_break_ended', { questionIndex: q.index, restedMs: rested, maxMs: rest.maxMs, by: 'candidate' }, now);
        });
      }
      return ok(this.views.questionView(s, pack, q, now));
    });
  }

  /** Called by the ticker: a break past its time ends by itself, as of the moment it ran out. */
  tick(now: number): void {
    for (const [sessionId, timer] of this.clock.entries()) {
      const rest = timer.rest;
      if (!rest || this.ctx.failed.has(sessionId) || now - rest.since < rest.maxMs) continue;
      const rested = endRestAt(timer, now);
      if (rested === null) continue;
      this.ctx.guard(sessionId, () => {
        if (!getSession(this.ctx.db, sessionId)) return ok(undefined);
        transact(this.ctx.db, () => {
          this.clock.persist(sessionId, now);
          this.ctx.deps.journal.append(sessionId, 'rest_break_ended', { questionIndex: timer.questionIndex, restedMs: rested, maxMs: rest.maxMs, by: 'time_up' }, rest.since + rest.maxMs);
        });
        return ok(undefined);
      });
    }
  }
}
