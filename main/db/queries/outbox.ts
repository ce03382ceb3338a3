/**
 * The sync outbox (migration 0016): pending items in commit order, the records they name (read at
 * send time; the journal and media are append-only, so what is read is what was committed), and
 * confirmation by the hub.
 */
import { identitySealer, type ChunkSealer } from '../../common/chunk-sealer';
import type { Db } from '../connection';
import { readChunkBytes, type ChunkMetaRow } from './media';
import { stmt } from '../statements';

export type OutboxKind =
  | 'session'
  | 'journal_event'
  | 'incident'
  | 'kiosk_incident'
  | 'no_show'
  | 'reschedule_request'
  | 'precheck_run'
  | 'score'
  | 'review'
  | 'media_chunk';

export interface OutboxRow {
  id: number;
  idem_key: string;
  kind: OutboxKind;
  session_id: string | null;
  ref: string;
  created_at: number;
  attempts: number;
  last_error: string | null;
  upload_url: string | null;
  confirmed_at: number | null;
}

export function pendingOutbox(db: Db, limit: number): OutboxRow[] {
  return stmt(db, 'SELECT * FROM outbox WHERE confirmed_at IS NULL ORDER BY id LIMIT ?').all(limit) as OutboxRow[];
}

export function outboxCounts(db: Db): { pending: number; confirmed: number; oldestPendingAt: number | null } {
  const r = stmt(db, 'SELECT sum(confirmed_at IS NULL) AS pending, sum(confirmed_at IS NOT NULL) AS confirmed, min(CASE WHEN confirmed_at IS NULL THEN created_at END) AS oldest FROM outbox').get() as {
    pending: number | null;
    confirmed: number | null;
    oldest: number | null;
  };
  return { pending: r.pending ?? 0, confirmed: r.confirmed ?? 0, oldestPendingAt: r.oldest };
}

export function confirmOutbox(db: Db, ids: readonly number[], at: number): void {
  const s = stmt(db, 'UPDATE outbox SET confirmed_at = ?, last_error = NULL WHERE id = ? AND confirmed_at IS NULL');
  db.transaction(() => {
    for (const id of ids) s.run(at, id);
  })();
}

export function failOutbox(db: Db, id: number, error: string): void {
  stmt(db, 'UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?').run(error.slice(0, 500), id);
}

export function setOutboxUploadUrl(db: Db, id: number, url: string | null): void {
  stmt(db, 'UPDATE outbox SET upload_url = ? WHERE id = ?').run(url, id);
}

/** Sessions all of whose outbox items the hub has confirmed, among the given ones. */
export function sessionsFullyConfirmed(db: Db, sessionIds: readonly string[]): string[] {
  const s = stmt(db, 'SELECT count(*) AS n FROM outbox WHERE session_id = ? AND confirmed_at IS NULL');
  return sessionIds.filter((id) => (s.get(id) as { n: number }).n === 0);
}

export function isSessionHubConfirmed(db: Db, sessionId: string): boolean {
  const r = stmt(db, 'SELECT count(*) AS total, sum(confirmed_at IS NULL) AS pending FROM outbox WHERE session_id = ?').get(sessionId) as { total: number; pending: number | null };
  return r.total > 0 && (r.pending ?? 0) === 0;
}

export function journalEventForOutbox(db: Db, sessionId: string, seq: number): Record<string, unknown> | undefined {
  const r = stmt(db, 'SELECT session_id, seq, type, at, payload, prev_hash, hash FROM journal WHERE session_id = ? AND seq = ?').get(sessionId, seq) as
    | { session_id: string; seq: number; type: string; at: number; payload: string; prev_hash: string; hash: string }
    | undefined;
  if (!r) return undefined;
  return { sessionId: r.session_id, seq: r.seq, type: r.type, at: r.at, payload: r.payload, prevHash: r.prev_hash, hash: r.hash };
}

export interface MediaForOutbox {
  readonly meta: Record<string, unknown> & { sha256: string; size: number };
  readonly data: Buffer;
}

/** The chunk's bytes, checked against their stored sha256 (a corrupt chunk is never uploaded as good). */
export function mediaForOutbox(
  db: Db,
  sessionId: string,
  ref: { questionIndex: number; attempt: number; segment: number; seq: number },
  sealer: ChunkSealer = identitySealer,
): MediaForOutbox | 'missing' | 'corrupt' {
  const r = stmt(db, 'SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?').get(
    sessionId,
    ref.questionIndex,
    ref.attempt,
    ref.segment,
    ref.seq,
  ) as (ChunkMetaRow & { data?: Buffer | null }) | undefined;
  if (!r) return 'missing';
  // The one verified reader (segment file or legacy BLOB, opened through the sealer, sha256 checked).
  const c = readChunkBytes(db, r, sealer);
  if (!c.intact) return 'corrupt';
  return {
    meta: { sessionId, ...ref, mimeType: r.mime_type, size: r.size, sha256: r.sha256, committedAt: r.committed_at },
    data: c.data,
  };
}

/** The row a non-journal, non-media item names, as JSON-ready data. */
export function recordForOutbox(db: Db, kind: 'incident' | 'kiosk_incident' | 'no_show' | 'score' | 'review', sessionId: string | null, ref: Record<string, unknown>): Record<string, unknown> | undefined {
  let row: Record<string, unknown> | undefined;
  switch (kind) {
    case 'incident':
      row = stmt(db, 'SELECT * FROM incidents WHERE id = ?').get(ref.id) as Record<string, unknown> | undefined;
      break;
    case 'kiosk_incident':
      row = stmt(db, 'SELECT * FROM kiosk_incidents WHERE id = ? AND seq = ?').get(ref.id, ref.seq) as Record<string, unknown> | undefined;
      break;
    case 'no_show':
      row = stmt(db, 'SELECT * FROM no_show_events WHERE invite_code = ?').get(ref.inviteCode) as Record<string, unknown> | undefined;
      break;
    case 'score':
      row = stmt(db, 'SELECT * FROM answer_scores WHERE session_id = ? AND question_index = ? AND attempt = ?').get(sessionId, ref.questionIndex, ref.attempt) as
        | Record<string, unknown>
        | undefined;
      break;
    case 'review':
      row = stmt(db, 'SELECT * FROM review_overrides WHERE id = ?').get(ref.id) as Record<string, unknown> | undefined;
      break;
    default: {
      const never: never = kind;
      throw new Error(`unknown outbox kind ${String(never)}`);
    }
  }
  if (!row) return undefined;
  // JSON columns travel as parsed JSON, everything else as stored.
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'string' && (k === 'body' || k === 'result' || k === 'kiosk_state')) {
      try {
        out[k] = JSON.parse(v) as unknown;
        continue;
      } catch {
        /* keep the text */
      }
    }
    out[k] = v;
  }
  if (sessionId) out.sessionId = sessionId;
  return out;
}

/** The idempotency keys of a session's items the hub has acknowledged (the upload receipt's input). */
export function confirmedOutboxKeys(db: Db, sessionId: string): string[] {
  return (stmt(db, 'SELECT idem_key FROM outbox WHERE session_id = ? AND confirmed_at IS NOT NULL ORDER BY id').all(sessionId) as { idem_key: string }[]).map((r) => r.idem_key);
}
