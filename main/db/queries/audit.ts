import type { Db } from '../connection';

/** Every session id the store holds anything for: a session row, a journal event or a media row. */
export function auditedSessionIds(db: Db): string[] {
  // Not cached: run once per audit.
  return (
    db
      .prepare(`SELECT id FROM sessions UNION SELECT session_id FROM journal UNION SELECT session_id FROM media_chunks ORDER BY 1`)
      .all() as Array<{ id: string }>
  ).map((r) => r.id);
}

/** Whether a session row exists. */
export function sessionExists(db: Db, sessionId: string): boolean {
  return db.prepare(`SELECT 1 AS x FROM sessions WHERE id = ?`).get(sessionId) !== undefined;
}
