import type { Db } from '../connection';
import { stmt } from '../statements';
import { openColumn, textSealerOf } from '../text-sealing';

export type ScoreStatusValue = 'scored' | 'needs_human_scoring';
export type BandValue = 'pass' | 'borderline' | 'below';
export type ReviewReason = 'borderline' | 'needs_human_scoring' | 'other_language';
export type OverrideReasonCode =
  | 'evidence_missed'
  | 'evidence_overcredited'
  | 'transcript_error'
  | 'language_accommodation'
  | 'rubric_gap'
  | 'human_scoring_required';

export const OVERRIDE_REASON_CODES: readonly OverrideReasonCode[] = [
  'evidence_missed',
  'evidence_overcredited',
  'transcript_error',
  'language_accommodation',
  'rubric_gap',
  'human_scoring_required',
];

export interface AnswerScoreRow {
  session_id: string;
  question_index: number;
  attempt: number;
  question_id: string;
  status: ScoreStatusValue;
  scorer_version: string;
  engine: 'rubric' | 'rubric+model';
  model_sha256: string | null;
  total: number;
  band: BandValue;
  result: string;
  computed_at: number;
}

/** A re-scored attempt replaces its row (the journal keeps every computation). */
export function putAnswerScore(db: Db, row: AnswerScoreRow): void {
  stmt(
    db,
    `INSERT INTO answer_scores (session_id, question_index, attempt, question_id, status, scorer_version, engine, model_sha256, total, band, result, computed_at)
     VALUES (@session_id, @question_index, @attempt, @question_id, @status, @scorer_version, @engine, @model_sha256, @total, @band, @result, @computed_at)
     ON CONFLICT (session_id, question_index, attempt) DO UPDATE SET status = excluded.status, scorer_version = excluded.scorer_version,
       engine = excluded.engine, model_sha256 = excluded.model_sha256, total = excluded.total, band = excluded.band,
       result = excluded.result, computed_at = excluded.computed_at`,
  ).run(row);
}

export function getAnswerScore(db: Db, sessionId: string, questionIndex: number, attempt: number): AnswerScoreRow | undefined {
  return stmt(db, `SELECT * FROM answer_scores WHERE session_id = ? AND question_index = ? AND attempt = ?`).get(sessionId, questionIndex, attempt) as
    | AnswerScoreRow
    | undefined;
}

export function sessionScores(db: Db, sessionId: string): AnswerScoreRow[] {
  return stmt(db, `SELECT * FROM answer_scores WHERE session_id = ? ORDER BY question_index, attempt`).all(sessionId) as AnswerScoreRow[];
}

export interface ReviewItemRow {
  session_id: string;
  question_index: number;
  attempt: number;
  reason: ReviewReason;
  state: 'open' | 'resolved';
  created_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
}

export function enqueueReview(db: Db, row: Pick<ReviewItemRow, 'session_id' | 'question_index' | 'attempt' | 'reason' | 'created_at'>): void {
  stmt(
    db,
    `INSERT INTO review_items (session_id, question_index, attempt, reason, state, created_at)
     VALUES (@session_id, @question_index, @attempt, @reason, 'open', @created_at)
     ON CONFLICT (session_id, question_index, attempt) DO UPDATE SET reason = excluded.reason, state = 'open',
       resolved_at = NULL, resolved_by = NULL`,
  ).run(row);
}

export function openReviewItems(db: Db, limit: number): ReviewItemRow[] {
  return stmt(db, `SELECT * FROM review_items WHERE state = 'open' ORDER BY created_at, session_id, question_index LIMIT ?`).all(limit) as ReviewItemRow[];
}

export function getReviewItem(db: Db, sessionId: string, questionIndex: number, attempt: number): ReviewItemRow | undefined {
  return stmt(db, `SELECT * FROM review_items WHERE session_id = ? AND question_index = ? AND attempt = ?`).get(sessionId, questionIndex, attempt) as
    | ReviewItemRow
    | undefined;
}

export function resolveReview(db: Db, sessionId: string, questionIndex: number, attempt: number, by: string, at: number): void {
  stmt(db, `UPDATE review_items SET state = 'resolved', resolved_at = ?, resolved_by = ? WHERE session_id = ? AND question_index = ? AND attempt = ?`).run(
    at,
    by,
    sessionId,
    questionIndex,
    attempt,
  );
}

export interface ReviewOverrideRow {
  id?: number;
  session_id: string;
  question_index: number;
  attempt: number;
  competency_id: string;
  reviewer: string;
  old_level: number;
  new_level: number;
  reason_code: OverrideReasonCode;
  note: string | null;
  at: number;
}

/**
 * Appends an override. Its note is sealed under the session key when the connection has a sealer
 * (migration 0022), so erasing the session makes it unreadable; `note` is then null on disk.
 */
