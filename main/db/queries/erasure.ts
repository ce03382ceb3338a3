import { createHash } from 'node:crypto';
import type { Db } from '../connection';
import { stmt } from '../statements';

export interface ErasedRows {
  answers: number;
  drafts: number;
  chunks: number;
  scores: number;
  reviewItems: number;
  /** `media_damage` rows (keys and reasons of chunks found damaged). */
  damage: number;
  /** `score_material` rows (a scored answer's sealed rubric and transcript, migration 0021). */
  material: number;
  /** `identity_records` rows (sealed ID numbers, and the names and digests of sealed photos). */
  identity: number;
  /**
   * sha256 over what was deleted, as hashes only: the sorted sha256 of every chunk and draft and
   * of every answer's stored bytes. Lets an auditor holding an export check it was this content.
   */
  contentDigest: string;
}

/**
 * Deletes every row holding a session's content (answers, drafts, media chunks and their damage
 * records, scores, review items, identity records). Run with `secure_delete` on and inside the erasure transaction;
 * media and damage rows can only be deleted once `session_erasures` has the session (triggers from
 * migrations 0011 and 0018).
 */
export function eraseSessionContent(db: Db, sessionId: string): ErasedRows {
  const hashes: string[] = [];
  for (const r of stmt(db, `SELECT sha256 FROM media_chunks WHERE session_id = ?`).all(sessionId) as { sha256: string }[]) hashes.push(`c:${r.sha256}`);
  for (const r of stmt(db, `SELECT sha256 FROM answer_drafts WHERE session_id = ?`).all(sessionId) as { sha256: string }[]) hashes.push(`d:${r.sha256}`);
  for (const r of stmt(db, `SELECT coalesce(sealed, CAST(coalesce(text, '') AS BLOB)) AS v FROM answers WHERE session_id = ?`).all(sessionId) as { v: Buffer }[]) {
    hashes.push(`a:${createHash('sha256').update(r.v).digest('hex')}`);
  }
  for (const r of stmt(db, `SELECT sha256 FROM identity_records WHERE session_id = ?`).all(sessionId) as { sha256: string }[]) hashes.push(`i:${r.sha256}`);
  hashes.sort();
  const contentDigest = createHash('sha256').update(hashes.join('\n')).digest('hex');
  return {
    answers: stmt(db, `DELETE FROM answers WHERE session_id = ?`).run(sessionId).changes,
    drafts: stmt(db, `DELETE FROM answer_drafts WHERE session_id = ?`).run(sessionId).changes,
    chunks: stmt(db, `DELETE FROM media_chunks WHERE session_id = ?`).run(sessionId).changes,
    scores: stmt(db, `DELETE FROM answer_scores WHERE session_id = ?`).run(sessionId).changes,
    reviewItems: stmt(db, `DELETE FROM review_items WHERE session_id = ?`).run(sessionId).changes,
    damage: stmt(db, `DELETE FROM media_damage WHERE session_id = ?`).run(sessionId).changes,
    material: stmt(db, `DELETE FROM score_material WHERE session_id = ?`).run(sessionId).changes,
    identity: stmt(db, `DELETE FROM identity_records WHERE session_id = ?`).run(sessionId).changes,
    contentDigest,
  };
}

export function hasDeletedEvent(db: Db, sessionId: string): boolean {
  return stmt(db, `SELECT 1 AS x FROM journal WHERE session_id = ? AND type = 'deleted' LIMIT 1`).get(sessionId) !== undefined;
}
