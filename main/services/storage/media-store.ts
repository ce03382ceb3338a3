/**
 * The media store: one append-only file per answer segment beside the database
 * (`media/<session>/q<question>-a<attempt>-s<segment>.webm`), SQLite holding only each chunk's
 * metadata (file, offset, sealed length, sha256) next to its journal event. docs/media-store.md
 * has the whole argument; the short form:
 *
 * Write path (`stage` → caller's transaction → `durable`):
 *  1. seal the chunk and write it at the segment's committed end (pwrite, page cache only);
 *  2. start fdatasync of the file (and, for a new file, fsync of its folders) in libuv's thread
 *     pool — the event loop does not wait for the disk;
 *  3. the caller commits the metadata row and `chunk_committed` in one SQLite transaction;
 *  4. the caller acknowledges only when both the commit and (2) have finished.
 * Steps 2 and 3 overlap. That is safe because nothing is acknowledged until both are durable, and
 * because at most one chunk per segment is in flight (the caller serialises a session's chunks):
 * after a crash, a committed row whose bytes did not reach the disk can only be the last one of
 * its segment, and recovery re-hashes exactly those rows. Bytes written but never committed lie
 * beyond the committed end and are truncated at recovery (or overwritten by the next chunk).
 *
 * Recovery (`recover`): for the newest segment of each open or recently written session,
 * truncate past the last committed end, remove files no row names, re-hash the last committed
 * chunks; a row whose bytes are missing or wrong is recorded in `media_damage` (and journaled by
 * the caller as `media_damaged` with the range), never served by the reader and never dropped.
 * The recent sessions that are closed can be left for after start-up (`closedLater`, then
 * `checkSegment` one segment at a time): nothing resumes or writes them.
 *
 * Legacy rows (bytes still in SQLite from before schema 10) are moved by `moveLegacyBlobs`.
 */
import { closeSync, constants as fsc, fdatasync, fstatSync, ftruncateSync, fsync, fsyncSync, mkdirSync, openSync, readdirSync, statSync, truncateSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { hash } from 'node:crypto';
import { chunkAad, identitySealer, type ChunkSealer } from '../../common/chunk-sealer';
import { CodedError } from '../../common/result';
import type { Db } from '../../db/connection';
import {
  insertDamage,
  mediaDirOf,
  readChunkBytes,
  segmentFileEnd,
  segmentRows,
  type ChunkKey,
  type ChunkMetaRow,
  type DamageReason,
} from '../../db/queries/media';
import { transact } from '../../db/transaction';
import { fsyncDirectory, writeFileDurably } from './durable-file';

/** fdatasync of an open file, off the event loop. A seam: benchmarks slow it down, tests fail it. */
export type AsyncSync = (fd: number) => Promise<void>;

export const threadPoolFdatasync: AsyncSync = (fd) =>
  new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));

const threadPoolFsync: AsyncSync = (fd) => new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));

export interface MediaStoreOptions {
  readonly sealer?: ChunkSealer;
  /** Defaults to `media/` beside the database file. */
  readonly dir?: string;
  readonly fdatasync?: AsyncSync;
  /** Open segment files kept; a file with a sync in flight is never closed. */
  readonly maxOpenFiles?: number;
}

/** A chunk written to its file and being made durable; the caller commits its row meanwhile. */
export interface StagedChunk {
  readonly file: string;
  readonly offset: number;
  readonly storedSize: number;
  /** Resolves when the chunk's bytes (and a new file's directory entry) are durable. */
  readonly durable: Promise<void>;
  /** The row committed: the segment's end moves past this chunk. */
  commit(): void;
  /** The row did not commit: the bytes are cut off again (best effort; recovery does it too). */
  rollback(): void;
}

/** A range of chunks of one segment found missing or wrong. */
export interface DamageRange {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly segment: number;
  readonly fromSeq: number;
  readonly toSeq: number;
  readonly reason: DamageReason;
}

export interface RecoveryReport {
  readonly segmentsChecked: number;
  readonly bytesTruncated: number;
  readonly chunksRehashed: number;
  readonly damaged: readonly DamageRange[];
  readonly orphanFilesRemoved: number;
  /**
   * With `closedLater`: the newest segments of recently written sessions that are no longer open,
   * left for `checkSegment` after start-up (nothing can resume or write them; the reader verifies
   * every chunk it serves meanwhile). Empty otherwise.
   */
  readonly deferred: readonly SegmentRef[];
}

