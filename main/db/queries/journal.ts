import type { Db } from '../connection';
import { stmt } from '../statements';

export interface JournalRow {
  session_id: string;
  seq: number;
  type: string;
  at: number;
  payload: string;
  prev_hash: string;
  hash: string;
}

export function insertJournalRow(db: Db, row: JournalRow): void {
  stmt(db, `INSERT INTO journal (session_id, seq, type, at, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)`).run(
    row.session_id,
    row.seq,
    row.type,
    row.at,
    row.payload,
    row.prev_hash,
    row.hash,
  );
}

export function lastJournalRow(db: Db, sessionId: string): JournalRow | undefined {
  return stmt(db, `SELECT * FROM journal WHERE session_id = ? ORDER BY seq DESC LIMIT 1`)
    .get(sessionId) as JournalRow | undefined;
}

export function journalRows(db: Db, sessionId: string): JournalRow[] {
  return stmt(db, `SELECT * FROM journal WHERE session_id = ? ORDER BY seq`).all(sessionId) as JournalRow[];
}

export function* iterateJournalRows(db: Db, sessionId: string): Generator<JournalRow> {
  // Not cached: an iterating statement stays busy until the caller finishes with it.
  for (const row of db.prepare(`SELECT * FROM journal WHERE session_id = ? ORDER BY seq`).iterate(sessionId)) {
    yield row as JournalRow;
  }
}

export function recentJournalRows(db: Db, sessionId: string, limit: number): JournalRow[] {
  const rows = stmt(db, `SELECT * FROM journal WHERE session_id = ? ORDER BY seq DESC LIMIT ?`)
    .all(sessionId, limit) as JournalRow[];
  return rows.reverse();
}

/** The newest event of one type; the primary key is walked backwards, so recent events are found fast. */
/** How many events of `type` the session journaled after `afterSeq`. */
export function countJournalOfTypeAfter(db: Db, sessionId: string, type: string, afterSeq: number): number {
  return (stmt(db, `SELECT count(*) AS n FROM journal WHERE session_id = ? AND type = ? AND seq > ?`).get(sessionId, type, afterSeq) as { n: number }).n;
}

export function lastJournalRowOfType(db: Db, sessionId: string, type: string): JournalRow | undefined {
  return stmt(db, `SELECT * FROM journal WHERE session_id = ? AND type = ? ORDER BY seq DESC LIMIT 1`).get(sessionId, type) as
    | JournalRow
    | undefined;
}

/** Every event of one type, newest first. */
export function journalRowsOfTypeNewestFirst(db: Db, sessionId: string, type: string): JournalRow[] {
  return stmt(db, `SELECT * FROM journal WHERE session_id = ? AND type = ? ORDER BY seq DESC`).all(sessionId, type) as JournalRow[];
}

/** The résumé tags found at check-in (the `checked_in` event's tailoring), to tailor a stage released later. */
export function checkedInTagHits(db: Db, sessionId: string): { tagId: string; count: number; matched: string[] }[] {
  const row = stmt(db, `SELECT payload FROM journal WHERE session_id = ? AND type = 'checked_in' ORDER BY seq LIMIT 1`).get(sessionId) as { payload: string } | undefined;
  if (!row) return [];
  try {
    const tags = (JSON.parse(row.payload) as { tailoring?: { tags?: unknown } }).tailoring?.tags;
    if (!Array.isArray(tags)) return [];
    return tags
      .filter((t): t is { tag: string; count: number; matched: unknown } => t !== null && typeof t === 'object' && typeof (t as { tag?: unknown }).tag === 'string' && typeof (t as { count?: unknown }).count === 'number')
      .map((t) => ({ tagId: t.tag, count: t.count, matched: Array.isArray(t.matched) ? t.matched.filter((m): m is string => typeof m === 'string') : [] }));
  } catch {
    return [];
  }
}
