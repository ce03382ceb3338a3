import type { Db } from '../connection';
import { stmt } from '../statements';
import { afterCommit } from '../transaction';
import { openColumn, textSealerOf } from '../text-sealing';

/**
 * Rows the recording path reads on every chunk, kept per connection so a chunk costs no lookups.
 * A row is cached only when read outside a transaction (so it is committed), every write drops it
 * at once, and a write may put its new row back only after commit and only if nothing else was
 * written in between. Rows come back frozen: a caller cannot change a cached row by accident.
 * This assumes one writing connection per database file (the kiosk process); other processes
 * (the proctor CLI) open it read-only. A second writing connection would see stale rows.
 */
class RowCache<T extends object> {
  private readonly perDb = new WeakMap<Db, { rows: Map<string, Readonly<T>>; epoch: number }>();

  private of(db: Db) {
    let c = this.perDb.get(db);
    if (!c) {
      c = { rows: new Map(), epoch: 0 };
      this.perDb.set(db, c);
    }
    return c;
  }

  read(db: Db, key: string, load: () => T | undefined): Readonly<T> | undefined {
    const c = this.of(db);
    const hit = c.rows.get(key);
    if (hit) return hit;
    const row = load();
    if (!row) return undefined;
    const frozen = Object.freeze(row);
    if (!db.inTransaction) c.rows.set(key, frozen);
    return frozen;
  }

  /** Call after a write to `key` succeeded. `next` (the row after the write) is cached once it commits. */
  written(db: Db, key: string, next?: (previous: Readonly<T>) => T): void {
    const c = this.of(db);
    const previous = c.rows.get(key);
    c.rows.delete(key);
    const epoch = ++c.epoch;
    if (!previous || !next) return;
    const row = Object.freeze(next(previous));
    afterCommit(db, () => {
      if (c.epoch === epoch) c.rows.set(key, row);
    });
  }
}

const sessionCache = new RowCache<SessionRow>();
const progressCache = new RowCache<ProgressRow>();
const progressKey = (sessionId: string, questionIndex: number) => `${sessionId}#${questionIndex}`;

export type SessionStateValue =
  | 'checked_in'
  | 'consented'
  | 'prechecked'
  | 'in_progress'
  | 'interrupted'
  | 'completed'
  | 'exited'
  | 'expired'
  | 'no_show';

export type InterruptionKind = 'crash' | 'exit' | 'storage' | 'device' | 'unknown';

export interface SessionRow {
  id: string;
  invite_code: string;
  candidate_ref: string;
  pack_id: string;
  pack_hash: string;
  locale: 'zh-CN' | 'en';
  state: SessionStateValue;
  question_index: number;
  resume_count: number;
  interrupted_at: number | null;
  interruption: InterruptionKind | null;
  exit_reason: string | null;
  failed_codes: number;
  created_at: number;
  updated_at: number;
}

export function insertSession(db: Db, row: SessionRow): void {
  stmt(db, 
    `INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, question_index,
       resume_count, interrupted_at, interruption, exit_reason, failed_codes, created_at, updated_at)
     VALUES (@id, @invite_code, @candidate_ref, @pack_id, @pack_hash, @locale, @state, @question_index,
       @resume_count, @interrupted_at, @interruption, @exit_reason, @failed_codes, @created_at, @updated_at)`,
  ).run(row);
  sessionCache.written(db, row.id);
}

export function getSession(db: Db, id: string): Readonly<SessionRow> | undefined {
  return sessionCache.read(db, id, () => stmt(db, `SELECT * FROM sessions WHERE id = ?`).get(id) as SessionRow | undefined);
}

export function getSessionByInvite(db: Db, inviteCode: string): SessionRow | undefined {
  return stmt(db, `SELECT * FROM sessions WHERE invite_code = ?`).get(inviteCode) as SessionRow | undefined;
}

export function sessionsInStates(db: Db, states: readonly SessionStateValue[]): SessionRow[] {
  const placeholders = states.map(() => '?').join(',');
  return stmt(db, `SELECT * FROM sessions WHERE state IN (${placeholders}) ORDER BY updated_at DESC`)
    .all(...states) as SessionRow[];
}

export type SessionPatch = Partial<Omit<SessionRow, 'id' | 'invite_code' | 'created_at'>> & { updated_at: number };

const patchable = new Set([
  'candidate_ref',
  'pack_id',
  'pack_hash',
  'locale',
  'state',
  'question_index',
  'resume_count',
  'interrupted_at',
  'interruption',
  'exit_reason',
  'failed_codes',
  'updated_at',
]);

export function updateSession(db: Db, id: string, patch: SessionPatch): void {
  const keys = Object.keys(patch).filter((k) => patchable.has(k));
  const sets = keys.map((k) => `${k} = @${k}`).join(', ');
  stmt(db, `UPDATE sessions SET ${sets} WHERE id = @id`).run({ ...patch, id });
  sessionCache.written(db, id);
}

export interface ProgressRow {
  session_id: string;
  question_index: number;
  attempt: number;
  segment: number;
  phase: 'preparing' | 'answering' | 'submitted';
  prep_elapsed_ms: number;
  elapsed_ms: number;
  persisted_at: number;
}

