import type { Db } from '../connection';
import { stmt } from '../statements';

export interface DraftRow {
  session_id: string;
  question_index: number;
  attempt: number;
  text: string;
  sha256: string;
  saved_at: number;
}

export function upsertDraft(db: Db, row: DraftRow): void {
  stmt(db,
    `INSERT INTO answer_drafts (session_id, question_index, attempt, text, sha256, saved_at)
     VALUES (@session_id, @question_index, @attempt, @text, @sha256, @saved_at)
     ON CONFLICT (session_id, question_index, attempt) DO UPDATE SET
       text = excluded.text, sha256 = excluded.sha256, saved_at = excluded.saved_at`,
  ).run(row);
}

export function getDraft(db: Db, sessionId: string, questionIndex: number, attempt: number): DraftRow | undefined {
  return stmt(db, `SELECT * FROM answer_drafts WHERE session_id = ? AND question_index = ? AND attempt = ?`).get(sessionId, questionIndex, attempt) as
    | DraftRow
    | undefined;
}

/** A submitted answer supersedes every draft of its question. */
export function deleteDrafts(db: Db, sessionId: string, questionIndex: number): void {
  stmt(db, `DELETE FROM answer_drafts WHERE session_id = ? AND question_index = ?`).run(sessionId, questionIndex);
}
