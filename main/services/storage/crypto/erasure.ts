/**
 * Erasing a session's media and answer texts: a candidate's deletion request, or the pack's
 * retention period running out after HR confirmed the upload.
 *
 * Order (each step durable before the next; a crash in between is finished by running it again):
 * 1. `secure_delete` on, then one transaction records the erasure (append-only `session_erasures`,
 *    which also lets the media trigger accept the deletes) and deletes the session's wrapped data
 *    key: crypto-shredding. From here on nothing sealed under that key can be opened by anyone
 *    holding this kiosk's data (HR keeps its own wrapped copy: HR's erasure is HR's duty).
 * 2. Files of the session (media segments, remuxed answers) are overwritten with zeros, fsynced
 *    and unlinked, then their directory is removed and the parent fsynced.
 * 3. One transaction deletes the rows holding content — typed answers, drafts, media chunks and
 *   their `media_damage` records, scores and review items — and journals `deleted` with counts and hashes only (never content),
 *   so the chain stays complete and verifiable.
 * 4. `wal_checkpoint(TRUNCATE)`: the WAL, which still holds the deleted pages, is emptied.
 * The session row, its progress rows and the journal stay: they hold ids, times and hashes.
 */
import { createHash } from 'node:crypto';
import { durabilityOf } from '../../../db/wal-durability';
import { closeSync, existsSync, fsyncSync, lstatSync, openSync, readdirSync, rmdirSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../../common/clock';
import type { Logger } from '../../../common/logger';
import { err, ok, type Result } from '../../../common/result';
import type { Db } from '../../../db/connection';
import { getSession } from '../../../db/queries/sessions';
import { deleteSessionKey, getErasure, getSessionKey, getUploadConfirmation, insertErasure, insertUploadConfirmation, uploadedUnerasedSessions, type ErasureReason } from '../../../db/queries/session-keys';
import { eraseSessionContent, hasDeletedEvent } from '../../../db/queries/erasure';
import { transact } from '../../../db/transaction';
import { fsyncDirectory } from '../durable-file';
import type { Journal } from '../../journal/journal';
import type { SessionKeyring } from './session-keyring';

/** Folders under the data directory that hold a session's files in `<folder>/<sessionId>/`. */
export const SESSION_FILE_DIRS: readonly string[] = ['media', 'recordings', 'identity'];

const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;
const DAY_MS = 86_400_000;

export interface ErasureDeps {
  readonly db: Db;
  readonly keyring: SessionKeyring;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dataDir: string;
}

/**
 * Proof only (test/integration/erasure-grep.test.ts): skip one safeguard to show the proof sees
 * the difference. Never set by the product or the CLI.
 */
export type ErasureNegativeControl = 'keep-key' | 'no-secure-delete';

export interface ErasureOutcome {
  readonly sessionId: string;
  readonly reason: ErasureReason;
  /** A previous run had already finished; nothing was done. */
  readonly alreadyErased: boolean;
  readonly keyShredded: boolean;
  readonly rows: { readonly answers: number; readonly drafts: number; readonly chunks: number; readonly scores: number; readonly reviewItems: number; readonly damage: number };
  readonly files: number;
  /** Whether the WAL was emptied (false when a reader held it; the next checkpoint finishes it). */
  readonly walTruncated: boolean;
}

/**
 * Overwrites a file with zeros, fsyncs and unlinks it (the caller fsyncs the folder). Returns 1, or
 * 0 for anything not a regular file.
 */
export function shredFile(file: string): number {
  const st = lstatSync(file);
  if (!st.isFile()) {
    unlinkSync(file);
    return 0;
  }
  const fd = openSync(file, 'r+');
  try {
    const zeros = Buffer.alloc(Math.min(st.size, 1 << 20));
    let off = 0;
    while (off < st.size) off += writeSync(fd, zeros, 0, Math.min(zeros.length, st.size - off), off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  unlinkSync(file);
  return 1;
}

function shredTree(dir: string): number {
  let n = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) n += shredTree(p);
    else n += shredFile(p);
  }
  rmdirSync(dir);
  return n;
}

function removeSessionFiles(dataDir: string, sessionId: string): number {
  let n = 0;
  for (const folder of SESSION_FILE_DIRS) {
    const dir = path.join(dataDir, folder, sessionId);
    if (!existsSync(dir)) continue;
    n += shredTree(dir);
    fsyncDirectory(path.dirname(dir));
  }
  return n;
}

/** Erases one session's media and answer texts (see the module comment for the order). */
export function eraseSession(deps: ErasureDeps, sessionId: string, reason: ErasureReason, negativeControl?: ErasureNegativeControl): Result<ErasureOutcome> {
  const { db, journal, clock } = deps;
  if (!SESSION_ID.test(sessionId)) return err('INVALID_INPUT', 'a session id is 1-100 letters, digits, - or _');
  const s = getSession(db, sessionId);
  if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
  if (s.state === 'in_progress') return err('ILLEGAL_TRANSITION', 'the interview is in progress; erase it once it has stopped');
  const done = getErasure(db, sessionId);
  const finished = done !== undefined && hasDeletedEvent(db, sessionId);
  if (finished) {
    return ok({ sessionId, reason: done.reason, alreadyErased: true, keyShredded: getSessionKey(db, sessionId) === undefined, rows: { answers: 0, drafts: 0, chunks: 0, scores: 0, reviewItems: 0, damage: 0 }, files: 0, walTruncated: false });
  }
  const now = clock.now();
  db.pragma(`secure_delete = ${negativeControl === 'no-secure-delete' ? 'OFF' : 'ON'}`);
  try {
    // 1. Crypto-shredding, recorded first.
    const keyRow = getSessionKey(db, sessionId);
    const keyFingerprint = keyRow ? createHash('sha256').update(keyRow.kiosk_wrapped).digest('hex') : null;
    deps.keyring.forget(sessionId);
    transact(db, () => {
      insertErasure(db, { session_id: sessionId, reason, requested_at: now });
      if (negativeControl !== 'keep-key') deleteSessionKey(db, sessionId);
    });
    // 2. Files — only once step 1 is durable (a connection with a WAL barrier has not synced it
    // yet): a power cut must never leave the files gone and the erasure unrecorded.
    durabilityOf(db).flushSync();
    const files = removeSessionFiles(deps.dataDir, sessionId);
    // 3. Rows with content, and the journal event (hashes and counts only).
    const rows = transact(db, () => {
      const erased = eraseSessionContent(db, sessionId);
      journal.append(sessionId, 'deleted', {
        reason,
        keyShredded: keyRow !== undefined && negativeControl !== 'keep-key',
        keyFingerprint,
        answers: erased.answers,
        drafts: erased.drafts,
        chunks: erased.chunks,
        scores: erased.scores,
        damage: erased.damage,
        identity: erased.identity,
        files,
        contentDigest: erased.contentDigest,
      }, now);
      return erased;
    });
    // 4. The WAL still holds the pages as they were before the deletes.
    const cp = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
    const walTruncated = cp[0]?.busy === 0;
    deps.logger.scope('erasure').info('session data erased', { sessionId, reason, files, chunks: rows.chunks, walTruncated });
    return ok({ sessionId, reason, alreadyErased: false, keyShredded: keyRow !== undefined && negativeControl !== 'keep-key', rows: { answers: rows.answers, drafts: rows.drafts, chunks: rows.chunks, scores: rows.scores, reviewItems: rows.reviewItems, damage: rows.damage }, files, walTruncated });
  } finally {
    if (negativeControl === 'no-secure-delete') db.pragma('secure_delete = ON');
  }
}

// ---------------------------------------------------------------- upload confirmation and retention

/**
 * The hook the hub sync calls when HR confirmed it holds a session (its results and media): the
 * retention clock starts here. Idempotent; the first confirmation counts.
 */
export function confirmUpload(deps: Pick<ErasureDeps, 'db' | 'journal' | 'clock'>, sessionId: string, receipt: string): Result<{ confirmedAt: number; first: boolean }> {
  const { db, journal, clock } = deps;
  if (!getSession(db, sessionId)) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
  if (receipt.length < 1 || receipt.length > 200) return err('INVALID_INPUT', 'an upload receipt is 1-200 characters');
  const now = clock.now();
  const first = transact(db, () => {
    const inserted = insertUploadConfirmation(db, { session_id: sessionId, confirmed_at: now, receipt });
    if (inserted) journal.append(sessionId, 'upload_confirmed', { receiptSha256: createHash('sha256').update(receipt).digest('hex') }, now);
    return inserted;
  });
  return ok({ confirmedAt: first ? now : getUploadConfirmation(db, sessionId)!.confirmed_at, first });
}

/**
 * When a session's data is due for deletion: the upload confirmation plus the pack's retention
 * days. Undefined without a confirmed upload — before upload nothing is ever deleted automatically.
 */
export function retentionDueAt(confirmedAt: number | undefined, retentionDays: number): number | undefined {
  if (confirmedAt === undefined) return undefined;
  return confirmedAt + retentionDays * DAY_MS;
}

export interface RetentionDeps extends ErasureDeps {
  /** The pack's `policy.retentionDays` (pack-schema DEFAULT_RETENTION_DAYS when the pack is gone). */
  readonly retentionDaysOf: (packId: string) => number;
}

/** Erases every uploaded session whose retention has run out; returns the sessions erased. */
export function sweepRetention(deps: RetentionDeps): string[] {
  const now = deps.clock.now();
  const erased: string[] = [];
  for (const u of uploadedUnerasedSessions(deps.db)) {
    const due = retentionDueAt(u.confirmed_at, deps.retentionDaysOf(u.pack_id));
    if (due === undefined || due > now) continue;
    const r = eraseSession(deps, u.session_id, 'retention');
    if (r.ok) erased.push(u.session_id);
    else deps.logger.scope('erasure').warn('retention erasure refused', { sessionId: u.session_id, code: r.error.code });
  }
  return erased;
}
