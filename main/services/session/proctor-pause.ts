/**
 * A proctor alert pauses the interview (#12: the integrity policy's `pause_and_alert`). While it
 * stands, the answer clock does not run, recording and submitting are refused (PROCTOR_PAUSED,
 * see SessionContext.withActiveQuestion) and the candidate sees a calm "please wait" screen.
 * Only the proctor lifts it, with the session's proctor code (the same code that authorises a
 * resume); after MAX_WRONG_PROCTOR_CODES wrong codes the pause can only end through the resume
 * path (leave, then resume with a code). Every step is journaled: who paused and why
 * (`proctor_paused`), each refused code (`proctor_pause_refused`), and the lift with the time
 * paused, never charged (`proctor_pause_lifted`).
 *
 * This is its own pause kind beside the device, page and Help/Leave pauses: it has no cap, and
 * nothing the candidate does ends it.
 */
import type { QuestionView } from '../../../preload/contract/session';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { lastJournalRowOfType } from '../../db/queries/journal';
import { segmentChunkCount } from '../../db/queries/media';
import { getProgress, upsertProgress } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { alertHoldAt, alertReleaseAt, type AnswerClock } from './answer-clock';
import type { SessionContext } from './context';
import type { SessionViews } from './views';

/** Wrong proctor codes tolerated per pause; then only the resume path is left. */
export const MAX_WRONG_PROCTOR_CODES = 5;

/** Why the interview was paused: a finding of the integrity monitor, as the proctor will see it. */
export interface PauseReason {
  readonly source: 'integrity';
  readonly kind: string;
  readonly severity: string;
  readonly evidence: string;
}

export interface ProctorPauseState {
  readonly since: number;
  readonly reason: PauseReason;
  readonly questionIndex: number;
  readonly wrongCodes: number;
}

export type PauseDecision = { readonly kind: 'pause' } | { readonly kind: 'already_paused' } | { readonly kind: 'not_answering' };

/** Whether an alert pauses a session: only an interview in progress, and only once. */
export function decidePause(current: ProctorPauseState | undefined, sessionState: string): PauseDecision {
  if (sessionState !== 'in_progress') return { kind: 'not_answering' };
  if (current) return { kind: 'already_paused' };
  return { kind: 'pause' };
}

export type LiftDecision =
  | { readonly kind: 'lift'; readonly pausedMs: number }
  | { readonly kind: 'not_paused' }
  | { readonly kind: 'locked' }
  | { readonly kind: 'code_invalid'; readonly attemptsLeft: number };

/** Whether a proctor code lifts the pause. A code is judged only while tries are left. */
export function decideLift(current: ProctorPauseState | undefined, codeValid: boolean, now: number): LiftDecision {
  if (!current) return { kind: 'not_paused' };
  if (current.wrongCodes >= MAX_WRONG_PROCTOR_CODES) return { kind: 'locked' };
  if (!codeValid) return { kind: 'code_invalid', attemptsLeft: MAX_WRONG_PROCTOR_CODES - current.wrongCodes - 1 };
  return { kind: 'lift', pausedMs: Math.max(0, now - current.since) };
}

/**
 * Whether a proctor pause is still outstanding after the candidate left or the kiosk restarted:
 * paused, and neither lifted nor followed by a resume since (sequence numbers of the newest rows).
 * Then the way back needs the proctor's code, whatever the resume policy's grace period says.
 */
export function pauseOutstanding(lastPausedSeq: number | undefined, lastLiftedSeq: number | undefined, lastResumedSeq: number | undefined): boolean {
  if (lastPausedSeq === undefined) return false;
  return lastPausedSeq > (lastLiftedSeq ?? -1) && lastPausedSeq > (lastResumedSeq ?? -1);
}

/** pauseOutstanding, read from a session's journal. */
export function proctorPauseOutstanding(db: Db, sessionId: string): boolean {
  return pauseOutstanding(
    lastJournalRowOfType(db, sessionId, 'proctor_paused')?.seq,
    lastJournalRowOfType(db, sessionId, 'proctor_pause_lifted')?.seq,
    lastJournalRowOfType(db, sessionId, 'resumed')?.seq,
  );
}

