import type { Db } from '../connection';
import { stmt } from '../statements';

export type ProtectorKind = 'os-keystore' | 'file-key' | 'memory';

/** A session's data key as stored: wrapped for the kiosk and (when provisioned) for HR; never raw. */
export interface SessionKeyRow {
  session_id: string;
  kiosk_wrapped: Buffer;
  protector: ProtectorKind;
  hr_wrapped: Buffer | null;
  hr_key_id: string | null;
  created_at: number;
}

/**
 * Stores a new session key unless the session has one already (another connection, e.g. the media
 * writer's, may have created it first); the caller then reads back whichever key is stored.
 */
export function insertSessionKey(db: Db, row: SessionKeyRow): boolean {
  return stmt(db,
    `INSERT INTO session_keys (session_id, kiosk_wrapped, protector, hr_wrapped, hr_key_id, created_at)
     VALUES (@session_id, @kiosk_wrapped, @protector, @hr_wrapped, @hr_key_id, @created_at)
     ON CONFLICT (session_id) DO NOTHING`,
  ).run(row).changes === 1;
}

export function getSessionKey(db: Db, sessionId: string): SessionKeyRow | undefined {
  return stmt(db, `SELECT * FROM session_keys WHERE session_id = ?`).get(sessionId) as SessionKeyRow | undefined;
}

/** Crypto-shredding: the caller has switched `secure_delete` on, so the wrapped key's bytes are overwritten. */
export function deleteSessionKey(db: Db, sessionId: string): number {
  return stmt(db, `DELETE FROM session_keys WHERE session_id = ?`).run(sessionId).changes;
}

// ---------------------------------------------------------------- uploads (set by the hub sync)

export interface UploadRow {
  session_id: string;
  confirmed_at: number;
  receipt: string;
}

/** Records HR's confirmation once; a repeated confirmation keeps the first (retention runs from it). */
export function insertUploadConfirmation(db: Db, row: UploadRow): boolean {
  return stmt(db, `INSERT INTO session_uploads (session_id, confirmed_at, receipt) VALUES (@session_id, @confirmed_at, @receipt) ON CONFLICT (session_id) DO NOTHING`).run(row).changes === 1;
}

export function getUploadConfirmation(db: Db, sessionId: string): UploadRow | undefined {
  return stmt(db, `SELECT * FROM session_uploads WHERE session_id = ?`).get(sessionId) as UploadRow | undefined;
}

/** Uploaded sessions not erased yet, with their pack: the retention sweep's candidates. */
export function uploadedUnerasedSessions(db: Db): { session_id: string; pack_id: string; confirmed_at: number }[] {
  return stmt(db,
    `SELECT u.session_id, s.pack_id, u.confirmed_at FROM session_uploads u JOIN sessions s ON s.id = u.session_id
     WHERE NOT EXISTS (SELECT 1 FROM session_erasures e WHERE e.session_id = u.session_id)
     ORDER BY u.confirmed_at`,
  ).all() as { session_id: string; pack_id: string; confirmed_at: number }[];
}

// ---------------------------------------------------------------- erasures (append-only)

export type ErasureReason = 'retention' | 'request';

export interface ErasureRow {
  session_id: string;
  reason: ErasureReason;
  requested_at: number;
}

export function insertErasure(db: Db, row: ErasureRow): boolean {
  return stmt(db, `INSERT INTO session_erasures (session_id, reason, requested_at) VALUES (@session_id, @reason, @requested_at) ON CONFLICT (session_id) DO NOTHING`).run(row).changes === 1;
}

export function getErasure(db: Db, sessionId: string): ErasureRow | undefined {
  return stmt(db, `SELECT * FROM session_erasures WHERE session_id = ?`).get(sessionId) as ErasureRow | undefined;
}
