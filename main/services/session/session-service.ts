/**
 * The interview session: check-in to completion, every recorded chunk journaled before it is
 * acknowledged, elapsed time persisted at least every second, and resume at the exact breakpoint
 * (断点续答) under the pack's resume policy. Expected failures come back as `Result` values with
 * codes; storage faults fail closed (the session becomes `interrupted`, recording stops).
 */
import { createHash, hash, randomBytes, randomUUID } from 'node:crypto';
import type { ExitReason } from '../../../preload/contract/common';
import type { RescheduleReason, RescheduleReceipt } from '../../../preload/contract/precheck';
import type {
  AppendChunkRequest,
  ChunkAck,
  CompletionReceipt,
  CurrentView,
  DeviceReport,
  ExitInfo,
  ExitReceipt,
  QuestionView,
  ResumeOffer,
  ReturnTerms,
  SessionView,
  StatusEvent,
} from '../../../preload/contract/session';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { CodedError, err, isCodedError, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import { storageErrorCode } from '../../db/errors';
import { attemptChunkStats, getChunkMeta, insertChunk, segmentChunkCount, sessionChunkCount } from '../../db/queries/media';
import {
  countAnswers,
  getKioskState,
  getProgress,
  getSession,
  getSessionByInvite,
  insertAnswer,
  insertIncident,
  insertSession,
  markAnswering,
  persistElapsed,
  sessionsInStates,
  setKioskState,
  updateSession,
  upsertProgress,
  type InterruptionKind,
  type ProgressRow,
  type SessionRow,
} from '../../db/queries/sessions';
import type { WalMaintenance } from '../../db/wal-maintenance';
import type { EnvironmentProbe } from '../environment/environment';
import type { Journal, JournalEventType } from '../journal/journal';
import { lastJournalRowOfType } from '../../db/queries/journal';
import type { InviteDirectory, LoadedPack, PackProvider } from '../packs/pack-provider';
import type { PrecheckRunSummary } from '../precheck/precheck-service';
import type { FlatQuestion } from '../packs/pack-schema';
import { getSessionVariant, insertSessionVariants } from '../../db/queries/packs';
import { promptOf, untailored, type Tailoring } from '../packs/variants';
import type { ResumeCodeIssuer } from './resume-codes';
import { canTransition, isTerminal, targetOf, type Transition } from './state-machine';

export interface SessionServiceDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
  readonly invites: InviteDirectory;
  readonly resumeCodes: ResumeCodeIssuer;
  readonly environment: EnvironmentProbe;
  readonly logger: Logger;
  readonly wal?: WalMaintenance;
  readonly emit?: (event: StatusEvent) => void;
}

/** How long after its answer time a question with no submission is closed by the kiosk itself. */
export const AUTO_SUBMIT_GRACE_MS = 10_000;
/** Elapsed time is written at least this often while a question is open. */
export const PERSIST_INTERVAL_MS = 500;
const RUN_KEY = 'run';

interface SegmentCounter {
  questionIndex: number;
  attempt: number;
  segment: number;
  /** Chunks committed in this segment: the next expected seq. */
  count: number;
  /** Chunks committed in this attempt, over all its segments. */
  attemptChunks: number;
}

interface Timer {
  questionIndex: number;
  phase: 'preparing' | 'answering';
  /** Elapsed ms of the current phase when `since` was taken. */
  base: number;
  since: number;
  prepElapsed: number;
  lastPersist: number;
  /** Set while a camera or microphone is lost: the clock of the open phase stands still. */
  paused?: { since: number; device: string };
}

export class SessionService {
  private readonly log: Logger;
  private readonly timers = new Map<string, Timer>();
  private readonly counters = new Map<string, SegmentCounter>();
  /** Sessions whose storage failed in this process: recording is refused until they resume. */
  private readonly failed = new Map<string, string>();

