/**
 * Interruption and resume: a crash found at start, a clean shutdown, leaving (what it means, then
 * the receipt), the resume policy (grace window, proctor code, return window, resume limit, timer
 * mode) and expiry.
 */
import { randomUUID } from 'node:crypto';
import type { ExitReason } from '../../../preload/contract/common';
import type { CurrentView, ExitInfo, ExitReceipt, ResumeOffer, ReturnTerms } from '../../../preload/contract/session';
import { err, ok, type Result } from '../../common/result';
import { storageErrorCode } from '../../db/errors';
import { lastJournalRowOfType } from '../../db/queries/journal';
import { segmentChunkCount, sessionChunkCount } from '../../db/queries/media';
import { getErasure } from '../../db/queries/session-keys';
import {
  countAnswers,
  countIncidentsOfKind,
  getKioskState,
  getProgress,
  getSession,
  getSessionByInvite,
  insertIncident,
  sessionsInStates,
  setKioskState,
  updateSession,
  upsertProgress,
  type ProgressRow,
  type SessionRow,
} from '../../db/queries/sessions';
import { exitNoteField } from '../../db/text-sealing';
import { transact } from '../../db/transaction';
import { totalQuestionsOf, type LoadedPack } from '../packs/pack-provider';
import type { AnswerClock } from './answer-clock';
import type { ProctorCodeError, ProctorGrant } from './proctor-authority';
import { newIncidentId, type SessionContext } from './context';
import { proctorPauseOutstanding } from './proctor-pause';
import { canTransition, isTerminal } from './state-machine';
import type { SessionViews } from './views';

const RUN_KEY = 'run';