/** One segment of one answer attempt. */
export type SegmentRef = Omit<ChunkKey, 'seq'>;

/** What checking one segment found and did. */
export interface SegmentCheck {
  readonly bytesTruncated: number;
  readonly chunksRehashed: number;
  readonly damaged: readonly DamageRange[];
}

export interface LegacyMoveReport {
  readonly segments: number;
  readonly chunks: number;
  readonly bytes: number;
  readonly mismatches: number;
  readonly vacuumed: boolean;
}

interface OpenSegment {
  fd: number;
  /** Committed end of the file: where the next chunk goes. */
  end: number;
  pending: number;
  lastUsed: number;
}

const SESSION_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** How many of a segment's last committed chunks recovery re-hashes (one can be in flight). */
const REHASH_TAIL = 2;
/** Segments written this long before the newest chunk are re-checked at recovery too. */
const RECENT_MS = 120_000;

export function segmentFileName(key: Omit<ChunkKey, 'seq'>): string {
  if (!SESSION_ID.test(key.session_id)) throw new CodedError('INTERNAL', 'a session id is not usable as a folder name');
  return `${key.session_id}/q${key.question_index}-a${key.attempt}-s${key.segment}.webm`;
}

export class SegmentMediaStore {
  readonly dir: string;
  readonly sealer: ChunkSealer;
  private readonly sync: AsyncSync;
  private readonly maxOpen: number;
  private readonly open = new Map<string, OpenSegment>();
  private readonly knownDirs = new Set<string>();
  private useCounter = 0;

  constructor(private readonly db: Db, options: MediaStoreOptions = {}) {
    this.dir = options.dir ?? mediaDirOf(db);
    this.sealer = options.sealer ?? identitySealer;
    this.sync = options.fdatasync ?? threadPoolFdatasync;
    this.maxOpen = options.maxOpenFiles ?? 8;
  }

  /**
   * Seals `data` and writes it at the segment's committed end, then starts making it durable.
   * Synchronous up to the write; the caller commits the row, then awaits `durable`.
   */
  stage(key: ChunkKey, data: Uint8Array): StagedChunk {
    const file = segmentFileName(key);
    const sealed = this.sealer.seal(data, chunkAad(key.session_id, key.question_index, key.attempt, key.segment, key.seq));
    const { seg, created } = this.segment(key, file);
    const offset = seg.end;
    let written = 0;
    try {
      while (written < sealed.byteLength) written += writeSync(seg.fd, sealed, written, sealed.byteLength - written, offset + written);
    } catch (e) {
      this.cutBack(seg);
      throw e;
    }
    seg.pending += 1;
    const syncs: Array<Promise<void>> = [this.sync(seg.fd)];
    if (created) syncs.push(this.syncDir(path.dirname(path.join(this.dir, file))));
    const durable = Promise.all(syncs).then(
      () => {
        seg.pending -= 1;
      },
      (e: unknown) => {
        seg.pending -= 1;
        throw e;
      },
    );
    // The caller awaits `durable`; this keeps an unobserved failure from crashing the process.
    durable.catch(() => undefined);
    return {
      file,
      offset,
      storedSize: sealed.byteLength,
      durable,
      commit: () => {
        seg.end = offset + sealed.byteLength;
      },
      rollback: () => this.cutBack(seg),
    };
  }

  /**
   * Closes every idle file. A file with a sync in flight stays open (its fd is closed when the
   * process exits); nothing calls this on the write path, it is for tools and tests.
   */
  async close(): Promise<void> {
    for (const [file, seg] of this.open) {
      if (seg.pending === 0) {
        closeSync(seg.fd);
        this.open.delete(file);
      }
    }
  }

  /** Reads one committed chunk through the verified reader. */
  read(row: ChunkMetaRow): ReturnType<typeof readChunkBytes> {
    return readChunkBytes(this.db, row, this.sealer);
  }