  constructor(private readonly deps: SessionServiceDeps) {
    this.log = deps.logger.scope('session');
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Runs once at process start. A session still `in_progress` here was not shut down cleanly:
   * it becomes `interrupted` with a `crash_detected` event. Returns the ids it interrupted.
   */
  recoverAfterStart(): string[] {
    const { db, clock, journal } = this.deps;
    const now = clock.now();
    const previous = getKioskState(db, RUN_KEY);
    const recovered: string[] = [];
    transact(db, () => {
      for (const s of sessionsInStates(db, ['in_progress'])) {
        const progress = this.reconcileElapsed(s);
        this.transition(s, 'interrupt', now, { interrupted_at: progress?.persisted_at ?? s.updated_at, interruption: 'crash' });
        journal.append(s.id, 'crash_detected', {
          previousRun: previous ? (JSON.parse(previous) as unknown) : null,
          questionIndex: s.question_index,
          lastPersistedAt: progress?.persisted_at ?? null,
          elapsedMs: progress?.elapsed_ms ?? null,
        }, now);
        recovered.push(s.id);
      }
      setKioskState(db, RUN_KEY, JSON.stringify({ runId: randomUUID(), startedAt: now, clean: false }));
    });
    this.expireOverdue();
    if (recovered.length > 0) this.log.warn('crash detected; sessions interrupted', { count: recovered.length });
    return recovered;
  }

  /**
   * The answer clock is written by the ticker and also carried by every chunk event; after a
   * crash the newer of the two wins, so the resumed time is never older than the last chunk.
   */
  private reconcileElapsed(s: SessionRow): ProgressRow | undefined {
    const { db } = this.deps;
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
    const { db, clock } = this.deps;
    const now = clock.now();
    try {
      transact(db, () => {
        for (const s of sessionsInStates(db, ['in_progress'])) {
          this.persistTimer(s.id, now);
          this.transition(s, 'interrupt', now, { interrupted_at: now, interruption: 'unknown' });
          this.deps.journal.append(s.id, 'exit_requested', { questionIndex: s.question_index, cause: 'shutdown' }, now);
        }
        const run = getKioskState(db, RUN_KEY);
        const parsed = run ? (JSON.parse(run) as Record<string, unknown>) : {};
        setKioskState(db, RUN_KEY, JSON.stringify({ ...parsed, clean: true, stoppedAt: now }));
      });
    } catch (e) {
      this.log.error('shutdown bookkeeping failed', { error: String(e) });
    }
    this.timers.clear();
  }

  /** Persists elapsed time of open questions; call every ~500 ms. Also closes overdue answers. */
  tick(): void {
    const now = this.deps.clock.now();
    for (const [sessionId, timer] of this.timers) {
      if (this.failed.has(sessionId)) continue;
      this.guard(sessionId, () => {
        this.advancePhase(sessionId, timer, now);
        if (now - timer.lastPersist >= PERSIST_INTERVAL_MS - 50) this.persistTimer(sessionId, now);
        const s = getSession(this.deps.db, sessionId);
        const pack = s ? this.packOf(s) : undefined;
        const q = pack?.questions[timer.questionIndex];
        if (s && q && timer.phase === 'answering' && this.elapsed(timer, now) > q.question.answerSeconds * 1000 + AUTO_SUBMIT_GRACE_MS) {
          this.log.info('answer time over; closing the question', { questionIndex: timer.questionIndex });
          this.submitInternal(s, pack!, q, undefined, now, true);
        }
        return ok(undefined);
      });
    }
  }

  // ------------------------------------------------------------------ check-in and consent

  /**
   * `tailoring` (from CheckInPreparer) picks each question's résumé variant; without it every
   * question uses its own prompt. The choice and the tags behind it are journaled for HR.
   */
  checkIn(inviteCode: string, locale: 'zh-CN' | 'en', tailoring?: Tailoring): Result<SessionView> {
    const { db, clock, journal } = this.deps;
    const now = clock.now();
    const existing = getSessionByInvite(db, inviteCode);
    if (existing) {
      const fresh = this.expireIfOverdue(existing, now);
      if (isTerminal(fresh.state)) {
        return err('INVITE_USED', 'this invite code has already been used for an interview that has ended');
      }
      if (fresh.locale !== locale) updateSession(db, fresh.id, { locale, updated_at: now });
      return ok(this.sessionView(getSession(db, fresh.id)!));
    }
    const invite = this.deps.invites.lookup(inviteCode);
    if (!invite) return err('INVITE_NOT_FOUND', 'no interview is scheduled for this invite code');
    if ((invite.notBefore !== undefined && now < invite.notBefore) || (invite.notAfter !== undefined && now > invite.notAfter)) {
      return err('INVITE_NOT_FOUND', 'this invite code is not valid at this time');
    }
    const pack = this.deps.packs.get(invite.packId);
    if (!pack) return err('PACK_NOT_FOUND', `the interview pack ${invite.packId} is not installed on this kiosk`);
    const id = randomUUID();
    return this.guard(id, () => {
      transact(db, () => {
        insertSession(db, {
          id,
          invite_code: inviteCode,
          candidate_ref: invite.candidateRef,
          pack_id: pack.pack.id,
          pack_hash: pack.hash,
          locale,
          state: 'checked_in',
          question_index: 0,
          resume_count: 0,
          interrupted_at: null,
          interruption: null,
          exit_reason: null,
          failed_codes: 0,
          created_at: now,
          updated_at: now,
        });
        const t = tailoring ?? untailored(pack);
        insertSessionVariants(db, t.choices.map((c) => ({ session_id: id, question_index: c.questionIndex, question_id: c.questionId, variant_id: c.variantId, matched_tags: JSON.stringify(c.matchedTags) })));
        journal.append(id, 'checked_in', {
          packId: pack.pack.id,
          packVersion: pack.pack.version,
          packHash: pack.hash,
          locale,
          tailoring: {
            resume: t.source,
            resumeSha256: t.resumeSha256,
            problem: t.problem ?? null,
            tags: t.tags.map((h) => ({ tag: h.tagId, count: h.count, matched: h.matched })),
            variants: t.choices.map((c) => ({ questionIndex: c.questionIndex, questionId: c.questionId, variantId: c.variantId, chosenBy: c.matchedTags })),
          },
        }, now);
      });
      return ok(this.sessionView(getSession(db, id)!));
    });
  }

  giveConsent(sessionId: string, accepted: boolean, consentVersion: string, declineReason?: string): Result<SessionView> {
    return this.withSession(sessionId, (s, pack, now) => {
      if (consentVersion !== pack.pack.policy.consentVersion) {
        return err('INVALID_INPUT', `consent text version ${consentVersion} is not the one this interview requires`);
      }
      if (!accepted) {
        if (!canTransition(s.state, 'exit')) return this.illegal(s, 'exit');
        transact(this.deps.db, () => {
          this.deps.journal.append(s.id, 'consent_declined', { consentVersion, reason: declineReason ?? null }, now);
          this.transition(s, 'exit', now, { exit_reason: 'consent_declined', interrupted_at: now, interruption: 'exit' });
        });
        return err('CONSENT_DECLINED', 'consent was declined; the interview will not start');
      }
      if (!canTransition(s.state, 'consent')) return this.illegal(s, 'consent');
      transact(this.deps.db, () => {
        this.deps.journal.append(s.id, 'consent_given', { consentVersion }, now);
        this.transition(s, 'consent', now);
      });
      return ok(this.sessionView(getSession(this.deps.db, s.id)!));
    });
  }

  /** Records the renderer's device check; the interview's answer modes decide what is required. */
  reportPrecheck(sessionId: string, camera: string, microphone: string): Result<SessionView> {
    return this.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'precheck')) return this.illegal(s, 'precheck');
      const needsCamera = pack.questions.some((q) => q.question.mode === 'video');
      const needsMic = pack.questions.some((q) => q.question.mode !== 'text');
      const blocking: string[] = [];
      if (needsCamera && camera !== 'ok') blocking.push('camera');
      if (needsMic && microphone !== 'ok') blocking.push('microphone');
      transact(this.deps.db, () => {
        this.deps.journal.append(s.id, 'precheck_recorded', { camera, microphone, blocking }, now);
        if (blocking.length === 0) this.transition(s, 'precheck', now);
      });
      if (blocking.length > 0) return err('PRECHECK_FAILED', `required devices are not ready: ${blocking.join(', ')}`);
      return ok(this.sessionView(getSession(this.deps.db, s.id)!));
    });
  }

  /** The pack whose policy a session's pre-check applies, if the session may run it now. */
  precheckPack(sessionId: string): Result<LoadedPack> {
    return this.withSession(sessionId, (s, pack) => (canTransition(s.state, 'precheck') ? ok(pack) : this.illegal(s, 'precheck')));
  }

  /**
   * Journals a full pre-check run (every check's status, value and fix); unless a blocking check
   * failed, the session becomes `prechecked`. A failed run leaves it `consented` for a retry.
   */
  recordPrecheckRun(sessionId: string, run: PrecheckRunSummary): Result<SessionView> {
    return this.withSession(sessionId, (s, _pack, now) => {
      if (!canTransition(s.state, 'precheck')) return this.illegal(s, 'precheck');
      transact(this.deps.db, () => {
        this.deps.journal.append(s.id, 'precheck_recorded', { ...run, checks: run.checks.map((c) => ({ ...c })) }, now);
        if (run.overall !== 'NOT_READY') this.transition(s, 'precheck', now);
      });
      return ok(this.sessionView(getSession(this.deps.db, s.id)!));
    });
  }

  /** The candidate asks HR for another date instead of starting now; journaled and filed for HR. */
  requestReschedule(sessionId: string, reason: RescheduleReason, text: string | undefined, runId: string | undefined): Result<RescheduleReceipt> {
    return this.withSession(sessionId, (s, _pack, now) => {
      if (s.state !== 'checked_in' && s.state !== 'consented' && s.state !== 'prechecked') {
        return err('ILLEGAL_TRANSITION', `a reschedule can be requested only before the interview starts (the session is ${s.state})`);
      }
      const requestId = newIncidentId(now).replace(/^INC-/, 'RSC-');
      transact(this.deps.db, () => {
        const entry = this.deps.journal.append(s.id, 'reschedule_requested', { requestId, reason, text: text ?? null, runId: runId ?? null, state: s.state }, now);
        insertIncident(this.deps.db, {
          id: requestId,
          session_id: s.id,
          kind: 'reschedule',
          at: now,
          body: JSON.stringify({ reason, text: text ?? null, runId: runId ?? null, journalSeq: entry.seq }),
        });
      });
      return ok({ requestId, sessionId: s.id, at: now, reason });
    });
  }

  // ------------------------------------------------------------------ the interview

  start(sessionId: string): Result<CurrentView> {
    return this.withSession(sessionId, (s, pack, now) => {
      if (s.state === 'in_progress') return ok(this.currentView(s, pack, now));
      if (!canTransition(s.state, 'start')) return this.illegal(s, 'start');
      transact(this.deps.db, () => {
        this.deps.journal.append(s.id, 'interview_started', { questionCount: pack.questions.length }, now);
        this.transition(s, 'start', now);
        this.openQuestion(s.id, pack, 0, now);
      });
      return ok(this.currentView(getSession(this.deps.db, s.id)!, pack, now));
    });
  }

  current(sessionId: string): Result<CurrentView> {
    return this.withSession(sessionId, (s, pack, now) => ok(this.currentView(s, pack, now)));
  }

  beginAnswer(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.timerFor(s, q, now);
      if (timer.phase === 'preparing') this.startAnswering(s.id, timer, now, false);
      return ok(this.questionView(s, pack, q, now));
    });
  }

  /**
   * Commits one media chunk with its sha256 and a journal event in one durable transaction, then
   * acknowledges. A retried chunk with the same bytes is acknowledged again without a second copy.
   */
  appendChunk(req: AppendChunkRequest): Result<ChunkAck> {
    return this.withActiveQuestion(req.sessionId, req.questionIndex, (s, _pack, q, now) => {
      const { db, journal } = this.deps;
      if (q.question.mode === 'text') return err('ANSWER_MODE_MISMATCH', 'this question is answered in text, not recorded');
      const progress = getProgress(db, s.id, q.index);
      if (!progress || progress.attempt !== req.attempt || req.segment > progress.segment) {
        return err('QUESTION_MISMATCH', `chunk is for attempt ${req.attempt} segment ${req.segment}, the open one is attempt ${progress?.attempt} segment ${progress?.segment}`);
      }
      const data = Buffer.from(req.data.buffer, req.data.byteOffset, req.data.byteLength);
      const sha256 = hash('sha256', data, 'hex');
      const key = { session_id: s.id, question_index: q.index, attempt: req.attempt, segment: req.segment, seq: req.seq };
      const counter = this.segmentCounter(s.id, q.index, req.attempt, req.segment);
      if (req.seq < counter.count) {
        const existing = getChunkMeta(db, key);
        if (existing && existing.sha256 !== sha256) return err('CHUNK_CONFLICT', `chunk ${req.seq} was already stored with different content`);
        if (existing) return ok(this.ack(req, sha256, data.byteLength, true, counter.attemptChunks));
      }
      if (req.seq !== counter.count) {
        return err('QUESTION_MISMATCH', `chunk ${req.seq} arrived before chunk ${counter.count}; chunks are stored in order`);
      }
      const timer = this.timerFor(s, q, now);
      if (timer.phase === 'preparing') this.startAnswering(s.id, timer, now, true);
      transact(db, () => {
        insertChunk(db, { ...key, mime_type: req.mimeType, size: data.byteLength, sha256, data, committed_at: now });
        // The event carries the answer clock, so the progress row need not be rewritten per chunk
        // (one page less per commit); a crash recovery reconciles the two.
        journal.append(s.id, 'chunk_committed', {
          questionIndex: q.index,
          attempt: req.attempt,
          segment: req.segment,
          seq: req.seq,
          size: data.byteLength,
          sha256,
          elapsedMs: Math.round(this.elapsed(timer, now)),
        }, now);
      });
      // Counters move only after the commit succeeded.
      counter.count += 1;
      counter.attemptChunks += 1;
      this.deps.wal?.noteWritten(data.byteLength);
      return ok(this.ack(req, sha256, data.byteLength, false, counter.attemptChunks));
    });
  }

  submitAnswer(sessionId: string, questionIndex: number, attempt: number, text?: string): Result<CurrentView> {
    return this.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const progress = getProgress(this.deps.db, s.id, q.index);
      if (!progress || progress.attempt !== attempt) return err('QUESTION_MISMATCH', `attempt ${attempt} is not the open attempt`);
      if (q.question.mode === 'text' && (text === undefined || text.trim().length === 0)) {
        return err('ANSWER_EMPTY', 'a typed answer cannot be empty');
      }
      if (q.question.mode !== 'text' && text !== undefined) return err('ANSWER_MODE_MISMATCH', 'this question is answered by recording');
      this.submitInternal(s, pack, q, text, now, false);
      this.deps.wal?.checkpointIfNeeded();
      return ok(this.currentView(getSession(this.deps.db, s.id)!, pack, now));
    });
  }

  retake(sessionId: string, questionIndex: number, attempt: number): Result<QuestionView> {
    return this.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const progress = getProgress(this.deps.db, s.id, q.index);
      if (!progress || progress.attempt !== attempt) return err('QUESTION_MISMATCH', `attempt ${attempt} is not the open attempt`);
      if (attempt >= q.question.retakes) return err('NO_RETAKES_LEFT', 'no retakes are left for this question');
      transact(this.deps.db, () => {
        this.deps.journal.append(s.id, 'answer_retake', { questionIndex: q.index, fromAttempt: attempt }, now);
        this.openQuestion(s.id, pack, q.index, now, attempt + 1);
      });
      return ok(this.questionView(getSession(this.deps.db, s.id)!, pack, q, now));
    });
  }

  // ------------------------------------------------------------------ devices lost mid-answer

  /** A camera or microphone disappeared: the open question's clock stops and `device_lost` is journaled. */
  deviceLost(sessionId: string, questionIndex: number, device: string): Result<QuestionView> {
    return this.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.timerFor(s, q, now);
      if (!timer.paused) {
        transact(this.deps.db, () => {
          this.persistTimer(s.id, now);
          timer.base = this.elapsed(timer, now);
          timer.since = now;
          timer.paused = { since: now, device };
          const p = getProgress(this.deps.db, s.id, q.index);
          this.deps.journal.append(s.id, 'device_lost', {
            questionIndex: q.index,
            attempt: p?.attempt ?? 0,
            segment: p?.segment ?? 0,
            device,
            phase: timer.phase,
            elapsedMs: timer.base,
          }, now);
        });
      }
      return ok(this.questionView(s, pack, q, now));
    });
  }

  /** The device is back: the clock runs again and recording continues in a new segment. */
  deviceRestored(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.timerFor(s, q, now);
      const paused = timer.paused;
      if (paused) {
        const { db } = this.deps;
        transact(db, () => {
          timer.paused = undefined;
          timer.since = now;
          const p = getProgress(db, s.id, q.index);
          const used = p ? segmentChunkCount(db, s.id, q.index, p.attempt, p.segment) > 0 : false;
          if (p && used) upsertProgress(db, { ...p, segment: p.segment + 1, persisted_at: now });
          this.persistTimer(s.id, now);
          this.deps.journal.append(s.id, 'device_restored', {
            questionIndex: q.index,
            device: paused.device,
            lostMs: now - paused.since,
            segment: p ? (used ? p.segment + 1 : p.segment) : 0,
          }, now);
        });
      }
      return ok(this.questionView(s, pack, q, now));
    });
  }

  // ------------------------------------------------------------------ exit

  requestExit(sessionId: string): Result<ExitInfo> {
    return this.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'exit')) return this.illegal(s, 'exit');
      this.deps.journal.append(s.id, 'exit_requested', { questionIndex: s.question_index, state: s.state }, now);
      return ok({
        sessionId: s.id,
        answeredCount: countAnswers(this.deps.db, s.id),
        questionCount: pack.questions.length,
        committedChunks: sessionChunkCount(this.deps.db, s.id),
        terms: this.termsIfInterruptedAt(s, pack, now, now),
      });
    });
  }

  confirmExit(sessionId: string, reason: ExitReason, text?: string): Result<ExitReceipt> {
    return this.withSession(sessionId, (s, pack, now) => {
      if (!canTransition(s.state, 'exit')) return this.illegal(s, 'exit');
      const { db, journal } = this.deps;
      const incidentId = newIncidentId(now);
      const environment = this.deps.environment.snapshot(now);
      const wasInterruptedAt = s.state === 'interrupted' ? s.interrupted_at ?? now : now;
      const terms = this.termsIfInterruptedAt(s, pack, wasInterruptedAt, now);
      const nextStep: ExitReceipt['nextStep'] = !terms.canReturn
        ? 'contact_hr'
        : terms.aloneUntil !== null && now < terms.aloneUntil
          ? 'resume_alone'
          : 'resume_with_proctor';
      transact(db, () => {
        this.persistTimer(s.id, now);
        const entry = journal.append(s.id, 'exit_confirmed', {
          incidentId,
          reason,
          text: text ?? null,
          questionIndex: s.question_index,
          environment,
        }, now);
        insertIncident(db, {
          id: incidentId,
          session_id: s.id,
          kind: 'exit',
          at: now,
          body: JSON.stringify({ reason, text: text ?? null, environment, terms, journalSeq: entry.seq, lastEvents: journal.recent(s.id, 50).map((e) => ({ seq: e.seq, type: e.type, at: e.at })) }),
        });
        this.transition(s, 'exit', now, { exit_reason: reason, interrupted_at: wasInterruptedAt, interruption: 'exit' });
      });
      this.timers.delete(s.id);
      this.deps.wal?.checkpointIfNeeded();
      return ok({ incidentId, sessionId: s.id, at: now, reason, terms, nextStep });
    });
  }

  // ------------------------------------------------------------------ resume

  /** The session this kiosk was in when it stopped unexpectedly, if the candidate can still return. */
  findResumable(): Result<ResumeOffer | null> {
    const { db, clock } = this.deps;
    const now = clock.now();
    this.expireOverdue();
    const candidates = sessionsInStates(db, ['in_progress', 'interrupted']).filter((s) => s.interruption !== 'exit');
    const s = candidates[0];
    if (!s) return ok(null);
    const pack = this.packOf(s);
    if (!pack) return ok(null);
    return ok(this.resumeOffer(s, pack, now));
  }

  resume(inviteCode: string, resumeCode: string | undefined): Result<CurrentView> {
    const { db, clock, journal } = this.deps;
    const found = getSessionByInvite(db, inviteCode);
    if (!found) return err('SESSION_NOT_FOUND', 'no interview was started with this invite code');
    return this.withSession(found.id, (s0, pack, now) => {
      let s = this.expireIfOverdue(s0, now);
      if (s.state === 'expired') return err('RESUME_WINDOW_CLOSED', 'the time to return to this interview has passed; please contact HR');
      if (s.state === 'in_progress') {
        // The renderer lost its place while this process lived (reload, renderer crash): an interruption too.
        transact(this.deps.db, () => {
          this.persistTimer(s.id, now);
          this.transition(s, 'interrupt', now, { interrupted_at: now, interruption: 'unknown' });
        });
        this.timers.delete(s.id);
        s = getSession(db, s.id)!;
      }
      if (!canTransition(s.state, 'resume')) return err('NOT_RESUMABLE', `a session that is ${s.state} cannot be resumed`);
      const terms = this.termsIfInterruptedAt(s, pack, s.interrupted_at ?? now, now);
      const refuse = (code: 'RESUME_LIMIT_REACHED' | 'RESUME_CODE_REQUIRED' | 'RESUME_CODE_INVALID' | 'RESUME_CODE_LOCKED' | 'RESUME_WINDOW_CLOSED', message: string, patch?: Partial<SessionRow>): Result<CurrentView> => {
        transact(db, () => {
          journal.append(s.id, 'resume_refused', { code }, now);
          if (patch) updateSession(db, s.id, { ...patch, updated_at: now });
        });
        return err(code, message);
      };
      if (terms.resumesLeft <= 0) return refuse('RESUME_LIMIT_REACHED', 'this interview has been resumed as many times as allowed; please contact HR');
      if (terms.returnUntil !== null && now > terms.returnUntil) return refuse('RESUME_WINDOW_CLOSED', 'the time to return has passed; please contact HR');
      const needsCode = terms.aloneUntil === null || now > terms.aloneUntil;
      if (needsCode) {
        const policy = pack.pack.policy.resume;
        if (s.failed_codes >= policy.maxCodeAttempts) return refuse('RESUME_CODE_LOCKED', 'too many wrong resume codes; HR must reopen this interview');
        if (!resumeCode) return refuse('RESUME_CODE_REQUIRED', 'the grace period has passed: ask the proctor for a resume code');
        if (!this.deps.resumeCodes.verify(s.id, s.resume_count, resumeCode)) {
          const left = policy.maxCodeAttempts - s.failed_codes - 1;
          return refuse('RESUME_CODE_INVALID', `that resume code is not right; ${left} attempt(s) left`, { failed_codes: s.failed_codes + 1 });
        }
      }
      const beforeStart = !this.hasStarted(s);
      transact(db, () => {
        if (beforeStart) {
          journal.append(s.id, 'resumed', { toState: 'checked_in', withCode: needsCode }, now);
          this.transition(s, 'restart_checkin', now, { interrupted_at: null, interruption: null, failed_codes: 0, exit_reason: null });
          return;
        }
        const q = pack.questions[s.question_index]!;
        const progress = getProgress(db, s.id, q.index);
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
        this.transition(s, 'resume', now, {
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
          interruptedMs,
          timerMode: pack.pack.policy.resume.timerMode,
          withCode: needsCode,
          elapsedMs: after?.elapsed_ms ?? 0,
          segment: after?.segment ?? 0,
        }, now);
      });
      this.failed.delete(s.id);
      const resumed = getSession(db, s.id)!;
      return ok(this.currentView(resumed, pack, clock.now()));
    });
  }

  reportDevices(report: DeviceReport): Result<{ recorded: boolean }> {
    const now = this.deps.clock.now();
    const { changed } = this.deps.environment.recordDeviceReport(report, now);
    if (changed && report.sessionId) {
      const s = getSession(this.deps.db, report.sessionId);
      if (s && !isTerminal(s.state)) {
        return this.guard(s.id, () => {
          this.deps.journal.append(s.id, 'devices_changed', { camera: report.camera, microphone: report.microphone, online: report.online }, now);
          return ok({ recorded: true });
        });
      }
    }
    return ok({ recorded: changed });
  }

  // ------------------------------------------------------------------ internals

  private withSession<T>(sessionId: string, f: (s: SessionRow, pack: LoadedPack, now: number) => Result<T>): Result<T> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const pack = this.packOf(s);
    if (!pack) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not installed on this kiosk`);
    if (pack.hash !== s.pack_hash) return err('PACK_CHANGED', 'the interview pack changed after this session began; HR must reissue the invite');
    return this.guard(s.id, () => f(s, pack, this.deps.clock.now()));
  }

  private withActiveQuestion<T>(
    sessionId: string,
    questionIndex: number,
    f: (s: SessionRow, pack: LoadedPack, q: FlatQuestion, now: number) => Result<T>,
  ): Result<T> {
    const storageFault = this.failed.get(sessionId);
    if (storageFault) return err(storageFault as 'JOURNAL_WRITE_FAILED', 'recording stopped because the kiosk could not save; ask the staff for help');
    return this.withSession(sessionId, (s, pack, now) => {
      if (s.state !== 'in_progress') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}, not in progress`);
      if (s.question_index !== questionIndex) {
        return err('QUESTION_MISMATCH', `question ${questionIndex} is not the open question (${s.question_index})`);
      }
      const q = pack.questions[questionIndex];
      if (!q) return err('QUESTION_MISMATCH', 'no such question');
      return f(s, pack, q, now);
    });
  }

  /** Runs f; a storage fault fails closed: the session is interrupted and the candidate told. */
  private guard<T>(sessionId: string, f: () => Result<T>): Result<T> {
    try {
      return f();
    } catch (e) {
      if (isCodedError(e)) return err(e.code, e.message);
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.failClosed(sessionId, code, e);
      return err(code, storageMessage(code));
    }
  }

  private failClosed(sessionId: string, code: string, cause: unknown): void {
    this.log.error('storage failure; recording stopped', { code, error: cause instanceof Error ? cause.message : String(cause) });
    this.failed.set(sessionId, code);
    this.timers.delete(sessionId);
    this.counters.delete(sessionId);
    const now = this.deps.clock.now();
    try {
      const s = getSession(this.deps.db, sessionId);
      if (s && s.state === 'in_progress') {
        transact(this.deps.db, () => {
          this.transition(s, 'interrupt', now, { interrupted_at: now, interruption: 'storage' });
          this.deps.journal.append(s.id, 'storage_failure', { code }, now);
        });
      }
    } catch {
      // The store is failing: the in-memory fault above already refuses further recording, and
      // the next start finds the session in_progress and treats it as a crash.
    }
    this.deps.emit?.({ sessionId, state: 'interrupted', code, message: storageMessage(code as never) });
  }

  private transition(s: SessionRow, t: Transition, now: number, extra: Partial<SessionRow> = {}): void {
    if (!canTransition(s.state, t)) throw new CodedError('ILLEGAL_TRANSITION', `cannot ${t} a session that is ${s.state}`);
    const to = targetOf(t);
    updateSession(this.deps.db, s.id, { ...extra, state: to, updated_at: now });
    if (to !== s.state) this.deps.emit?.({ sessionId: s.id, state: to });
  }

  private illegal<T>(s: SessionRow, t: Transition): Result<T> {
    return err('ILLEGAL_TRANSITION', `cannot ${t.replace('_', ' ')} an interview that is ${s.state.replace('_', ' ')}`);
  }

  private packOf(s: SessionRow): LoadedPack | undefined {
    return this.deps.packs.get(s.pack_id);
  }

  private hasStarted(s: SessionRow): boolean {
    return getProgress(this.deps.db, s.id, 0) !== undefined;
  }

  private openQuestion(sessionId: string, pack: LoadedPack, index: number, now: number, attempt = 0): void {
    const q = pack.questions[index]!;
    const phase = q.question.prepSeconds > 0 ? 'preparing' : 'answering';
    upsertProgress(this.deps.db, {
      session_id: sessionId,
      question_index: index,
      attempt,
      segment: 0,
      phase,
      prep_elapsed_ms: 0,
      elapsed_ms: 0,
      persisted_at: now,
    });
    if (attempt === 0) {
      const v = getSessionVariant(this.deps.db, sessionId, index);
      this.deps.journal.append(sessionId, 'question_started', {
        questionIndex: index,
        questionId: q.question.id,
        mode: q.question.mode,
        variantId: v?.variant_id ?? 'default',
        chosenBy: v ? (JSON.parse(v.matched_tags) as string[]) : [],
      }, now);
    }
    this.timers.set(sessionId, { questionIndex: index, phase, base: 0, since: now, prepElapsed: 0, lastPersist: now });
  }

  /** The in-memory timer for the open question, rebuilt from the database after a restart. */
  private timerFor(s: SessionRow, q: FlatQuestion, now: number): Timer {
    const existing = this.timers.get(s.id);
    if (existing && existing.questionIndex === q.index) {
      this.advancePhase(s.id, existing, now);
      return existing;
    }
    const p = getProgress(this.deps.db, s.id, q.index);
    const phase = p?.phase === 'preparing' ? 'preparing' : 'answering';
    const timer: Timer = {
      questionIndex: q.index,
      phase,
      base: phase === 'preparing' ? p?.prep_elapsed_ms ?? 0 : p?.elapsed_ms ?? 0,
      since: now,
      prepElapsed: p?.prep_elapsed_ms ?? 0,
      lastPersist: p?.persisted_at ?? now,
    };
    this.timers.set(s.id, timer);
    this.advancePhase(s.id, timer, now);
    return timer;
  }

  private elapsed(t: Timer, now: number): number {
    if (t.paused) return t.base;
    return t.base + Math.max(0, now - t.since);
  }

  /** Preparation ends by itself when its time is up. */
  private advancePhase(sessionId: string, t: Timer, now: number): void {
    if (t.phase !== 'preparing') return;
    const s = getSession(this.deps.db, sessionId);
    const q = s ? this.packOf(s)?.questions[t.questionIndex] : undefined;
    if (!q) return;
    const limit = q.question.prepSeconds * 1000;
    if (this.elapsed(t, now) >= limit) {
      const overflow = this.elapsed(t, now) - limit;
      this.startAnswering(sessionId, t, now - overflow, true);
      t.since = now - overflow;
    }
  }

  private startAnswering(sessionId: string, t: Timer, at: number, auto: boolean): void {
    const prepElapsed = Math.min(this.elapsed(t, at), Number.MAX_SAFE_INTEGER);
    t.prepElapsed = prepElapsed;
    t.phase = 'answering';
    t.base = 0;
    t.since = at;
    const { db, journal } = this.deps;
    transact(db, () => {
      markAnswering(db, sessionId, t.questionIndex, prepElapsed, at);
      journal.append(sessionId, 'answer_begun', { questionIndex: t.questionIndex, auto, prepElapsedMs: prepElapsed }, at);
    });
    t.lastPersist = at;
  }

  private persistTimer(sessionId: string, now: number): void {
    const t = this.timers.get(sessionId);
    if (!t) return;
    const e = this.elapsed(t, now);
    if (t.phase === 'preparing') persistElapsed(this.deps.db, sessionId, t.questionIndex, e, 0, now);
    else persistElapsed(this.deps.db, sessionId, t.questionIndex, t.prepElapsed, e, now);
    t.lastPersist = now;
  }

  private submitInternal(s: SessionRow, pack: LoadedPack, q: FlatQuestion, text: string | undefined, now: number, auto: boolean): void {
    const { db, journal } = this.deps;
    const timer = this.timerFor(s, q, now);
    const progress = getProgress(db, s.id, q.index)!;
    const elapsed = timer.phase === 'answering' ? this.elapsed(timer, now) : 0;
    const stats = attemptChunkStats(db, s.id, q.index, progress.attempt);
    transact(db, () => {
      insertAnswer(db, {
        session_id: s.id,
        question_index: q.index,
        attempt: progress.attempt,
        mode: q.question.mode,
        text: text ?? null,
        chunk_count: stats.chunks,
        elapsed_ms: elapsed,
        submitted_at: now,
      });
      upsertProgress(db, { ...progress, phase: 'submitted', elapsed_ms: elapsed, persisted_at: now });
      journal.append(s.id, 'answer_submitted', {
        questionIndex: q.index,
        attempt: progress.attempt,
        mode: q.question.mode,
        chunks: stats.chunks,
        bytes: stats.bytes,
        textLength: text?.length ?? null,
        textSha256: text !== undefined ? createHash('sha256').update(text).digest('hex') : null,
        elapsedMs: elapsed,
        auto,
      }, now);
      this.timers.delete(s.id);
      const next = q.index + 1;
      if (next >= pack.questions.length) {
        this.transition(s, 'complete', now, { question_index: q.index });
        journal.append(s.id, 'interview_completed', { receiptId: receiptIdFor(s.id), answered: countAnswers(db, s.id) }, now);
      } else {
        updateSession(db, s.id, { question_index: next, updated_at: now });
        this.openQuestion(s.id, pack, next, now);
      }
    });
  }

  private ack(req: AppendChunkRequest, sha256: string, bytes: number, duplicate: boolean, committedChunks: number): ChunkAck {
    return { questionIndex: req.questionIndex, attempt: req.attempt, segment: req.segment, seq: req.seq, sha256, bytes, duplicate, committedChunks };
  }

  /**
   * Chunk counts of the segment being recorded, kept in memory so the recording path does no
   * counting queries. This service is the only writer, so the cache cannot go stale; it is
   * rebuilt from the database whenever the segment changes.
   */
  private segmentCounter(sessionId: string, questionIndex: number, attempt: number, segment: number): SegmentCounter {
    const c = this.counters.get(sessionId);
    if (c && c.questionIndex === questionIndex && c.attempt === attempt && c.segment === segment) return c;
    const fresh: SegmentCounter = {
      questionIndex,
      attempt,
      segment,
      count: segmentChunkCount(this.deps.db, sessionId, questionIndex, attempt, segment),
      attemptChunks: attemptChunkStats(this.deps.db, sessionId, questionIndex, attempt).chunks,
    };
    this.counters.set(sessionId, fresh);
    return fresh;
  }

  private termsIfInterruptedAt(s: SessionRow, pack: LoadedPack, interruptedAt: number, now: number): ReturnTerms {
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

  private resumeOffer(s: SessionRow, pack: LoadedPack, now: number): ResumeOffer {
    const interruptedAt = s.state === 'in_progress' ? now : s.interrupted_at ?? now;
    const terms = this.termsIfInterruptedAt(s, pack, interruptedAt, now);
    const q = pack.questions[s.question_index];
    const p = q ? getProgress(this.deps.db, s.id, q.index) : undefined;
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
      questionCount: pack.questions.length,
      answerRemainingMs: Math.round(answerRemainingMs),
      needsResumeCode: s.state !== 'in_progress' && (terms.aloneUntil === null || now > terms.aloneUntil),
      interruptedAt: s.state === 'in_progress' ? null : s.interrupted_at,
      interruption: s.interruption ?? 'unknown',
      terms,
    };
  }

  private expireIfOverdue(s: SessionRow, now: number): SessionRow {
    if (!canTransition(s.state, 'expire') || s.interrupted_at === null && s.state !== 'checked_in' && s.state !== 'consented' && s.state !== 'prechecked') return s;
    const pack = this.packOf(s);
    if (!pack) return s;
    const since = s.interrupted_at ?? s.created_at;
    if (now <= since + pack.pack.policy.resume.returnWindowSeconds * 1000) return s;
    transact(this.deps.db, () => {
      this.deps.journal.append(s.id, 'session_expired', { since, state: s.state }, now);
      this.transition(s, 'expire', now);
    });
    return getSession(this.deps.db, s.id)!;
  }

  private expireOverdue(): void {
    const now = this.deps.clock.now();
    for (const s of sessionsInStates(this.deps.db, ['checked_in', 'consented', 'prechecked', 'interrupted', 'exited'])) {
      try {
        this.expireIfOverdue(s, now);
      } catch (e) {
        if (!storageErrorCode(e)) throw e;
      }
    }
  }

  private sessionView(s: SessionRow): SessionView {
    const pack = this.packOf(s);
    return {
      sessionId: s.id,
      inviteCode: s.invite_code,
      state: s.state,
      locale: s.locale,
      packId: s.pack_id,
      packTitle: pack?.pack.title ?? { 'zh-CN': s.pack_id, en: s.pack_id },
      consentVersion: pack?.pack.policy.consentVersion ?? '',
      questionCount: pack?.questions.length ?? 0,
      stageCount: pack?.pack.stages.length ?? 0,
      answeredCount: countAnswers(this.deps.db, s.id),
      resumeCount: s.resume_count,
      maxResumes: pack?.pack.policy.resume.maxResumes ?? 0,
    };
  }

  private questionView(s: SessionRow, pack: LoadedPack, q: FlatQuestion, now: number): QuestionView {
    const timer = this.timerFor(s, q, now);
    const p = getProgress(this.deps.db, s.id, q.index) as ProgressRow;
    const elapsed = this.elapsed(timer, now);
    const prepElapsed = timer.phase === 'preparing' ? elapsed : timer.prepElapsed;
    const answerElapsed = timer.phase === 'answering' ? elapsed : 0;
    const stats = attemptChunkStats(this.deps.db, s.id, q.index, p.attempt);
    return {
      sessionId: s.id,
      questionIndex: q.index,
      questionCount: pack.questions.length,
      questionId: q.question.id,
      stageIndex: q.stageIndex,
      stageCount: pack.pack.stages.length,
      stageTitle: q.stage.title,
      indexInStage: q.indexInStage,
      questionsInStage: q.stage.questions.length,
      prompt: promptOf(q.question, getSessionVariant(this.deps.db, s.id, q.index)?.variant_id),
      mode: q.question.mode,
      prepSeconds: q.question.prepSeconds,
      answerSeconds: q.question.answerSeconds,
      retakesAllowed: q.question.retakes,
      attempt: p.attempt,
      segment: p.segment,
      phase: timer.phase,
      prepRemainingMs: Math.max(0, Math.round(q.question.prepSeconds * 1000 - prepElapsed)),
      answerRemainingMs: Math.max(0, Math.round(q.question.answerSeconds * 1000 - answerElapsed)),
      timerMode: pack.pack.policy.resume.timerMode,
      committedChunks: stats.chunks,
      committedBytes: stats.bytes,
      nextSeq: segmentChunkCount(this.deps.db, s.id, q.index, p.attempt, p.segment),
    };
  }

  private currentView(s: SessionRow, pack: LoadedPack, now: number): CurrentView {
    const session = this.sessionView(s);
    switch (s.state) {
      case 'in_progress': {
        const q = pack.questions[s.question_index];
        if (!q) return { kind: 'ended', session };
        if (!getProgress(this.deps.db, s.id, q.index)) transact(this.deps.db, () => this.openQuestion(s.id, pack, q.index, now));
        return { kind: 'question', session, question: this.questionView(s, pack, q, now) };
      }
      case 'completed':
        return { kind: 'completed', session, receipt: this.receipt(s) };
      case 'checked_in':
      case 'consented':
      case 'prechecked':
        return { kind: 'not_started', session };
      case 'interrupted':
      case 'exited':
        return { kind: 'interrupted', session };
      case 'expired':
      case 'no_show':
        return { kind: 'ended', session };
    }
  }

  private receipt(s: SessionRow): CompletionReceipt {
    const head = this.deps.journal.head(s.id);
    return {
      sessionId: s.id,
      receiptId: receiptIdFor(s.id),
      completedAt: s.updated_at,
      answeredCount: countAnswers(this.deps.db, s.id),
      journalHead: head.hash,
    };
  }
}

function receiptIdFor(sessionId: string): string {
  return `RCP-${createHash('sha256').update(sessionId).digest('hex').slice(0, 10).toUpperCase()}`;
}

function newIncidentId(now: number): string {
  const d = new Date(now);
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `INC-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function storageMessage(code: string): string {
  switch (code) {
    case 'STORAGE_FULL':
      return 'the kiosk disk is full: recording stopped and everything saved so far is kept; ask the staff for help';
    case 'STORAGE_READONLY':
      return 'the kiosk cannot write its interview store: recording stopped and everything saved so far is kept; ask the staff for help';
    case 'STORAGE_CORRUPT':
      return 'the kiosk interview store is damaged: recording stopped; ask the staff for help';
    default:
      return 'the kiosk could not save: recording stopped and everything saved so far is kept; ask the staff for help';
  }
}

export type { JournalEventType, InterruptionKind };