export function insertOverride(db: Db, row: ReviewOverrideRow): number {
  const sealer = row.note ? textSealerOf(db) : undefined;
  const noteSealed = sealer && row.note ? sealer.sealText('review_note', row.session_id, row.question_index, row.attempt, row.note) : null;
  return Number(
    stmt(
      db,
      `INSERT INTO review_overrides (session_id, question_index, attempt, competency_id, reviewer, old_level, new_level, reason_code, note, note_sealed, at)
       VALUES (@session_id, @question_index, @attempt, @competency_id, @reviewer, @old_level, @new_level, @reason_code, @note, @note_sealed, @at)`,
    ).run({
        session_id: row.session_id,
        question_index: row.question_index,
        attempt: row.attempt,
        competency_id: row.competency_id,
        reviewer: row.reviewer,
        old_level: row.old_level,
        new_level: row.new_level,
        reason_code: row.reason_code,
        note: noteSealed ? null : row.note,
        note_sealed: noteSealed,
        at: row.at,
      }).lastInsertRowid,
  );
}

/** The answer's overrides, oldest first, each note opened (throws STORAGE_CORRUPT once the key is shredded). */
export function overridesFor(db: Db, sessionId: string, questionIndex: number, attempt: number): ReviewOverrideRow[] {
  const rows = stmt(db, `SELECT * FROM review_overrides WHERE session_id = ? AND question_index = ? AND attempt = ? ORDER BY id`).all(
    sessionId,
    questionIndex,
    attempt,
  ) as Array<ReviewOverrideRow & { note_sealed: Buffer | null }>;
  return rows.map(({ note_sealed, ...r }) => ({ ...r, note: openColumn(db, 'review_note', r.session_id, r.question_index, r.attempt, note_sealed, r.note) }));
}

/** The answer's overrides without their notes (nothing to open: works without keys), oldest first. */
export function overridesWithoutNotes(db: Db, sessionId: string, questionIndex: number, attempt: number): Array<Omit<ReviewOverrideRow, 'note'>> {
  return stmt(
    db,
    `SELECT id, session_id, question_index, attempt, competency_id, reviewer, old_level, new_level, reason_code, at FROM review_overrides
     WHERE session_id = ? AND question_index = ? AND attempt = ? ORDER BY id`,
  ).all(sessionId, questionIndex, attempt) as Array<Omit<ReviewOverrideRow, 'note'>>;
}

/** Submitted answers with no score row yet, oldest first (scoring that failed or never ran). */
export function unscoredAnswers(db: Db, limit: number): { session_id: string; question_index: number; attempt: number }[] {
  return stmt(
    db,
    `SELECT a.session_id, a.question_index, a.attempt FROM answers a
     LEFT JOIN answer_scores s ON s.session_id = a.session_id AND s.question_index = a.question_index AND s.attempt = a.attempt
     WHERE s.session_id IS NULL ORDER BY a.submitted_at, a.session_id, a.question_index LIMIT ?`,
  ).all(limit) as { session_id: string; question_index: number; attempt: number }[];
}

/** The submitted answers of a session (index and attempt), in question order. */
export function submittedAnswers(db: Db, sessionId: string): { question_index: number; attempt: number }[] {
  return stmt(db, `SELECT question_index, attempt FROM answers WHERE session_id = ? ORDER BY question_index`).all(sessionId) as { question_index: number; attempt: number }[];
}

/** A scored answer's review material (migration 0021): the rubric used, and a transcript when one was scored. */
export interface ScoreMaterialRow {
  session_id: string;
  question_index: number;
  attempt: number;
  /** Plain JSON only when the connection seals nothing (tools, unrelated tests). */
  rubric: string | null;
  rubric_sealed: Buffer | null;
  transcript_sealed: Buffer | null;
}

export function putScoreMaterial(db: Db, row: ScoreMaterialRow): void {
  stmt(
    db,
    `INSERT INTO score_material (session_id, question_index, attempt, rubric, rubric_sealed, transcript_sealed)
     VALUES (@session_id, @question_index, @attempt, @rubric, @rubric_sealed, @transcript_sealed)
     ON CONFLICT (session_id, question_index, attempt) DO UPDATE SET rubric = excluded.rubric, rubric_sealed = excluded.rubric_sealed,
       transcript_sealed = excluded.transcript_sealed`,
  ).run(row);
}

export function getScoreMaterial(db: Db, sessionId: string, questionIndex: number, attempt: number): ScoreMaterialRow | undefined {
  return stmt(db, 'SELECT * FROM score_material WHERE session_id = ? AND question_index = ? AND attempt = ?').get(sessionId, questionIndex, attempt) as ScoreMaterialRow | undefined;
}
