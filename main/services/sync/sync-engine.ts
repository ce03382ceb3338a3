/**
 * Syncs the kiosk's outbox to the hub. It runs beside the interview and never in its way: every
 * read is a short indexed SQLite read, every network call is asynchronous and bounded, and every
 * failure only schedules the next attempt (full-jitter backoff, 1 s to 5 min). Items go in commit
 * order; a batch stops at the first item the hub did not take, so the journal arrives in order.
 * Media chunks are uploaded with tus first (the upload URL is kept in the outbox row, so a restart
 * resumes at the hub's offset), then announced as an item the hub accepts only when its verified
 * object exists.
 */
import type { ChunkSealer } from '../../common/chunk-sealer';
import type { Db } from '../../db/connection';
import {
  confirmOutbox,
  failOutbox,
  journalEventForOutbox,
  mediaForOutbox,
  outboxCounts,
  pendingOutbox,
  recordForOutbox,
  sessionsFullyConfirmed,
  setOutboxUploadUrl,
  type OutboxRow,
} from '../../db/queries/outbox';
import { fullJitterDelay } from './backoff';
import { HubCallError, type HubClient, type HubItem } from './hub-client';

export type SyncPhase = 'idle' | 'syncing' | 'backing_off' | 'stopped' | 'not_enrolled';

export interface SyncState {
  readonly phase: SyncPhase;
  readonly pending: number;
  readonly confirmed: number;
  readonly oldestPendingAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastError: string | null;
  readonly nextAttemptAt: number | null;
  readonly consecutiveFailures: number;
  readonly resumedUploads: number;
}

export interface SyncEngineOptions {
  readonly db: Db;
  readonly hub: HubClient;
  /** Opens sealed media chunks for upload (the kiosk's session keyring); identity when absent. */
  readonly sealer?: ChunkSealer;
  readonly now?: () => number;
  readonly random?: () => number;
  readonly batchSize?: number;
  /** Quiet-time poll interval when the outbox is empty. */
  readonly idlePollMs?: number;
  /**
   * Called with sessions whose every outbox item the hub has now confirmed (the retention
   * clock's start; the lead wires it to the retention engine).
   */
  readonly onHubConfirmed?: (sessionIds: readonly string[], at: number) => void;
  /** Backoff bounds (defaults 1 s and 5 min; tests shorten them). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /** Observability: an upload continued from a kept URL. */
  readonly onUploadResumed?: (key: string) => void;
}

type BuildResult = { item: HubItem } | { skip: string };

export class SyncEngine {
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly batchSize: number;
  private readonly idlePollMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = true;
  private failures = 0;
  private lastSuccessAt: number | null = null;
  private lastError: string | null = null;
  private nextAttemptAt: number | null = null;
  private phase: SyncPhase = 'stopped';
  private resumed = 0;
  private readonly resumedKeys = new Set<string>();

