/**
 * The append-only, hash-chained journal. Every event of a session carries a strictly increasing
 * `seq` and the sha256 of the previous event, so any edit, deletion or reordering breaks the chain
 * at a point `verifyJournal` names. The payload is stored exactly as hashed.
 */
import { hash } from 'node:crypto';
import type { Db } from '../../db/connection';
import { afterCommit } from '../../db/transaction';
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
  // a chunk's bytes were found missing or wrong at recovery (the range; never served)
  | 'media_damaged'
  | 'answer_submitted'
  | 'score_computed'
  | 'score_failed'
  | 'review_override'
  | 'hint_shown'
  | 'feedback_report_shown'
  | 'answer_retake'
  | 'exit_requested'
  | 'exit_confirmed'
  | 'crash_detected'
  | 'storage_failure'
  | 'resumed'
  | 'resume_refused'
  | 'proctor_token_accepted'
  | 'devices_changed'
  | 'interview_completed'
  | 'session_expired'
  | 'reschedule_requested'
  | 'device_lost'
  | 'device_restored'
  | 'hand_raised'
  | 'diagnostics_saved'
  | 'recording_remuxed'
  // lockdown and integrity monitoring (main/services/integrity): flags for a human, never a score
  | 'lockdown_event'
  | 'integrity_finding'
  | 'page_attached'
  | 'page_detached'
  | 'page_reattached'
  | 'page_taken_over'
  | 'page_abandoned'
  | 'draft_saved'
  | 'clock_paused'
  | 'clock_resumed'
  | 'clock_pause_capped'
  // encryption at rest, retention and deletion (main/services/storage/crypto): ids, counts and hashes only
  | 'upload_confirmed'
  | 'deleted'
  // accommodations (issue #20): journaled for HR, never a score
  | 'accommodations_set'
  | 'accommodations_refused'
  | 'rest_break_started'
  | 'rest_break_ended'
  // a proctor alert pauses the interview (main/services/session/proctor-pause.ts)
  | 'proctor_paused'
  | 'proctor_pause_refused'
  | 'proctor_pause_lifted'
  // pack format v2 (stage-flow.ts): stage index and id, release mode, the envelope's sha256; never a key
  | 'stage_content_released'
  | 'stage_release_failed'
  // camera integrity flags (issue #15, main/services/integrity/vision-flags.ts): for a human, never a score
  | 'vision_flag'
  // --- audio (issue #15): voice activity during spoken answers, for HR; flags go to a human, never a score ---
  | 'cant_hear_shown'
  | 'cant_hear_cleared'
  | 'speech_summary'
  | 'background_speech_flagged'
  // --- end audio ---
  // the identity check at check-in (issue #15, main/services/identity): masked, sealed, decided by a person
  | 'identity_offered'
  | 'identity_photo_captured'
  | 'identity_id_entered'
  | 'identity_code_refused'
  | 'identity_proctor_confirmed'
  | 'identity_proctor_rejected'
  | 'identity_declined';

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
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + stableStringify(value[i]);
    return `${out}]`;
  }
  // A plain loop, not entries/filter/sort/map: this runs once per recorded chunk.
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(k)}:${stableStringify(v)}`;
    first = false;
  }
  return `${out}}`;
}

export function eventHash(prevHash: string, sessionId: string, seq: number, type: string, at: number, payload: string): string {
  return hash('sha256', `${prevHash}\n${sessionId}\n${seq}\n${type}\n${at}\n${payload}`, 'hex');
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

interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/**
 * The last committed event of each session, per connection (shared by every journal on it). An
 * entry is dropped when an append starts and set again only after its transaction commits, so a
 * rollback leaves no entry and the next append reads the head from the database.
 */
const committedHeads = new WeakMap<Db, Map<string, ChainHead>>();

function headsOf(db: Db): Map<string, ChainHead> {
  let m = committedHeads.get(db);
  if (!m) {
    m = new Map();
    committedHeads.set(db, m);
  }
  return m;
}

export class SqliteJournal implements Journal {
  private readonly heads: Map<string, ChainHead>;

  constructor(private readonly db: Db) {
    this.heads = headsOf(db);
  }

  /** Appends one event. Call inside the caller's transaction to commit it with related rows. */
  append(sessionId: string, type: JournalEventType, payload: Record<string, unknown>, at: number): JournalEntry {
    const head = this.heads.get(sessionId) ?? this.readHead(sessionId);
    this.heads.delete(sessionId);
    const seq = head.seq + 1;
    const prevHash = head.hash;
    const body = stableStringify(payload);
    const hash = eventHash(prevHash, sessionId, seq, type, at, body);
    insertJournalRow(this.db, { session_id: sessionId, seq, type, at, payload: body, prev_hash: prevHash, hash });
    afterCommit(this.db, () => this.heads.set(sessionId, { seq, hash }));
    return { sessionId, seq, type, at, payload, prevHash, hash };
  }

  private readHead(sessionId: string): ChainHead {
    const last = lastJournalRow(this.db, sessionId);
    return { seq: last?.seq ?? 0, hash: last?.hash ?? GENESIS_HASH };
  }

  recent(sessionId: string, limit: number): JournalEntry[] {
    return recentJournalRows(this.db, sessionId, limit).map(toEntry);
  }

  head(sessionId: string): { seq: number; hash: string } {
    return this.readHead(sessionId);
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
