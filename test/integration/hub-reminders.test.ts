/**
 * The hub's invites, reminders, reschedule requests and hub-side no-shows, on the embedded
 * PostgreSQL (or HUB_TEST_DATABASE_URL's server), with a real SMTP server and a DingTalk/WeCom
 * robot receiver on loopback. The scheduler runs on a fake clock: every tick is called by the test
 * at a chosen time; nothing waits on wall time for a reminder to come due.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders } from '../../main/services/sync/signing';
import { createSender, type ReminderSender } from '../../hub/reminders/channels';
import { reminderConfigFromEnv, type ReminderConfig } from '../../hub/reminders/config';
import { ReminderScheduler } from '../../hub/reminders/scheduler';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, persistentTestDatabase, startTestHub, type TestHub } from '../support/hub-harness';
import { startRobotReceiver, startSmtpReceiver, type RobotReceiver, type SmtpReceiver } from '../support/reminder-receivers';

const H = 3_600_000;
const M = 60_000;
const SECRET = 'SECabc123-dingtalk-robot-secret';
const YEAR = 365 * 24 * H;

let clock = Date.parse('2027-03-01T00:00:00Z');
const now = () => clock;
const iso = (t: number) => new Date(t).toISOString();

let smtp: SmtpReceiver;
let robots: RobotReceiver;

function reminderConfig(over: Partial<ReminderConfig> = {}): ReminderConfig {
  const base = reminderConfigFromEnv({
    HUB_REMINDER_OFFSETS: '24h,1h',
    HUB_REMINDER_MAX_ATTEMPTS: '3',
    HUB_REMINDER_RETRY_BASE: '1m',
    HUB_NOSHOW_GRACE: '15m',
    HUB_CHECK_URL: 'https://check.example.com/home?code={code}',
    HUB_SMTP_HOST: '127.0.0.1',
    HUB_SMTP_PORT: String(smtp.port),
    HUB_SMTP_FROM: 'hub@example.com',
    HUB_DINGTALK_WEBHOOK: `${robots.url}/dingtalk/robot/send?access_token=tok`,
    HUB_DINGTALK_SECRET: SECRET,
    HUB_WECOM_WEBHOOK: `${robots.url}/wecom/cgi-bin/webhook/send?key=abc`,
  });
  return { ...base, sendTimeoutMs: 10_000, ...over };
}

function scheduler(hub: TestHub, config = reminderConfig(), sender?: ReminderSender): ReminderScheduler {
  return new ReminderScheduler({ db: hub.db, config, sender: sender ?? createSender(config, now), now });
}

interface Made {
  id: string;
  code: string;
  reminders: number;
}

async function invite(hub: TestHub, over: Record<string, unknown>): Promise<Made> {
  const r = await hub.api('POST', '/v1/invites', hub.adminToken, {
    candidateName: '王小明',
    email: 'xm@example.com',
    phone: '+8613800000000',
    channel: 'email',
    jobId: 'pack.sales-2027',
    centre: '上海徐汇中心',
    location: 'home',
    windowStart: iso(clock + 48 * H),
    windowEnd: iso(clock + 50 * H),
    ...over,
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.invite as Made;
}

/** Every delivery that reached a receiver, as "inviteId kind" (from the idempotency key). */
function deliveries(inviteId: string): string[] {
  const keys = [...smtp.mails.map((m) => m.key), ...robots.received.filter((r) => r.signatureValid !== false).map((r) => r.key)];
  return keys.filter((k) => k.startsWith(`rem:${inviteId}:`)).map((k) => k.slice(`rem:${inviteId}:`.length));
}

async function runUntil(s: ReminderScheduler, until: number, step = 30 * M): Promise<void> {
  while (clock < until) {
    clock = Math.min(clock + step, until);
    await s.tick();
  }
}

async function jobs(hub: TestHub, inviteId: string) {
  const r = await hub.db.pool.query<{ kind: string; schedule_version: number; state: string; attempts: number; last_error: string | null; due_at: string; sent_at: string | null }>(
    'SELECT kind, schedule_version, state, attempts, last_error, due_at, sent_at FROM reminder_jobs WHERE invite_id=$1 ORDER BY schedule_version, due_at',
    [inviteId],
  );
  return r.rows;
}

