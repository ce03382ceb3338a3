import { hash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chunkAad, identitySealer, type ChunkSealer } from '../../common/chunk-sealer';
import { CodedError } from '../../common/result';
import type { Db } from '../connection';
import { stmt } from '../statements';

/*
 * Media metadata and the one verified reader (docs/media-store.md).
 *
 * A chunk's bytes live in its segment's append-only file (`file`, `file_offset`, `stored_size`,
 * sealed by the store's ChunkSealer); rows written before schema 10 may still hold them in `data`
 * until the store moves them. Every read of media bytes goes through `readChunkBytes`: it opens
 * the sealed bytes and checks the plaintext's sha256 and size. readSegment refuses a segment with
 * a chunk that fails (STORAGE_CORRUPT) or one listed in `media_damage`; iterateChunks says for each
 * chunk whether it is intact. Remux and export read through these and nothing else; the hub
 * upload reads through `readStoredChunk`, the same checks returning the bytes as stored (sealed).
 */

export interface ChunkKey {
  session_id: string;
  question_index: number;
  attempt: number;
  segment: number;
  seq: number;
}

/** A chunk's metadata row; `data` only for rows from before schema 10 not moved yet. */
export interface ChunkMetaRow extends ChunkKey {
  mime_type: string;
  size: number;
  sha256: string;
  file: string | null;
  file_offset: number | null;
  stored_size: number | null;
  committed_at: number;
}

/** A chunk with its plaintext bytes. */
export interface ChunkRow extends ChunkKey {
  mime_type: string;
  size: number;
  sha256: string;
  data: Buffer;
  committed_at: number;
}

export interface FileChunkRow extends ChunkKey {
  mime_type: string;
  size: number;
  sha256: string;
  file: string;
  file_offset: number;
  stored_size: number;
  committed_at: number;
}

const mediaDirs = new WeakMap<Db, string>();

/**
 * The folder holding a database's segment files: `media/` beside the database file. An in-memory
 * database (tests) gets a temporary folder of its own.
 */
export function mediaDirOf(db: Db): string {
  let dir = mediaDirs.get(db);
  if (!dir) {
    dir = db.memory || db.name === '' || db.name === ':memory:' ? mkdtempSync(path.join(os.tmpdir(), 'kiosk-media-')) : path.join(path.dirname(db.name), 'media');
    mediaDirs.set(db, dir);
  }
  return dir;
}

/** Points a database at another media folder (tools that open a copied store). */
export function setMediaDir(db: Db, dir: string): void {
  mediaDirs.set(db, dir);
}

