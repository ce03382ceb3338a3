/** Queries for migration 0015: the nonces of proctor tokens this kiosk has accepted. */
import type { Db } from '../connection';
import { stmt } from '../statements';

export interface ProctorNonceRow {
  readonly nonce: string;
  readonly session_id: string;
  readonly action: 'resume' | 'lift_pause' | 'extend' | 'confirm_identity';
  readonly key_id: string;
  readonly issued_at: number;
  readonly expires_at: number;
  readonly used_at: number;
}

export function findProctorNonce(db: Db, nonce: string): ProctorNonceRow | undefined {
  return stmt(db, `SELECT nonce, session_id, action, key_id, issued_at, expires_at, used_at FROM proctor_token_nonces WHERE nonce = ?`).get(nonce) as ProctorNonceRow | undefined;
}

/** Throws (SQLITE_CONSTRAINT_PRIMARYKEY) when the nonce was used before: the caller's transaction aborts. */
export function insertProctorNonce(db: Db, row: ProctorNonceRow): void {
  stmt(
    db,
    `INSERT INTO proctor_token_nonces (nonce, session_id, action, key_id, issued_at, expires_at, used_at)
     VALUES (@nonce, @session_id, @action, @key_id, @issued_at, @expires_at, @used_at)`,
  ).run(row);
}
