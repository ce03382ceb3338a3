/**
 * The append-only, hash-chained journal. Every event of a session carries a strictly increasing
 * `seq` and the sha256 of the previous event, so any edit, deletion or reordering breaks the chain
 * at a point `verifyJournal` names. The payload is stored exactly as hashed.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../../db/connection';
import {
  insertJournalRow,
  iterateJournalRows,
  lastJournalRow,
  recentJournalRows,
  type JournalRow,
} from '../../db/queries/journal';

export const GENESIS_HASH = '0'.repeat(64);

export type JournalEventType =
  | 'checked_in'
  | 'consent_given'
  | 'consent_declined'
  | 'precheck_recorded'
  | 'interview_started'
  | 'question_started'
  | 'answer_begun'
  | 'chunk_committed'
  | 'answer_submitted'
  | 'answer_retake'
  | 'exit_requested'
  | 'exit_confirmed'
  | 'crash_detected'
  | 'storage_failure'
  | 'resumed'
  | 'resume_refused'
  | 'devices_changed'
  | 'interview_completed'
  | 'session_expired'
  | 'reschedule_requested'
  | 'device_lost'
  | 'device_restored'
  | 'hand_raised'
  | 'diagnostics_saved'
  | 'recording_remuxed';

export interface JournalEntry {
  readonly sessionId: string;
  readonly seq: number;
  readonly type: JournalEventType;
  readonly at: number;
  readonly payload: Record<string, unknown>;
  readonly prevHash: string;
  readonly hash: string;
}

/** Deterministic JSON: object keys sorted, so the same payload always hashes the same. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
}

export function eventHash(prevHash: string, sessionId: string, seq: number, type: string, at: number, payload: string): string {
  return createHash('sha256').update(`${prevHash}\n${sessionId}\n${seq}\n${type}\n${at}\n${payload}`).digest('hex');
}

function toEntry(row: JournalRow): JournalEntry {
  return {
    sessionId: row.session_id,
    seq: row.seq,
    type: row.type as JournalEventType,
    at: row.at,
    payload: JSON.parse(row.payload) as Record<string, unknown>,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export type JournalVerification =
  | { ok: true; length: number; head: string }
  | { ok: false; length: number; brokenAt: number; reason: 'seq_gap' | 'prev_hash_mismatch' | 'hash_mismatch' | 'bad_payload' };

export interface Journal {
  append(sessionId: string, type: JournalEventType, payload: Record<string, unknown>, at: number): JournalEntry;
  recent(sessionId: string, limit: number): JournalEntry[];
  head(sessionId: string): { seq: number; hash: string };
  verify(sessionId: string): JournalVerification;
}

export class SqliteJournal implements Journal {
  constructor(private readonly db: Db) {}

  /** Appends one event. Call inside the caller's transaction to commit it with related rows. */
  append(sessionId: string, type: JournalEventType, payload: Record<string, unknown>, at: number): JournalEntry {
    const last = lastJournalRow(this.db, sessionId);
    const seq = (last?.seq ?? 0) + 1;
    const prevHash = last?.hash ?? GENESIS_HASH;
    const body = stableStringify(payload);
    const hash = eventHash(prevHash, sessionId, seq, type, at, body);
    insertJournalRow(this.db, { session_id: sessionId, seq, type, at, payload: body, prev_hash: prevHash, hash });
    return { sessionId, seq, type, at, payload, prevHash, hash };
  }

  recent(sessionId: string, limit: number): JournalEntry[] {
    return recentJournalRows(this.db, sessionId, limit).map(toEntry);
  }

  head(sessionId: string): { seq: number; hash: string } {
    const last = lastJournalRow(this.db, sessionId);
    return { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH };
  }

  verify(sessionId: string): JournalVerification {
    return verifyJournal(this.db, sessionId);
  }
}

/** Walks a session's chain and reports the first broken link. */
export function verifyJournal(db: Db, sessionId: string): JournalVerification {
  let expectedSeq = 1;
  let prev = GENESIS_HASH;
  let length = 0;
  for (const row of iterateJournalRows(db, sessionId)) {
    if (row.seq !== expectedSeq) return { ok: false, length, brokenAt: row.seq, reason: 'seq_gap' };
    if (row.prev_hash !== prev) return { ok: false, length, brokenAt: row.seq, reason: 'prev_hash_mismatch' };
    try {
      JSON.parse(row.payload);
    } catch {
      return { ok: false, length, brokenAt: row.seq, reason: 'bad_payload' };
    }
    if (eventHash(row.prev_hash, row.session_id, row.seq, row.type, row.at, row.payload) !== row.hash) {
      return { ok: false, length, brokenAt: row.seq, reason: 'hash_mismatch' };
    }
    prev = row.hash;
    expectedSeq += 1;
    length += 1;
  }
  return { ok: true, length, head: prev };
}
