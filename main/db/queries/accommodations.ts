import type { Db } from '../connection';
import { stmt } from '../statements';

export interface SessionAccommodationsRow {
  session_id: string;
  /** JSON of the contract's `Accommodations`. */
  accommodations: string;
  source: 'invite' | 'proctor';
  set_by: string | null;
  reason: string | null;
  /** How many times a proctor changed them (binds the next proctor code). */
  changes: number;
  set_at: number;
}

export function getSessionAccommodations(db: Db, sessionId: string): SessionAccommodationsRow | undefined {
  return stmt(db, `SELECT * FROM session_accommodations WHERE session_id = ?`).get(sessionId) as SessionAccommodationsRow | undefined;
}

export function upsertSessionAccommodations(db: Db, row: SessionAccommodationsRow): void {
  stmt(db,
    `INSERT INTO session_accommodations (session_id, accommodations, source, set_by, reason, changes, set_at)
     VALUES (@session_id, @accommodations, @source, @set_by, @reason, @changes, @set_at)
     ON CONFLICT (session_id) DO UPDATE SET accommodations = excluded.accommodations, source = excluded.source,
       set_by = excluded.set_by, reason = excluded.reason, changes = excluded.changes, set_at = excluded.set_at`,
  ).run(row);
}

/** The signed schedule's accommodations for an invite (imported with the schedule). */
export function setInviteAccommodations(db: Db, inviteCode: string, accommodations: string | null): void {
  stmt(db, `UPDATE schedule_invites SET accommodations = ? WHERE invite_code = ?`).run(accommodations, inviteCode);
}

export function getInviteAccommodations(db: Db, inviteCode: string): string | null {
  const row = stmt(db, `SELECT accommodations FROM schedule_invites WHERE invite_code = ?`).get(inviteCode) as { accommodations: string | null } | undefined;
  return row?.accommodations ?? null;
}
