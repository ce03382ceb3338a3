/**
 * Signed day schedules for a test centre, and no-shows.
 *
 * A schedule lists the day's invites (code, candidate reference, pack, time window, optional
 * résumé). It travels in the same signed envelope as packs (`.ikschedule`, signature domain
 * `interview-kiosk/schedule/v1`), is verified against the provisioning config's keys, must name
 * this kiosk's centre, and is then imported into the kiosk database. An invite never checked in
 * by the end of its window becomes a `no_show` event with the window and the kiosk's state, kept
 * until HR acknowledges it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { Accommodations } from '../../../preload/contract/accommodations';
import { InviteCode } from '../../../preload/contract/common';
import { setInviteAccommodations } from '../../db/queries/accommodations';
import { canonicalAccommodations, parseStoredAccommodations } from '../session/accommodations';
import type { Clock } from '../../common/clock';
import { ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import {
  countSessionsInProgress,
  getScheduledInvite,
  insertNoShow,
  overdueUncheckedInvites,
  replaceSchedule,
  type NoShowRow,
  type ScheduleInviteRow,
} from '../../db/queries/packs';
import { sha256Hex, type SigningKeyPair } from './pack-crypto';
import { openEnvelope, refuse, writeEnvelope, MAX_PACK_BYTES } from './pack-format';
import { shapeIssues } from './pack-lint';
import { RESUME_MEDIA_TYPES, type Invite, type InviteDirectory, type ResumeMediaType } from './pack-provider';
import { Id } from './pack-schema';
import type { TrustStore } from './provisioning';
import type { ResumeDocumentParser } from './resume-parser';
import { extractResumeText, MAX_RESUME_BYTES, sniffResume } from './resume-text';

export const SCHEDULE_SCHEMA_VERSION = 1;
/** A schedule may be imported up to a day after its last window (late sync), not later. */
const IMPORT_GRACE_MS = 24 * 3600 * 1000;

const Instant = z.iso.datetime({ offset: true });
const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/);

const ScheduledInvite = z
  .object({
    code: InviteCode,
    candidateRef: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'an opaque reference, not a name'),
    packId: Id,
    window: z.object({ start: Instant, end: Instant }).strict(),
    resume: z
      .object({
        mediaType: z.enum(RESUME_MEDIA_TYPES),
        data: z.string().max(Math.ceil(MAX_RESUME_BYTES / 3) * 4),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
      })
      .strict()
      .optional(),
    /** Extra time, rest breaks, typed answers, larger text, high contrast (issue #20). */
    accommodations: Accommodations.optional(),
  })
  .strict()
  .refine((i) => Date.parse(i.window.end) > Date.parse(i.window.start), { message: 'window.end must be after window.start', path: ['window', 'end'] });

export const SchedulePayload = z
  .object({
    kind: z.literal('interview-schedule'),
    schemaVersion: z.literal(SCHEDULE_SCHEMA_VERSION),
    scheduleId: Name,
    centreId: Name,
    day: z.iso.date(),
    issuedAt: Instant,
    invites: z.array(ScheduledInvite).min(1).max(2000),
  })
  .strict()
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.invites.forEach((i, n) => {
      if (seen.has(i.code)) ctx.addIssue({ code: 'custom', path: ['invites', n, 'code'], message: `duplicate invite code ${i.code}` });
      seen.add(i.code);
    });
  });
export type SchedulePayload = z.infer<typeof SchedulePayload>;

export interface VerifiedSchedule {
  readonly payload: SchedulePayload;
  readonly hash: string;
  readonly keyId: string;
}

export function verifySchedule(bytes: Uint8Array, trust: TrustStore, centreId: string, clock: Clock): Result<VerifiedSchedule> {
  const now = clock.now();
  const opened = openEnvelope(bytes, 'schedule', trust, now);
  if (!opened.ok) return opened;
  const v = opened.value.payload.schemaVersion;
  if (typeof v === 'number' && v > SCHEDULE_SCHEMA_VERSION) return refuse('PACK_SCHEMA_FROM_FUTURE', `schedule schema ${v} is newer than ${SCHEDULE_SCHEMA_VERSION}`);
  const parsed = SchedulePayload.safeParse(opened.value.payload);
  if (!parsed.success) {
    const first = shapeIssues(parsed.error)[0]!;
    return refuse('PACK_INVALID', first.message, first.path);
  }
  const s = parsed.data;
  if (s.centreId !== centreId) return refuse('SCHEDULE_WRONG_CENTRE', `schedule is for centre ${s.centreId}, this kiosk is in ${centreId}`);
  const lastEnd = Math.max(...s.invites.map((i) => Date.parse(i.window.end)));
  if (now > lastEnd + IMPORT_GRACE_MS) return refuse('PACK_EXPIRED', `schedule ${s.scheduleId} ended ${new Date(lastEnd).toISOString()}`);
  for (const [n, i] of s.invites.entries()) {
    if (!i.resume) continue;
    const data = Buffer.from(i.resume.data, 'base64');
    if (sha256Hex(data) !== i.resume.sha256) return refuse('PACK_INVALID', 'résumé does not match its sha256', `invites[${n}].resume`);
  }
  return ok({ payload: s, hash: opened.value.hash, keyId: opened.value.keyId });
}

