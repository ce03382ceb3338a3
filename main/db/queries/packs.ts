import type { Db } from '../connection';
import { stmt } from '../statements';

// ---------------------------------------------------------------- installed packs

export interface InstalledPackRow {
  pack_id: string;
  version: string;
  pack_hash: string;
  key_id: string;
  file_name: string;
  installed_at: number;
}

export function getInstalledPack(db: Db, packId: string): InstalledPackRow | undefined {
  return stmt(db, `SELECT * FROM installed_packs WHERE pack_id = ?`).get(packId) as InstalledPackRow | undefined;
}

export function upsertInstalledPack(db: Db, row: InstalledPackRow): void {
  stmt(db, 
    `INSERT INTO installed_packs (pack_id, version, pack_hash, key_id, file_name, installed_at)
     VALUES (@pack_id, @version, @pack_hash, @key_id, @file_name, @installed_at)
     ON CONFLICT (pack_id) DO UPDATE SET version = excluded.version, pack_hash = excluded.pack_hash,
       key_id = excluded.key_id, file_name = excluded.file_name, installed_at = excluded.installed_at`,
  ).run(row);
}

// ---------------------------------------------------------------- content keys

export type UnlockVia = 'hr_endpoint' | 'unlock_code' | 'demo';
export type ProtectorKind = 'os-keystore' | 'file-key' | 'memory';

/** A content key as stored: wrapped by the KeyProtector, never the raw 32 bytes. */
export interface ContentKeyRow {
  pack_hash: string;
  pack_id: string;
  wrapped_key: Buffer;
  protector: ProtectorKind;
  via: UnlockVia;
  unlocked_at: number;
}

export function putContentKey(db: Db, row: ContentKeyRow): void {
  stmt(db,
    `INSERT INTO pack_content_keys (pack_hash, pack_id, wrapped_key, protector, via, unlocked_at)
     VALUES (@pack_hash, @pack_id, @wrapped_key, @protector, @via, @unlocked_at)
     ON CONFLICT (pack_hash) DO NOTHING`,
  ).run(row);
}

export function getContentKey(db: Db, packHash: string): ContentKeyRow | undefined {
  return stmt(db, `SELECT * FROM pack_content_keys WHERE pack_hash = ?`).get(packHash) as ContentKeyRow | undefined;
}

/** Pack hashes whose content key is stored. */
export function storedContentKeyHashes(db: Db): string[] {
  return (stmt(db, `SELECT pack_hash FROM pack_content_keys ORDER BY pack_hash`).all() as { pack_hash: string }[]).map((r) => r.pack_hash);
}

/**
 * Forgets content keys no running or resumable session needs (a session ended: completed,
 * expired, no longer returnable). `secure_delete` is switched on for the connection first, so
 * the deleted key's bytes are overwritten in the database file, not left in a free page.
 */
export function purgeUnusedContentKeys(db: Db, exceptPackHashes: readonly string[] = [], unlockedBefore?: number): number {
  db.pragma('secure_delete = ON');
  const keep = exceptPackHashes.map(() => '?').join(',');
  // `unlockedBefore` spares a key released moments ago for a check-in still being prepared.
  return stmt(db,
      `DELETE FROM pack_content_keys WHERE pack_hash NOT IN (
         SELECT pack_hash FROM sessions WHERE state IN ('checked_in','consented','prechecked','in_progress','interrupted','exited')
       )${keep ? ` AND pack_hash NOT IN (${keep})` : ''}${unlockedBefore !== undefined ? ' AND unlocked_at < ?' : ''}`,
    )
    .run(...exceptPackHashes, ...(unlockedBefore !== undefined ? [unlockedBefore] : [])).changes;
}

// ---------------------------------------------------------------- stage keys (pack format v2)

/** A stage key released to one session: wrapped by the KeyProtector, never the raw 32 bytes. */
export interface StageKeyRow {
  session_id: string;
  stage_index: number;
  stage_id: string;
  pack_hash: string;
  wrapped_key: Buffer;
  protector: ProtectorKind;
  release_mode: 'offline' | 'hr';
  envelope_sha256: string;
  released_at: number;
}

export function putStageKey(db: Db, row: StageKeyRow): void {
  stmt(db,
    `INSERT INTO session_stage_keys (session_id, stage_index, stage_id, pack_hash, wrapped_key, protector, release_mode, envelope_sha256, released_at)
     VALUES (@session_id, @stage_index, @stage_id, @pack_hash, @wrapped_key, @protector, @release_mode, @envelope_sha256, @released_at)`,
  ).run(row);
}

/** The stage keys released to a session for this pack, lowest stage first. */
export function sessionStageKeys(db: Db, sessionId: string, packHash: string): StageKeyRow[] {
  return stmt(db, `SELECT * FROM session_stage_keys WHERE session_id = ? AND pack_hash = ? ORDER BY stage_index`).all(sessionId, packHash) as StageKeyRow[];
}