  constructor(private readonly opts: SyncEngineOptions) {
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.batchSize = opts.batchSize ?? 100;
    this.idlePollMs = opts.idlePollMs ?? 5_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.phase = 'stopped';
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  state(): SyncState {
    const c = outboxCounts(this.opts.db);
    return {
      phase: this.phase,
      pending: c.pending,
      confirmed: c.confirmed,
      oldestPendingAt: c.oldestPendingAt,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      nextAttemptAt: this.nextAttemptAt,
      consecutiveFailures: this.failures,
      resumedUploads: this.resumed,
    };
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.nextAttemptAt = this.now() + delayMs;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.tick().then((outcome) => {
        if (outcome === 'more') this.schedule(0);
        else if (outcome === 'idle') this.schedule(this.idlePollMs);
        else this.schedule(fullJitterDelay(this.failures - 1, this.random, this.opts.backoffBaseMs, this.opts.backoffCapMs));
      });
    }, delayMs);
    this.timer.unref();
  }

  /** One pass over at most one batch. Never throws. */
  async tick(): Promise<'more' | 'idle' | 'failed'> {
    if (this.running) return 'idle';
    this.running = true;
    this.phase = 'syncing';
    try {
      const rows = pendingOutbox(this.opts.db, this.batchSize);
      if (rows.length === 0) {
        this.phase = 'idle';
        return 'idle';
      }
      const items: HubItem[] = [];
      const sent: OutboxRow[] = [];
      // An upload that fails ends the batch there, but the items before it are still sent: on a
      // lossy link a batch that needed every upload to succeed at once would rarely make progress.
      let uploadFailure: unknown = null;
      for (const row of rows) {
        let built: BuildResult;
        try {
          built = await this.build(row);
        } catch (err) {
          if (sent.length === 0) throw err;
          uploadFailure = err;
          break;
        }
        if ('skip' in built) {
          // The record it names is gone or damaged: keep the row, report, and stop here so order holds.
          failOutbox(this.opts.db, row.id, built.skip);
          if (sent.length === 0) throw new HubCallError(built.skip, `outbox item ${row.idem_key}: ${built.skip}`);
          break;
        }
        items.push(built.item);
        sent.push(row);
      }
      const results = await this.opts.hub.sendItems(items);
      const ok: number[] = [];
      let firstBad: { row: OutboxRow; code: string } | null = null;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        const row = sent[i];
        if (!r || !row) break;
        if (r.status === 'stored' || r.status === 'duplicate') {
          ok.push(row.id);
          continue;
        }
        firstBad = { row, code: r.code ?? r.status };
        break;
      }
      const at = this.now();
      confirmOutbox(this.opts.db, ok, at);
      this.notifyConfirmed(sent.filter((r) => ok.includes(r.id)), at);
      if (firstBad) {
        failOutbox(this.opts.db, firstBad.row.id, firstBad.code);
        if (firstBad.code === 'MEDIA_NOT_UPLOADED' || firstBad.code === 'MEDIA_HASH_MISMATCH') setOutboxUploadUrl(this.opts.db, firstBad.row.id, null);
        throw new HubCallError(firstBad.code, `hub did not take ${firstBad.row.idem_key}`);
      }
      if (uploadFailure) throw uploadFailure;
      this.failures = 0;
      this.lastSuccessAt = at;
      this.lastError = null;
      this.phase = 'idle';
      return rows.length === this.batchSize ? 'more' : 'idle';
    } catch (err) {
      this.failures += 1;
      this.lastError = err instanceof HubCallError ? err.code : 'SYNC_FAILED';
      this.phase = 'backing_off';
      return 'failed';
    } finally {
      this.running = false;
    }
  }

  private notifyConfirmed(rows: readonly OutboxRow[], at: number): void {
    if (!this.opts.onHubConfirmed) return;
    const ids = [...new Set(rows.map((r) => r.session_id).filter((s): s is string => s !== null))];
    const done = sessionsFullyConfirmed(this.opts.db, ids);
    if (done.length > 0) {
      try {
        this.opts.onHubConfirmed(done, at);
      } catch {
        /* a listener's failure never stops sync */
      }
    }
  }

  private async build(row: OutboxRow): Promise<BuildResult> {
    const ref = JSON.parse(row.ref) as Record<string, unknown>;
    const db = this.opts.db;
    switch (row.kind) {
      case 'journal_event':
      case 'precheck_run':
      case 'reschedule_request': {
        const ev = journalEventForOutbox(db, row.session_id ?? '', Number(ref.seq));
        return ev ? { item: { key: row.idem_key, kind: row.kind, body: ev } } : { skip: 'RECORD_MISSING' };
      }
      case 'session':
        return { item: { key: row.idem_key, kind: 'session', body: ref } };
      case 'media_chunk': {
        const m = mediaForOutbox(db, row.session_id ?? '', ref as { questionIndex: number; attempt: number; segment: number; seq: number }, this.opts.sealer);
        if (m === 'missing') return { skip: 'RECORD_MISSING' };
        if (m === 'corrupt') return { skip: 'MEDIA_CORRUPT' };
        try {
          await this.opts.hub.upload(m.data, { key: row.idem_key, sha256: m.meta.sha256 }, row.upload_url, (url) => setOutboxUploadUrl(db, row.id, url));
        } catch (err) {
          if (err instanceof HubCallError && (err.code === 'MEDIA_HASH_MISMATCH' || err.code === 'UPLOAD_GONE')) setOutboxUploadUrl(db, row.id, null);
          throw err;
        }
        // Counted once per item: an upload that completed by continuing from a URL kept earlier
        // (in this process or before a restart), not a fresh one.
        if (row.upload_url && !this.resumedKeys.has(row.idem_key)) {
          this.resumedKeys.add(row.idem_key);
          this.resumed += 1;
          this.opts.onUploadResumed?.(row.idem_key);
        }
        return { item: { key: row.idem_key, kind: 'media_chunk', body: m.meta } };
      }
      case 'incident':
      case 'kiosk_incident':
      case 'no_show':
      case 'score':
      case 'review': {
        const rec = recordForOutbox(db, row.kind, row.session_id, ref);
        return rec ? { item: { key: row.idem_key, kind: row.kind, body: rec } } : { skip: 'RECORD_MISSING' };
      }
      default: {
        const never: never = row.kind;
        return { skip: `UNKNOWN_KIND_${String(never)}` };
      }
    }
  }
}
