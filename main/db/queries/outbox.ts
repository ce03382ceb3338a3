/**
 * What the kiosk owes the hub, and what the hub acknowledged.
 *
 * Two sources, both read at send time (the journal and media are append-only, so what is read is
 * what was committed):
 * - the outbox (migration 0016): one row per session snapshot, incident, kiosk incident, no-show,
 *   score and review, written by trigger in the record's own transaction;
 * - the journal, by per-session cursor (migration 0017): every event after `sync_cursor.confirmed_seq`,
 *   each with the items it implies (`journalItems`: its media chunk for `chunk_committed`, a
 *   pre-check run, a reschedule request). Nothing is written per chunk for sync, so the chunk path
 *   stays two rows (bench:journal's write amplification).
 */
import { hash } from 'node:crypto';
import { chunkAad, identitySealer, type ChunkSealer } from '../../common/chunk-sealer';
import type { Db } from '../connection';
import { isDamaged, readStoredChunk, type ChunkMetaRow } from './media';
import { stmt } from '../statements';

/** Kinds the outbox table still carries (journal-derived kinds travel by cursor since 0017). */
export type OutboxKind = 'session' | 'incident' | 'kiosk_incident' | 'no_show' | 'score' | 'review';

/** Kinds derived from journal events. */
export type JournalItemKind = 'journal_event' | 'media_chunk' | 'precheck_run' | 'reschedule_request' | 'identity_photo';

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

