/**
 * Invites HR schedules on the hub: validation (shared by the JSON route and the CSV import), the
 * reminder jobs each schedule version owes, cancel and reschedule. Everything that changes an
 * invite and its jobs runs in one transaction, so a reminder never outlives the schedule it was
 * made for.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import type { ReminderOffset } from '../reminders/config';
import { CsvError, parseCsv } from './csv';

export const CHANNELS = ['email', 'dingtalk', 'wecom'] as const;
export const RESCHEDULE_REASONS = ['device', 'network', 'environment', 'time', 'health', 'other'] as const;

/** An ISO 8601 time with an explicit offset (a bare local time is ambiguous across centres). */
const isoTime = z
  .string()
  .max(40)
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/, 'an ISO 8601 time with Z or an offset, e.g. 2027-01-05T09:00:00+08:00')
  .transform((s, ctx) => {
    const t = Date.parse(s);
    if (!Number.isFinite(t)) {
      ctx.addIssue({ code: 'custom', message: 'not a real date and time' });
      return z.NEVER;
    }
    return t;
  });
const text = (max: number) => z.string().trim().min(1).max(max);

export const inviteInputSchema = z
  .object({
    candidateName: text(200),
    email: z.string().trim().max(254).email().optional(),
    phone: z
      .string()
      .trim()
      .regex(/^\+?[0-9][0-9 -]{5,19}$/, 'a phone number: digits, spaces or dashes, optional leading +')
      .optional(),
    channel: z.enum(CHANNELS),
    jobId: text(200).regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : -'),
    centre: text(200),
    windowStart: isoTime,
    windowEnd: isoTime,
    location: z.enum(['home', 'centre']),
    locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.windowEnd <= v.windowStart) ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'the window must end after it starts' });
    if (v.windowEnd - v.windowStart > 14 * 86_400_000) ctx.addIssue({ code: 'custom', path: ['windowEnd'], message: 'a window is at most 14 days' });
    if (v.channel === 'email' && !v.email) ctx.addIssue({ code: 'custom', path: ['email'], message: 'the email channel needs an email address' });
    if (v.channel !== 'email' && !v.phone) ctx.addIssue({ code: 'custom', path: ['phone'], message: `the ${v.channel} channel needs a phone number (the robot mentions it)` });
  });
export type InviteInput = z.infer<typeof inviteInputSchema>;

export interface RowError {
  readonly line: number;
  readonly field: string;
  readonly code: string;
  readonly message: string;
}

/** CSV header name → field of the invite; `email` and `phone` may be empty, `locale` may be absent. */
export const CSV_COLUMNS = {
  name: 'candidateName',
  email: 'email',
  phone: 'phone',
  channel: 'channel',
  job: 'jobId',
  centre: 'centre',
  window_start: 'windowStart',
  window_end: 'windowEnd',
  location: 'location',
  locale: 'locale',
} as const;
const REQUIRED_COLUMNS = ['name', 'channel', 'job', 'centre', 'window_start', 'window_end', 'location'];

/** Reads an import; either every row is valid (returned in file order) or every fault is listed. */
export function readInviteCsv(text: string, now: number): { invites: InviteInput[] } | { errors: RowError[] } {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (err instanceof CsvError) return { errors: [{ line: err.line, field: '', code: err.code, message: err.message }] };
    throw err;
  }
  const head = records[0];
  if (!head) return { errors: [{ line: 0, field: '', code: 'CSV_EMPTY', message: 'the file has no header row' }] };
  const names = head.cells.map((c) => c.trim().toLowerCase());
  const unknown = names.filter((n) => !(n in CSV_COLUMNS));
  const missing = REQUIRED_COLUMNS.filter((n) => !names.includes(n));
  if (unknown.length || missing.length || new Set(names).size !== names.length || (!names.includes('email') && !names.includes('phone'))) {
    return {
      errors: [{ line: head.line, field: '', code: 'CSV_BAD_HEADER', message: `columns: ${Object.keys(CSV_COLUMNS).join(',')} (email or phone, locale optional); unknown: ${unknown.join(',') || '-'}; missing: ${missing.join(',') || '-'}` }],
    };
  }
  if (records.length === 1) return { errors: [{ line: head.line, field: '', code: 'CSV_NO_ROWS', message: 'the file has a header and no invites' }] };
  const errors: RowError[] = [];
  const invites: InviteInput[] = [];
  for (const rec of records.slice(1)) {
    if (rec.cells.length !== names.length) {
      errors.push({ line: rec.line, field: '', code: 'CSV_COLUMN_COUNT', message: `expected ${names.length} cells, found ${rec.cells.length}` });
      continue;
    }
    const obj: Record<string, string> = {};
    names.forEach((n, i) => {
      const v = rec.cells[i]!.trim();
      if (v !== '') obj[CSV_COLUMNS[n as keyof typeof CSV_COLUMNS]] = v;
    });
    const r = validateInvite(obj, now);
    if ('errors' in r) for (const e of r.errors) errors.push({ ...e, line: rec.line });
    else invites.push(r.invite);
  }
  return errors.length ? { errors } : { invites };
}

