/**
 * HR's invite routes (create, CSV import and export, list, detail, cancel, reschedule), what HR
 * sees of reminders, reschedule requests and no-shows, and the two routes a candidate's at-home
 * page or a kiosk calls with the invite code (a reschedule request, a pre-check result).
 * Permissions are in auth/permissions.ts; candidate-data reads are audited by the server's hook.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { HubDatabase } from '../db/database';
import { HubError } from '../errors';
import type { ReminderConfig } from '../reminders/config';
import { MAX_CSV_BYTES, toCsv } from './csv';
import { cancelStaleReminders, insertInvite, readInviteCsv, RESCHEDULE_REASONS, scheduleReminders, validateInvite, type InviteRow } from './invites';

interface RouteDeps {
  readonly db: HubDatabase;
  readonly now: () => number;
  readonly config: ReminderConfig;
  readonly parse: <T>(schema: z.ZodType<T>, value: unknown) => T;
  readonly auth: (req: FastifyRequest) => { readonly principal: string; readonly actor: string };
}

const MAX_RESCHEDULE_REQUESTS_PER_INVITE = 5;
const MAX_PRECHECKS_PER_INVITE = 50;

function view(r: InviteRow) {
  return {
    id: r.id,
    code: r.code,
    candidateName: r.candidate_name,
    email: r.email,
    phone: r.phone,
    channel: r.channel,
    jobId: r.job_id,
    centre: r.centre,
    location: r.location,
    locale: r.locale,
    windowStart: new Date(Number(r.window_start)).toISOString(),
    windowEnd: new Date(Number(r.window_end)).toISOString(),
    status: r.status,
    scheduleVersion: r.schedule_version,
    noShowReason: r.no_show_reason,
    statusAt: r.status_at === null ? null : new Date(Number(r.status_at)).toISOString(),
  };
}

const iso = (v: string | null) => (v === null ? null : new Date(Number(v)).toISOString());

export function registerInviteRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db, now, config, parse, auth } = deps;

  app.addContentTypeParser(['text/csv'], { parseAs: 'string', bodyLimit: MAX_CSV_BYTES }, (_req, body, done) => done(null, body));

  const inviteCode = z.object({ code: z.string().regex(/^[A-Z0-9]{6,40}$/) });
  const inviteId = z.object({ id: z.string().regex(/^inv_[0-9a-f-]{36}$/) });

  app.post('/v1/invites', async (req, reply) => {
    const t = now();
    const v = validateInvite(req.body, t);
    if ('errors' in v) return reply.code(400).send({ error: { code: 'INVALID_INPUT', message: v.errors.map((e) => `${e.field}: ${e.message}`).join('; ').slice(0, 500), fields: v.errors } });
    const out = await db.transaction((c) => insertInvite(c, v.invite, auth(req).actor, config.offsets, t));
    return reply.code(201).send({ invite: out });
  });

  app.post('/v1/invites/import', async (req, reply) => {
    if (typeof req.body !== 'string') throw new HubError(415, 'CSV_EXPECTED', 'send the file as text/csv');
    const t = now();
    const read = readInviteCsv(req.body, t);
    if ('errors' in read) return reply.code(400).send({ error: { code: 'CSV_INVALID', message: `${read.errors.length} problem(s); nothing was imported`, rows: read.errors.slice(0, 200) } });
    const actor = auth(req).actor;
    // One transaction: every row or none.
    const ids = await db.transaction(async (c) => {
      const out: Array<{ id: string; code: string; reminders: number }> = [];
      for (const v of read.invites) out.push(await insertInvite(c, v, actor, config.offsets, t));
      return out;
    });
    return reply.code(201).send({ imported: ids.length, invites: ids });
  });

  const listQ = z.object({ limit: z.coerce.number().int().min(1).max(5000).default(200), status: z.enum(['scheduled', 'cancelled', 'checked_in', 'no_show']).optional() });

  async function listInvites(q: z.infer<typeof listQ>): Promise<InviteRow[]> {
    const r = await db.pool.query<InviteRow>('SELECT * FROM invites WHERE ($1::text IS NULL OR status=$1) ORDER BY window_start, id LIMIT $2', [q.status ?? null, q.limit]);
    return r.rows;
  }

  app.get('/v1/invites', async (req) => ({ invites: (await listInvites(parse(listQ, req.query))).map(view) }));

  app.get('/v1/invites/export', async (req, reply) => {
    const rows = await listInvites(parse(listQ, req.query));
    const csv = toCsv(
      ['code', 'name', 'email', 'phone', 'channel', 'job', 'centre', 'window_start', 'window_end', 'location', 'locale', 'status', 'no_show_reason'],
      rows.map((r) => {
        const v = view(r);
        return [v.code, v.candidateName, v.email, v.phone, v.channel, v.jobId, v.centre, v.windowStart, v.windowEnd, v.location, v.locale, v.status, v.noShowReason];
      }),
    );
    return reply.header('content-type', 'text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="invites.csv"').send(csv);
  });

  app.get('/v1/invites/:id', async (req) => {
    const p = parse(inviteId, req.params);
    const r = await db.pool.query<InviteRow>('SELECT * FROM invites WHERE id=$1', [p.id]);
    const inv = r.rows[0];
    if (!inv) throw new HubError(404, 'NOT_FOUND', 'no such invite');
    const jobs = await db.pool.query(
      'SELECT id, schedule_version, kind, channel, due_at, state, attempts, last_error, sent_at, finished_at FROM reminder_jobs WHERE invite_id=$1 ORDER BY schedule_version, due_at',
      [p.id],
    );
    const requests = await db.pool.query('SELECT id, reason, text, requested_by, received_at FROM reschedule_requests WHERE invite_id=$1 ORDER BY received_at', [p.id]);
    const prechecks = await db.pool.query('SELECT overall, failures, reported_by, received_at FROM invite_prechecks WHERE invite_id=$1 ORDER BY id', [p.id]);
    return {
      invite: view(inv),
      reminders: jobs.rows.map((j: Record<string, string | null>) => ({ ...j, due_at: iso(j.due_at ?? null), sent_at: iso(j.sent_at ?? null), finished_at: iso(j.finished_at ?? null) })),
      rescheduleRequests: requests.rows.map((x: Record<string, string | null>) => ({ ...x, received_at: iso(x.received_at ?? null) })),
      prechecks: prechecks.rows.map((x: Record<string, unknown>) => ({ ...x, received_at: iso(x.received_at as string) })),
    };
  });

  app.post('/v1/invites/:id/cancel', async (req) => {
    const p = parse(inviteId, req.params);
    const t = now();
    const out = await db.transaction(async (c) => {
      const u = await c.query("UPDATE invites SET status='cancelled', status_at=$2 WHERE id=$1 AND status='scheduled'", [p.id, t]);
      if (u.rowCount !== 1) return null;
      return cancelStaleReminders(c, t, p.id);
    });
    if (out === null) throw new HubError(409, 'INVITE_NOT_SCHEDULED', 'only a scheduled invite can be cancelled');
    return { ok: true, cancelledReminders: out };
  });

  app.post('/v1/invites/:id/reschedule', async (req) => {
    const p = parse(inviteId, req.params);
    const t = now();
    const body = parse(z.object({ windowStart: z.string().max(40), windowEnd: z.string().max(40) }).strict(), req.body);
    const out = await db.transaction(async (c) => {
      const r = await c.query<InviteRow>('SELECT * FROM invites WHERE id=$1 FOR UPDATE', [p.id]);
      const inv = r.rows[0];
      if (!inv) throw new HubError(404, 'NOT_FOUND', 'no such invite');
      if (inv.status !== 'scheduled' && inv.status !== 'no_show') throw new HubError(409, 'INVITE_NOT_RESCHEDULABLE', `a ${inv.status} invite cannot be rescheduled`);
      const v = validateInvite(
        { candidateName: inv.candidate_name, ...(inv.email ? { email: inv.email } : {}), ...(inv.phone ? { phone: inv.phone } : {}), channel: inv.channel, jobId: inv.job_id, centre: inv.centre, location: inv.location, locale: inv.locale, ...body },
        t,
      );
      if ('errors' in v) throw new HubError(400, 'INVALID_INPUT', v.errors.map((e) => `${e.field}: ${e.message}`).join('; '));
      const version = inv.schedule_version + 1;
      await c.query("UPDATE invites SET window_start=$2, window_end=$3, schedule_version=$4, status='scheduled', no_show_reason=NULL, status_at=$5, attendance_since=clock_timestamp() WHERE id=$1", [p.id, v.invite.windowStart, v.invite.windowEnd, version, t]);
      const cancelled = await cancelStaleReminders(c, t, p.id);
      const scheduled = await scheduleReminders(c, p.id, version, inv.channel, v.invite.windowStart, config.offsets, t);
      return { scheduleVersion: version, cancelledReminders: cancelled, reminders: scheduled };
    });
    return out;
  });

  app.get('/v1/reminders', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200), state: z.enum(['pending', 'sending', 'sent', 'failed', 'unknown', 'cancelled', 'expired']).optional() }), req.query);
    const r = await db.pool.query(
      `SELECT j.id, j.invite_id, i.code, i.candidate_name, j.kind, j.channel, j.due_at, j.state, j.attempts, j.last_error, j.sent_at, j.finished_at
         FROM reminder_jobs j JOIN invites i ON i.id = j.invite_id
        WHERE ($1::text IS NULL OR j.state=$1) ORDER BY j.due_at DESC, j.id DESC LIMIT $2`,
      [q.state ?? null, q.limit],
    );
    return { reminders: r.rows.map((j: Record<string, string | null>) => ({ ...j, due_at: iso(j.due_at ?? null), sent_at: iso(j.sent_at ?? null), finished_at: iso(j.finished_at ?? null) })) };
  });

  app.get('/v1/reschedule-requests', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }), req.query);
    const direct = await db.pool.query<{ id: string; invite_id: string; code: string; candidate_name: string; reason: string; text: string | null; requested_by: string; received_at: string }>(
      `SELECT r.id, r.invite_id, i.code, i.candidate_name, r.reason, r.text, r.requested_by, r.received_at
         FROM reschedule_requests r JOIN invites i ON i.id = r.invite_id ORDER BY r.received_at DESC LIMIT $1`,
      [q.limit],
    );
    // Requests a kiosk journaled and synced (the candidate asked at the kiosk).
    const synced = await db.pool.query<{ kiosk_id: string; idem_key: string; invite_code: string; payload: string; received_at: Date }>(
      `SELECT it.kiosk_id, it.idem_key, s.invite_code, it.body->>'payload' AS payload, it.received_at
         FROM items it JOIN hub_sessions s ON s.kiosk_id = it.kiosk_id AND s.session_id = it.session_id
        WHERE it.kind = 'reschedule_request' ORDER BY it.received_at DESC LIMIT $1`,
      [q.limit],
    );
    const fromKiosks = synced.rows.map((x) => {
      let p: { requestId?: unknown; reason?: unknown; text?: unknown } = {};
      try {
        p = JSON.parse(x.payload) as typeof p;
      } catch {
        /* shown without its reason */
      }
      return { id: typeof p.requestId === 'string' ? p.requestId : x.idem_key, inviteCode: x.invite_code, reason: typeof p.reason === 'string' ? p.reason : null, text: typeof p.text === 'string' ? p.text : null, source: `kiosk:${x.kiosk_id}`, receivedAt: x.received_at.toISOString() };
    });
    return {
      requests: [
        ...direct.rows.map((x) => ({ id: x.id, inviteId: x.invite_id, inviteCode: x.code, candidateName: x.candidate_name, reason: x.reason, text: x.text, source: x.requested_by, receivedAt: iso(x.received_at) })),
        ...fromKiosks,
      ],
    };
  });

  app.get('/v1/no-shows', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }), req.query);
    const r = await db.pool.query<InviteRow>("SELECT * FROM invites WHERE status='no_show' ORDER BY status_at DESC, id LIMIT $1", [q.limit]);
    return { noShows: r.rows.map((x) => ({ ...view(x), reason: x.no_show_reason })) };
  });

  async function openInvite(code: string): Promise<InviteRow> {
    const r = await db.pool.query<InviteRow>('SELECT * FROM invites WHERE code=$1', [code]);
    const inv = r.rows[0];
    if (!inv) throw new HubError(404, 'INVITE_UNKNOWN', 'no invite has this code');
    return inv;
  }

  app.post('/v1/invite-codes/:code/reschedule-requests', async (req, reply) => {
    const p = parse(inviteCode, req.params);
    const b = parse(z.object({ reason: z.enum(RESCHEDULE_REASONS), text: z.string().trim().max(1000).optional() }).strict(), req.body);
    const inv = await openInvite(p.code);
    if (inv.status !== 'scheduled' && inv.status !== 'no_show') throw new HubError(409, 'INVITE_NOT_RESCHEDULABLE', `the invite is ${inv.status}`);
    const id = `rsq_${randomUUID()}`;
    const ok = await db.transaction(async (c) => {
      await c.query('SELECT id FROM invites WHERE id=$1 FOR UPDATE', [inv.id]);
      const n = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM reschedule_requests WHERE invite_id=$1', [inv.id]);
      if ((n.rows[0]?.n ?? 0) >= MAX_RESCHEDULE_REQUESTS_PER_INVITE) return false;
      await c.query('INSERT INTO reschedule_requests (id, invite_id, reason, text, requested_by, received_at) VALUES ($1,$2,$3,$4,$5,$6)', [id, inv.id, b.reason, b.text || null, auth(req).actor, now()]);
      return true;
    });
    if (!ok) throw new HubError(429, 'TOO_MANY_REQUESTS', `at most ${MAX_RESCHEDULE_REQUESTS_PER_INVITE} reschedule requests per invite`);
    return reply.code(201).send({ id });
  });

  app.post('/v1/invite-codes/:code/precheck', async (req, reply) => {
    const p = parse(inviteCode, req.params);
    const b = parse(
      z.object({ overall: z.enum(['READY', 'READY_WITH_WARNINGS', 'NOT_READY']), failedChecks: z.array(z.string().regex(/^[a-z][a-z_.]{0,39}$/)).max(30).default([]) }).strict(),
      req.body,
    );
    const inv = await openInvite(p.code);
    const ok = await db.transaction(async (c) => {
      await c.query('SELECT id FROM invites WHERE id=$1 FOR UPDATE', [inv.id]);
      const n = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM invite_prechecks WHERE invite_id=$1', [inv.id]);
      if ((n.rows[0]?.n ?? 0) >= MAX_PRECHECKS_PER_INVITE) return false;
      await c.query('INSERT INTO invite_prechecks (invite_id, overall, failures, reported_by, received_at) VALUES ($1,$2,$3,$4,$5)', [inv.id, b.overall, JSON.stringify(b.failedChecks), auth(req).actor, now()]);
      return true;
    });
    if (!ok) throw new HubError(429, 'TOO_MANY_REQUESTS', `at most ${MAX_PRECHECKS_PER_INVITE} pre-check results per invite`);
    return reply.code(201).send({ ok: true });
  });
}