export function insertChunk(db: Db, row: FileChunkRow): void {
  // Positional parameters: binding by name costs a lookup per column, and this runs per chunk.
  stmt(db,
    `INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, file, file_offset, stored_size, committed_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(row.session_id, row.question_index, row.attempt, row.segment, row.seq, row.mime_type, row.size, row.sha256, row.file, row.file_offset, row.stored_size, row.committed_at);
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
  return (stmt(db,
        `SELECT count(*) AS n FROM media_chunks
         WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ?`,
      )
      .get(sessionId, questionIndex, attempt, segment) as { n: number }
  ).n;
}

/** Where the next chunk of a segment goes in its file: the end of the last committed chunk. */
export function segmentFileEnd(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number): { file: string | null; end: number } {
  const r = stmt(db,
      `SELECT file, file_offset + stored_size AS end FROM media_chunks
       WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND file IS NOT NULL
       ORDER BY seq DESC LIMIT 1`,
    )
    .get(sessionId, questionIndex, attempt, segment) as { file: string; end: number } | undefined;
  return r ? { file: r.file, end: r.end } : { file: null, end: 0 };
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

/** Rows of one segment, in seq order (metadata only). */
export function segmentRows(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number): ChunkMetaRow[] {
  return stmt(db,
    `SELECT session_id, question_index, attempt, segment, seq, mime_type, size, sha256, file, file_offset, stored_size, committed_at
     FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? ORDER BY seq`,
  ).all(sessionId, questionIndex, attempt, segment) as ChunkMetaRow[];
}

export type DamageReason = 'missing' | 'mismatch';

export function isDamaged(db: Db, key: ChunkKey): boolean {
  return stmt(db,
    `SELECT 1 FROM media_damage WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`,
  ).get(key.session_id, key.question_index, key.attempt, key.segment, key.seq) !== undefined;
}

/** Records a damaged chunk once; returns false when it was already recorded. */
export function insertDamage(db: Db, key: ChunkKey, reason: DamageReason, at: number): boolean {
  return stmt(db,
    `INSERT OR IGNORE INTO media_damage (session_id, question_index, attempt, segment, seq, reason, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(key.session_id, key.question_index, key.attempt, key.segment, key.seq, reason, at).changes === 1;
}

export function damagedChunks(db: Db, sessionId?: string): Array<ChunkKey & { reason: DamageReason }> {
  return (sessionId
    ? db.prepare(`SELECT * FROM media_damage WHERE session_id = ? ORDER BY session_id, question_index, attempt, segment, seq`).all(sessionId)
    : db.prepare(`SELECT * FROM media_damage ORDER BY session_id, question_index, attempt, segment, seq`).all()) as Array<ChunkKey & { reason: DamageReason }>;
}

/** Reads `length` bytes at `offset`; a short file yields fewer bytes (the caller compares). */
export function readFileRange(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/** A chunk as read back, with the sha256 of the bytes actually read. */
export interface CheckedChunk extends ChunkRow {
  readonly actualSha256: string;
  /** The bytes match the stored sha256 and size, and the chunk is not listed as damaged. */
  readonly intact: boolean;
}

/**
 * The verified read of one chunk: its bytes from the segment file (or a legacy row), opened with
 * the sealer, hashed. Missing, short or unopenable bytes come back empty with intact = false.
 */
export function readChunkBytes(db: Db, row: ChunkMetaRow & { data?: Buffer | null }, sealer: ChunkSealer = identitySealer): CheckedChunk {
  let data: Buffer = Buffer.alloc(0);
  if (row.file !== null && row.file_offset !== null && row.stored_size !== null) {
    try {
      const sealed = readFileRange(path.join(mediaDirOf(db), row.file), row.file_offset, row.stored_size);
      if (sealed.byteLength === row.stored_size) {
        const opened = sealer.open(sealed, chunkAad(row.session_id, row.question_index, row.attempt, row.segment, row.seq));
        data = Buffer.from(opened.buffer, opened.byteOffset, opened.byteLength);
      }
    } catch {
      data = Buffer.alloc(0);
    }
  } else if (row.data) {
    data = row.data;
  }
  const actualSha256 = hash('sha256', data, 'hex');
  const intact = actualSha256 === row.sha256 && data.byteLength === row.size && !isDamaged(db, row);
  return {
    session_id: row.session_id,
    question_index: row.question_index,
    attempt: row.attempt,
    segment: row.segment,
    seq: row.seq,
    mime_type: row.mime_type,
    size: row.size,
    sha256: row.sha256,
    committed_at: row.committed_at,
    data,
    actualSha256,
    intact,
  };
}

/** A chunk's bytes exactly as stored, checked by opening them (what the hub sync uploads). */
export interface StoredChunk {
  /** The bytes on disk (sealed by the session's data key when the store seals). */
  readonly stored: Buffer;
  /** The stored bytes are not the plaintext: the sealer changed them (AES-GCM, `IKS1…`). */
  readonly sealed: boolean;
  /** They opened, and the plaintext matches the row's sha256 and size; not listed as damaged. */
  readonly intact: boolean;
}

/**
 * The stored bytes of one chunk, verified without keeping the plaintext: opened with the sealer
 * (tag checked) and the plaintext's sha256 and size compared with the row. A legacy BLOB row is
 * its own stored form (plain). Missing or unopenable bytes: intact = false.
 */
export function readStoredChunk(db: Db, row: ChunkMetaRow & { data?: Buffer | null }, sealer: ChunkSealer = identitySealer): StoredChunk {
  let stored: Buffer = Buffer.alloc(0);
  let plain: Uint8Array = stored;
  let opened = false;
  try {
    if (row.file !== null && row.file_offset !== null && row.stored_size !== null) {
      stored = readFileRange(path.join(mediaDirOf(db), row.file), row.file_offset, row.stored_size);
      if (stored.byteLength === row.stored_size) {
        plain = sealer.open(stored, chunkAad(row.session_id, row.question_index, row.attempt, row.segment, row.seq));
        opened = true;
      }
    } else if (row.data) {
      stored = row.data;
      plain = row.data;
      opened = true;
    }
  } catch {
    opened = false;
  }
  const intact = opened && plain.byteLength === row.size && hash('sha256', plain, 'hex') === row.sha256 && !isDamaged(db, row);
  const sealed = opened && !Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength).equals(stored);
  return { stored, sealed, intact };
}

/** One segment's chunks in order; throws STORAGE_CORRUPT if any chunk's bytes fail their check. */
export function readSegment(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number, sealer: ChunkSealer = identitySealer): ChunkRow[] {
  const rows = db
    .prepare(`SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? ORDER BY seq`)
    .all(sessionId, questionIndex, attempt, segment) as Array<ChunkMetaRow & { data: Buffer | null }>;
  return rows.map((row) => {
    const c = readChunkBytes(db, row, sealer);
    if (!c.intact) {
      throw new CodedError('STORAGE_CORRUPT', `recorded chunk ${row.seq} of question ${row.question_index} (attempt ${row.attempt}, segment ${row.segment}) does not match its sha256`);
    }
    const { actualSha256: _a, intact: _i, ...plain } = c;
    return plain;
  });
}

/** Every chunk (of one session, or all), each read and hashed; ordered by key. */
export function* iterateChunks(db: Db, sessionId?: string, sealer: ChunkSealer = identitySealer): Generator<CheckedChunk> {
  // Keys first, then one row at a time: the reader queries media_damage while iterating.
  const order = `ORDER BY session_id, question_index, attempt, segment, seq`;
  const keys = (sessionId
    ? db.prepare(`SELECT session_id, question_index, attempt, segment, seq FROM media_chunks WHERE session_id = ? ${order}`).all(sessionId)
    : db.prepare(`SELECT session_id, question_index, attempt, segment, seq FROM media_chunks ${order}`).all()) as ChunkKey[];
  const one = db.prepare(`SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`);
  for (const k of keys) {
    const row = one.get(k.session_id, k.question_index, k.attempt, k.segment, k.seq) as (ChunkMetaRow & { data: Buffer | null }) | undefined;
    if (row) yield readChunkBytes(db, row, sealer);
  }
}