export class ProctorPause {
  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
  ) {
    // A session whose storage failed is interrupted: its pause ends with the resume path.
    ctx.onForget((id) => ctx.proctorPauses.delete(id));
  }

  /** Pauses a session for the proctor. Returns whether it paused now (false: not answering, or already paused). */
  pause(sessionId: string, reason: PauseReason): Result<{ paused: boolean }> {
    return this.ctx.withSession<{ paused: boolean }>(sessionId, (s, pack, now) => {
      const decision = decidePause(this.ctx.proctorPauseOf(s), s.state);
      switch (decision.kind) {
        case 'not_answering':
        case 'already_paused':
          return ok({ paused: false });
        case 'pause':
          break;
      }
      const q = pack.questions[s.question_index];
      if (!q) return ok({ paused: false });
      const timer = this.clock.timerFor(s, q, now);
      alertHoldAt(timer, now);
      transact(this.ctx.db, () => {
        this.clock.persist(s.id, now);
        this.ctx.deps.journal.append(s.id, 'proctor_paused', {
          by: reason.source,
          kind: reason.kind,
          severity: reason.severity,
          evidence: reason.evidence,
          questionIndex: q.index,
          phase: timer.phase,
          elapsedMs: Math.round(this.clock.elapsed(timer, now)),
        }, now);
      });
      this.ctx.proctorPauses.set(s.id, { since: now, reason, questionIndex: q.index, wrongCodes: 0, resumeCount: s.resume_count });
      this.ctx.deps.emit?.({ sessionId: s.id, state: 'in_progress', code: 'PROCTOR_PAUSED' });
      return ok({ paused: true });
    });
  }

  /** The proctor typed their code on the kiosk: a valid one lifts the pause and the clock runs again. */
  lift(sessionId: string, code: string): Result<QuestionView> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      const current = this.ctx.proctorPauseOf(s);
      const valid = current !== undefined && current.wrongCodes < MAX_WRONG_PROCTOR_CODES && this.ctx.deps.resumeCodes.verify(s.id, s.resume_count, code.trim().toUpperCase());
      const decision = decideLift(current, valid, now);
      const { journal } = this.ctx.deps;
      switch (decision.kind) {
        case 'not_paused':
          return err('ILLEGAL_TRANSITION', 'the interview is not paused for the proctor');
        case 'locked':
          return err('RESUME_CODE_LOCKED', 'too many wrong proctor codes; the staff must end the pause through the resume path');
        case 'code_invalid':
          journal.append(s.id, 'proctor_pause_refused', { questionIndex: s.question_index, attemptsLeft: decision.attemptsLeft }, now);
          this.ctx.proctorPauses.set(s.id, { ...current!, resumeCount: s.resume_count, wrongCodes: current!.wrongCodes + 1 });
          return decision.attemptsLeft > 0
            ? err('RESUME_CODE_INVALID', `that proctor code is not valid (${decision.attemptsLeft} tries left)`)
            : err('RESUME_CODE_LOCKED', 'too many wrong proctor codes; the staff must end the pause through the resume path');
        case 'lift':
          break;
      }
      const q = pack.questions[s.question_index];
      if (!q) return err('QUESTION_MISMATCH', 'no such question');
      const timer = this.clock.timerFor(s, q, now);
      alertReleaseAt(timer, now);
      transact(this.ctx.db, () => {
        // The page stopped its recorder for the pause: what it records now is a new, independently
        // decodable segment (as after a resume), unless the old one holds nothing yet.
        const p = getProgress(this.ctx.db, s.id, q.index);
        if (p && p.phase !== 'submitted' && segmentChunkCount(this.ctx.db, s.id, q.index, p.attempt, p.segment) > 0) {
          upsertProgress(this.ctx.db, { ...p, segment: p.segment + 1 });
        }
        this.clock.persist(s.id, now);
        journal.append(s.id, 'proctor_pause_lifted', {
          by: 'proctor_code',
          questionIndex: q.index,
          pausedMs: decision.pausedMs,
          chargedMs: 0,
          elapsedMs: Math.round(this.clock.elapsed(timer, now)),
        }, now);
      });
      this.ctx.proctorPauses.delete(s.id);
      this.ctx.deps.emit?.({ sessionId: s.id, state: 'in_progress', code: 'PROCTOR_PAUSE_LIFTED' });
      return ok(this.views.questionView(s, pack, q, now));
    });
  }
}