  /**
   * Start-up recovery of the newest segment of each open session and of each session written
   * to in the last two minutes before the newest chunk. `onDamage` runs inside the transaction that records the
   * damage, so the journal event and the `media_damage` rows commit together.
   *
   * With `closedLater`, only the open sessions' segments are checked now and the recent closed
   * ones come back in `deferred`, for `checkSegment` once the kiosk is serving: a closed session
   * (completed, exited, expired) is not resumed from here and gets no new chunk in its segments,
   * so nothing waits on them, and checking every segment recorded in the last two minutes made
   * the time to a resumable session grow with the number of recent sessions (crash-test: about
   * 0.5 ms per session, 157 segments and 312 re-hashed chunks after 60 kills).
   */
  recover(openSessions: ReadonlySet<string>, now: number, onDamage: (range: DamageRange) => void, options: { closedLater?: boolean } = {}): RecoveryReport {
    const targets = this.recoveryTargets(openSessions);
    const first = options.closedLater ? targets.filter((t) => openSessions.has(t.session_id)) : targets;
    let bytesTruncated = 0;
    let chunksRehashed = 0;
    const damaged: DamageRange[] = [];
    for (const s of first) {
      const c = this.checkSegment(s, now, onDamage);
      bytesTruncated += c.bytesTruncated;
      chunksRehashed += c.chunksRehashed;
      damaged.push(...c.damaged);
    }
    let orphanFilesRemoved = 0;
    for (const id of openSessions) orphanFilesRemoved += this.removeOrphans(id);
    const deferred = options.closedLater ? targets.filter((t) => !openSessions.has(t.session_id)) : [];
    return { segmentsChecked: first.length, bytesTruncated, chunksRehashed, damaged, orphanFilesRemoved, deferred };
  }

  /**
   * The newest segment of each session that may have a chunk whose row committed before its bytes
   * were durable: the open sessions, and any written to in the last RECENT_MS before the newest chunk.
   */
  private recoveryTargets(openSessions: ReadonlySet<string>): SegmentRef[] {
    const newest = (this.db.prepare(`SELECT max(committed_at) AS t FROM media_chunks WHERE file IS NOT NULL`).get() as { t: number | null }).t;
    const sessions = new Set<string>(openSessions);
    if (newest !== null) {
      const recent = this.db.prepare(`SELECT DISTINCT session_id FROM media_chunks WHERE file IS NOT NULL AND committed_at >= ?`).all(newest - RECENT_MS) as Array<{ session_id: string }>;
      for (const r of recent) sessions.add(r.session_id);
    }
    // Only each such session's newest segment. A session's chunks are appended one at a time and
    // the next is not written before the previous one's bytes and row are both durable (see the
    // ordering argument at the top of this file and docs/media-store.md), so at a crash at most
    // one chunk per session is in flight: the last row of the segment holding its newest row, or
    // the first chunk of a new segment that has no row yet (an orphan file, removed below). Older
    // segments were complete and synced before it was written; re-checking them all made
    // recovery grow with every answer an open session had recorded (crash-test p95 831 ms).
    const newestSegment = this.db.prepare(
      `SELECT session_id, question_index, attempt, segment FROM media_chunks WHERE session_id = ? AND file IS NOT NULL
       ORDER BY committed_at DESC, question_index DESC, attempt DESC, segment DESC, seq DESC LIMIT 1`,
    );
    const byKey = new Map<string, SegmentRef>();
    for (const id of sessions) {
      const s = newestSegment.get(id) as SegmentRef | undefined;
      if (s) byKey.set(`${s.session_id}|${s.question_index}|${s.attempt}|${s.segment}`, s);
    }
    return [...byKey.values()];
  }

  /**
   * Checks one segment: truncates its file past the last committed end, marks rows whose range
   * lies beyond the file as `missing`, re-hashes the last committed chunks (a wrong one is a
   * `mismatch`) and records the damage (see `recover`). A segment with no rows left (its session
   * erased) is skipped.
   */
  checkSegment(s: SegmentRef, now: number, onDamage: (range: DamageRange) => void): SegmentCheck {
    const rows = segmentRows(this.db, s.session_id, s.question_index, s.attempt, s.segment).filter((r) => r.file !== null);
    const last = rows[rows.length - 1];
    if (!last) return { bytesTruncated: 0, chunksRehashed: 0, damaged: [] };
    const full = path.join(this.dir, last.file!);
    const size = fileSize(full);
    const end = last.file_offset! + last.stored_size!;
    let bytesTruncated = 0;
    if (size !== null && size > end) {
      truncateSync(full, end);
      fsyncFileAt(full);
      bytesTruncated = size - end;
    }
    const bad: Array<{ row: ChunkMetaRow; reason: DamageReason }> = [];
    const have = size === null ? 0 : Math.min(size, end);
    for (const r of rows) {
      if (r.file_offset! + r.stored_size! > have) bad.push({ row: r, reason: 'missing' });
    }
    let chunksRehashed = 0;
    for (const r of rows.slice(-REHASH_TAIL)) {
      if (bad.some((b) => b.row.seq === r.seq)) continue;
      chunksRehashed += 1;
      const c = readChunkBytes(this.db, r, this.sealer);
      if (c.actualSha256 !== r.sha256 || c.data.byteLength !== r.size) bad.push({ row: r, reason: 'mismatch' });
    }
    const damaged = bad.length > 0 ? this.recordDamage(bad, now, onDamage) : [];
    return { bytesTruncated, chunksRehashed, damaged };
  }

