import type { Db } from '../connection';
import { stmt } from '../statements';
import { openColumn, textSealerOf } from '../text-sealing';

export interface DraftRow {
  session_id: string;
  question_index: number;
  attempt: number;
  text: string;
  sha256: string;
  saved_at: number;
}

/** Writes the draft; with a registered sealer the text is stored sealed (`text` stays ''). */
export function upsertDraft(db: Db, row: DraftRow): void {
  const sealer = textSealerOf(db);
  const sealed = sealer ? sealer.sealText('draft', row.session_id, row.question_index, row.attempt, row.text) : null;
  stmt(db,
    `INSERT INTO answer_drafts (session_id, question_index, attempt, text, sha256, saved_at, sealed)
     VALUES (@session_id, @question_index, @attempt, @text, @sha256, @saved_at, @sealed)
     ON CONFLICT (session_id, question_index, attempt) DO UPDATE SET
       text = excluded.text, sha256 = excluded.sha256, saved_at = excluded.saved_at, sealed = excluded.sealed`,
  ).run({ ...row, text: sealed ? '' : row.text, sealed });
}

/** The draft with its text opened (sealed rows) or as stored (rows from before sealing). */
export function getDraft(db: Db, sessionId: string, questionIndex: number, attempt: number): DraftRow | undefined {
  const r = stmt(db, `SELECT * FROM answer_drafts WHERE session_id = ? AND question_index = ? AND attempt = ?`).get(sessionId, questionIndex, attempt) as
    | (DraftRow & { sealed: Buffer | null })
    | undefined;
  if (!r) return undefined;
  const { sealed, ...row } = r;
  return { ...row, text: openColumn(db, 'draft', sessionId, questionIndex, attempt, sealed, row.text) ?? '' };
}

/** A submitted answer supersedes every draft of its question. */
export function deleteDrafts(db: Db, sessionId: string, questionIndex: number): void {
  stmt(db, `DELETE FROM answer_drafts WHERE session_id = ? AND question_index = ?`).run(sessionId, questionIndex);
}