/**
 * Forgets the stage keys of sessions that can no longer run (the same states as content keys) or
 * whose data was erased, with `secure_delete` on so the wrapped bytes are overwritten, not left in
 * a free page.
 */
export function purgeEndedStageKeys(db: Db): number {
  db.pragma('secure_delete = ON');
  return stmt(db,
    `DELETE FROM session_stage_keys WHERE session_id NOT IN (
       SELECT id FROM sessions WHERE state IN ('checked_in','consented','prechecked','in_progress','interrupted','exited')
     ) OR session_id IN (SELECT session_id FROM session_erasures)`,
  ).run().changes;
}

// ---------------------------------------------------------------- offline unlock attempts

export function insertUnlockAttempt(db: Db, packId: string, at: number, succeeded: boolean): void {
  stmt(db, `INSERT INTO unlock_attempts (pack_id, at, succeeded) VALUES (?, ?, ?)`).run(packId, at, succeeded ? 1 : 0);
}

/** Failed attempts for a pack since `since` that no later success has cleared, oldest first. */
export function failedUnlockAttemptsSince(db: Db, packId: string, since: number): number[] {
  const lastOk = (stmt(db, `SELECT max(at) AS at FROM unlock_attempts WHERE pack_id = ? AND succeeded = 1`).get(packId) as { at: number | null }).at;
  const from = Math.max(since, lastOk === null ? -Infinity : lastOk + 1);
  return (stmt(db, `SELECT at FROM unlock_attempts WHERE pack_id = ? AND succeeded = 0 AND at >= ? ORDER BY at, id`).all(packId, Number.isFinite(from) ? from : since) as { at: number }[]).map((r) => r.at);
}

// ---------------------------------------------------------------- schedules

export interface ScheduleRow {
  schedule_id: string;
  centre_id: string;
  day: string;
  payload_hash: string;
  key_id: string;
  imported_at: number;
}

export interface ScheduleInviteRow {
  invite_code: string;
  schedule_id: string;
  candidate_ref: string;
  pack_id: string;
  not_before: number;
  not_after: number;
  resume_type: string | null;
  resume: Buffer | null;
  resume_sha256: string | null;
  /** Extracted at import time (in the résumé parser's child process); null when none or unreadable. */
  resume_kind?: 'text' | 'pdf' | 'docx' | null;
  resume_text?: string | null;
  /** Why the attached résumé could not be read, when it could not. */
  resume_problem?: string | null;
  /** JSON of the invite's accommodations (migration 0013); set after import by setInviteAccommodations. */
  accommodations?: string | null;
}

export function getSchedule(db: Db, scheduleId: string): ScheduleRow | undefined {
  return stmt(db, `SELECT * FROM schedules WHERE schedule_id = ?`).get(scheduleId) as ScheduleRow | undefined;
}

/** Replaces a schedule and its invites (a re-issued schedule supersedes the earlier one). */
export function replaceSchedule(db: Db, schedule: ScheduleRow, invites: readonly ScheduleInviteRow[]): void {
  stmt(db, `DELETE FROM schedule_invites WHERE schedule_id = ?`).run(schedule.schedule_id);
  stmt(db, 
    `INSERT INTO schedules (schedule_id, centre_id, day, payload_hash, key_id, imported_at)
     VALUES (@schedule_id, @centre_id, @day, @payload_hash, @key_id, @imported_at)
     ON CONFLICT (schedule_id) DO UPDATE SET centre_id = excluded.centre_id, day = excluded.day,
       payload_hash = excluded.payload_hash, key_id = excluded.key_id, imported_at = excluded.imported_at`,
  ).run(schedule);
  const insert = stmt(db, 
    `INSERT INTO schedule_invites (invite_code, schedule_id, candidate_ref, pack_id, not_before, not_after, resume_type, resume, resume_sha256, resume_kind, resume_text, resume_problem)
     VALUES (@invite_code, @schedule_id, @candidate_ref, @pack_id, @not_before, @not_after, @resume_type, @resume, @resume_sha256, @resume_kind, @resume_text, @resume_problem)
     ON CONFLICT (invite_code) DO UPDATE SET schedule_id = excluded.schedule_id, candidate_ref = excluded.candidate_ref,
       pack_id = excluded.pack_id, not_before = excluded.not_before, not_after = excluded.not_after,
       resume_type = excluded.resume_type, resume = excluded.resume, resume_sha256 = excluded.resume_sha256,
       resume_kind = excluded.resume_kind, resume_text = excluded.resume_text, resume_problem = excluded.resume_problem`,
  );
  for (const i of invites) insert.run({ resume_kind: null, resume_text: null, resume_problem: null, ...i });
}

export function getScheduledInvite(db: Db, code: string): ScheduleInviteRow | undefined {
  return stmt(db, `SELECT * FROM schedule_invites WHERE invite_code = ?`).get(code) as ScheduleInviteRow | undefined;
}

