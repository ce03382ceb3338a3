/**
 * Answering a question: the answer begins (by hand or when preparation is over), media chunks are
 * stored in order (bytes in the segment file, sha256 and a journal event in one durable
 * transaction) before they are acknowledged, typed or recorded answers are submitted, retakes open a new attempt, and a
 * lost camera or microphone stops the clock until it is back (then a new segment starts).
 */
import { createHash, hash } from 'node:crypto';
import type { AppendChunkRequest, ChunkAck, CurrentView, DeviceReport, QuestionView } from '../../../preload/contract/session';
import { err, ok, type Result } from '../../common/result';
import { attemptChunkStats, getChunkMeta, insertChunk, segmentChunkCount } from '../../db/queries/media';
import { countAnswers, getProgress, getSession, insertAnswer, sessionsInStates, updateSession, upsertProgress, type SessionRow, type SessionStateValue } from '../../db/queries/sessions';
import { afterCommit, transact } from '../../db/transaction';
import { CHUNK_COMMIT_WAL_BYTES } from '../../db/wal-maintenance';
import { durabilityOf } from '../../db/wal-durability';
import { totalQuestionsOf, type LoadedPack } from '../packs/pack-provider';
import type { FlatQuestion } from '../packs/pack-schema';
import { PERSIST_INTERVAL_MS, type AnswerClock } from './answer-clock';
import type { SessionContext } from './context';
import { PagePresence } from './page-presence';
import { deleteDrafts } from '../../db/queries/drafts';
import { isTerminal } from './state-machine';
import { SegmentMediaStore, type DamageRange, type LegacyMoveReport, type RecoveryReport, type SegmentRef } from '../storage/media-store';
import { getErasure } from '../../db/queries/session-keys';
import { receiptIdFor, type SessionViews } from './views';

/** Sessions whose last segment may still be written to: their files are checked at every start. */
const OPEN_STATES: readonly SessionStateValue[] = ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted'];

/** A chunk event this recent stands in for the ticker's persisted answer clock. */
const CHUNK_CARRIES_CLOCK_MS = 1000;

/**
 * How long one tick may spend checking the segments start-up recovery left for later (closed
 * sessions): a segment is a few reads and hashes, and the event loop stays free for the IPC.
 */
const DEFERRED_CHECK_BUDGET_MS = 4;

/** How long after its answer time a question with no submission is closed by the kiosk itself. */
export const AUTO_SUBMIT_GRACE_MS = 10_000;

interface SegmentCounter {
  questionIndex: number;
  attempt: number;
  segment: number;
  /** Chunks committed in this segment: the next expected seq. */
  count: number;
  /** Chunks committed in this attempt, over all its segments. */
  attemptChunks: number;
}

