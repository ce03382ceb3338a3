import type { Db } from '../connection';
import { stmt } from '../statements';

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

export function readSegment(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number): ChunkRow[] {
  return stmt(db, 
      `SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? ORDER BY seq`,
    )
    .all(sessionId, questionIndex, attempt, segment) as ChunkRow[];
}

export function* iterateChunks(db: Db, sessionId?: string): Generator<ChunkRow> {
  // Not cached: an iterating statement stays busy until the caller finishes with it.
  const rows = sessionId
    ? db.prepare(`SELECT * FROM media_chunks WHERE session_id = ?`).iterate(sessionId)
    : db.prepare(`SELECT * FROM media_chunks`).iterate();
  for (const row of rows) yield row as ChunkRow;
}
