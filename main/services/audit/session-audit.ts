/**
 * The audit of everything a session holds: its journal's hash chain, its media rows against their
 * `chunk_committed` events, and every chunk's bytes against its sha256. The chain is the anchor:
 * a chunk whose bytes and stored sha256 were both rewritten still disagrees with the sha256 its
 * event recorded when it was committed.
 *
 * With the kiosk's data directory it also checks each remuxed answer a `recording_remuxed` event
 * names (recordings/<file>): present, inside recordings/, and with the bytes and sha256 the newest
 * event naming it recorded. A sealed remux (`format` ik-file/v1) is checked twice: the file on disk
 * against the event's `sealedBytes`/`sealedSha256` (needs no key, so any changed byte is found even
 * from a copy of a kiosk whose keys are in the OS keystore), and, with the session keys, opened
 * record by record through the one verifying reader (storage/remux-file.ts) and its plaintext
 * compared with the event's `bytes`/`sha256` (what the renderer produced). A record that does not
 * open (a flipped byte, a cut, two records swapped, a record from another file) is
 * `remuxUnreadable`. An event that `replaces` a file (a plain remux sealed at start-up) retires
 * that file's entry.
 *
 * Work is bounded per chunk (one hash of its bytes, streamed row by row) and per file (hashed in
 * 1 MiB reads); lists of offending chunks are capped at MAX_LISTED, the counts are exact.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { auditedSessionIds, sessionExists } from '../../db/queries/audit';
import { iterateJournalRows } from '../../db/queries/journal';
import { iterateChunks } from '../../db/queries/media';
import type { ChunkSealer } from '../../common/chunk-sealer';
import { isCodedError } from '../../common/result';
import { remuxPlainDigest, SEALED_REMUX_FORMAT, type RemuxKeys } from '../storage/remux-file';
import type { Db } from '../../db/connection';
import { verifyJournal, type JournalVerification } from '../journal/journal';

export const MAX_LISTED = 20;

/** A chunk's key within its session: question/attempt/segment/seq. */
export type ChunkRef = string;

export interface Finding {
  readonly count: number;
  /** The first MAX_LISTED offending chunks. */
  readonly chunks: readonly ChunkRef[];
}

export interface SessionAudit {
  readonly sessionId: string;
  readonly ok: boolean;
  readonly sessionRow: boolean;
  readonly journal: JournalVerification;
  readonly chunks: number;
  readonly bytes: number;
  readonly chunkEvents: number;
  /** Bytes that do not match the row's own sha256 or size. */
  readonly corruptChunks: Finding;
  /** Rows with no `chunk_committed` event for the same key. */
  readonly rowsWithoutEvent: Finding;
  /** Rows whose sha256 or size differ from what their event recorded. */
  readonly eventMismatches: Finding;
  /** Events whose row is missing. */
  readonly eventsWithoutRow: Finding;
  /** Events that commit the same chunk twice, and events whose payload is not a chunk event. */
  readonly malformedEvents: Finding;
  /** Segments whose chunks are not contiguous from seq 0. */
  readonly seqGaps: Finding;
  /** Remuxed files checked (0 without a data directory). */
  readonly remuxFiles: number;
  /** Remuxed files a journal event names that are missing or outside recordings/. */
  readonly remuxMissing: Finding;
  /** Remuxed files whose size or sha256 differ from their newest event, or made from more chunks than are committed. */
  readonly remuxMismatches: Finding;
  /** Sealed remuxed files the verifying reader refused (checked only with the session keys). */
  readonly remuxUnreadable: Finding;
}

export interface AuditOptions {
  /** The kiosk's data directory; when given, remuxed files are checked too. */
  readonly dataDir?: string;
  /** Opens sealed media chunks (the kiosk's session keys); without it chunks are read as stored. */
  readonly sealer?: ChunkSealer;
  /** Opens sealed remuxed answers (the kiosk's session keys); without it only their on-disk sha256 is checked. */
  readonly remuxKeys?: RemuxKeys;
}

