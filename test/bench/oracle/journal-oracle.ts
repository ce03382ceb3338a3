/**
 * An independent oracle for the kiosk's store: it shares no code with the product. The chain
 * hash is re-implemented here from its documented format (README, "The journal is append-only
 * and hash-chained"), with node:crypto directly:
 *
 *   hash = sha256_hex(prevHash + "\n" + sessionId + "\n" + seq + "\n" + type + "\n" + at + "\n" + payload)
 *
 * where `payload` is the stored text exactly as written, the first event's prevHash is 64 zeros,
 * and `seq` counts 1, 2, 3… without gaps. The SQLite reads are this file's own prepared
 * statements on a connection the caller opens (read-only is enough).
 *
 * Media bytes are read from their documented place (docs/media-store.md): a row names its
 * segment file by `file`, relative to the `media/` folder beside the database, and its bytes by
 * `file_offset` and `stored_size`; a row from before schema 10 may still hold them in `data`.
 * With no ChunkSealer configured (the crash test records without one) the stored bytes are the
 * recorded bytes. A chunk listed in `media_damage` is one the store itself gave up on.
 */
import type Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import path from 'node:path';

const ZERO = '0'.repeat(64);

export type ChainProblem = 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'bad_payload';

export interface ChainCheck {
  readonly ok: boolean;
  readonly length: number;
  readonly brokenAt: number | null;
  readonly problem: ChainProblem | null;
}

export function oracleChainHash(prevHash: string, sessionId: string, seq: number, type: string, at: number, payload: string): string {
  return createHash('sha256').update([prevHash, sessionId, String(seq), type, String(at), payload].join('\n'), 'utf8').digest('hex');
}

interface EventRow {
  session_id: string;
  seq: number;
  type: string;
  at: number;
  payload: string;
  prev_hash: string;
  hash: string;
}

/** Walks one session's events in seq order and names the first broken link. */
export function oracleVerifyChain(db: Database.Database, sessionId: string): ChainCheck {
  const rows = db
    .prepare(`SELECT session_id, seq, type, at, payload, prev_hash, hash FROM journal WHERE session_id = ? ORDER BY seq ASC`)
    .all(sessionId) as EventRow[];
  let prev = ZERO;
  let expected = 1;
  for (const r of rows) {
    const broken = (problem: ChainProblem): ChainCheck => ({ ok: false, length: expected - 1, brokenAt: r.seq, problem });
    if (r.seq !== expected) return broken('seq_gap');
    if (r.prev_hash !== prev) return broken('prev_hash_mismatch');
    try {
      JSON.parse(r.payload);
    } catch {
      return broken('bad_payload');
    }
    if (oracleChainHash(r.prev_hash, r.session_id, r.seq, r.type, r.at, r.payload) !== r.hash) return broken('hash_mismatch');
    prev = r.hash;
    expected += 1;
  }
  return { ok: true, length: rows.length, brokenAt: null, problem: null };
}

/** The identity of one recorded chunk: session, question, attempt, segment, seq. */
export function chunkKey(s: string, q: number, a: number, g: number, n: number): string {
  return `${s}|${q}|${a}|${g}|${n}`;
}

export interface EventChunk {
  readonly sha256: string;
  readonly size: number;
  readonly elapsedMs: number | null;
}

/**
 * Every `chunk_committed` event of a session, by chunk key. A key seen twice keeps the first
 * event and is listed in `duplicates` (a chunk is committed once; a retry is acknowledged without
 * a second event).
 */
export function oracleChunkEvents(db: Database.Database, sessionId: string): { events: Map<string, EventChunk>; duplicates: string[]; unreadable: number } {
  const rows = db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'chunk_committed' ORDER BY seq ASC`).all(sessionId) as Array<{ payload: string }>;
  const events = new Map<string, EventChunk>();
  const duplicates: string[] = [];
  let unreadable = 0;
  for (const { payload } of rows) {
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(payload) as Record<string, unknown>;
    } catch {
      unreadable += 1;
      continue;
    }
    const nums = [p.questionIndex, p.attempt, p.segment, p.seq, p.size];
    if (!nums.every((x) => typeof x === 'number' && Number.isInteger(x)) || typeof p.sha256 !== 'string') {
      unreadable += 1;
      continue;
    }
    const key = chunkKey(sessionId, p.questionIndex as number, p.attempt as number, p.segment as number, p.seq as number);
    if (events.has(key)) {
      duplicates.push(key);
      continue;
    }
    events.set(key, { sha256: p.sha256, size: p.size as number, elapsedMs: typeof p.elapsedMs === 'number' ? p.elapsedMs : null });
  }
  return { events, duplicates, unreadable };
}

export interface StoredChunk {
  readonly sha256: string;
  readonly size: number;
  /** sha256 of the bytes as read back now. */
  readonly actualSha256: string;
  readonly actualSize: number;
}

/** Reads `length` bytes at `offset` of a file with plain fs calls; fewer when the file is short or missing. */
function readRange(file: string, offset: number, length: number): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const buf = Buffer.alloc(length);
    let got = 0;
    for (;;) {
      if (got >= length) break;
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads one media row's bytes back from where the row says they are and hashes them; undefined
 * when the row is missing. `damaged` is true when the store listed the chunk in media_damage.
 */
export function oracleReadChunk(db: Database.Database, mediaDir: string, s: string, q: number, a: number, g: number, n: number): (StoredChunk & { damaged: boolean }) | undefined {
  const row = db
    .prepare(`SELECT sha256, size, data, file, file_offset, stored_size FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`)
    .get(s, q, a, g, n) as { sha256: string; size: number; data: Buffer | null; file: string | null; file_offset: number | null; stored_size: number | null } | undefined;
  if (!row) return undefined;
  let bytes: Buffer = Buffer.alloc(0);
  if (row.data) bytes = row.data;
  else if (row.file !== null && row.file_offset !== null && row.stored_size !== null) bytes = readRange(path.join(mediaDir, row.file), row.file_offset, row.stored_size);
  const damaged = db.prepare(`SELECT 1 FROM media_damage WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`).get(s, q, a, g, n) !== undefined;
  return { sha256: row.sha256, size: row.size, actualSha256: createHash('sha256').update(bytes).digest('hex'), actualSize: bytes.length, damaged };
}

/** How many chunks the store has listed as damaged (of one session). */
export function oracleDamagedCount(db: Database.Database, sessionId: string): number {
  return (db.prepare(`SELECT count(*) AS n FROM media_damage WHERE session_id = ?`).get(sessionId) as { n: number }).n;
}

/** Media rows of a session that have no `chunk_committed` event with the same key, hash and size. */
export function oracleRowsWithoutEvent(db: Database.Database, sessionId: string, events: Map<string, EventChunk>): string[] {
  const rows = db
    .prepare(`SELECT question_index AS q, attempt AS a, segment AS g, seq AS n, sha256, size FROM media_chunks WHERE session_id = ?`)
    .all(sessionId) as Array<{ q: number; a: number; g: number; n: number; sha256: string; size: number }>;
  const out: string[] = [];
  for (const r of rows) {
    const key = chunkKey(sessionId, r.q, r.a, r.g, r.n);
    const e = events.get(key);
    if (!e || e.sha256 !== r.sha256 || e.size !== r.size) out.push(key);
  }
  return out;
}