beforeAll(async () => {
  smtp = await startSmtpReceiver();
  robots = await startRobotReceiver(SECRET, now);
});
afterAll(async () => {
  await smtp?.close();
  await robots?.close();
});

describe(`hub reminders (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let s: ReminderScheduler;
  beforeAll(async () => {
    hub = await startTestHub({ now, reminders: reminderConfig(), tokenTtlMs: YEAR });
    s = scheduler(hub);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await s?.stop();
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('each invite gets exactly its reminders, at their times, on its channel, zh-CN first', async () => {
    const t0 = clock;
    const a = await invite(hub, { channel: 'email', location: 'home' });
    const b = await invite(hub, { channel: 'dingtalk', location: 'centre', email: undefined });
    const c = await invite(hub, { channel: 'wecom', location: 'home', candidateName: 'Alex Chen', locale: 'en' });
    // Starts in 2 h: its 24 h reminder is already past when it is made, so it only gets the 1 h one.
    const d = await invite(hub, { windowStart: iso(t0 + 2 * H), windowEnd: iso(t0 + 3 * H) });
    expect([a.reminders, b.reminders, c.reminders, d.reminders]).toEqual([2, 2, 2, 1]);

    await runUntil(s, t0 + 24 * H - 1); // up to one ms before the 24 h reminders are due
    expect(deliveries(a.id)).toEqual([]);
    expect(deliveries(d.id)).toEqual(['v1:1h']);
    clock = t0 + 24 * H;
    await s.tick();
    expect(deliveries(a.id)).toEqual(['v1:24h']);
    await runUntil(s, t0 + 51 * H);
    for (const x of [a, b, c]) expect(deliveries(x.id).sort(), x.id).toEqual(['v1:1h', 'v1:24h']);
    expect(deliveries(d.id)).toEqual(['v1:1h']);
    for (const j of await jobs(hub, a.id)) expect([j.state, j.sent_at]).toEqual(['sent', j.due_at]);

    const mail = smtp.mails.find((m) => m.key === `rem:${a.id}:v1:24h`)!;
    expect(mail.to).toEqual(['xm@example.com']);
    expect(mail.messageId).toContain(a.id);
    expect(mail.text).toContain(a.code);
    expect(mail.text).toContain(`https://check.example.com/home?code=${a.code}`);
    expect(mail.text.indexOf('您好')).toBeGreaterThanOrEqual(0);
    expect(mail.text.indexOf('您好')).toBeLessThan(mail.text.indexOf('Hello'));
    expect(mail.text).toContain('24 小时');
    expect(mail.text).toContain('24 hours');

    const ding = robots.received.find((r) => r.key === `rem:${b.id}:v1:1h`)!;
    expect(ding.signatureValid).toBe(true);
    expect(ding.query.get('access_token')).toBe('tok');
    expect(ding.body).toMatchObject({ msgtype: 'text', at: { atMobiles: ['+8613800000000'], isAtAll: false } });
    expect((ding.body.text as { content: string }).content).toContain('上海徐汇中心');
    const wecom = robots.received.find((r) => r.key === `rem:${c.id}:v1:1h`)!;
    expect(wecom.body).toMatchObject({ msgtype: 'text', text: { mentioned_mobile_list: ['+8613800000000'] } });
    expect((wecom.body.text as { content: string }).content).toContain('1 hour');
  }, 120_000);

  it('a cancelled invite sends none; a rescheduled one sends none of its old reminders and all of its new ones', async () => {
    const t0 = clock;
    const g = await invite(hub, {});
    const h = await invite(hub, { channel: 'wecom' });
    const cancel = await hub.api('POST', `/v1/invites/${g.id}/cancel`, hub.adminToken, {});
    expect(cancel.json).toEqual({ ok: true, cancelledReminders: 2 });
    await runUntil(s, t0 + 24 * H);
    expect(deliveries(h.id)).toEqual(['v1:24h']);
    const re = await hub.api('POST', `/v1/invites/${h.id}/reschedule`, hub.adminToken, { windowStart: iso(t0 + 96 * H), windowEnd: iso(t0 + 97 * H) });
    expect(re.status, JSON.stringify(re.json)).toBe(200);
    expect(re.json).toEqual({ scheduleVersion: 2, cancelledReminders: 1, reminders: 2 });
    await runUntil(s, t0 + 98 * H);
    expect(deliveries(g.id)).toEqual([]);
    expect(deliveries(h.id).sort()).toEqual(['v1:24h', 'v2:1h', 'v2:24h']);
    expect((await jobs(hub, g.id)).map((j) => j.state)).toEqual(['cancelled', 'cancelled']);
    expect((await jobs(hub, h.id)).map((j) => `${j.schedule_version}:${j.kind}:${j.state}`)).toEqual(['1:24h:sent', '1:1h:cancelled', '2:24h:sent', '2:1h:sent']);
    expect((await hub.api('POST', `/v1/invites/${g.id}/cancel`, hub.adminToken, {})).status).toBe(409);
  }, 120_000);

  it('a refused send is retried with backoff, then recorded as sent; one that keeps failing is recorded as failed for HR', async () => {
    const t0 = clock;
    const i = await invite(hub, { windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) });
    const j = await invite(hub, { channel: 'wecom', windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) });
    const due = t0 + H;
    smtp.refuseNext(2);
    robots.failAlways(true);
    clock = due;
    await s.tick(); // attempt 1 of each: refused
    clock = due + M - 1;
    await s.tick(); // backoff not over: nothing tried
    expect((await jobs(hub, i.id))[0]).toMatchObject({ state: 'pending', attempts: 1 });
    clock = due + M;
    await s.tick(); // attempt 2: refused again
    clock = due + 3 * M;
    await s.tick(); // attempt 3: SMTP accepts; the robot still fails: cap reached
    robots.failAlways(false);
    const [ij, jj] = [(await jobs(hub, i.id))[0]!, (await jobs(hub, j.id))[0]!];
    expect(ij).toMatchObject({ kind: '24h', state: 'sent', attempts: 3 });
    expect(jj).toMatchObject({ kind: '24h', state: 'failed', attempts: 3 });
    expect(jj.last_error).toMatch(/^WEBHOOK_HTTP_500/);
    expect(deliveries(i.id)).toEqual(['v1:24h']);
    expect(deliveries(j.id)).toEqual([]);
    const attempts = await hub.db.pool.query<{ outcome: string; detail: string }>(
      "SELECT a.outcome, a.detail FROM reminder_attempts a JOIN reminder_jobs r ON r.id=a.job_id WHERE r.invite_id=$1 AND r.kind='24h' ORDER BY a.attempt",
      [i.id],
    );
    expect(attempts.rows.map((r) => r.outcome)).toEqual(['retry', 'retry', 'sent']);
    expect(attempts.rows[0]!.detail).toContain('451');
    const failed = await hub.api('GET', '/v1/reminders?state=failed', hub.adminToken);
    expect(failed.status).toBe(200);
    expect((failed.json.reminders as Array<{ invite_id: string; kind: string; last_error: string }>).filter((r) => r.invite_id === j.id)).toMatchObject([{ kind: '24h', last_error: expect.stringMatching(/^WEBHOOK_HTTP_500/) }]);
    await runUntil(s, t0 + 27 * H);
    expect(deliveries(j.id)).toEqual(['v1:1h']);
  }, 120_000);

  it('a send whose answer never comes (it may have arrived) is recorded unknown and never retried', async () => {
    const t0 = clock;
    const w = await invite(hub, { channel: 'wecom', windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) });
    // The only wall-clock wait in this file: the sender's own 300 ms timeout on a request left unanswered.
    const impatient = scheduler(hub, reminderConfig({ sendTimeoutMs: 300 }));
    robots.swallowNext(1);
    clock = t0 + H;
    const report = await impatient.tick();
    await impatient.stop();
    expect(report.unknown).toBe(1);
    const [job] = await jobs(hub, w.id);
    expect(job).toMatchObject({ kind: '24h', state: 'unknown', attempts: 1 });
    expect(job!.last_error).toMatch(/^WEBHOOK_NO_ANSWER/);
    await runUntil(s, t0 + 27 * H);
    expect(deliveries(w.id)).toEqual(['v1:24h', 'v1:1h']); // the swallowed one arrived once, and was not sent again
    expect((await jobs(hub, w.id)).map((j) => j.state)).toEqual(['unknown', 'sent']);
  }, 120_000);

  it('a DingTalk robot that refuses the signature (wrong secret) gets nothing counted as sent', async () => {
    const t0 = clock;
    const k = await invite(hub, { channel: 'dingtalk', windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) });
    const wrong = reminderConfig({ maxAttempts: 1 });
    const bad = scheduler(hub, { ...wrong, dingtalk: { webhook: wrong.dingtalk!.webhook, secret: 'not-the-secret' } });
    clock = t0 + H;
    await bad.tick();
    await bad.stop();
    const got = robots.received.filter((r) => r.key === `rem:${k.id}:v1:24h`);
    expect(got.map((r) => r.signatureValid)).toEqual([false]);
    expect((await jobs(hub, k.id))[0]).toMatchObject({ state: 'failed', last_error: expect.stringContaining('310000') });
    await runUntil(s, t0 + 27 * H);
  }, 120_000);

  it('two schedulers ticking at once on the same database send each reminder once (a claim is exclusive)', async () => {
    const t0 = clock;
    const made: Made[] = [];
    for (let n = 0; n < 6; n++) made.push(await invite(hub, { channel: n % 2 ? 'wecom' : 'email', windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) }));
    const other = scheduler(hub);
    clock = t0 + H;
    const reports = await Promise.all([s.tick(), other.tick(), other.tick(), s.tick()]);
    expect(reports[0]).toBe(reports[3]); // one scheduler shares its pass in progress
    expect([...new Set(reports)].reduce((n, r) => n + r.sent, 0)).toBe(6);
    for (const m of made) expect(deliveries(m.id)).toEqual(['v1:24h']);
    await other.stop();
    await runUntil(s, t0 + 27 * H);
  }, 120_000);

  it('a candidate whose at-home system check failed is told what to fix', async () => {
    const t0 = clock;
    const x = await invite(hub, { windowStart: iso(t0 + 25 * H), windowEnd: iso(t0 + 26 * H) });
    const anon = await hub.api('POST', `/v1/invite-codes/${x.code}/precheck`, null, { overall: 'NOT_READY', failedChecks: ['camera.frames', 'network.upload'] });
    expect(anon.status, JSON.stringify(anon.json)).toBe(201);
    expect((await hub.api('POST', '/v1/invite-codes/NOSUCHCODE99/precheck', null, { overall: 'READY' })).status).toBe(404);
    expect((await hub.api('POST', `/v1/invite-codes/${x.code}/precheck`, null, { overall: 'NOT_READY', failedChecks: ['<script>'] })).status).toBe(400);
    clock = t0 + H;
    await s.tick();
    const m = smtp.mails.find((mm) => mm.key === `rem:${x.id}:v1:24h`)!;
    expect(m.text).toContain('摄像头');
    expect(m.text).toContain('Camera: connect it');
    expect(m.text).toContain('Network:');
    // Fixed since: the next check passed, and the 1 h reminder no longer lists fixes.
    await hub.api('POST', `/v1/invite-codes/${x.code}/precheck`, null, { overall: 'READY', failedChecks: [] });
    await runUntil(s, t0 + 27 * H);
    const last = smtp.mails.find((mm) => mm.key === `rem:${x.id}:v1:1h`)!;
    expect(last.text).not.toContain('Camera');
  }, 120_000);

  it('reschedule requests by invite code and hub-side no-shows reach HR; a kiosk check-in or no-show wins', async () => {
    const t0 = clock;
    const p = await invite(hub, { windowStart: iso(t0 + 2 * H), windowEnd: iso(t0 + 3 * H) });
    const q = await invite(hub, { windowStart: iso(t0 + 2 * H), windowEnd: iso(t0 + 3 * H) });
    const r = await invite(hub, { windowStart: iso(t0 + 2 * H), windowEnd: iso(t0 + 3 * H) });
    const req = await hub.api('POST', `/v1/invite-codes/${p.code}/reschedule-requests`, null, { reason: 'health', text: '发烧了 / I have a fever' });
    expect(req.status).toBe(201);
    expect((await hub.api('POST', `/v1/invite-codes/${p.code}/reschedule-requests`, null, { reason: 'bored' })).status).toBe(400);
    expect((await hub.api('POST', '/v1/invite-codes/ZZZZZZZZZZZZ/reschedule-requests', null, { reason: 'time' })).status).toBe(404);
    for (let n = 0; n < 4; n++) expect((await hub.api('POST', `/v1/invite-codes/${p.code}/reschedule-requests`, null, { reason: 'time' })).status).toBe(201);
    expect((await hub.api('POST', `/v1/invite-codes/${p.code}/reschedule-requests`, null, { reason: 'time' })).status).toBe(429);
    const list = await hub.api('GET', '/v1/reschedule-requests', hub.adminToken);
    expect((list.json.requests as Array<{ inviteId: string; reason: string; text: string | null }>).filter((x) => x.inviteId === p.id && x.reason === 'health')).toMatchObject([{ text: '发烧了 / I have a fever' }]);

    // A kiosk reports q's check-in (a session with its code) and r's no-show, through signed sync.
    const codeRes = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    const kiosk = await enrolKiosk(hub.url, String(codeRes.json.code), 'centre-1');
    const items = [
      { key: 'sess-q', kind: 'session', body: { id: 's-q', inviteCode: q.code, state: 'checked_in' } },
      { key: `noshow-${r.code}`, kind: 'no_show', body: { invite_code: r.code, detected_at: clock } },
    ];
    const text = JSON.stringify({ items });
    const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(kiosk, 'POST', '/v1/kiosk/items', text, clock), 'content-type': 'application/json' }, body: text });
    expect(((await res.json()) as { results: Array<{ status: string }> }).results.map((x) => x.status)).toEqual(['stored', 'stored']);

    clock = t0 + 3 * H + 15 * M - 1; // the window is over but the grace period is not
    await s.tick();
    expect((await hub.api('GET', `/v1/invites/${p.id}`, hub.adminToken)).json.invite).toMatchObject({ status: 'scheduled' });
    clock = t0 + 3 * H + 15 * M;
    await s.tick();
    const ns = await hub.api('GET', '/v1/no-shows', hub.adminToken);
    const mine = (ns.json.noShows as Array<{ id: string; reason: string }>).filter((x) => [p.id, q.id, r.id].includes(x.id));
    expect(mine.map((x) => [x.id, x.reason]).sort()).toEqual([
      [p.id, 'no_checkin_reported'],
      [r.id, 'kiosk_reported'],
    ].sort());
    expect((await hub.api('GET', `/v1/invites/${q.id}`, hub.adminToken)).json.invite).toMatchObject({ status: 'checked_in' });
    // HR gives r (a kiosk no-show) a new window: the old no-show does not count against it.
    const again = await hub.api('POST', `/v1/invites/${r.id}/reschedule`, hub.adminToken, { windowStart: iso(clock + 30 * H), windowEnd: iso(clock + 31 * H) });
    expect(again.json).toMatchObject({ scheduleVersion: 2, reminders: 2 });
    await s.tick();
    expect((await hub.api('GET', `/v1/invites/${r.id}`, hub.adminToken)).json.invite).toMatchObject({ status: 'scheduled', noShowReason: null });
    await runUntil(s, clock + 32 * H);
    expect(deliveries(r.id).sort()).toEqual(['v2:1h', 'v2:24h']);
    expect((await hub.api('GET', `/v1/invites/${r.id}`, hub.adminToken)).json.invite).toMatchObject({ status: 'no_show', noShowReason: 'no_checkin_reported' });
    const detail = await hub.api('GET', `/v1/invites/${p.id}`, hub.adminToken);
    expect((detail.json.rescheduleRequests as unknown[]).length).toBe(5);
    const audit = await hub.db.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE action IN ('GET /v1/no-shows','GET /v1/invites/:id','GET /v1/reschedule-requests')");
    expect(new Set(audit.rows.map((x) => x.action))).toEqual(new Set(['GET /v1/no-shows', 'GET /v1/invites/:id', 'GET /v1/reschedule-requests']));
  }, 120_000);
});