/**
 * Verifies, reads each attached résumé (PDF and DOCX in the parser's child process, with its
 * memory and time limits), then imports in one transaction: a refused schedule changes nothing,
 * and check-in never parses a document. An unreadable résumé does not refuse the schedule: its
 * invite keeps the reason and the interview uses the default questions.
 */
export async function importSchedule(
  db: Db,
  bytes: Uint8Array,
  trust: TrustStore,
  centreId: string,
  clock: Clock,
  parser?: ResumeDocumentParser,
): Promise<Result<{ scheduleId: string; invites: number; resumesRead: number; resumesUnreadable: number }>> {
  const verified = verifySchedule(bytes, trust, centreId, clock);
  if (!verified.ok) return verified;
  const s = verified.value.payload;
  const extracted = new Map<string, { kind: 'text' | 'pdf' | 'docx' | null; text: string | null; problem: string | null }>();
  for (const i of s.invites) {
    if (!i.resume) continue;
    const doc = { mediaType: i.resume.mediaType, data: Buffer.from(i.resume.data, 'base64') };
    const r = parser ? await extractResumeText(doc, parser) : await extractResumeText(doc);
    extracted.set(i.code, r.ok ? { kind: r.value.kind, text: r.value.text, problem: null } : { kind: null, text: null, problem: r.error.message });
  }
  const rows: ScheduleInviteRow[] = s.invites.map((i) => ({
    invite_code: i.code,
    schedule_id: s.scheduleId,
    candidate_ref: i.candidateRef,
    pack_id: i.packId,
    not_before: Date.parse(i.window.start),
    not_after: Date.parse(i.window.end),
    resume_type: i.resume?.mediaType ?? null,
    resume: i.resume ? Buffer.from(i.resume.data, 'base64') : null,
    resume_sha256: i.resume?.sha256 ?? null,
    resume_kind: extracted.get(i.code)?.kind ?? null,
    resume_text: extracted.get(i.code)?.text ?? null,
    resume_problem: extracted.get(i.code)?.problem ?? null,
  }));
  transact(db, () => {
    replaceSchedule(db, { schedule_id: s.scheduleId, centre_id: s.centreId, day: s.day, payload_hash: verified.value.hash, key_id: verified.value.keyId, imported_at: clock.now() }, rows);
    for (const i of s.invites) if (i.accommodations) setInviteAccommodations(db, i.code, canonicalAccommodations(i.accommodations));
  });
  const values = [...extracted.values()];
  return ok({ scheduleId: s.scheduleId, invites: rows.length, resumesRead: values.filter((v) => v.text !== null).length, resumesUnreadable: values.filter((v) => v.problem !== null).length });
}

/** Invites from imported schedules. */
export class ScheduleInviteDirectory implements InviteDirectory {
  constructor(private readonly db: Db) {}
  lookup(code: string): Invite | undefined {
    const row = getScheduledInvite(this.db, code);
    if (!row) return undefined;
    const accommodations = parseStoredAccommodations(row.accommodations);
    return {
      code: row.invite_code,
      candidateRef: row.candidate_ref,
      packId: row.pack_id,
      notBefore: row.not_before,
      notAfter: row.not_after,
      scheduleId: row.schedule_id,
      ...(row.resume && row.resume_type ? { resume: { mediaType: row.resume_type as ResumeMediaType, data: row.resume } } : {}),
      ...(row.resume && row.resume_sha256 && (row.resume_text || row.resume_problem)
        ? { extracted: row.resume_text && row.resume_kind ? { ok: true as const, kind: row.resume_kind, text: row.resume_text, sha256: row.resume_sha256 } : { ok: false as const, problem: row.resume_problem ?? 'unreadable' } }
        : {}),
      ...(accommodations ? { accommodations } : {}),
    };
  }
}

/** What the kiosk knew when it declared a no-show; HR uses it to tell "absent" from "kiosk down". */
export interface KioskStateSnapshot {
  readonly kioskId: string;
  readonly centreId: string;
  readonly appVersion: string;
  readonly provisioning: string;
  /** Whether the invite's pack is installed and verified on this kiosk. */
  readonly packStatus: (packId: string) => 'ready' | 'locked' | 'missing';
}

