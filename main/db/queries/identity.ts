/** The identity check's rows (migration 0020) and its journal events (shared/identity/state.ts). */
import type { IdentityEvent } from '../../../shared/identity/state';
import type { Db } from '../connection';
import { stmt } from '../statements';

export interface IdentityRecordRow {
  session_id: string;
  ordinal: number;
  method: 'photo' | 'id_number';
  doc_type: string | null;
  /** An ID number sealed under the session key (never plaintext). */
  sealed: Buffer | null;
  /** A photo's sealed file, relative to the data folder. */
  file: string | null;
  /** sha256 of the sealed bytes (of the file for a photo). */
  sha256: string;
  bytes: number;
  created_at: number;
}

export function insertIdentityRecord(db: Db, r: IdentityRecordRow): void {
  stmt(db, `INSERT INTO identity_records (session_id, ordinal, method, doc_type, sealed, file, sha256, bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
    r.session_id, r.ordinal, r.method, r.doc_type, r.sealed, r.file, r.sha256, r.bytes, r.created_at,
  );
}

export function identityRecord(db: Db, sessionId: string, ordinal: number): IdentityRecordRow | undefined {
  return stmt(db, `SELECT * FROM identity_records WHERE session_id = ? AND ordinal = ?`).get(sessionId, ordinal) as IdentityRecordRow | undefined;
}

export function identityRecords(db: Db, sessionId: string): IdentityRecordRow[] {
  return stmt(db, `SELECT * FROM identity_records WHERE session_id = ? ORDER BY ordinal`).all(sessionId) as IdentityRecordRow[];
}

export function nextIdentityOrdinal(db: Db, sessionId: string): number {
  return ((stmt(db, `SELECT max(ordinal) AS n FROM identity_records WHERE session_id = ?`).get(sessionId) as { n: number | null }).n ?? 0) + 1;
}

/** Deletes a session's identity rows (erasure, after its key is shredded). */
export function deleteIdentityRecords(db: Db, sessionId: string): number {
  return stmt(db, `DELETE FROM identity_records WHERE session_id = ?`).run(sessionId).changes;
}

/** The session's identity_* events in order (a session before its interview has a short journal). */
export function identityEvents(db: Db, sessionId: string): IdentityEvent[] {
  const rows = stmt(db, `SELECT type, payload FROM journal WHERE session_id = ? AND type GLOB 'identity_*' ORDER BY seq`).all(sessionId) as { type: string; payload: string }[];
  return rows.map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}