export class Recording {
  private readonly counters = new Map<string, SegmentCounter>();
  /** When each session's last chunk was committed (its event carries the answer clock). */
  private readonly lastChunkAt = new Map<string, number>();
  /** The tail of each session's chain of chunk stores: one chunk at a time per session. */
  private readonly inFlight = new Map<string, Promise<void>>();
  /** Segments of recently written closed sessions still to be checked after start-up (recoverMedia). */
  private deferredSegments: SegmentRef[] = [];
  readonly store: SegmentMediaStore;

  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
    private readonly presence: PagePresence,
    store?: SegmentMediaStore,
  ) {
    this.store = store ?? new SegmentMediaStore(ctx.db);
    ctx.onForget((id) => {
      this.counters.delete(id);
      this.lastChunkAt.delete(id);
    });
  }

  /** Persists elapsed time of open questions; call every ~500 ms. Also closes overdue answers. */
  tick(): void {
    const now = this.ctx.now();
    if (this.deferredSegments.length > 0) this.checkDeferredSegments(now);
    for (const [sessionId, timer] of this.clock.entries()) {
      if (this.ctx.failed.has(sessionId)) continue;
      this.ctx.guard(sessionId, () => {
        this.clock.advancePhase(sessionId, timer, now);
        // While chunks flow, each chunk event carries the answer clock (recovery takes the newer of
        // the two), so the ticker writes the clock only when no chunk came in the last second: one
        // small commit a second less, which is most of the write amplification left per chunk.
        const chunkAt = this.lastChunkAt.get(sessionId);
        const carried = chunkAt !== undefined && now - chunkAt <= CHUNK_CARRIES_CLOCK_MS;
        if (!carried && now - timer.lastPersist >= PERSIST_INTERVAL_MS - 50) this.clock.persist(sessionId, now);
        const s = getSession(this.ctx.db, sessionId);
        const pack = s ? this.ctx.packOf(s) : undefined;
        const q = pack?.questions[timer.questionIndex];
        if (s && q && timer.phase === 'answering' && this.clock.elapsed(timer, now) > q.question.answerSeconds * 1000 + AUTO_SUBMIT_GRACE_MS) {
          this.ctx.log.info('answer time over; closing the question', { questionIndex: timer.questionIndex });
          this.submitInternal(s, pack!, q, undefined, now, true);
        }
        return ok(undefined);
      });
    }
  }

  current(sessionId: string): Result<CurrentView> {
    return this.ctx.withSession(sessionId, (s, pack, now) => ok(this.views.currentView(s, pack, now)));
  }

  beginAnswer(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.clock.timerFor(s, q, now);
      if (timer.phase === 'preparing') this.clock.startAnswering(s.id, timer, now, false);
      return ok(this.views.questionView(s, pack, q, now));
    });
  }

  /**
   * Stores one media chunk and acknowledges it once it is durable: the bytes are appended to the
   * segment's file and their fdatasync starts in the thread pool, the metadata row and the
   * `chunk_committed` event commit in one SQLite transaction meanwhile, and the acknowledgement
   * waits for both (ordering argument: media-store.ts, docs/media-store.md). A session's chunks
   * are stored one at a time, so at most one committed chunk per segment is not yet on disk.
   * A retried chunk with the same bytes is acknowledged again without a second copy.
   */
  appendChunk(req: AppendChunkRequest): Promise<Result<ChunkAck>> {
    // With nothing in flight the store and commit run now, synchronously up to the fdatasync wait.
    const prev = this.inFlight.get(req.sessionId);
    const run = prev ? prev.then(() => this.appendChunkNow(req)) : this.appendChunkNow(req);
    // The tail's callbacks are registered on `run` before the caller's, so a caller that awaited
    // this chunk finds the chain empty and its next chunk runs at once (not a microtask later).
    const settle = () => {
      if (this.inFlight.get(req.sessionId) === tail) this.inFlight.delete(req.sessionId);
    };
    const tail: Promise<void> = run.then(settle, settle);
    this.inFlight.set(req.sessionId, tail);
    return run;
  }

  /**
   * Recovers the media files at start (see SegmentMediaStore.recover); journals each damaged range.
   * The open sessions' segments are checked now, before anything resumes; the recent closed
   * sessions' segments are checked by the ticker right after (`checkDeferredSegments`), a few
   * milliseconds per tick, so the time to a resumable session does not grow with them.
   */
  recoverMedia(): RecoveryReport & { legacy: LegacyMoveReport } {
    const now = this.ctx.now();
    const openSessions = new Set(sessionsInStates(this.ctx.db, OPEN_STATES).map((s) => s.id));
    const onDamage = this.journalDamage(now);
    const legacy = this.store.moveLegacyBlobs(now, onDamage);
    const report = this.store.recover(openSessions, now, onDamage, { closedLater: true });
    this.deferredSegments = [...report.deferred];
    if (report.damaged.length > 0 || report.bytesTruncated > 0 || legacy.chunks > 0) {
      this.ctx.log.info('media recovered', { ...report, damaged: report.damaged.length, deferred: report.deferred.length, legacyChunks: legacy.chunks });
    }
    return { ...report, legacy };
  }

  /**
   * Checks the segments recovery left for later, oldest first, until the tick's budget is spent. A
   * session erased meanwhile is skipped; a segment that cannot be read (a failing disk) is logged
   * and left for the next start, which selects it again while it is recent.
   */
  checkDeferredSegments(now: number, budgetMs = DEFERRED_CHECK_BUDGET_MS): void {
    const started = performance.now();
    const onDamage = this.journalDamage(now);
    while (this.deferredSegments.length > 0 && performance.now() - started < budgetMs) {
      const seg = this.deferredSegments.shift()!;
      if (getErasure(this.ctx.db, seg.session_id)) continue;
      try {
        const c = this.store.checkSegment(seg, now, onDamage);
        if (c.damaged.length > 0 || c.bytesTruncated > 0) this.ctx.log.info('media recovered', { ...c, damaged: c.damaged.length });
      } catch (e) {
        this.ctx.log.warn('a recorded segment could not be checked after start-up', { error: e instanceof Error ? e.message : String(e) });
      }
    }
  }

  private journalDamage(now: number): (r: DamageRange) => void {
    return (r) => {
      this.ctx.deps.journal.append(r.sessionId, 'media_damaged', {
        questionIndex: r.questionIndex,
        attempt: r.attempt,
        segment: r.segment,
        fromSeq: r.fromSeq,
        toSeq: r.toSeq,
        reason: r.reason,
      }, now);
    };
  }

  private async appendChunkNow(req: AppendChunkRequest): Promise<Result<ChunkAck>> {
    let durable: Promise<void> | undefined;
    const staged = this.ctx.withActiveQuestion<ChunkAck>(req.sessionId, req.questionIndex, (s, _pack, q, now) => {
      const { db, journal } = this.ctx.deps;
      if (q.question.mode === 'text') return err('ANSWER_MODE_MISMATCH', 'this question is answered in text, not recorded');
      if (this.presence.superseded(s.id, req.pageId)) return PagePresence.refusal();
      this.presence.seen(s.id, req.pageId, now);
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
      const timer = this.clock.timerFor(s, q, now);
      if (timer.phase === 'preparing') this.clock.startAnswering(s.id, timer, now, true);
      // 1. bytes to the segment file, fdatasync started in the thread pool (not awaited yet)
      const chunk = this.store.stage(key, data);
      try {
        // 2. meanwhile the metadata row and its journal event commit together
        transact(db, () => {
          insertChunk(db, { ...key, mime_type: req.mimeType, size: data.byteLength, sha256, file: chunk.file, file_offset: chunk.offset, stored_size: chunk.storedSize, committed_at: now });
          // The event carries the answer clock, so the progress row need not be rewritten per chunk
          // (one page less per commit); a crash recovery reconciles the two.
          journal.append(s.id, 'chunk_committed', {
            questionIndex: q.index,
            attempt: req.attempt,
            segment: req.segment,
            seq: req.seq,
            size: data.byteLength,
            sha256,
            elapsedMs: Math.round(this.clock.elapsed(timer, now)),
          }, now);
        });
      } catch (e) {
        chunk.rollback();
        throw e;
      }
      chunk.commit();
      // Counters move only after the commit succeeded.
      counter.count += 1;
      counter.attemptChunks += 1;
      this.lastChunkAt.set(s.id, now);
      this.ctx.deps.wal?.noteWritten(CHUNK_COMMIT_WAL_BYTES);
      durable = chunk.durable;
      return ok(this.ack(req, sha256, data.byteLength, false, counter.attemptChunks));
    });
    if (!staged.ok || !durable) return staged;
    try {
      // 3. acknowledge only when the file's bytes and the commit are durable: the segment's
      // fdatasync and the WAL's (wal-durability.ts; a no-op on a synchronous=FULL connection)
      // both run in the thread pool, side by side.
      await Promise.all([durable, durabilityOf(this.ctx.db).flush()]);
    } catch (e) {
      // The row is committed but its bytes may not be on disk: fail closed, never acknowledge.
      // Recovery re-hashes this chunk at the next start and journals it as damaged if it is not there.
      return this.ctx.guard<ChunkAck>(req.sessionId, () => {
        throw e;
      });
    }
    return staged;
  }

  submitAnswer(sessionId: string, questionIndex: number, attempt: number, text?: string): Result<CurrentView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const progress = getProgress(this.ctx.db, s.id, q.index);
      if (!progress || progress.attempt !== attempt) return err('QUESTION_MISMATCH', `attempt ${attempt} is not the open attempt`);
      if (q.question.mode === 'text' && (text === undefined || text.trim().length === 0)) {
        return err('ANSWER_EMPTY', 'a typed answer cannot be empty');
      }
      if (q.question.mode !== 'text' && text !== undefined) return err('ANSWER_MODE_MISMATCH', 'this question is answered by recording');
      this.submitInternal(s, pack, q, text, now, false);
      this.ctx.deps.wal?.checkpointIfNeeded();
      const after = getSession(this.ctx.db, s.id)!;
      // A stage released by this submission (v2) is in the session's pack from now on.
      return ok(this.views.currentView(after, this.ctx.packOf(after) ?? pack, now));
    });
  }

  retake(sessionId: string, questionIndex: number, attempt: number): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const progress = getProgress(this.ctx.db, s.id, q.index);
      if (!progress || progress.attempt !== attempt) return err('QUESTION_MISMATCH', `attempt ${attempt} is not the open attempt`);
      if (attempt >= q.question.retakes) return err('NO_RETAKES_LEFT', 'no retakes are left for this question');
      transact(this.ctx.db, () => {
        this.ctx.deps.journal.append(s.id, 'answer_retake', { questionIndex: q.index, fromAttempt: attempt }, now);
        this.clock.openQuestion(s.id, pack, q.index, now, attempt + 1);
      });
      return ok(this.views.questionView(getSession(this.ctx.db, s.id)!, pack, q, now));
    });
  }

  /** A camera or microphone disappeared: the open question's clock stops and `device_lost` is journaled. */
  deviceLost(sessionId: string, questionIndex: number, device: string): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.clock.timerFor(s, q, now);
      if (!timer.paused) {
        transact(this.ctx.db, () => {
          this.clock.persist(s.id, now);
          timer.base = this.clock.elapsed(timer, now);
          timer.since = now;
          timer.paused = { since: now, device };
          const p = getProgress(this.ctx.db, s.id, q.index);
          this.ctx.deps.journal.append(s.id, 'device_lost', {
            questionIndex: q.index,
            attempt: p?.attempt ?? 0,
            segment: p?.segment ?? 0,
            device,
            phase: timer.phase,
            elapsedMs: timer.base,
          }, now);
        });
      }
      return ok(this.views.questionView(s, pack, q, now));
    });
  }

  /** The device is back: the clock runs again and recording continues in a new segment. */
  deviceRestored(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, pack, q, now) => {
      const timer = this.clock.timerFor(s, q, now);
      const paused = timer.paused;
      if (paused) {
        const { db } = this.ctx;
        transact(db, () => {
          timer.paused = undefined;
          timer.since = now;
          const p = getProgress(db, s.id, q.index);
          const used = p ? segmentChunkCount(db, s.id, q.index, p.attempt, p.segment) > 0 : false;
          if (p && used) upsertProgress(db, { ...p, segment: p.segment + 1, persisted_at: now });
          this.clock.persist(s.id, now);
          this.ctx.deps.journal.append(s.id, 'device_restored', {
            questionIndex: q.index,
            device: paused.device,
            lostMs: now - paused.since,
            segment: p ? (used ? p.segment + 1 : p.segment) : 0,
          }, now);
        });
      }
      return ok(this.views.questionView(s, pack, q, now));
    });
  }

  /** The renderer's device and network state; a change is journaled for an open session. */
  reportDevices(report: DeviceReport): Result<{ recorded: boolean }> {
    const now = this.ctx.now();
    const { changed } = this.ctx.deps.environment.recordDeviceReport(report, now);
    if (changed && report.sessionId) {
      const s = getSession(this.ctx.db, report.sessionId);
      if (s && !isTerminal(s.state)) {
        return this.ctx.guard(s.id, () => {
          this.ctx.deps.journal.append(s.id, 'devices_changed', { camera: report.camera, microphone: report.microphone, online: report.online }, now);
          return ok({ recorded: true });
        });
      }
    }
    return ok({ recorded: changed });
  }

  submitInternal(s: SessionRow, pack: LoadedPack, q: FlatQuestion, text: string | undefined, now: number, auto: boolean): void {
    const { db, journal } = this.ctx.deps;
    const timer = this.clock.timerFor(s, q, now);
    const progress = getProgress(db, s.id, q.index)!;
    const elapsed = timer.phase === 'answering' ? this.clock.elapsed(timer, now) : 0;
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
      deleteDrafts(db, s.id, q.index);
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
      const onSubmitted = this.ctx.deps.onAnswerSubmitted;
      if (onSubmitted) {
        const attempt = progress.attempt;
        afterCommit(db, () => {
          try {
            onSubmitted(s.id, q.index, attempt);
          } catch (e) {
            this.ctx.log.error('answer-submitted hook failed', { error: e instanceof Error ? e.message : String(e) });
          }
        });
      }
      this.clock.delete(s.id);
      const next = q.index + 1;
      if (next >= pack.questions.length && next < totalQuestionsOf(pack)) {
        // v2: the last released question; the next stage is released (offline: here) or requested.
        updateSession(db, s.id, { question_index: next, updated_at: now });
        this.ctx.stageFlow?.afterLastReleasedSubmitted(s, pack, next, now);
      } else if (next >= pack.questions.length) {
        this.ctx.transition(s, 'complete', now, { question_index: q.index });
        journal.append(s.id, 'interview_completed', { receiptId: receiptIdFor(s.id), answered: countAnswers(db, s.id) }, now);
      } else {
        updateSession(db, s.id, { question_index: next, updated_at: now });
        this.clock.openQuestion(s.id, pack, next, now);
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
      count: segmentChunkCount(this.ctx.db, sessionId, questionIndex, attempt, segment),
      attemptChunks: attemptChunkStats(this.ctx.db, sessionId, questionIndex, attempt).chunks,
    };
    this.counters.set(sessionId, fresh);
    return fresh;
  }
}
