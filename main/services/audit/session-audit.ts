/**
 * The audit of everything a session holds: its journal's hash chain, its media rows against their
 * `chunk_committed` events, and every chunk's bytes against its sha256. The chain is the anchor:
 * a chunk whose bytes and stored sha256 were both rewritten still disagrees with the sha256 its
 * event recorded when it was committed.
 *
 * Work is bounded per chunk (one hash of its bytes, streamed row by row); lists of offending
 * chunks are capped at MAX_LISTED, the counts are exact.
 */
import { auditedSessionIds, sessionExists } from '../../db/queries/audit';
import { iterateJournalRows } from '../../db/queries/journal';
import { iterateChunks } from '../../db/queries/media';
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

export function auditSession(db: Db, sessionId: string): SessionAudit {
  const journal = verifyJournal(db, sessionId);
  const malformed = new Collector();
  const events = new Map<ChunkRef, EventFacts>();
  let chunkEvents = 0;
  for (const row of iterateJournalRows(db, sessionId)) {
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
  for (const c of iterateChunks(db, sessionId)) {
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

  const findings = [corrupt, withoutEvent, mismatched, withoutRow, malformed, gaps];
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
  };
}

/** Audits one session, or every session the store holds anything for. */
export function auditStore(db: Db, sessionId?: string): StoreAudit {
  const ids = sessionId === undefined ? auditedSessionIds(db) : [sessionId];
  const sessions = ids.map((id) => auditSession(db, id));
  return { ok: sessions.every((s) => s.ok), sessions };
}
