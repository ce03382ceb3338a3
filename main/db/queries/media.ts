import { hash } from 'node:crypto';
import { CodedError } from '../../common/result';
import type { Db } from '../connection';
import { stmt } from '../statements';

/*
 * Every read of media bytes verifies them: readSegment refuses a chunk whose bytes do not match
 * its stored sha256 and size (STORAGE_CORRUPT), iterateChunks hashes each row and says whether it
 * is intact. Nothing else in the product reads `data`.
 */

export interface ChunkKey {
  session_id: string;
  question_index: number;
  attempt: number;
  segment: number;
  seq: number;
}

export interface ChunkRow extends ChunkKey {
  mime_type: string;
  size: number;
  sha256: string;
  data: Buffer;
  committed_at: number;
}

export function insertChunk(db: Db, row: ChunkRow): void {
  // Positional parameters: binding by name costs a lookup per column, and this runs per chunk.
  stmt(db,
    `INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(row.session_id, row.question_index, row.attempt, row.segment, row.seq, row.mime_type, row.size, row.sha256, row.data, row.committed_at);
}

export function getChunkMeta(db: Db, key: ChunkKey): { sha256: string; size: number } | undefined {
  return stmt(db, 
      `SELECT sha256, size FROM media_chunks
       WHERE session_id = @session_id AND question_index = @question_index AND attempt = @attempt
         AND segment = @segment AND seq = @seq`,
    )
    .get(key) as { sha256: string; size: number } | undefined;
}

/** Chunks already committed in one segment (they are contiguous from seq 0). */
export function segmentChunkCount(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number): number {
  return ( stmt(db, 
        `SELECT count(*) AS n FROM media_chunks
         WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ?`,
      )
      .get(sessionId, questionIndex, attempt, segment) as { n: number }
  ).n;
}

export function attemptChunkStats(db: Db, sessionId: string, questionIndex: number, attempt: number): { chunks: number; bytes: number } {
  const r = stmt(db, 
      `SELECT count(*) AS chunks, coalesce(sum(size), 0) AS bytes FROM media_chunks
       WHERE session_id = ? AND question_index = ? AND attempt = ?`,
    )
    .get(sessionId, questionIndex, attempt) as { chunks: number; bytes: number };
  return r;
}

export function sessionChunkCount(db: Db, sessionId: string): number {
  return (stmt(db, `SELECT count(*) AS n FROM media_chunks WHERE session_id = ?`).get(sessionId) as { n: number }).n;
}

/** A chunk as read back, with the sha256 of the bytes actually read. */
export interface CheckedChunk extends ChunkRow {
  readonly actualSha256: string;
  /** The bytes match the stored sha256 and size. */
  readonly intact: boolean;
}

function check(row: ChunkRow): CheckedChunk {
  const actualSha256 = hash('sha256', row.data, 'hex');
  return { ...row, actualSha256, intact: actualSha256 === row.sha256 && row.data.byteLength === row.size };
}

/** One segment's chunks in order; throws STORAGE_CORRUPT if any chunk's bytes fail their sha256. */
export function readSegment(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number): ChunkRow[] {
  const rows = stmt(db,
      `SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? ORDER BY seq`,
    )
    .all(sessionId, questionIndex, attempt, segment) as ChunkRow[];
  for (const row of rows) {
    if (!check(row).intact) {
      throw new CodedError('STORAGE_CORRUPT', `recorded chunk ${row.seq} of question ${row.question_index} (attempt ${row.attempt}, segment ${row.segment}) does not match its sha256`);
    }
  }
  return rows;
}

/** Every chunk (of one session, or all), each hashed as it is read; ordered by key. */
export function* iterateChunks(db: Db, sessionId?: string): Generator<CheckedChunk> {
  // Not cached: an iterating statement stays busy until the caller finishes with it.
  const order = `ORDER BY session_id, question_index, attempt, segment, seq`;
  const rows = sessionId
    ? db.prepare(`SELECT * FROM media_chunks WHERE session_id = ? ${order}`).iterate(sessionId)
    : db.prepare(`SELECT * FROM media_chunks ${order}`).iterate();
  for (const row of rows) yield check(row as ChunkRow);
}