describe(`hub reminders across a restart (${hubTestDbLabel()})`, () => {
  it('closing the hub and opening a new one on the same database mid-schedule sends nothing twice, even after a crash between send and record', async () => {
    const database = await persistentTestDatabase();
    const config = reminderConfig();
    let hub1: TestHub | null = await startTestHub({ now, reminders: config, tokenTtlMs: YEAR, database });
    try {
      const t0 = clock;
      const e = await invite(hub1, { channel: 'email' });
      const f = await invite(hub1, { channel: 'dingtalk' });
      const s1 = scheduler(hub1, config);
      await runUntil(s1, t0 + 24 * H);
      expect([deliveries(e.id), deliveries(f.id)]).toEqual([['v1:24h'], ['v1:24h']]);
      await s1.stop();
      await hub1.close();
      hub1 = null;

      // A clean restart: the 24 h reminders are not sent again.
      let hub2: TestHub | null = await startTestHub({ now, reminders: config, tokenTtlMs: YEAR, database });
      const real = createSender(config, now);
      let hang!: () => void;
      // The next email leaves, then the process "dies" before recording it: the send never returns.
      const dying: ReminderSender = {
        async send(msg) {
          if (msg.channel !== 'email') return real.send(msg);
          const out = await real.send(msg);
          expect(out.ok).toBe(true);
          await new Promise<void>((resolve) => (hang = resolve));
          return out;
        },
        close: () => real.close(),
      };
      const s2 = scheduler(hub2, config, dying);
      await s2.tick();
      expect([deliveries(e.id), deliveries(f.id)]).toEqual([['v1:24h'], ['v1:24h']]);
      clock = t0 + 47 * H;
      const dead = s2.tick();
      await vi.waitFor(() => expect(deliveries(e.id)).toEqual(['v1:24h', 'v1:1h']), { timeout: 20_000, interval: 20 });
      await hub2.close(); // the scheduler's send is still "in flight": nothing was recorded
      hub2 = null;

      const hub3 = await startTestHub({ now, reminders: config, tokenTtlMs: YEAR, database });
      try {
        const s3 = scheduler(hub3, config);
        await s3.tick(); // the lease has not run out: the claimed reminder is left alone
        const mid = await jobs(hub3, e.id);
        expect(mid.map((j) => j.state)).toEqual(['sent', 'sending']);
        await runUntil(s3, t0 + 51 * H, 10 * M);
        expect(deliveries(e.id)).toEqual(['v1:24h', 'v1:1h']);
        expect(deliveries(f.id).sort()).toEqual(['v1:1h', 'v1:24h']);
        const after = await jobs(hub3, e.id);
        expect(after.map((j) => j.state)).toEqual(['sent', 'unknown']);
        expect(after[1]!.last_error).toMatch(/^LEASE_EXPIRED/);
        const unknown = await hub3.api('GET', '/v1/reminders?state=unknown', hub3.adminToken);
        expect((unknown.json.reminders as Array<{ invite_id: string; kind: string }>).map((x) => `${x.invite_id}:${x.kind}`)).toEqual([`${e.id}:1h`]);
        await s3.stop();
      } finally {
        hang();
        await dead.catch(() => undefined);
        await hub3.close();
      }
    } finally {
      await hub1?.close();
      await database.drop();
    }
  }, 240_000);
});