export interface StoreAudit {
  readonly ok: boolean;
  readonly sessions: readonly SessionAudit[];
}

class Collector {
  count = 0;
  readonly chunks: ChunkRef[] = [];
  add(ref: ChunkRef): void {
    this.count += 1;
    if (this.chunks.length < MAX_LISTED) this.chunks.push(ref);
  }
  get finding(): Finding {
    return { count: this.count, chunks: this.chunks };
  }
}

const ref = (q: number, a: number, g: number, n: number): ChunkRef => `q${q}/a${a}/g${g}/n${n}`;

interface EventFacts {
  readonly sha256: string;
  readonly size: number;
}

function isInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isInteger(x) && x >= 0;
}

interface RemuxFacts {
  readonly file: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly segment: string;
  readonly ref: { questionIndex: number; attempt: number; segment: number };
  readonly sourceChunks: number;
  /** Present for a sealed remux: the file on disk. */
  readonly sealed?: { readonly bytes: number; readonly sha256: string };
}

function sha256OfFile(file: string): string {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export function auditSession(db: Db, sessionId: string, options: AuditOptions = {}): SessionAudit {
  const journal = verifyJournal(db, sessionId);
  const malformed = new Collector();
  const events = new Map<ChunkRef, EventFacts>();
  const remuxes = new Map<string, RemuxFacts>();
  let chunkEvents = 0;
  for (const row of iterateJournalRows(db, sessionId)) {
    // An erasure (main/services/storage/crypto/erasure.ts) removed every chunk and file named before it.
    if (row.type === 'deleted') {
      events.clear();
      remuxes.clear();
      continue;
    }
    if (row.type === 'recording_remuxed') {
      let p: Record<string, unknown>;
      try {
        p = JSON.parse(row.payload) as Record<string, unknown>;
      } catch {
        malformed.add(`event#${row.seq}`);
        continue;
      }
      if (typeof p.file !== 'string' || typeof p.sha256 !== 'string' || !isInt(p.bytes) || !isInt(p.questionIndex) || !isInt(p.attempt) || !isInt(p.segment) || !isInt(p.sourceChunks)) {
        malformed.add(`event#${row.seq}`);
        continue;
      }
      let sealed: RemuxFacts['sealed'];
      if (p.format !== undefined) {
        if (p.format !== SEALED_REMUX_FORMAT || !isInt(p.sealedBytes) || typeof p.sealedSha256 !== 'string') {
          malformed.add(`event#${row.seq}`);
          continue;
        }
        sealed = { bytes: p.sealedBytes, sha256: p.sealedSha256 };
      }
      // A plain remux sealed at start-up: the plain file is gone by design.
      if (typeof p.replaces === 'string') remuxes.delete(p.replaces);
      // The newest event naming a file wins: a segment remuxed again replaces its file.
      remuxes.set(p.file, {
        file: p.file,
        sha256: p.sha256,
        bytes: p.bytes,
        segment: `${p.questionIndex}/${p.attempt}/${p.segment}`,
        ref: { questionIndex: p.questionIndex, attempt: p.attempt, segment: p.segment },
        sourceChunks: p.sourceChunks,
        ...(sealed ? { sealed } : {}),
      });
      continue;
    }
    if (row.type !== 'chunk_committed') continue;
    chunkEvents += 1;
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(row.payload) as Record<string, unknown>;
    } catch {
      malformed.add(`event#${row.seq}`);
      continue;
    }
    if (!isInt(p.questionIndex) || !isInt(p.attempt) || !isInt(p.segment) || !isInt(p.seq) || !isInt(p.size) || typeof p.sha256 !== 'string') {
      malformed.add(`event#${row.seq}`);
      continue;
    }
    const key = ref(p.questionIndex, p.attempt, p.segment, p.seq);
    if (events.has(key)) {
      malformed.add(key);
      continue;
    }
    events.set(key, { sha256: p.sha256, size: p.size });
  }

  const corrupt = new Collector();
  const withoutEvent = new Collector();
  const mismatched = new Collector();
  const gaps = new Collector();
  const seen = new Set<ChunkRef>();
  let chunks = 0;
  let bytes = 0;
  let segment = '';
  let expectedSeq = 0;
  const segmentChunks = new Map<string, number>();
  for (const c of iterateChunks(db, sessionId, options.sealer)) {
    const segKey = `${c.question_index}/${c.attempt}/${c.segment}`;
    segmentChunks.set(segKey, (segmentChunks.get(segKey) ?? 0) + 1);
    chunks += 1;
    bytes += c.size;
    const key = ref(c.question_index, c.attempt, c.segment, c.seq);
    seen.add(key);
    const seg = `${c.question_index}/${c.attempt}/${c.segment}`;
    if (seg !== segment) {
      segment = seg;
      expectedSeq = 0;
    }
    if (c.seq !== expectedSeq) gaps.add(key);
    expectedSeq = c.seq + 1;
    if (!c.intact) corrupt.add(key);
    const e = events.get(key);
    if (!e) withoutEvent.add(key);
    else if (e.sha256 !== c.sha256 || e.size !== c.size || e.sha256 !== c.actualSha256) mismatched.add(key);
  }
  const withoutRow = new Collector();
  for (const key of events.keys()) if (!seen.has(key)) withoutRow.add(key);

  const remuxMissing = new Collector();
  const remuxMismatched = new Collector();
  const remuxUnreadable = new Collector();
  let remuxFiles = 0;
  if (options.dataDir !== undefined) {
    const recordings = path.resolve(options.dataDir, 'recordings');
    for (const r of remuxes.values()) {
      remuxFiles += 1;
      const file = path.resolve(recordings, r.file);
      // The name comes from the database: it must stay inside recordings/ (separator included).
      if (!file.startsWith(recordings + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
        remuxMissing.add(r.file);
        continue;
      }
      const onDisk = r.sealed ?? { bytes: r.bytes, sha256: r.sha256 };
      if (statSync(file).size !== onDisk.bytes || sha256OfFile(file) !== onDisk.sha256 || r.sourceChunks > (segmentChunks.get(r.segment) ?? 0)) remuxMismatched.add(r.file);
      if (r.sealed && options.remuxKeys) {
        try {
          const plain = remuxPlainDigest(file, options.remuxKeys, { sessionId, ...r.ref });
          if (plain.bytes !== r.bytes || plain.sha256 !== r.sha256) remuxMismatched.add(r.file);
        } catch (e) {
          if (!isCodedError(e)) throw e;
          remuxUnreadable.add(r.file);
        }
      }
    }
  }

  const findings = [corrupt, withoutEvent, mismatched, withoutRow, malformed, gaps, remuxMissing, remuxMismatched, remuxUnreadable];
  const sessionRow = sessionExists(db, sessionId);
  return {
    sessionId,
    ok: journal.ok && sessionRow && findings.every((f) => f.count === 0),
    sessionRow,
    journal,
    chunks,
    bytes,
    chunkEvents,
    corruptChunks: corrupt.finding,
    rowsWithoutEvent: withoutEvent.finding,
    eventMismatches: mismatched.finding,
    eventsWithoutRow: withoutRow.finding,
    malformedEvents: malformed.finding,
    seqGaps: gaps.finding,
    remuxFiles,
    remuxMissing: remuxMissing.finding,
    remuxMismatches: remuxMismatched.finding,
    remuxUnreadable: remuxUnreadable.finding,
  };
}

/** Audits one session, or every session the store holds anything for. */
export function auditStore(db: Db, sessionId?: string, options: AuditOptions = {}): StoreAudit {
  const ids = sessionId === undefined ? auditedSessionIds(db) : [sessionId];
  const sessions = ids.map((id) => auditSession(db, id, options));
  return { ok: sessions.every((s) => s.ok), sessions };
}