export class Interruptions {
  /** When the exit dialog made its promise, per session: the receipt keeps that same promise. */
  private readonly exitPromisedAt = new Map<string, number>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
  ) {}

  /**
   * Runs once at process start. A session still `in_progress` here was not shut down cleanly:
   * it becomes `interrupted` with a `crash_detected` event. Returns the ids it interrupted.
   */
  recoverAfterStart(options: { staleLock?: unknown } = {}): string[] {
    const { db, journal } = this.ctx.deps;
    const now = this.ctx.now();
    const previous = getKioskState(db, RUN_KEY);
    const recovered: string[] = [];
    transact(db, () => {
      for (const s of sessionsInStates(db, ['in_progress'])) {
        const progress = this.reconcileElapsed(s);
        this.ctx.transition(s, 'interrupt', now, { interrupted_at: progress?.persisted_at ?? s.updated_at, interruption: 'crash' });
        journal.append(s.id, 'crash_detected', {
          previousRun: previous ? (JSON.parse(previous) as unknown) : null,
          questionIndex: s.question_index,
          lastPersistedAt: progress?.persisted_at ?? null,
          elapsedMs: progress?.elapsed_ms ?? null,
          // The data folder lock the crashed process left behind, taken over at this start.
          staleLock: options.staleLock ?? null,
        }, now);
        recovered.push(s.id);
      }
      setKioskState(db, RUN_KEY, JSON.stringify({ runId: randomUUID(), startedAt: now, clean: false, staleLock: options.staleLock ?? null }));
    });
    this.expireOverdue();
    if (recovered.length > 0) this.ctx.log.warn('crash detected; sessions interrupted', { count: recovered.length });
    return recovered;
  }

  /**
   * The answer clock is written by the ticker and also carried by every chunk event; after a
   * crash the newer of the two wins, so the resumed time is never older than the last chunk.
   */
  private reconcileElapsed(s: SessionRow): ProgressRow | undefined {
    const { db } = this.ctx;
    const progress = getProgress(db, s.id, s.question_index);
    if (!progress || progress.phase !== 'answering') return progress;
    const last = lastJournalRowOfType(db, s.id, 'chunk_committed');
    if (!last || last.at <= progress.persisted_at) return progress;
    const p = JSON.parse(last.payload) as { questionIndex?: number; attempt?: number; elapsedMs?: number };
    if (p.questionIndex !== progress.question_index || p.attempt !== progress.attempt || typeof p.elapsedMs !== 'number') return progress;
    if (p.elapsedMs <= progress.elapsed_ms) return progress;
    const fixed = { ...progress, elapsed_ms: p.elapsedMs, persisted_at: last.at };
    upsertProgress(db, fixed);
    return fixed;
  }

  /** Clean shutdown: open questions are interrupted so the next start does not call it a crash. */
  shutdown(): void {
    const { db } = this.ctx;
    const now = this.ctx.now();
    try {
      transact(db, () => {
        for (const s of sessionsInStates(db, ['in_progress'])) {
          this.clock.persist(s.id, now);
          this.ctx.transition(s, 'interrupt', now, { interrupted_at: now, interruption: 'unknown' });
          this.ctx.deps.journal.append(s.id, 'exit_requested', { questionIndex: s.question_index, cause: 'shutdown' }, now);
        }
        const run = getKioskState(db, RUN_KEY);
        const parsed = run ? (JSON.parse(run) as Record<string, unknown>) : {};
        setKioskState(db, RUN_KEY, JSON.stringify({ ...parsed, clean: true, stoppedAt: now }));
      });
    } catch (e) {
      this.ctx.log.error('shutdown bookkeeping failed', { error: String(e) });
    }
    this.clock.clear();
  }

  requestExit(sessionId: string): Result<ExitInfo> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'exit')) return this.ctx.illegal(s, 'exit');
      const basis = this.exitBasis(s, now);
      const terms = this.termsIfInterruptedAt(s, pack, basis, now);
      this.ctx.deps.journal.append(s.id, 'exit_requested', {
        questionIndex: s.question_index,
        state: s.state,
        promisedAt: basis,
        aloneUntil: terms.aloneUntil,
        returnUntil: terms.returnUntil,
      }, now);
      this.exitPromisedAt.set(s.id, basis);
      return ok({
        sessionId: s.id,
        answeredCount: countAnswers(this.ctx.db, s.id),
        questionCount: totalQuestionsOf(pack),
        committedChunks: sessionChunkCount(this.ctx.db, s.id),
        terms,
      });
    });
  }

  confirmExit(sessionId: string, reason: ExitReason, text?: string): Result<ExitReceipt> {
    return this.ctx.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'exit')) return this.ctx.illegal(s, 'exit');
      const { db, journal } = this.ctx.deps;
      const incidentId = newIncidentId(now);
      const environment = this.ctx.deps.environment.snapshot(now);
      // The receipt repeats the dialog's promise: the same computation from the same moment.
      const promised = this.exitPromisedAt.get(s.id);
      const wasInterruptedAt = s.state === 'interrupted' ? s.interrupted_at ?? now : promised ?? now;
      const terms = this.termsIfInterruptedAt(s, pack, wasInterruptedAt, s.state === 'interrupted' ? now : wasInterruptedAt);
      if (promised === undefined) {
        // Leaving without the dialog's question first (an old page, a script): journal the request too.
        journal.append(s.id, 'exit_requested', { questionIndex: s.question_index, state: s.state, promisedAt: wasInterruptedAt, implicit: true }, now);
      }
      const nextStep: ExitReceipt['nextStep'] = !terms.canReturn
        ? 'contact_hr'
        : terms.aloneUntil !== null && now < terms.aloneUntil
          ? 'resume_alone'
          : 'resume_with_proctor';
      transact(db, () => {
        this.clock.persist(s.id, now);
        // The free text is sealed under the session key (erasure shreds the key; the journal stays).
        const note = exitNoteField(db, s.id, s.question_index, countIncidentsOfKind(db, s.id, 'exit'), text);
        const entry = journal.append(s.id, 'exit_confirmed', {
          incidentId,
          reason,
          ...note,
          questionIndex: s.question_index,
          environment,
        }, now);
        insertIncident(db, {
          id: incidentId,
          session_id: s.id,
          kind: 'exit',
          at: now,
          body: JSON.stringify({ reason, ...note, environment, terms, journalSeq: entry.seq, lastEvents: journal.recent(s.id, 50).map((e) => ({ seq: e.seq, type: e.type, at: e.at })) }),
        });
        this.ctx.transition(s, 'exit', now, { exit_reason: reason, interrupted_at: wasInterruptedAt, interruption: 'exit' });
      });
      this.clock.delete(s.id);
      this.exitPromisedAt.delete(s.id);
      this.ctx.deps.wal?.checkpointIfNeeded();
      return ok({ incidentId, sessionId: s.id, at: now, reason, terms, nextStep });
    });
  }

  /** The session this kiosk was in when it stopped unexpectedly, if the candidate can still return. */
  findResumable(): Result<ResumeOffer | null> {
    const { db } = this.ctx;
    const now = this.ctx.now();
    this.expireOverdue();
    // A session whose data was deleted (candidate request, retention) is never offered again.
    const candidates = sessionsInStates(db, ['in_progress', 'interrupted']).filter((s) => s.interruption !== 'exit' && !getErasure(db, s.id));
    const s = candidates[0];
    if (!s) return ok(null);
    const pack = this.ctx.packOf(s);
    if (!pack) return ok(null);
    return ok(this.resumeOffer(s, pack, now));
  }

  resume(inviteCode: string, resumeCode: string | undefined): Result<CurrentView> {
    const { db, journal } = this.ctx.deps;
    const found = getSessionByInvite(db, inviteCode);
    if (!found) return err('SESSION_NOT_FOUND', 'no interview was started with this invite code');
    return this.ctx.withSession(found.id, (s0, pack, now) => {
      const s = this.expireIfOverdue(s0, now);
      if (s.state === 'expired') return err('RESUME_WINDOW_CLOSED', 'the time to return to this interview has passed; please contact HR');
      // Its keys are shredded: nothing more of it can be stored (main/services/storage/crypto/erasure.ts).
      if (getErasure(db, s.id)) return err('NOT_RESUMABLE', 'the data of this interview was deleted; it cannot be continued');
      if (s.state === 'in_progress') {
        // The page lost its place while this process lived (reload, closed window, crashed
        // renderer, another tab): that is not the candidate leaving, so no resume is used. The
        // page attaches next (PagePresence), which journals what happened and how long it took.
        return ok(this.views.currentView(s, pack, now));
      }
      if (!canTransition(s.state, 'resume')) return err('NOT_RESUMABLE', `a session that is ${s.state} cannot be resumed`);
      const terms = this.termsIfInterruptedAt(s, pack, s.interrupted_at ?? now, now);
      const refuse = (code: 'RESUME_LIMIT_REACHED' | 'RESUME_CODE_REQUIRED' | 'RESUME_CODE_INVALID' | 'RESUME_CODE_LOCKED' | 'RESUME_WINDOW_CLOSED' | ProctorCodeError, message: string, patch?: Partial<SessionRow>, detail?: string): Result<CurrentView> => {
        transact(db, () => {
          journal.append(s.id, 'resume_refused', detail ? { code, detail } : { code }, now);
          if (patch) updateSession(db, s.id, { ...patch, updated_at: now });
        });
        return err(code, message);
      };
      if (terms.resumesLeft <= 0) return refuse('RESUME_LIMIT_REACHED', 'this interview has been resumed as many times as allowed; please contact HR');
      if (terms.returnUntil !== null && now > terms.returnUntil) return refuse('RESUME_WINDOW_CLOSED', 'the time to return has passed; please contact HR');
      // A proctor pause left standing (the candidate left, or the kiosk restarted) needs the proctor's code.
      const needsCode = terms.aloneUntil === null || now > terms.aloneUntil || proctorPauseOutstanding(db, s.id);
      let grant: ProctorGrant | undefined;
      if (needsCode) {
        const policy = pack.pack.policy.resume;
        if (s.failed_codes >= policy.maxCodeAttempts) return refuse('RESUME_CODE_LOCKED', 'too many wrong resume codes; HR must reopen this interview');
        if (!resumeCode) return refuse('RESUME_CODE_REQUIRED', 'the grace period has passed: ask the proctor for a resume code');
        // A hub-issued proctor token or the centre's resume code; without an authority, the code only.
        const checked: Result<ProctorGrant> & { readonly detail?: string } = this.ctx.deps.proctor
          ? this.ctx.deps.proctor.check({ id: s.id, resumeCount: s.resume_count }, 'resume', resumeCode, now)
          : this.ctx.deps.resumeCodes.verify(s.id, s.resume_count, resumeCode)
            ? ok<ProctorGrant>({ via: 'centre_code' })
            : err<ProctorGrant>('RESUME_CODE_INVALID', 'that resume code is not right');
        if (!checked.ok) {
          const left = policy.maxCodeAttempts - s.failed_codes - 1;
          const code = checked.error.code === 'PROCTOR_CODE_INVALID' ? 'RESUME_CODE_INVALID' : (checked.error.code as ProctorCodeError);
          return refuse(code, `${checked.error.message}; ${left} attempt(s) left`, { failed_codes: s.failed_codes + 1 }, checked.detail);
        }
        grant = checked.value;
      }
      const beforeStart = !this.ctx.hasStarted(s);
      transact(db, () => {
        // The token's nonce is journaled with the resume it allowed: a replay rolls both back.
        if (grant) this.ctx.deps.proctor?.consume(grant, s.id, now);
        if (beforeStart) {
          journal.append(s.id, 'resumed', { toState: 'checked_in', withCode: needsCode }, now);
          this.ctx.transition(s, 'restart_checkin', now, { interrupted_at: null, interruption: null, failed_codes: 0, exit_reason: null });
          return;
        }
        const q = pack.questions[s.question_index];
        if (!q) {
          // v2, waiting for the next stage when it stopped: no question was open, nothing to reconcile.
          this.ctx.transition(s, 'resume', now, { resume_count: s.resume_count + 1, interrupted_at: null, interruption: null, failed_codes: 0, exit_reason: null });
          journal.append(s.id, 'resumed', {
            questionIndex: s.question_index,
            interruption: s.interruption,
            kind: s.interruption === 'crash' ? 'process_crash' : s.interruption,
            interruptedMs: Math.max(0, now - (s.interrupted_at ?? now)),
            timerMode: pack.pack.policy.resume.timerMode,
            withCode: needsCode,
            elapsedMs: 0,
            segment: 0,
          }, now);
          return;
        }
        // While chunks flow the ticker leaves the clock to the chunk events, so an interruption
        // that was not a crash (a storage failure) may find the progress row older than them.
        const progress = this.reconcileElapsed(s) ?? getProgress(db, s.id, q.index);
        const interruptedMs = Math.max(0, now - (s.interrupted_at ?? now));
        if (progress && progress.phase !== 'submitted') {
          // Each resume starts a new, independently decodable recording segment.
          const used = segmentChunkCount(db, s.id, q.index, progress.attempt, progress.segment) > 0;
          const wall = pack.pack.policy.resume.timerMode === 'wallclock' ? Math.max(0, now - progress.persisted_at) : 0;
          upsertProgress(db, {
            ...progress,
            segment: used ? progress.segment + 1 : progress.segment,
            elapsed_ms: progress.phase === 'answering' ? progress.elapsed_ms + wall : progress.elapsed_ms,
            prep_elapsed_ms: progress.phase === 'preparing' ? progress.prep_elapsed_ms + wall : progress.prep_elapsed_ms,
            persisted_at: now,
          });
        }
        this.ctx.transition(s, 'resume', now, {
          resume_count: s.resume_count + 1,
          interrupted_at: null,
          interruption: null,
          failed_codes: 0,
          exit_reason: null,
        });
        const after = getProgress(db, s.id, q.index);
        journal.append(s.id, 'resumed', {
          questionIndex: q.index,
          interruption: s.interruption,
          kind: s.interruption === 'crash' ? 'process_crash' : s.interruption,
          interruptedMs,
          timerMode: pack.pack.policy.resume.timerMode,
          withCode: needsCode,
          elapsedMs: after?.elapsed_ms ?? 0,
          segment: after?.segment ?? 0,
        }, now);
      });
      this.ctx.failed.delete(s.id);
      const resumed = getSession(db, s.id)!;
      return ok(this.views.currentView(resumed, pack, this.ctx.now()));
    });
  }

  /** The moment leaving counts from: when an interrupted session stopped, else now. */
  private exitBasis(s: SessionRow, now: number): number {
    return s.state === 'interrupted' ? s.interrupted_at ?? now : now;
  }

  /** What returning means for a session that is interrupted or was left (the "welcome back" facts). */
  offerFor(sessionId: string): Result<ResumeOffer> {
    return this.ctx.withSession(sessionId, (s0, pack, now) => {
      const s = this.expireIfOverdue(s0, now);
      return ok(this.resumeOffer(s, pack, now));
    });
  }

  termsIfInterruptedAt(s: SessionRow, pack: LoadedPack, interruptedAt: number, now: number): ReturnTerms {
    const policy = pack.pack.policy.resume;
    const resumesLeft = Math.max(0, policy.maxResumes - s.resume_count);
    const returnUntil = interruptedAt + policy.returnWindowSeconds * 1000;
    const canReturn = !isTerminal(s.state) && resumesLeft > 0 && now <= returnUntil && s.failed_codes < policy.maxCodeAttempts;
    return {
      canReturn,
      aloneUntil: canReturn ? interruptedAt + policy.graceSeconds * 1000 : null,
      returnUntil: canReturn ? returnUntil : null,
      resumesLeft,
      timerMode: policy.timerMode,
    };
  }

  resumeOffer(s: SessionRow, pack: LoadedPack, now: number): ResumeOffer {
    const interruptedAt = s.state === 'in_progress' ? now : s.interrupted_at ?? now;
    const terms = this.termsIfInterruptedAt(s, pack, interruptedAt, now);
    const q = pack.questions[s.question_index];
    const p = q ? getProgress(this.ctx.db, s.id, q.index) : undefined;
    let answerRemainingMs = q ? q.question.answerSeconds * 1000 : 0;
    if (q && p) {
      const wall = terms.timerMode === 'wallclock' && p.phase === 'answering' ? Math.max(0, now - p.persisted_at) : 0;
      answerRemainingMs = Math.max(0, q.question.answerSeconds * 1000 - (p.phase === 'answering' ? p.elapsed_ms + wall : 0));
    }
    return {
      sessionId: s.id,
      inviteCode: s.invite_code,
      state: s.state,
      questionIndex: s.question_index,
      questionCount: totalQuestionsOf(pack),
      answerRemainingMs: Math.round(answerRemainingMs),
      needsResumeCode: s.state !== 'in_progress' && (terms.aloneUntil === null || now > terms.aloneUntil || proctorPauseOutstanding(this.ctx.db, s.id)),
      interruptedAt: s.state === 'in_progress' ? null : s.interrupted_at,
      interruption: s.interruption ?? 'unknown',
      terms,
      locale: s.locale,
    };
  }

  expireIfOverdue(s: SessionRow, now: number): SessionRow {
    if (!canTransition(s.state, 'expire') || s.interrupted_at === null && s.state !== 'checked_in' && s.state !== 'consented' && s.state !== 'prechecked') return s;
    const pack = this.ctx.packOf(s);
    if (!pack) return s;
    const since = s.interrupted_at ?? s.created_at;
    if (now <= since + pack.pack.policy.resume.returnWindowSeconds * 1000) return s;
    transact(this.ctx.db, () => {
      this.ctx.deps.journal.append(s.id, 'session_expired', { since, state: s.state }, now);
      this.ctx.transition(s, 'expire', now);
    });
    return getSession(this.ctx.db, s.id)!;
  }

  private expireOverdue(): void {
    const now = this.ctx.now();
    for (const s of sessionsInStates(this.ctx.db, ['checked_in', 'consented', 'prechecked', 'interrupted', 'exited'])) {
      try {
        this.expireIfOverdue(s, now);
      } catch (e) {
        if (!storageErrorCode(e)) throw e;
      }
    }
  }
}