  /**
   * Moves chunks still held in SQLite (schema < 10) into segment files: per segment, write the
   * file under a temporary name, fsync, rename, fsync the folder, read it back and verify every
   * chunk, then switch the rows to the file in one transaction. Interrupted at any point, the next
   * run starts that segment again (the rows still hold their bytes). A chunk whose stored bytes
   * already failed their sha256 is moved as it is and recorded as damaged.
   */
  moveLegacyBlobs(now: number, onDamage: (range: DamageRange) => void): LegacyMoveReport {
    const segments = this.db
      .prepare(`SELECT DISTINCT session_id, question_index, attempt, segment FROM media_chunks WHERE data IS NOT NULL`)
      .all() as Array<Omit<ChunkKey, 'seq'>>;
    let chunks = 0;
    let bytes = 0;
    let mismatches = 0;
    const update = this.db.prepare(
      `UPDATE media_chunks SET data = NULL, file = ?, file_offset = ?, stored_size = ?
       WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ? AND data IS NOT NULL`,
    );
    for (const s of segments) {
      const rows = this.db
        .prepare(`SELECT * FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND data IS NOT NULL ORDER BY seq`)
        .all(s.session_id, s.question_index, s.attempt, s.segment) as Array<ChunkMetaRow & { data: Buffer }>;
      const file = segmentFileName(s).replace(/\.webm$/, '.legacy.webm');
      const full = path.join(this.dir, file);
      this.ensureDir(path.dirname(full));
      const pieces: Buffer[] = [];
      const placed: Array<{ row: ChunkMetaRow & { data: Buffer }; offset: number; stored: number }> = [];
      const bad: Array<{ row: ChunkMetaRow; reason: DamageReason }> = [];
      let offset = 0;
      for (const r of rows) {
        if (hash('sha256', r.data, 'hex') !== r.sha256 || r.data.byteLength !== r.size) bad.push({ row: r, reason: 'mismatch' });
        const sealed = this.sealer.seal(r.data, chunkAad(r.session_id, r.question_index, r.attempt, r.segment, r.seq));
        pieces.push(Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength));
        placed.push({ row: r, offset, stored: sealed.byteLength });
        offset += sealed.byteLength;
      }
      writeFileDurably(full, Buffer.concat(pieces));
      // Read back through the verified reader before any row lets go of its bytes.
      for (const p of placed) {
        const c = readChunkBytes(this.db, { ...p.row, file, file_offset: p.offset, stored_size: p.stored }, this.sealer);
        if (!c.data.equals(p.row.data)) throw new CodedError('STORAGE_CORRUPT', `moving recorded chunk ${p.row.seq} to its file did not read back the same bytes`);
      }
      transact(this.db, () => {
        for (const p of placed) update.run(file, p.offset, p.stored, p.row.session_id, p.row.question_index, p.row.attempt, p.row.segment, p.row.seq);
      });
      if (bad.length > 0) {
        mismatches += bad.length;
        this.recordDamage(bad, now, onDamage);
      }
      chunks += placed.length;
      bytes += offset;
    }
    let vacuumed = false;
    if (chunks > 0) {
      // The BLOB pages are free now; VACUUM gives them back so the database is small again and no
      // moved bytes linger in free pages.
      this.db.exec('VACUUM');
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      vacuumed = true;
    }
    return { segments: segments.length, chunks, bytes, mismatches, vacuumed };
  }

  private recordDamage(bad: Array<{ row: ChunkMetaRow; reason: DamageReason }>, now: number, onDamage: (range: DamageRange) => void): DamageRange[] {
    bad.sort((a, b) => a.row.seq - b.row.seq);
    const ranges: DamageRange[] = [];
    transact(this.db, () => {
      const fresh = bad.filter((b) => insertDamage(this.db, b.row, b.reason, now));
      for (const b of fresh) {
        const prev = ranges[ranges.length - 1];
        if (prev && prev.reason === b.reason && prev.toSeq === b.row.seq - 1) {
          ranges[ranges.length - 1] = { ...prev, toSeq: b.row.seq };
        } else {
          ranges.push({ sessionId: b.row.session_id, questionIndex: b.row.question_index, attempt: b.row.attempt, segment: b.row.segment, fromSeq: b.row.seq, toSeq: b.row.seq, reason: b.reason });
        }
      }
      for (const r of ranges) onDamage(r);
    });
    return ranges;
  }

  private removeOrphans(sessionId: string): number {
    if (!SESSION_ID.test(sessionId)) return 0;
    const folder = path.join(this.dir, sessionId);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return 0;
    }
    const named = new Set(
      (this.db.prepare(`SELECT DISTINCT file FROM media_chunks WHERE session_id = ? AND file IS NOT NULL`).all(sessionId) as Array<{ file: string }>).map((r) => r.file),
    );
    let removed = 0;
    for (const n of names) {
      if (named.has(`${sessionId}/${n}`)) continue;
      // A file no row names holds only bytes that were never committed (or a migration's temp file).
      unlinkSync(path.join(folder, n));
      removed += 1;
    }
    if (removed > 0) fsyncDirectory(folder);
    return removed;
  }

  private segment(key: ChunkKey, file: string): { seg: OpenSegment; created: boolean } {
    const existing = this.open.get(file);
    if (existing) {
      existing.lastUsed = ++this.useCounter;
      return { seg: existing, created: false };
    }
    const full = path.join(this.dir, file);
    this.ensureDir(path.dirname(full));
    const { end } = segmentFileEnd(this.db, key.session_id, key.question_index, key.attempt, key.segment);
    const fd = openSync(full, fsc.O_RDWR | fsc.O_CREAT, 0o600);
    const created = end === 0;
    // Bytes past the committed end were never committed: cut them off before appending.
    if (fstatSync(fd).size !== end) ftruncateSync(fd, end);
    const seg: OpenSegment = { fd, end, pending: 0, lastUsed: ++this.useCounter };
    this.open.set(file, seg);
    this.evict();
    return { seg, created };
  }

  private evict(): void {
    if (this.open.size <= this.maxOpen) return;
    const idle = [...this.open.entries()].filter(([, s]) => s.pending === 0).sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    for (const [file, s] of idle) {
      if (this.open.size <= this.maxOpen) break;
      closeSync(s.fd);
      this.open.delete(file);
    }
  }

  private cutBack(seg: OpenSegment): void {
    try {
      ftruncateSync(seg.fd, seg.end);
    } catch {
      // The disk is failing; recovery truncates past the committed end at the next start.
    }
  }

  private ensureDir(dir: string): void {
    if (this.knownDirs.has(dir)) return;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.knownDirs.add(dir);
  }

  /**
   * fsyncs the folder of a new segment file and every folder above it up to the one holding
   * `media/` (the data folder): each may have a new entry (the file, the session folder, `media`
   * itself on the first recording). POSIX makes a new name durable only when its folder is
   * fsynced; without the data folder's fsync a power cut could drop `media/` and with it every
   * acknowledged chunk (the power-loss test, test/bench/powerloss-test.ts, found exactly that).
   * One or two more folder fsyncs per new segment, none per chunk.
   */
  private async syncDir(dir: string): Promise<void> {
    if (process.platform === 'win32') return;
    const top = path.dirname(this.dir);
    const folders: string[] = [];
    for (let d = dir; ; d = path.dirname(d)) {
      folders.push(d);
      if (d === top || d === path.dirname(d) || folders.length > 8) break;
    }
    for (const d of folders) {
      const fd = openSync(d, fsc.O_RDONLY);
      try {
        await threadPoolFsync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

function fileSize(full: string): number | null {
  try {
    return statSync(full).size;
  } catch {
    return null;
  }
}

function fsyncFileAt(full: string): void {
  // Synchronous on purpose: recovery runs before the kiosk serves anything.
  const fd = openSync(full, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