export interface NoShowEvent {
  readonly type: 'no_show';
  readonly inviteCode: string;
  readonly scheduleId: string;
  readonly candidateRef: string;
  readonly packId: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly detectedAt: string;
  readonly kioskState: Record<string, unknown>;
}

export function noShowEventOf(row: NoShowRow): NoShowEvent {
  return {
    type: 'no_show',
    inviteCode: row.invite_code,
    scheduleId: row.schedule_id,
    candidateRef: row.candidate_ref,
    packId: row.pack_id,
    window: { start: new Date(row.not_before).toISOString(), end: new Date(row.not_after).toISOString() },
    detectedAt: new Date(row.detected_at).toISOString(),
    kioskState: JSON.parse(row.kiosk_state) as Record<string, unknown>,
  };
}

/**
 * Records a no-show for every scheduled invite whose window has ended without a check-in.
 * Idempotent: run it at start and periodically.
 */
export function sweepNoShows(db: Db, clock: Clock, kiosk: KioskStateSnapshot): NoShowEvent[] {
  const now = clock.now();
  const created: NoShowEvent[] = [];
  transact(db, () => {
    const inProgress = countSessionsInProgress(db);
    for (const i of overdueUncheckedInvites(db, now)) {
      const row: NoShowRow = {
        invite_code: i.invite_code,
        schedule_id: i.schedule_id,
        candidate_ref: i.candidate_ref,
        pack_id: i.pack_id,
        not_before: i.not_before,
        not_after: i.not_after,
        detected_at: now,
        kiosk_state: JSON.stringify({
          kioskId: kiosk.kioskId,
          centreId: kiosk.centreId,
          appVersion: kiosk.appVersion,
          provisioning: kiosk.provisioning,
          packStatus: kiosk.packStatus(i.pack_id),
          sessionsInProgress: inProgress,
        }),
        reported_at: null,
      };
      if (insertNoShow(db, row)) created.push(noShowEventOf(row));
    }
  });
  return created;
}

// ---------------------------------------------------------------- authoring

const ScheduleSource = z
  .object({
    scheduleId: Name,
    centreId: Name,
    day: z.iso.date(),
    invites: z.array(
      z
        .object({
          code: z.string(),
          candidateRef: z.string(),
          packId: z.string(),
          window: z.object({ start: z.string(), end: z.string() }),
          /** A file next to the schedule source (.txt, .pdf, .docx). */
          resumeFile: z.string().optional(),
          accommodations: z.unknown().optional(),
        })
        .strict(),
    ),
  })
  .strict();

export function buildSchedule(source: unknown, baseDir: string, key: SigningKeyPair, issuedAt = new Date()): Result<{ text: string; scheduleId: string; centreId: string; day: string; inviteCount: number }> {
  const src = ScheduleSource.safeParse(source);
  if (!src.success) {
    const first = shapeIssues(src.error)[0]!;
    return refuse('PACK_INVALID', first.message, first.path);
  }
  const payload = {
    kind: 'interview-schedule' as const,
    schemaVersion: SCHEDULE_SCHEMA_VERSION,
    scheduleId: src.data.scheduleId,
    centreId: src.data.centreId,
    day: src.data.day,
    issuedAt: issuedAt.toISOString(),
    invites: src.data.invites.map((i) => {
      let resume: { mediaType: ResumeMediaType; data: string; sha256: string } | undefined;
      if (i.resumeFile) {
        const data = readFileSync(path.resolve(baseDir, i.resumeFile));
        const kind = sniffResume(data);
        resume = { mediaType: kind === 'pdf' ? RESUME_MEDIA_TYPES[1] : kind === 'docx' ? RESUME_MEDIA_TYPES[2] : RESUME_MEDIA_TYPES[0], data: data.toString('base64'), sha256: sha256Hex(data) };
      }
      return { code: i.code.toUpperCase(), candidateRef: i.candidateRef, packId: i.packId, window: i.window, ...(resume ? { resume } : {}), ...(i.accommodations !== undefined ? { accommodations: i.accommodations } : {}) };
    }),
  };
  const checked = SchedulePayload.safeParse(payload);
  if (!checked.success) {
    const first = shapeIssues(checked.error)[0]!;
    return refuse('PACK_INVALID', first.message, first.path);
  }
  const text = writeEnvelope('schedule', payload as unknown as Record<string, unknown>, key);
  if (text.length > MAX_PACK_BYTES) return refuse('PACK_TOO_LARGE', 'the schedule with its résumés is too large; split it');
  return ok({ text, scheduleId: payload.scheduleId, centreId: payload.centreId, day: payload.day, inviteCount: payload.invites.length });
}
