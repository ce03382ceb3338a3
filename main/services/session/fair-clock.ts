/**
 * A fair clock: while Help or Leave is open on a question, its clock stands still — up to
 * DIALOG_PAUSE_CAP_MS per question, so a dialog cannot become thinking time. Every pause is
 * journaled (`clock_paused`, `clock_resumed` with the time granted, `clock_pause_capped`), so HR
 * sees exactly why an answer's time differs.
 */
import type { QuestionView } from '../../../preload/contract/session';
import { ok, type Result } from '../../common/result';
import { getSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { capDialogAt, closeDialogAt, DIALOG_PAUSE_CAP_MS, openDialogAt, type AnswerClock, type DialogKind } from './answer-clock';
import type { SessionContext } from './context';
import type { SessionViews } from './views';

export class FairClock {
  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
  ) {}

  dialog(sessionId: string, questionIndex: number, kind: DialogKind, open: boolean): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.clock.timerFor(s, q, now);
      const { journal } = this.ctx.deps;
      if (open) {
        const usedBefore = timer.dialogUsedMs ?? 0;
        if (openDialogAt(timer, kind, now)) {
          transact(this.ctx.db, () => {
            this.clock.persist(s.id, now);
            journal.append(s.id, 'clock_paused', {
              dialog: kind,
              questionIndex: q.index,
              phase: timer.phase,
              elapsedMs: Math.round(this.clock.elapsed(timer, now)),
              allowanceLeftMs: (timer.dialogCapMs ?? DIALOG_PAUSE_CAP_MS) - usedBefore,
            }, now);
          });
        }
      } else {
        const openKind = timer.dialog?.kind;
        const granted = closeDialogAt(timer, now);
        if (granted !== null) {
          transact(this.ctx.db, () => {
            this.clock.persist(s.id, now);
            journal.append(s.id, 'clock_resumed', { dialog: openKind ?? kind, questionIndex: q.index, pausedMs: granted, allowanceUsedMs: timer.dialogUsedMs ?? 0 }, now);
          });
        }
      }
      return ok(this.views.questionView(s, pack, q, now));
    });
  }

  /** Called by the ticker: a dialog open past the allowance lets the clock run again. */
  tick(now: number): void {
    for (const [sessionId, timer] of this.clock.entries()) {
      if (!timer.dialog || this.ctx.failed.has(sessionId)) continue;
      const kind = timer.dialog.kind;
      if (!capDialogAt(timer, now)) continue;
      this.ctx.guard(sessionId, () => {
        const s = getSession(this.ctx.db, sessionId);
        if (!s) return ok(undefined);
        transact(this.ctx.db, () => {
          this.clock.persist(sessionId, now);
          this.ctx.deps.journal.append(sessionId, 'clock_pause_capped', { dialog: kind, questionIndex: timer.questionIndex, allowanceMs: timer.dialogCapMs ?? DIALOG_PAUSE_CAP_MS }, now);
        });
        return ok(undefined);
      });
    }
  }
}