/** Invites whose window ended before `now`, never checked in and not yet recorded as no-shows. */
export function overdueUncheckedInvites(db: Db, now: number): ScheduleInviteRow[] {
  return stmt(db, 
      `SELECT i.* FROM schedule_invites i
       LEFT JOIN sessions s ON s.invite_code = i.invite_code
       LEFT JOIN no_show_events n ON n.invite_code = i.invite_code
       WHERE i.not_after < ? AND s.id IS NULL AND n.invite_code IS NULL
       ORDER BY i.not_after, i.invite_code`,
    )
    .all(now) as ScheduleInviteRow[];
}

// ---------------------------------------------------------------- no-shows

export interface NoShowRow {
  invite_code: string;
  schedule_id: string;
  candidate_ref: string;
  pack_id: string;
  not_before: number;
  not_after: number;
  detected_at: number;
  kiosk_state: string;
  reported_at: number | null;
  /** Set when the event cannot be delivered (migration 0008); absent on rows built before insert. */
  quarantined_at?: number | null;
  quarantine_reason?: string | null;
  incident_state?: 'reported' | 'refused' | null;
  incident_at?: number | null;
}

export function insertNoShow(db: Db, row: NoShowRow): boolean {
  return stmt(db, 
      `INSERT INTO no_show_events (invite_code, schedule_id, candidate_ref, pack_id, not_before, not_after, detected_at, kiosk_state, reported_at)
       VALUES (@invite_code, @schedule_id, @candidate_ref, @pack_id, @not_before, @not_after, @detected_at, @kiosk_state, @reported_at)
       ON CONFLICT (invite_code) DO NOTHING`,
    )
    .run(row).changes === 1;
}

export function unreportedNoShows(db: Db): NoShowRow[] {
  return stmt(db, `SELECT * FROM no_show_events WHERE reported_at IS NULL AND quarantined_at IS NULL ORDER BY detected_at, invite_code`).all() as NoShowRow[];
}

export function allNoShows(db: Db): NoShowRow[] {
  return stmt(db, `SELECT * FROM no_show_events ORDER BY detected_at, invite_code`).all() as NoShowRow[];
}

export function markNoShowReported(db: Db, inviteCode: string, at: number): void {
  stmt(db, `UPDATE no_show_events SET reported_at = ? WHERE invite_code = ? AND reported_at IS NULL`).run(at, inviteCode);
}

/** Quarantines an unreported no-show: kept and listed, never sent again (`HrEndpointClient.deliverNoShows`). */
export function markNoShowQuarantined(db: Db, inviteCode: string, at: number, reason: string): void {
  stmt(db, `UPDATE no_show_events SET quarantined_at = ?, quarantine_reason = ? WHERE invite_code = ? AND reported_at IS NULL AND quarantined_at IS NULL`).run(at, reason.slice(0, 1000), inviteCode);
}

export function quarantinedNoShows(db: Db): NoShowRow[] {
  return stmt(db, `SELECT * FROM no_show_events WHERE quarantined_at IS NOT NULL ORDER BY quarantined_at, invite_code`).all() as NoShowRow[];
}

/** Quarantined no-shows whose incident has not reached HR yet. */
export function quarantinedNoShowsOwingIncident(db: Db): NoShowRow[] {
  return stmt(db, `SELECT * FROM no_show_events WHERE quarantined_at IS NOT NULL AND incident_state IS NULL ORDER BY quarantined_at, invite_code`).all() as NoShowRow[];
}

export function markNoShowIncident(db: Db, inviteCode: string, state: 'reported' | 'refused', at: number): void {
  stmt(db, `UPDATE no_show_events SET incident_state = ?, incident_at = ? WHERE invite_code = ? AND quarantined_at IS NOT NULL AND incident_state IS NULL`).run(state, at, inviteCode);
}

export function countSessionsInProgress(db: Db): number {
  return (stmt(db, `SELECT count(*) AS n FROM sessions WHERE state = 'in_progress'`).get() as { n: number }).n;
}

// ---------------------------------------------------------------- per-session variants

export interface SessionVariantRow {
  session_id: string;
  question_index: number;
  question_id: string;
  variant_id: string;
  matched_tags: string;
}

export function insertSessionVariants(db: Db, rows: readonly SessionVariantRow[]): void {
  const insert = stmt(db, 
    `INSERT INTO session_variants (session_id, question_index, question_id, variant_id, matched_tags)
     VALUES (@session_id, @question_index, @question_id, @variant_id, @matched_tags)`,
  );
  for (const r of rows) insert.run(r);
}

export function getSessionVariant(db: Db, sessionId: string, questionIndex: number): SessionVariantRow | undefined {
  return stmt(db, `SELECT * FROM session_variants WHERE session_id = ? AND question_index = ?`)
    .get(sessionId, questionIndex) as SessionVariantRow | undefined;
}

export function sessionVariants(db: Db, sessionId: string): SessionVariantRow[] {
  return stmt(db, `SELECT * FROM session_variants WHERE session_id = ? ORDER BY question_index`).all(sessionId) as SessionVariantRow[];
}
