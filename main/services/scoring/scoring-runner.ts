/**
 * Runs the scorer for submitted answers, off the IPC path: the session service reports an
 * `answer_submitted` once it has committed, and the runner scores it on a later turn of the event
 * loop, one answer at a time, after the candidate's next question has been answered over IPC.
 *
 * Scoring never affects the interview: a failure (an exception, a locked pack, a storage error)
 * is journaled as `score_failed` and logged, nothing is thrown back into the session, and the
 * answer is tried again by `catchUp()` at the next start (every submitted answer without a score
 * row). Idempotent per answer: an answer that already has a score row is not scored again, so a
 * duplicate report or a catch-up racing a live submit journals one `score_computed`.
 */
import type { Logger } from '../../common/logger';
import type { Segmenter } from '../packs/resume-tags';
import { getAnswerScore, unscoredAnswers } from '../../db/queries/scoring';
import { transact } from '../../db/transaction';
import { scoreSubmittedAnswer, type ScoringDeps } from './scoring-service';

export interface ScoringRunnerDeps extends Omit<ScoringDeps, 'segmenter'> {
  readonly logger: Logger;
  /** The segmenter, loaded on first use (jieba's dictionary takes a moment; start-up does not wait). */
  readonly segmenter: () => Promise<Segmenter>;
  /** Schedules work on a later turn; default setImmediate (after the IPC reply is sent). */
  readonly defer?: (f: () => void) => void;
}

interface Job {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
}

const keyOf = (j: Job): string => `${j.sessionId}\u0000${j.questionIndex}\u0000${j.attempt}`;

/** Most answers one catch-up schedules (the rest wait for the next start). */
export const CATCH_UP_LIMIT = 5000;

export class ScoringRunner {
  private readonly log: Logger;
  private readonly queue: Job[] = [];
  private readonly queued = new Set<string>();
  private running = false;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];
  /** Counts since start, for tests and diagnostics. */
  readonly stats = { scored: 0, skipped: 0, failed: 0 };

  constructor(private readonly deps: ScoringRunnerDeps) {
    this.log = deps.logger.scope('scoring');
  }

  /** Queues one submitted answer; returns at once (never scores synchronously). */
  schedule(sessionId: string, questionIndex: number, attempt: number): void {
    if (this.stopped) return;
    const job = { sessionId, questionIndex, attempt };
    const k = keyOf(job);
    if (this.queued.has(k)) return;
    this.queued.add(k);
    this.queue.push(job);
    if (!this.running) {
      this.running = true;
      (this.deps.defer ?? setImmediate)(() => void this.pump());
    }
  }

  /** Queues every submitted answer that has no score yet (run at start). Returns how many. */
  catchUp(limit = CATCH_UP_LIMIT): number {
    let rows: ReturnType<typeof unscoredAnswers>;
    try {
      rows = unscoredAnswers(this.deps.db, limit);
    } catch (e) {
      this.log.error('could not list unscored answers', { error: e instanceof Error ? e.message : String(e) });
      return 0;
    }
    for (const r of rows) this.schedule(r.session_id, r.question_index, r.attempt);
    return rows.length;
  }

  /** Resolves once the queue is empty (tests; shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops taking work; what is queued is dropped and found again by the next start's catch-up. */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queued.clear();
  }

  private async pump(): Promise<void> {
    try {
      for (let job = this.queue.shift(); job && !this.stopped; job = this.queue.shift()) {
        await this.runOne(job);
        this.queued.delete(keyOf(job));
        // Yield between answers so IPC requests queued meanwhile are served first.
        if (this.queue.length) await new Promise<void>((r) => (this.deps.defer ?? setImmediate)(r));
      }
    } finally {
      this.running = false;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    }
  }

  private async runOne(job: Job): Promise<void> {
    const { db } = this.deps;
    try {
      if (!db.open) return;
      if (getAnswerScore(db, job.sessionId, job.questionIndex, job.attempt)) {
        this.stats.skipped++;
        return;
      }
      const r = await scoreSubmittedAnswer({ ...this.deps, segmenter: await this.deps.segmenter() }, job.sessionId, job.questionIndex, job.attempt);
      if (r.ok) {
        this.stats.scored++;
        return;
      }
      this.failed(job, r.error.code, r.error.message);
    } catch (e) {
      this.failed(job, 'SCORE_INTERNAL', e instanceof Error ? e.message : String(e));
    }
  }

  private failed(job: Job, code: string, _message: string): void {
    this.stats.failed++;
    // Codes and indexes only: logs never carry candidate data.
    this.log.warn('scoring failed; will retry at next start', { code, questionIndex: job.questionIndex, attempt: job.attempt });
    try {
      if (!this.deps.db.open) return;
      transact(this.deps.db, () =>
        this.deps.journal.append(job.sessionId, 'score_failed', { questionIndex: job.questionIndex, attempt: job.attempt, code, retry: 'next_start' }, this.deps.clock.now()),
      );
    } catch (e) {
      this.log.error('could not journal a scoring failure', { code, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