export function validateInvite(value: unknown, now: number): { invite: InviteInput } | { errors: RowError[] } {
  const r = inviteInputSchema.safeParse(value);
  if (!r.success) return { errors: r.error.issues.map((i) => ({ line: 0, field: i.path.join('.'), code: 'INVALID_FIELD', message: i.message })) };
  if (r.data.windowEnd <= now) return { errors: [{ line: 0, field: 'windowEnd', code: 'WINDOW_IN_PAST', message: 'the window has already ended' }] };
  return { invite: r.data };
}

/** A code the candidate types at a kiosk or on the at-home page: 12 characters, no look-alikes. */
export function newInviteCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(12);
  let s = '';
  for (const b of bytes) s += alphabet[b % 32];
  return s;
}

/** Creates the reminder jobs one schedule version owes: only those still due in the future. */
export async function scheduleReminders(c: pg.PoolClient, inviteId: string, version: number, channel: string, windowStart: number, offsets: readonly ReminderOffset[], now: number): Promise<number> {
  let n = 0;
  for (const o of offsets) {
    const due = windowStart - o.beforeMs;
    if (due <= now) continue;
    const r = await c.query(
      `INSERT INTO reminder_jobs (invite_id, schedule_version, kind, channel, due_at, next_attempt_at, idempotency_key)
       VALUES ($1,$2,$3,$4,$5,$5,$6) ON CONFLICT DO NOTHING`,
      [inviteId, version, o.kind, channel, due, `rem:${inviteId}:v${version}:${o.kind}`],
    );
    n += r.rowCount ?? 0;
  }
  return n;
}

export interface InviteRow {
  id: string;
  code: string;
  candidate_name: string;
  email: string | null;
  phone: string | null;
  channel: (typeof CHANNELS)[number];
  job_id: string;
  centre: string;
  location: 'home' | 'centre';
  locale: 'zh-CN' | 'en';
  window_start: string;
  window_end: string;
  status: string;
  schedule_version: number;
  no_show_reason: string | null;
  status_at: string | null;
  created_by: string;
  created_at: string;
}

export async function insertInvite(c: pg.PoolClient, v: InviteInput, actor: string, offsets: readonly ReminderOffset[], now: number): Promise<{ id: string; code: string; reminders: number }> {
  const id = `inv_${randomUUID()}`;
  const code = newInviteCode();
  await c.query(
    `INSERT INTO invites (id, code, candidate_name, email, phone, channel, job_id, centre, location, locale, window_start, window_end, created_by, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`,
    [id, code, v.candidateName, v.email ?? null, v.phone ?? null, v.channel, v.jobId, v.centre, v.location, v.locale, v.windowStart, v.windowEnd, actor, now],
  );
  const reminders = await scheduleReminders(c, id, 1, v.channel, v.windowStart, offsets, now);
  return { id, code, reminders };
}

/** Pending reminders of every older schedule version, or of an invite no longer scheduled, are cancelled. */
export async function cancelStaleReminders(c: pg.Pool | pg.PoolClient, now: number, inviteId?: string): Promise<number> {
  const r = await c.query(
    `UPDATE reminder_jobs j SET state='cancelled', finished_at=$1
       FROM invites i
      WHERE i.id = j.invite_id AND j.state = 'pending' AND ($2::text IS NULL OR i.id = $2)
        AND (i.status <> 'scheduled' OR i.schedule_version <> j.schedule_version)`,
    [now, inviteId ?? null],
  );
  return r.rowCount ?? 0;
}
