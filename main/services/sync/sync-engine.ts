/**
 * Syncs what the kiosk owes the hub (main/db/queries/outbox.ts): outbox rows in commit order, then
 * journal events past each session's cursor with the items they imply. It runs beside the
 * interview and never in its way: every read is a short indexed SQLite read, every network call is
 * asynchronous and bounded, and every failure only schedules the next attempt (full-jitter
 * backoff, 1 s to 5 min). A batch stops at the first item the hub did not take, so each session's
 * journal arrives in order and its cursor moves over acknowledged events only. Media chunks are
 * uploaded with tus first (the upload URL is kept in `sync_uploads`, so a restart resumes at the
 * hub's offset), then announced as an item the hub accepts only when its verified object exists.
 * A chunk travels sealed, exactly as stored (#13): it is opened here only to verify it (tag and
 * plaintext sha256), and the hub checks the sealed bytes' sha256 on arrival.
 * A chunk the kiosk itself recorded as damaged is not sent (its `media_damaged` event tells the
 * hub); one that is unreadable without such a record holds back its own session only.
 */
import { createHash } from 'node:crypto';
import type { ChunkSealer } from '../../common/chunk-sealer';
import type { Db } from '../../db/connection';
import { durabilityOf } from '../../db/wal-durability';
import {
  confirmEvents,
  confirmOutbox,
  eventBody,
  failEvents,
  failOutbox,
  isMediaDamageRecorded,
  journalItems,
  mediaForOutbox,
  outboxCounts,
  pendingEvents,
  pendingOutbox,
  recordForOutbox,
  sessionsFullyConfirmed,
  setUploadUrl,
  uploadUrl,
  type OutboxRow,
  type PendingEvent,
} from '../../db/queries/outbox';
import { hasDeletedEvent } from '../../db/queries/erasure';
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
  /** Opens sealed media chunks to verify them before upload (the kiosk's session keyring); identity when absent. */
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
  /**
   * While there is nothing to send, a signed no-op call at most this often (default 60 s; 0: never)
   * is the kiosk's heartbeat on the hub's proctor board (offline after 5 minutes of silence).
   */
  readonly heartbeatMs?: number;
  /** Backoff bounds (defaults 1 s and 5 min; tests shorten them). */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
  /**
   * Opens an identity photo (issue #15) for upload: the JPEG, or why not ('missing', 'corrupt').
   * Without it the `identity_photo_captured` event goes and the photo stays on the kiosk.
   */
  readonly identityPhoto?: (
    sessionId: string,
    ordinal: number,
    file: string,
  ) => { readonly sealed: Buffer; readonly identity: string; readonly plainSha256: string; readonly plainSize: number } | 'missing' | 'corrupt';
  /** Observability: an upload continued from a kept URL. */
  readonly onUploadResumed?: (key: string) => void;
}

/** A batch's JSON stops growing past this (the hub refuses bodies over 8 MiB); the rest goes next tick. */
export const MAX_BATCH_BYTES = 4 * 1024 * 1024;