export function getProgress(db: Db, sessionId: string, questionIndex: number): Readonly<ProgressRow> | undefined {
  return progressCache.read(db, progressKey(sessionId, questionIndex), () =>
    stmt(db, `SELECT * FROM question_progress WHERE session_id = ? AND question_index = ?`).get(sessionId, questionIndex) as
      | ProgressRow
      | undefined,
  );
}

export function upsertProgress(db: Db, row: ProgressRow): void {
  stmt(db, 
    `INSERT INTO question_progress (session_id, question_index, attempt, segment, phase, prep_elapsed_ms, elapsed_ms, persisted_at)
     VALUES (@session_id, @question_index, @attempt, @segment, @phase, @prep_elapsed_ms, @elapsed_ms, @persisted_at)
     ON CONFLICT (session_id, question_index) DO UPDATE SET
       attempt = excluded.attempt, segment = excluded.segment, phase = excluded.phase,
       prep_elapsed_ms = excluded.prep_elapsed_ms, elapsed_ms = excluded.elapsed_ms, persisted_at = excluded.persisted_at`,
  ).run(row);
  progressCache.written(db, progressKey(row.session_id, row.question_index));
}

export function persistElapsed(db: Db, sessionId: string, questionIndex: number, prepElapsedMs: number, elapsedMs: number, at: number): void {
  // Twice a second during an answer: keep the cached row current rather than dropping it.
  stmt(db, 
    `UPDATE question_progress SET prep_elapsed_ms = ?, elapsed_ms = ?, persisted_at = ?
     WHERE session_id = ? AND question_index = ?`,
  ).run(prepElapsedMs, elapsedMs, at, sessionId, questionIndex);
  progressCache.written(db, progressKey(sessionId, questionIndex), (p) => ({
    ...p,
    prep_elapsed_ms: prepElapsedMs,
    elapsed_ms: elapsedMs,
    persisted_at: at,
  }));
}

export interface AnswerRow {
  session_id: string;
  question_index: number;
  attempt: number;
  mode: 'video' | 'audio' | 'text';
  text: string | null;
  chunk_count: number;
  elapsed_ms: number;
  submitted_at: number;
}

export function insertAnswer(db: Db, row: AnswerRow): void {
  // A typed answer is stored sealed when the connection has a sealer (main/db/text-sealing.ts).
  const sealer = row.text !== null ? textSealerOf(db) : undefined;
  const sealed = sealer && row.text !== null ? sealer.sealText('answer', row.session_id, row.question_index, row.attempt, row.text) : null;
  stmt(db, 
    `INSERT INTO answers (session_id, question_index, attempt, mode, text, chunk_count, elapsed_ms, submitted_at, sealed)
     VALUES (@session_id, @question_index, @attempt, @mode, @text, @chunk_count, @elapsed_ms, @submitted_at, @sealed)`,
  ).run({ ...row, text: sealed ? null : row.text, sealed });
}

export function countAnswers(db: Db, sessionId: string): number {
  return (stmt(db, `SELECT count(*) AS n FROM answers WHERE session_id = ?`).get(sessionId) as { n: number }).n;
}

export function getAnswer(db: Db, sessionId: string, questionIndex: number): AnswerRow | undefined {
  const r = stmt(db, `SELECT * FROM answers WHERE session_id = ? AND question_index = ?`).get(sessionId, questionIndex) as
    | (AnswerRow & { sealed?: Buffer | null })
    | undefined;
  if (!r) return undefined;
  const { sealed, ...row } = r;
  return { ...row, text: openColumn(db, 'answer', sessionId, questionIndex, row.attempt, sealed ?? null, row.text) };
}

export function getKioskState(db: Db, key: string): string | undefined {
  return (stmt(db, `SELECT value FROM kiosk_state WHERE key = ?`).get(key) as { value: string } | undefined)?.value;
}

export function setKioskState(db: Db, key: string, value: string): void {
  stmt(db, `INSERT INTO kiosk_state (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`).run(key, value);
}

export function insertIncident(db: Db, row: { id: string; session_id: string; kind: string; at: number; body: string }): void {
  stmt(db, `INSERT INTO incidents (id, session_id, kind, at, body) VALUES (@id, @session_id, @kind, @at, @body)`).run(row);
}

/** How many incidents of one kind a session has (the ordinal of the next exit note). */
export function countIncidentsOfKind(db: Db, sessionId: string, kind: string): number {
  return (stmt(db, `SELECT COUNT(*) AS n FROM incidents WHERE session_id = ? AND kind = ?`).get(sessionId, kind) as { n: number }).n;
}

export function getIncident(db: Db, id: string): { id: string; session_id: string; kind: string; at: number; body: string } | undefined {
  return stmt(db, `SELECT * FROM incidents WHERE id = ?`).get(id) as
    | { id: string; session_id: string; kind: string; at: number; body: string }
    | undefined;
}

export function markAnswering(db: Db, sessionId: string, questionIndex: number, prepElapsedMs: number, at: number): void {
  stmt(db, 
    `UPDATE question_progress SET phase = 'answering', prep_elapsed_ms = ?, elapsed_ms = 0, persisted_at = ?
     WHERE session_id = ? AND question_index = ?`,
  ).run(prepElapsedMs, at, sessionId, questionIndex);
  progressCache.written(db, progressKey(sessionId, questionIndex));
}