/** One journal event not yet acknowledged by the hub (past its session's cursor). */
export interface PendingEvent {
  readonly sessionId: string;
  readonly seq: number;
  readonly type: string;
  readonly at: number;
  readonly payload: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface MediaRef {
  readonly questionIndex: number;
  readonly attempt: number;
  readonly segment: number;
  readonly seq: number;
}

export type JournalItem =
  | { readonly kind: 'journal_event' | 'precheck_run' | 'reschedule_request'; readonly key: string }
  | { readonly kind: 'media_chunk'; readonly key: string; readonly ref: MediaRef }
  /** An identity photo (issue #15) named by `identity_photo_captured`: its bytes go before the event. */
  | { readonly kind: 'identity_photo'; readonly key: string; readonly ref: { readonly ordinal: number; readonly file: string } };

const DERIVED: Readonly<Record<string, 'precheck_run' | 'reschedule_request'>> = { precheck_recorded: 'precheck_run', reschedule_requested: 'reschedule_request' };

export function mediaItemKey(sessionId: string, r: MediaRef): string {
  return `media:${sessionId}:${r.questionIndex}:${r.attempt}:${r.segment}:${r.seq}`;
}

function mediaRefOf(payload: string): MediaRef | null {
  let p: unknown;
  try {
    p = JSON.parse(payload);
  } catch {
    return null;
  }
  if (typeof p !== 'object' || p === null) return null;
  const o = p as Record<string, unknown>;
  const ints = [o.questionIndex, o.attempt, o.segment, o.seq];
  if (!ints.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return null;
  return { questionIndex: o.questionIndex as number, attempt: o.attempt as number, segment: o.segment as number, seq: o.seq as number };
}

function photoRefOf(payload: string): { ordinal: number; file: string } | null {
  try {
    const p = JSON.parse(payload) as Record<string, unknown>;
    return Number.isSafeInteger(p.ordinal) && (p.ordinal as number) > 0 && typeof p.file === 'string' ? { ordinal: p.ordinal as number, file: p.file } : null;
  } catch {
    return null;
  }
}

/**
 * The items one journal event owes the hub, in the order they are sent (the same keys and order
 * migration 0016's triggers gave): a `chunk_committed` event's media chunk first (its bytes before
 * the event that names them), then the event, then a pre-check run or reschedule request.
 */
export function journalItems(ev: Pick<PendingEvent, 'sessionId' | 'seq' | 'type' | 'payload'>): JournalItem[] {
  const items: JournalItem[] = [];
  if (ev.type === 'chunk_committed') {
    const ref = mediaRefOf(ev.payload);
    if (ref) items.push({ kind: 'media_chunk', key: mediaItemKey(ev.sessionId, ref), ref });
  }
  if (ev.type === 'identity_photo_captured') {
    const ref = photoRefOf(ev.payload);
    if (ref) items.push({ kind: 'identity_photo', key: `identity-photo:${ev.sessionId}:${ref.ordinal}`, ref });
  }
  items.push({ kind: 'journal_event', key: `ev:${ev.sessionId}:${ev.seq}` });
  const derived = DERIVED[ev.type];
  if (derived) items.push({ kind: derived, key: `${derived}:${ev.sessionId}:${ev.seq}` });
  return items;
}

interface CursorRow {
  session_id: string;
  confirmed_seq: number;
  attempts: number;
  last_error: string | null;
}

function cursorOf(db: Db, sessionId: string): CursorRow | undefined {
  return stmt(db, 'SELECT session_id, confirmed_seq, attempts, last_error FROM sync_cursor WHERE session_id = ?').get(sessionId) as CursorRow | undefined;
}

/** Every session that has journal events, walking the primary key (one seek per session). */
function journalSessions(db: Db): string[] {
  const next = stmt(db, 'SELECT session_id FROM journal WHERE session_id > ? ORDER BY session_id LIMIT 1');
  const out: string[] = [];
  let r = next.get('') as { session_id: string } | undefined;
  while (r) {
    out.push(r.session_id);
    r = next.get(r.session_id) as { session_id: string } | undefined;
  }
  return out;
}

function lastSeq(db: Db, sessionId: string): number {
  return (stmt(db, 'SELECT max(seq) AS s FROM journal WHERE session_id = ?').get(sessionId) as { s: number | null }).s ?? 0;
}

/** Per session: its last event and the cursor (sessions with nothing pending included). */
function journalProgress(db: Db): Array<{ sessionId: string; last: number; confirmed: number; attempts: number }> {
  return journalSessions(db).map((sessionId) => {
    const c = cursorOf(db, sessionId);
    return { sessionId, last: lastSeq(db, sessionId), confirmed: c?.confirmed_seq ?? 0, attempts: c?.attempts ?? 0 };
  });
}

/**
 * Up to `limit` events past their sessions' cursors, each session's in order. Sessions whose last
 * attempt failed come last, so one session the hub refuses (or whose media is unreadable) does not
 * hold the others back.
 */
export function pendingEvents(db: Db, limit: number): PendingEvent[] {
  const sessions = journalProgress(db)
    .filter((p) => p.last > p.confirmed)
    .sort((a, b) => Number(a.attempts > 0) - Number(b.attempts > 0));
  const read = stmt(db, 'SELECT session_id, seq, type, at, payload, prev_hash, hash FROM journal WHERE session_id = ? AND seq > ? ORDER BY seq LIMIT ?');
  const out: PendingEvent[] = [];
  for (const p of sessions) {
    if (out.length >= limit) break;
    const rows = read.all(p.sessionId, p.confirmed, limit - out.length) as Array<{ session_id: string; seq: number; type: string; at: number; payload: string; prev_hash: string; hash: string }>;
    for (const r of rows) out.push({ sessionId: r.session_id, seq: r.seq, type: r.type, at: r.at, payload: r.payload, prevHash: r.prev_hash, hash: r.hash });
  }
  return out;
}

/** The hub acknowledged every item of the session's events up to `seq`: the cursor moves (never back). */
export function confirmEvents(db: Db, sessionId: string, seq: number, at: number): void {
  stmt(db,
    `INSERT INTO sync_cursor (session_id, confirmed_seq, confirmed_at) VALUES (?, ?, ?)
     ON CONFLICT (session_id) DO UPDATE SET confirmed_seq = max(confirmed_seq, excluded.confirmed_seq), confirmed_at = excluded.confirmed_at, attempts = 0, last_error = NULL`,
  ).run(sessionId, seq, at);
}

export function failEvents(db: Db, sessionId: string, error: string): void {
  stmt(db,
    `INSERT INTO sync_cursor (session_id, attempts, last_error) VALUES (?, 1, ?)
     ON CONFLICT (session_id) DO UPDATE SET attempts = attempts + 1, last_error = excluded.last_error`,
  ).run(sessionId, error.slice(0, 500));
}

/** A started tus upload's URL, kept so it resumes at the hub's offset after a restart. */
export function uploadUrl(db: Db, key: string): string | null {
  return (stmt(db, 'SELECT upload_url FROM sync_uploads WHERE idem_key = ?').get(key) as { upload_url: string } | undefined)?.upload_url ?? null;
}

export function setUploadUrl(db: Db, key: string, url: string | null): void {
  if (url === null || url.length > 2000 || key.length > 300) stmt(db, 'DELETE FROM sync_uploads WHERE idem_key = ?').run(key);
  else stmt(db, 'INSERT INTO sync_uploads (idem_key, upload_url) VALUES (?, ?) ON CONFLICT (idem_key) DO UPDATE SET upload_url = excluded.upload_url').run(key, url);
}

/**
 * What is owed and what was acknowledged: outbox rows, plus journal events by cursor (an event
 * counts once, whatever items it implies).
 */
export function outboxCounts(db: Db): { pending: number; confirmed: number; oldestPendingAt: number | null } {
  const r = stmt(db, 'SELECT sum(confirmed_at IS NULL) AS pending, sum(confirmed_at IS NOT NULL) AS confirmed, min(CASE WHEN confirmed_at IS NULL THEN created_at END) AS oldest FROM outbox').get() as {
    pending: number | null;
    confirmed: number | null;
    oldest: number | null;
  };
  let pending = r.pending ?? 0;
  let confirmed = r.confirmed ?? 0;
  let oldest = r.oldest;
  const firstPending = stmt(db, 'SELECT at FROM journal WHERE session_id = ? AND seq = ?');
  for (const p of journalProgress(db)) {
    const done = Math.min(p.confirmed, p.last);
    confirmed += done;
    pending += p.last - done;
    if (p.last > done) {
      const at = (firstPending.get(p.sessionId, done + 1) as { at: number } | undefined)?.at;
      if (at !== undefined && (oldest === null || at < oldest)) oldest = at;
    }
  }
  return { pending, confirmed, oldestPendingAt: oldest };
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

function sessionCounts(db: Db, sessionId: string): { total: number; pending: number } {
  const r = stmt(db, 'SELECT count(*) AS total, sum(confirmed_at IS NULL) AS pending FROM outbox WHERE session_id = ?').get(sessionId) as { total: number; pending: number | null };
  const last = lastSeq(db, sessionId);
  const confirmed = Math.min(cursorOf(db, sessionId)?.confirmed_seq ?? 0, last);
  return { total: r.total + last, pending: (r.pending ?? 0) + (last - confirmed) };
}

/** Sessions all of whose items (outbox rows and journal events) the hub has confirmed, among the given ones. */
export function sessionsFullyConfirmed(db: Db, sessionIds: readonly string[]): string[] {
  return sessionIds.filter((id) => sessionCounts(db, id).pending === 0);
}

export function isSessionHubConfirmed(db: Db, sessionId: string): boolean {
  const c = sessionCounts(db, sessionId);
  return c.total > 0 && c.pending === 0;
}

/** A journal event as the hub ingests it (the hub recomputes its hash from these fields). */
export function eventBody(ev: PendingEvent): Record<string, unknown> {
  return { sessionId: ev.sessionId, seq: ev.seq, type: ev.type, at: ev.at, payload: ev.payload, prevHash: ev.prevHash, hash: ev.hash };
}

/** How a chunk travels: its bytes as stored on the kiosk (sealed), never opened for the trip. */
export interface MediaForOutbox {
  /**
   * The item body: the chunk's identity and recording fields, the plaintext's `size`/`sha256`
   * (what the hub checks after opening), the stored bytes' `sealedSize`/`sealedSha256` (what the
   * hub checks on arrival), `format` ('IKS1' sealed, 'plain' when the store does not seal; the
   * hub refuses plain media), `identity` (the AES-GCM associated data, media-chunk:v1:…) and the
   * session key wrapped for HR (null without a provisioned HR key), so a session with media but
   * no score still brings the hub what opens it. Deterministic for a stored chunk: a resent item
   * carries the same body.
   */
  readonly meta: Record<string, unknown> & { sha256: string; size: number; sealedSha256: string; sealedSize: number; format: 'IKS1' | 'plain'; identity: string };
  /** The bytes to upload: exactly as stored. */
  readonly data: Buffer;
}

/** The HR-wrapped session key as items carry it (the same shape as a score's review material). */
export function hrSessionKeyForOutbox(db: Db, sessionId: string): { hrWrapped: string; hrKeyId: string } | null {
  const k = stmt(db, 'SELECT hr_wrapped, hr_key_id FROM session_keys WHERE session_id = ?').get(sessionId) as { hr_wrapped: Buffer | null; hr_key_id: string | null } | undefined;
  return k?.hr_wrapped && k.hr_key_id ? { hrWrapped: k.hr_wrapped.toString('base64'), hrKeyId: k.hr_key_id } : null;
}

/**
 * The chunk's stored bytes, verified first (opened with the sealer: the tag and the plaintext's
 * sha256 and size against the row), so a damaged chunk is never uploaded; the plaintext is not
 * kept. What is uploaded is the stored (sealed) form.
 */
export function mediaForOutbox(
  db: Db,
  sessionId: string,
  ref: MediaRef,
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
  const c = readStoredChunk(db, r, sealer);
  if (!c.intact) return 'corrupt';
  return {
    meta: {
      sessionId,
      ...ref,
      mimeType: r.mime_type,
      size: r.size,
      sha256: r.sha256,
      committedAt: r.committed_at,
      format: c.sealed ? 'IKS1' : 'plain',
      identity: chunkAad(sessionId, ref.questionIndex, ref.attempt, ref.segment, ref.seq),
      sealedSize: c.stored.byteLength,
      sealedSha256: hash('sha256', c.stored, 'hex'),
      sessionKey: hrSessionKeyForOutbox(db, sessionId),
    },
    data: c.stored,
  };
}

/** The row a non-journal, non-media item names, as JSON-ready data. */
export function recordForOutbox(db: Db, kind: Exclude<OutboxKind, 'session'>, sessionId: string | null, ref: Record<string, unknown>): Record<string, unknown> | undefined {
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
      if (row && sessionId) row = { ...row, review: reviewMaterialForOutbox(db, sessionId, Number(row.question_index), Number(row.attempt)) };
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
    if (k === 'review') {
      out[k] = v;
      continue;
    }
    if (typeof v === 'string' && (k === 'body' || k === 'result' || k === 'kiosk_state')) {
      try {
        out[k] = JSON.parse(v) as unknown;
        continue;
      } catch {
        /* keep the text */
      }
    }
    // A sealed column (a review note since migration 0022) travels as base64, as stored.
    out[k] = Buffer.isBuffer(v) ? v.toString('base64') : v;
  }
  if (sessionId) out.sessionId = sessionId;
  return out;
}

/**
 * The idempotency keys of a session's items the hub has acknowledged (the upload receipt's input):
 * its confirmed outbox rows, and every item of its events up to the cursor — a media chunk only
 * when it is held and not recorded as damaged (a damaged one is never sent; its `media_damaged`
 * event tells the hub).
 */
export function confirmedOutboxKeys(db: Db, sessionId: string): string[] {
  const keys = (stmt(db, 'SELECT idem_key FROM outbox WHERE session_id = ? AND confirmed_at IS NOT NULL ORDER BY id').all(sessionId) as { idem_key: string }[]).map((r) => r.idem_key);
  const upTo = cursorOf(db, sessionId)?.confirmed_seq ?? 0;
  const events = stmt(db, 'SELECT seq, type, payload FROM journal WHERE session_id = ? AND seq <= ? ORDER BY seq').all(sessionId, upTo) as Array<{ seq: number; type: string; payload: string }>;
  const held = stmt(db, 'SELECT 1 FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?');
  for (const ev of events) {
    for (const item of journalItems({ sessionId, ...ev })) {
      if (item.kind === 'media_chunk') {
        const k = { session_id: sessionId, question_index: item.ref.questionIndex, attempt: item.ref.attempt, segment: item.ref.segment, seq: item.ref.seq };
        if (held.get(k.session_id, k.question_index, k.attempt, k.segment, k.seq) === undefined || isDamaged(db, k)) continue;
      }
      keys.push(item.key);
    }
  }
  return keys;
}

/** The kiosk recorded this chunk as damaged (recovery): its bytes are never sent. */
export function isMediaDamageRecorded(db: Db, sessionId: string, ref: MediaRef): boolean {
  return isDamaged(db, { session_id: sessionId, question_index: ref.questionIndex, attempt: ref.attempt, segment: ref.segment, seq: ref.seq });
}

/** Largest sealed text sent with a score (a typed answer is far smaller; a bigger one is named, not sent). */
export const MAX_SEALED_REVIEW_BYTES = 256 * 1024;

export type SealedForHub =
  | { readonly state: 'sealed'; readonly format: 'IKS1'; readonly identity: string; readonly sealed: string; readonly bytes: number }
  | { readonly state: 'plain_not_sent' | 'too_large'; readonly bytes?: number };

/**
 * What the hub's human review needs with a score (#14), all as stored on the kiosk — ciphertext,
 * never opened here: the typed answer sealed under the session key, the rubric and transcript of
 * migration 0021, and the session key wrapped for HR's X25519 key (the hub opens them only with
 * HR's private key). `identity` is the sealed message's associated data (identity.ts `textAad`),
 * which the hub recomputes and compares. Deterministic for a given database state, so a resent
 * score carries the same body (the hub's idempotency check compares bodies); every part is
 * append-only or written in the score's own transaction. A legacy plain answer is not sent.
 */
export function reviewMaterialForOutbox(db: Db, sessionId: string, questionIndex: number, attempt: number): Record<string, unknown> {
  const sealedPart = (kind: 'answer' | 'review_rubric' | 'transcript', bytes: Buffer | null): SealedForHub | null => {
    if (!bytes) return null;
    if (bytes.length > MAX_SEALED_REVIEW_BYTES) return { state: 'too_large', bytes: bytes.length };
    return { state: 'sealed', format: 'IKS1', identity: `ik-text/v1|${kind}|${sessionId}|${questionIndex}/${attempt}`, sealed: bytes.toString('base64'), bytes: bytes.length };
  };
  const a = stmt(db, 'SELECT mode, attempt, text, sealed FROM answers WHERE session_id = ? AND question_index = ?').get(sessionId, questionIndex) as
    | { mode: string; attempt: number; text: string | null; sealed: Buffer | null }
    | undefined;
  const answer = a && a.attempt === attempt ? (a.sealed ? sealedPart('answer', a.sealed) : a.text !== null && a.text !== '' ? { state: 'plain_not_sent' as const } : null) : null;
  const m = stmt(db, 'SELECT rubric, rubric_sealed, transcript_sealed FROM score_material WHERE session_id = ? AND question_index = ? AND attempt = ?').get(sessionId, questionIndex, attempt) as
    | { rubric: string | null; rubric_sealed: Buffer | null; transcript_sealed: Buffer | null }
    | undefined;
  let rubric: unknown = null;
  if (m?.rubric_sealed) rubric = sealedPart('review_rubric', m.rubric_sealed);
  else if (m?.rubric) {
    try {
      rubric = { state: 'plain', rubric: JSON.parse(m.rubric) as unknown };
    } catch {
      rubric = null;
    }
  }
  return {
    v: 1,
    mode: a && a.attempt === attempt ? a.mode : null,
    answer,
    rubric,
    transcript: sealedPart('transcript', m?.transcript_sealed ?? null),
    sessionKey: hrSessionKeyForOutbox(db, sessionId),
  };
}