type BuildResult = { item: HubItem } | { skip: string } | { erased: true };
type EventBuild = { items: HubItem[] } | { skip: string };
/** Where each sent item came from: an outbox row, or one of an event's items (`last` closes the event). */
type Source = { readonly from: 'row'; readonly row: OutboxRow } | { readonly from: 'event'; readonly ev: PendingEvent; readonly key: string; readonly last: boolean };

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
  private lastContactAt: number | null = null;
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
    const db = this.opts.db;
    try {
      const rows = pendingOutbox(db, this.batchSize);
      const events = rows.length < this.batchSize ? pendingEvents(db, this.batchSize - rows.length) : [];
      if (rows.length === 0 && events.length === 0) {
        await this.heartbeatIfDue();
        this.phase = 'idle';
        return 'idle';
      }
      // Nothing leaves the kiosk before it is durable here: a power cut must not take back an
      // event the hub already holds (the next one would fork the chain). wal-durability.ts.
      await durabilityOf(db).flush();
      const items: HubItem[] = [];
      const sources: Source[] = [];
      // An upload that fails ends the batch there, but the items before it are still sent: on a
      // lossy link a batch that needed every upload to succeed at once would rarely make progress.
      let uploadFailure: unknown = null;
      let firstSkip: { code: string; what: string } | null = null;
      let stopped = false;
      let full = false;
      let bytes = 0;
      const erasedRows: number[] = [];
      for (const row of rows) {
        let built: BuildResult;
        try {
          built = await this.build(row);
        } catch (err) {
          uploadFailure = err;
          stopped = true;
          break;
        }
        if ('erased' in built) {
          // The session's content was erased on purpose (`data delete`): there is nothing to send.
          erasedRows.push(row.id);
          continue;
        }
        if ('skip' in built) {
          // The record it names is gone or damaged: keep the row, report, and stop here so order holds.
          failOutbox(db, row.id, built.skip);
          firstSkip = { code: built.skip, what: `outbox item ${row.idem_key}` };
          stopped = true;
          break;
        }
        // Scores carry sealed review material (#14): a batch is bounded in bytes as well as in items.
        const size = JSON.stringify(built.item).length;
        if (items.length > 0 && bytes + size > MAX_BATCH_BYTES) {
          full = true;
          stopped = true;
          break;
        }
        bytes += size;
        items.push(built.item);
        sources.push({ from: 'row', row });
      }
      // Events: a session that cannot be built is held back alone (its later events wait); the
      // other sessions' events still go.
      const held = new Map<string, string>();
      for (const ev of stopped ? [] : events) {
        if (held.has(ev.sessionId)) continue;
        let built: EventBuild;
        try {
          built = await this.buildEvent(ev);
        } catch (err) {
          uploadFailure = err;
          break;
        }
        if ('skip' in built) {
          firstSkip ??= { code: built.skip, what: `event ${ev.sessionId}:${ev.seq}` };
          held.set(ev.sessionId, built.skip);
          continue;
        }
        built.items.forEach((item, i) => {
          items.push(item);
          sources.push({ from: 'event', ev, key: item.key, last: i === built.items.length - 1 });
        });
      }
      if (erasedRows.length > 0) confirmOutbox(db, erasedRows, this.now());
      // A held session's failure is recorded after this batch's confirmations (which reset it).
      const recordHolds = () => {
        for (const [sessionId, code] of held) failEvents(db, sessionId, code);
      };
      if (items.length === 0) {
        recordHolds();
        if (erasedRows.length > 0 && !uploadFailure && !firstSkip) return 'more';
        if (uploadFailure) throw uploadFailure;
        throw new HubCallError(firstSkip?.code ?? 'SYNC_FAILED', firstSkip ? `${firstSkip.what}: ${firstSkip.code}` : 'nothing could be sent');
      }
      const results = await this.opts.hub.sendItems(items);
      let okCount = 0;
      let firstBad: { source: Source; code: string } | null = null;
      for (let i = 0; i < results.length; i++) {
        const r = results[i];
        const source = sources[i];
        if (!r || !source) break;
        if (r.status === 'stored' || r.status === 'duplicate') {
          okCount += 1;
          continue;
        }
        firstBad = { source, code: r.code ?? r.status };
        break;
      }
      const at = this.now();
      const acked = sources.slice(0, okCount);
      this.confirm(acked, at);
      recordHolds();
      if (firstBad) {
        const { source, code } = firstBad;
        if (source.from === 'row') failOutbox(db, source.row.id, code);
        else {
          failEvents(db, source.ev.sessionId, code);
          if (code === 'MEDIA_NOT_UPLOADED' || code === 'MEDIA_HASH_MISMATCH') setUploadUrl(db, source.key, null);
        }
        throw new HubCallError(code, `hub did not take ${source.from === 'row' ? source.row.idem_key : source.key}`);
      }
      if (uploadFailure) throw uploadFailure;
      this.failures = 0;
      this.lastSuccessAt = at;
      this.lastContactAt = at;
      this.lastError = firstSkip?.code ?? null;
      this.phase = 'idle';
      return full || (rows.length + events.length >= this.batchSize && held.size === 0) ? 'more' : 'idle';
    } catch (err) {
      this.failures += 1;
      this.lastError = err instanceof HubCallError ? err.code : 'SYNC_FAILED';
      this.phase = 'backing_off';
      return 'failed';
    } finally {
      this.running = false;
    }
  }

  /** The idle heartbeat: never throws, never counts as a sync failure (the next batch will tell). */
  private async heartbeatIfDue(): Promise<void> {
    const every = this.opts.heartbeatMs ?? 60_000;
    // A hub client without it (a test's scripted hub) is not asked.
    const hub = this.opts.hub as Partial<Pick<HubClient, 'heartbeat'>>;
    if (every <= 0 || typeof hub.heartbeat !== 'function') return;
    const t = this.now();
    if (this.lastContactAt !== null && t - this.lastContactAt < every) return;
    this.lastContactAt = t;
    try {
      await hub.heartbeat.call(this.opts.hub);
    } catch {
      /* offline: the board says so, which is the truth */
    }
  }

  /** Records what the hub acknowledged: outbox rows by id, each session's cursor to its last whole event. */
  private confirm(acked: readonly Source[], at: number): void {
    const db = this.opts.db;
    const rowIds: number[] = [];
    const upTo = new Map<string, number>();
    for (const s of acked) {
      if (s.from === 'row') rowIds.push(s.row.id);
      else {
        if (s.key.startsWith('media:')) setUploadUrl(db, s.key, null);
        if (s.last) upTo.set(s.ev.sessionId, s.ev.seq);
      }
    }
    db.transaction(() => {
      confirmOutbox(db, rowIds, at);
      for (const [sessionId, seq] of upTo) confirmEvents(db, sessionId, seq, at);
    })();
    this.notifyConfirmed([...acked.map((s) => (s.from === 'row' ? s.row.session_id : s.ev.sessionId))], at);
  }

  private notifyConfirmed(sessionIds: ReadonlyArray<string | null>, at: number): void {
    if (!this.opts.onHubConfirmed) return;
    const ids = [...new Set(sessionIds.filter((s): s is string => s !== null))];
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
    switch (row.kind) {
      case 'session':
        return { item: { key: row.idem_key, kind: 'session', body: ref } };
      case 'incident':
      case 'kiosk_incident':
      case 'no_show':
      case 'score':
      case 'review': {
        const rec = recordForOutbox(this.opts.db, row.kind, row.session_id, ref);
        if (rec) return { item: { key: row.idem_key, kind: row.kind, body: rec } };
        return row.session_id !== null && hasDeletedEvent(this.opts.db, row.session_id) ? { erased: true } : { skip: 'RECORD_MISSING' };
      }
      default: {
        const never: never = row.kind;
        return { skip: `UNKNOWN_KIND_${String(never)}` };
      }
    }
  }

  /** The items one event owes (media uploaded first), or why its session must wait. */
  private async buildEvent(ev: PendingEvent): Promise<EventBuild> {
    const db = this.opts.db;
    const out: HubItem[] = [];
    for (const item of journalItems(ev)) {
      switch (item.kind) {
        case 'journal_event':
        case 'precheck_run':
        case 'reschedule_request':
          out.push({ key: item.key, kind: item.kind, body: eventBody(ev) });
          break;
        case 'media_chunk': {
          const m = mediaForOutbox(db, ev.sessionId, item.ref, this.opts.sealer);
          if (m === 'missing' || m === 'corrupt') {
            // Recovery found it damaged and journaled the range, or the session's content was
            // erased on purpose (`data delete`, journaled): the event goes, the bytes never.
            if (isMediaDamageRecorded(db, ev.sessionId, item.ref) || (m === 'missing' && hasDeletedEvent(db, ev.sessionId))) break;
            return { skip: m === 'missing' ? 'RECORD_MISSING' : 'MEDIA_CORRUPT' };
          }
          // The hub takes media only sealed (#13): a chunk stored plain (a store without a keyring,
          // a legacy row not yet moved) waits, named, rather than travel or rest in the clear.
          if (m.meta.format !== 'IKS1') return { skip: 'MEDIA_NOT_SEALED' };
          const kept = uploadUrl(db, item.key);
          try {
            // The stored (sealed) bytes, named by their own sha256: the hub checks it on arrival.
            await this.opts.hub.upload(
              m.data,
              { key: item.key, sha256: m.meta.sealedSha256, format: m.meta.format, identity: m.meta.identity, plainSha256: m.meta.sha256, plainSize: String(m.meta.size) },
              kept,
              (url) => setUploadUrl(db, item.key, url),
            );
          } catch (err) {
            if (err instanceof HubCallError && (err.code === 'MEDIA_HASH_MISMATCH' || err.code === 'UPLOAD_GONE')) setUploadUrl(db, item.key, null);
            throw err;
          }
          // Counted once per item: an upload that completed by continuing from a URL kept earlier
          // (in this process or before a restart), not a fresh one.
          if (kept && !this.resumedKeys.has(item.key)) {
            this.resumedKeys.add(item.key);
            this.resumed += 1;
            this.opts.onUploadResumed?.(item.key);
          }
          out.push({ key: item.key, kind: 'media_chunk', body: m.meta });
          break;
        }
        case 'identity_photo': {
          const read = this.opts.identityPhoto;
          if (!read) break;
          const photo = read(ev.sessionId, item.ref.ordinal, item.ref.file);
          if (photo === 'missing' || photo === 'corrupt') {
            // Erased on purpose (`data delete`, journaled): the event goes, the photo never.
            if (hasDeletedEvent(db, ev.sessionId)) break;
            return { skip: photo === 'missing' ? 'RECORD_MISSING' : 'MEDIA_CORRUPT' };
          }
          // As stored, sealed under the session key (#13: media travels and rests sealed); the hub
          // checks the sealed bytes' sha256 on arrival and never holds the plain photo.
          const sealedSha256 = createHash('sha256').update(photo.sealed).digest('hex');
          const kept = uploadUrl(db, item.key);
          try {
            await this.opts.hub.upload(
              photo.sealed,
              { key: item.key, sha256: sealedSha256, format: 'IKS1', identity: photo.identity, plainSha256: photo.plainSha256, plainSize: String(photo.plainSize) },
              kept,
              (url) => setUploadUrl(db, item.key, url),
            );
          } catch (err) {
            if (err instanceof HubCallError && (err.code === 'MEDIA_HASH_MISMATCH' || err.code === 'UPLOAD_GONE')) setUploadUrl(db, item.key, null);
            throw err;
          }
          out.push({
            key: item.key,
            kind: 'identity_photo',
            body: {
              sessionId: ev.sessionId,
              ordinal: item.ref.ordinal,
              mimeType: 'image/jpeg',
              sha256: photo.plainSha256,
              size: photo.plainSize,
              format: 'IKS1',
              identity: photo.identity,
              sealedSha256,
              sealedSize: photo.sealed.byteLength,
            },
          });
          break;
        }
        default: {
          const never: never = item;
          return { skip: `UNKNOWN_ITEM_${String(never)}` };
        }
      }
    }
    return { items: out };
  }
}
