/**
 * The hub as the kiosks' HR endpoint (docs/hr-endpoint.openapi.yaml under /hr, hub/hr): the
 * kiosk's real HrEndpointClient, unchanged, against a hub on the embedded database (or
 * HUB_TEST_DATABASE_URL's PostgreSQL). HR uploads the `.key.json` sidecar of a pack sealed stage
 * by stage, invites come from hub/invites, a stage counts as submitted only when the kiosk's
 * synced journal shows it, schedules are published by an hr_admin, no-shows are stored once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HrEndpointClient } from '../../main/services/packs/hr-client';
import { buildPack, contentKeySidecar, type BuiltPack } from '../../main/services/packs/pack-format';
import { generateSigningKey, type SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { buildSchedule } from '../../main/services/packs/schedule';
import { stageKeyOf } from '../../main/services/packs/stage-content';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { GENESIS, journalEventHash } from '../../hub/journal-chain';
import { TokenBuckets } from '../../hub/hr/routes';
import { createSender } from '../../hub/reminders/channels';
import { reminderConfigFromEnv } from '../../hub/reminders/config';
import { ReminderScheduler } from '../../hub/reminders/scheduler';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

const root = path.resolve(import.meta.dirname, '..', '..');
const readJson = <T>(f: string): T => JSON.parse(readFileSync(path.join(root, f), 'utf8')) as T;
const demoPackKey = readJson<SigningKeyPair>('build/provisioning/demo-signing-key.json');
const KIOSK = { kioskId: 'kiosk-sh-01', centreId: 'centre-sh' };
const DAY = '2026-12-09';

describe(`the hub serves the HR endpoint API (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let t = Date.now();
  const t0 = t;
  const hrKey = generateSigningKey();
  const wrapKey = randomBytes(32);
  let built: BuiltPack;
  let stages: { id: string; questionCount: number }[];
  let client: HrEndpointClient;
  let kioskToken: string;
  const codes: Record<'good' | 'revoked' | 'otherCentre' | 'later' | 'otherPack', string> = { good: '', revoked: '', otherCentre: '', later: '', otherPack: '' };

  const iso = (ms: number): string => new Date(ms).toISOString();
  async function invite(centre: string, start: number, end: number, jobId: string): Promise<{ id: string; code: string }> {
    const r = await hub.api('POST', '/v1/invites', hub.adminToken, { candidateName: 'Li Lei', email: 'li@example.com', channel: 'email', jobId, centre, windowStart: iso(start), windowEnd: iso(end), location: 'centre' });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    return r.json.invite as { id: string; code: string };
  }

  beforeAll(async () => {
    hub = await startTestHub({ now: () => t, hr: { keys: { signingKey: hrKey, wrapKey }, rateLimit: { burst: 5, perSecond: 0.001 } } });
    const source = readJson<Record<string, unknown>>('build/packs/src/software-engineer.pack.json');
    const b = buildPack(source, demoPackKey, { issuedAt: new Date(), unlockCode: null, stageRelease: 'hr' });
    if (!b.ok) throw new Error(b.error.message);
    built = b.value;
    stages = built.manifest.outline.stages.map((s) => ({ id: s.id, questionCount: s.questionCount }));
    expect(stages.length).toBeGreaterThanOrEqual(3);

    codes.good = (await invite(KIOSK.centreId, t0 - 3600_000, t0 + 5 * 3600_000, built.manifest.id)).code;
    const revoked = await invite(KIOSK.centreId, t0 - 3600_000, t0 + 5 * 3600_000, built.manifest.id);
    expect((await hub.api('POST', `/v1/invites/${revoked.id}/cancel`, hub.adminToken, {})).status).toBe(200);
    codes.revoked = revoked.code;
    codes.otherCentre = (await invite('centre-bj', t0 - 3600_000, t0 + 5 * 3600_000, built.manifest.id)).code;
    codes.later = (await invite(KIOSK.centreId, t0 + 600_000, t0 + 1200_000, built.manifest.id)).code;
    codes.otherPack = (await invite(KIOSK.centreId, t0 - 3600_000, t0 + 5 * 3600_000, 'regional-sales-manager')).code;

    const tok = await hub.api('POST', '/v1/hr-endpoint/kiosk-tokens', hub.adminToken, KIOSK);
    expect(tok.status).toBe(201);
    kioskToken = String(tok.json.token);
    client = new HrEndpointClient({ baseUrl: `${hub.url}/hr`, kioskToken, ...KIOSK, timeoutMs: 20_000 });
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  const target = (inviteCode: string) => ({ inviteCode, packId: built.manifest.id, packHash: built.hash, hrPublicKey: hrKey.publicKey });
  const stage = (inviteCode: string, stageIndex: number, over: Record<string, unknown> = {}) => ({
    packId: built.manifest.id,
    packVersion: built.manifest.version,
    packHash: built.hash,
    inviteCode,
    stageIndex,
    stageId: stages[stageIndex]!.id,
    submittedStageId: stages[stageIndex - 1]!.id,
    ...over,
  });

  it('only an hr_admin uploads a pack key; it is stored wrapped (never plaintext), once, and audited', async () => {
    const sidecar = contentKeySidecar(built);
    expect(sidecar.stages).toEqual(stages);
    // Before the key is there, the kiosk's unlock is refused (PACK_MISMATCH), not granted.
    const early = await client.unlock(target(codes.good));
    expect(!early.ok && early.error.message).toContain('PACK_MISMATCH');

    const recruiter = await hub.api('POST', '/v1/users', hub.adminToken, { username: 'rec', password: 'recruiter-password-1', role: 'recruiter' });
    expect(recruiter.status).toBe(201);
    expect((await hub.api('POST', '/v1/hr-endpoint/pack-keys', await hub.login('rec', 'recruiter-password-1'), sidecar)).status).toBe(403);
    const up = await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, sidecar);
    expect(up.status, JSON.stringify(up.json)).toBe(201);
    expect((await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, sidecar)).json.status).toBe('unchanged');
    const other = await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, { ...sidecar, contentKey: randomBytes(32).toString('base64') });
    expect(other.status).toBe(409);
    // A stage master key without the outline's stages cannot be used to check stage order: refused.
    const { stages: _s, ...noStages } = sidecar;
    expect((await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, { ...noStages, packHash: 'f'.repeat(64) })).status).toBe(400);

    const rows = await hub.db.pool.query('SELECT * FROM hr_pack_keys');
    expect(rows.rows).toHaveLength(1);
    const text = JSON.stringify(rows.rows);
    for (const secret of [built.contentKey, built.stageMasterKey!]) {
      expect(text).not.toContain(secret.toString('base64'));
      expect(text).not.toContain(secret.toString('hex'));
    }
    const audit = await hub.db.pool.query<{ actor: string; action: string; target: string }>("SELECT actor, action, target FROM audit_log WHERE action LIKE 'hr:pack-key%'");
    expect(audit.rows).toEqual([{ actor: 'user:admin', action: 'hr:pack-key uploaded', target: expect.stringContaining(built.hash) }]);
  });

  it("the kiosk's real client unlocks a pack for its invite, and is refused for a revoked, another centre's, not-yet-open, expired, unknown or other-pack invite", async () => {
    const granted = await client.unlock(target(codes.good));
    expect(granted.ok && granted.value.equals(built.contentKey)).toBe(true);

    const refusal = async (code: string): Promise<string> => {
      const r = await client.unlock(target(code));
      expect(r.ok).toBe(false);
      return r.ok ? '' : `${r.error.code} ${r.error.message}`;
    };
    expect(await refusal(codes.revoked)).toMatch(/^UNLOCK_REFUSED .*INVITE_REVOKED/);
    expect(await refusal(codes.otherCentre)).toMatch(/^UNLOCK_REFUSED .*NOT_THIS_CENTRE/);
    expect(await refusal(codes.later)).toMatch(/^UNLOCK_REFUSED .*OUTSIDE_WINDOW/);
    expect(await refusal('NOSUCHINVITE9')).toMatch(/^UNLOCK_REFUSED .*INVITE_UNKNOWN/);
    expect(await refusal(codes.otherPack)).toMatch(/^UNLOCK_REFUSED .*PACK_MISMATCH/);
    // The window closes: the same invite that opened at 00:10 is refused at 00:30.
    t = t0 + 900_000;
    expect((await client.unlock(target(codes.later))).ok).toBe(true);
    t = t0 + 1800_000;
    expect(await refusal(codes.later)).toMatch(/OUTSIDE_WINDOW/);
    // A client claiming another kiosk id with this token is refused.
    const impostor = new HrEndpointClient({ baseUrl: `${hub.url}/hr`, kioskToken, kioskId: 'kiosk-sh-99', centreId: KIOSK.centreId, timeoutMs: 20_000 });
    const imp = await impostor.unlock(target(codes.good));
    expect(!imp.ok && imp.error.message).toContain('KIOSK_MISMATCH');
    // A withdrawn token (HR issued a new one) no longer works.
    const again = await hub.api('POST', '/v1/hr-endpoint/kiosk-tokens', hub.adminToken, KIOSK);
    const stale = await client.unlock(target(codes.good));
    expect(!stale.ok && stale.error.message).toContain('UNAUTHORIZED');
    kioskToken = String(again.json.token);
    client = new HrEndpointClient({ baseUrl: `${hub.url}/hr`, kioskToken, ...KIOSK, timeoutMs: 20_000 });
    expect((await client.unlock(target(codes.good))).ok).toBe(true);

    const releases = await hub.db.pool.query<{ invite_code: string; outcome: string }>("SELECT invite_code, outcome FROM hr_releases WHERE operation='unlock' ORDER BY id");
    expect(releases.rows.map((r) => r.outcome)).toEqual(['PACK_MISMATCH', 'granted', 'INVITE_REVOKED', 'NOT_THIS_CENTRE', 'OUTSIDE_WINDOW', 'INVITE_UNKNOWN', 'PACK_MISMATCH', 'granted', 'OUTSIDE_WINDOW', 'KIOSK_MISMATCH', 'granted']);
    const audited = await hub.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action LIKE 'hr:unlockPack %' AND actor = 'hr-kiosk:kiosk-sh-01'");
    expect(audited.rows[0]!.n).toBe(releases.rows.length);
  });

  it('releases v2 stages in order on the record the kiosk syncs, never on the request', async () => {
    const stageKey = (i: number): Buffer => stageKeyOf(built.stageMasterKey!, built.manifest, i, stages[i]!.id);
    // Nothing synced yet: stage 1 is refused although the request says stage 0 was submitted.
    const before = await client.releaseStage(stage(codes.good, 1), hrKey.publicKey);
    expect(!before.ok && before.error.message).toContain('STAGE_NOT_SUBMITTED');

    // The kiosk's sync delivers its session and journal (hub/ingest.ts, signed requests).
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    const cred = await enrolKiosk(hub.url, String(code.json.code), 'sync identity');
    let seq = 0;
    let syncs = 0;
    let prev = GENESIS;
    const sessionId = 'sess-1';
    const sync = async (questionIndexes: number[]): Promise<void> => {
      const items: unknown[] = [{ key: `session:${sessionId}:${(syncs += 1)}`, kind: 'session', body: { id: sessionId, inviteCode: codes.good, state: 'in_progress' } }];
      for (const q of questionIndexes) {
        seq += 1;
        const payload = JSON.stringify({ questionIndex: q, attempt: 1, mode: 'text' });
        const hash = journalEventHash(prev, sessionId, seq, 'answer_submitted', t, payload);
        items.push({ key: `journal:${sessionId}:${seq}`, kind: 'journal_event', body: { sessionId, seq, type: 'answer_submitted', at: t, payload, prevHash: prev, hash } });
        prev = hash;
      }
      await post(cred, '/v1/kiosk/items', { items });
    };
    const post = async (c: KioskCredential, p: string, body: unknown): Promise<void> => {
      const text = JSON.stringify(body);
      const res = await fetch(`${hub.url}${p}`, { method: 'POST', headers: { ...signedHeaders(c, 'POST', p, text, t), 'content-type': 'application/json' }, body: text });
      expect(res.status, await res.clone().text()).toBe(200);
      const out = (await res.json()) as { results: { status: string }[] };
      expect(out.results.filter((r) => r.status !== 'stored')).toEqual([]);
    };

    // Stage 0 all but its last question: still not submitted.
    const q0 = stages[0]!.questionCount;
    await sync(Array.from({ length: q0 - 1 }, (_, i) => i));
    const partial = await client.releaseStage(stage(codes.good, 1), hrKey.publicKey);
    expect(!partial.ok && partial.error.message).toContain('STAGE_NOT_SUBMITTED');
    await sync([q0 - 1]);
    const s1 = await client.releaseStage(stage(codes.good, 1), hrKey.publicKey);
    expect(s1.ok && s1.value.equals(stageKey(1))).toBe(true);

    // Out of order: stage 2 before stage 1 is on record, and stage ids that are not the outline's.
    const s2early = await client.releaseStage(stage(codes.good, 2), hrKey.publicKey);
    expect(!s2early.ok && s2early.error.message).toContain('STAGE_NOT_SUBMITTED');
    const wrongIds = await client.releaseStage(stage(codes.good, 2, { stageId: stages[1]!.id }), hrKey.publicKey);
    expect(!wrongIds.ok && wrongIds.error.message).toContain('STAGE_MISMATCH');
    // Another invite's record does not count for this one; a revoked invite gets nothing.
    const revoked = await client.releaseStage(stage(codes.revoked, 1), hrKey.publicKey);
    expect(!revoked.ok && revoked.error.message).toContain('INVITE_REVOKED');

    const q1 = stages[1]!.questionCount;
    await sync(Array.from({ length: q1 }, (_, i) => q0 + i));
    const s2 = await client.releaseStage(stage(codes.good, 2), hrKey.publicKey);
    expect(s2.ok && s2.value.equals(stageKey(2))).toBe(true);

    // A gap in the synced journal (a fork or missing event) makes the record untrusted: refused.
    await hub.db.pool.query("INSERT INTO chain_flags (kiosk_id, session_id, seq, kind, detail) VALUES ($1,$2,99,'gap','{}')", [cred.kioskId, sessionId]);
    const flagged = await client.releaseStage(stage(codes.good, 2), hrKey.publicKey);
    expect(!flagged.ok && flagged.error.message).toContain('STAGE_NOT_SUBMITTED');

    const rows = await hub.db.pool.query<{ stage_index: number; outcome: string }>("SELECT stage_index, outcome FROM hr_releases WHERE operation='stage' ORDER BY id");
    expect(rows.rows.map((r) => `${r.stage_index}:${r.outcome}`)).toEqual(['1:STAGE_NOT_SUBMITTED', '1:STAGE_NOT_SUBMITTED', '1:granted', '2:STAGE_NOT_SUBMITTED', '2:STAGE_MISMATCH', '1:INVITE_REVOKED', '2:granted', '2:STAGE_NOT_SUBMITTED']);
  });

  it('serves the signed day schedule an hr_admin published, byte for byte, to its own centre only', async () => {
    const scheduleKey = readJson<SigningKeyPair>('build/provisioning/demo-signing-key.json');
    const built2 = buildSchedule(
      { scheduleId: 'sh-day', centreId: KIOSK.centreId, day: DAY, invites: [{ code: codes.good, candidateRef: 'cand-1', packId: built.manifest.id, window: { start: `${DAY}T01:00:00Z`, end: `${DAY}T02:00:00Z` } }] },
      root,
      scheduleKey,
    );
    if (!built2.ok) throw new Error(built2.error.message);
    expect((await client.fetchSchedule(DAY)).ok).toBe(false);
    const proctor = await hub.api('POST', '/v1/users', hub.adminToken, { username: 'pro', password: 'proctor-password-1', role: 'proctor' });
    expect(proctor.status).toBe(201);
    expect((await hub.api('POST', '/v1/hr-endpoint/schedules', await hub.login('pro', 'proctor-password-1'), { schedule: built2.value.text })).status).toBe(403);
    expect((await hub.api('POST', '/v1/hr-endpoint/schedules', hub.adminToken, { schedule: '{"not":"a schedule"}' })).status).toBe(400);
    const pub = await hub.api('POST', '/v1/hr-endpoint/schedules', hub.adminToken, { schedule: built2.value.text });
    expect(pub.status, JSON.stringify(pub.json)).toBe(201);
    const got = await client.fetchSchedule(DAY);
    expect(got.ok && got.value.toString('utf8')).toBe(built2.value.text);
    // A kiosk of another centre asking for this centre's schedule is refused.
    const bj = await hub.api('POST', '/v1/hr-endpoint/kiosk-tokens', hub.adminToken, { kioskId: 'kiosk-bj-01', centreId: 'centre-bj' });
    const res = await fetch(`${hub.url}/hr/v1/centres/${KIOSK.centreId}/schedules/${DAY}`, { headers: { authorization: `Bearer ${String(bj.json.token)}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('NOT_THIS_CENTRE');
  });

  it('stores no-shows once per invite code, whatever the kiosk re-sends', async () => {
    const event = (code: string) => ({
      type: 'no_show' as const,
      inviteCode: code,
      scheduleId: 'sh-day',
      candidateRef: `cand-${code}`,
      packId: built.manifest.id,
      window: { start: `${DAY}T01:00:00.000Z`, end: `${DAY}T02:00:00.000Z` },
      detectedAt: `${DAY}T02:00:05.000Z`,
      kioskState: { kioskId: KIOSK.kioskId, centreId: KIOSK.centreId, appVersion: 'test', provisioning: 'production:machine', packStatus: 'ready' as const, sessionsInProgress: 0 },
    });
    const events = ['NS-0001', 'NS-0002', 'NS-0003'].map(event);
    const acked: string[] = [];
    const sink = { acknowledged: (c: readonly string[]) => void acked.push(...c), quarantined: (c: string) => void acked.push(`Q:${c}`) };
    const first = await client.deliverNoShows(events, sink);
    const second = await client.deliverNoShows(events, sink);
    // The same code inside another batch is acknowledged and not stored twice.
    const third = await client.deliverNoShows([events[0]!, event('NS-0004')], sink);
    expect([first.acknowledged, second.acknowledged, third.acknowledged]).toEqual([3, 3, 2]);
    expect(acked.filter((c) => c.startsWith('Q:'))).toEqual([]);
    const stored = await hub.db.pool.query<{ invite_code: string; kiosk_id: string }>('SELECT invite_code, kiosk_id FROM hr_no_shows ORDER BY invite_code');
    expect(stored.rows).toEqual(['NS-0001', 'NS-0002', 'NS-0003', 'NS-0004'].map((c) => ({ invite_code: c, kiosk_id: KIOSK.kioskId })));
    expect((await hub.db.pool.query('SELECT 1 FROM hr_no_show_batches')).rowCount).toBe(2);

    // A no-show for one of the hub's invites reaches HR's no-show list (and the analytics report
    // that reads invites.status) at the scheduler's next pass, as a kiosk-reported one.
    const ns = await invite(KIOSK.centreId, t + 60_000, t + 120_000, built.manifest.id);
    expect((await client.deliverNoShows([event(ns.code)], sink)).acknowledged).toBe(1);
    const scheduler = new ReminderScheduler({ db: hub.db, config: reminderConfigFromEnv({}), sender: createSender(reminderConfigFromEnv({}), () => t), now: () => t });
    await scheduler.tick();
    const list = await hub.api('GET', '/v1/no-shows', hub.adminToken);
    expect((list.json.noShows as { code: string; reason: string }[]).filter((n) => n.code === ns.code).map((n) => n.reason)).toEqual(['kiosk_reported']);

    // Kiosk incidents: once per id; the same id with another body is a conflict.
    const inc = await client.reportQuarantinedNoShows([{ inviteCode: 'bad code', scheduleId: 'sh-day', candidateRef: 'c', packId: 'p', quarantinedAt: t, reason: 'refused alone' }], () => undefined);
    const inc2 = await client.reportQuarantinedNoShows([{ inviteCode: 'bad code', scheduleId: 'sh-day', candidateRef: 'c', packId: 'p', quarantinedAt: t, reason: 'refused alone' }], () => undefined);
    expect([inc.reported, inc2.reported]).toEqual([1, 1]);
    expect((await hub.db.pool.query('SELECT 1 FROM hr_kiosk_incidents')).rowCount).toBe(1);
  });

  it('rate-limits calls without a kiosk token per address (503 with Retry-After), never a kiosk with its token', async () => {
    // Long enough for the bucket to be full again (the withdrawn-token attempt above drew from it).
    t += 10_000_000;
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 7; i++) {
      const r = await fetch(`${hub.url}/hr/precheck/latency`);
      statuses.push(r.status);
      if (r.status === 503) retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    expect(statuses).toEqual([204, 204, 204, 204, 204, 503, 503]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await client.unlock(target(codes.good))).ok).toBe(true);
  });

  it('token buckets refill with time and forget idle addresses', () => {
    let now = 0;
    const b = new TokenBuckets({ burst: 2, perSecond: 1 }, () => now, 4);
    expect([b.take('a').ok, b.take('a').ok, b.take('a').ok]).toEqual([true, true, false]);
    now = 1000;
    expect(b.take('a').ok).toBe(true);
    expect(b.take('a')).toEqual({ ok: false, retryAfterSeconds: 1 });
    for (const ip of ['b', 'c', 'd', 'e', 'f']) expect(b.take(ip).ok).toBe(true);
    expect((b as unknown as { buckets: Map<string, unknown> }).buckets.size).toBeLessThanOrEqual(4);
  });
});

describe(`a hub started without its HR keys (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let t = Date.now();
  beforeAll(async () => {
    hub = await startTestHub({ now: () => t, anonymousRateLimit: { burst: 4, perSecond: 0.01 } });
  }, HUB_HOOK_TIMEOUT_MS);

  it("rate-limits anonymous writes per address (password guessing: 429 with Retry-After), never a signed-in user's calls", async () => {
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r = await fetch(`${hub.url}/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: `guess-${i}` }) });
      statuses.push(r.status);
      if (r.status === 429) retryAfter = r.headers.get('retry-after');
      await r.arrayBuffer();
    }
    // The harness's own admin login drew one of the four.
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429]);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect((await hub.api('GET', '/v1/kiosks', hub.adminToken)).status).toBe(200);
    // The bucket refills with time.
    t += 200_000;
    expect((await hub.api('POST', '/v1/auth/login', null, { username: 'admin', password: 'wrong' })).status).toBe(401);
  });
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('answers 503 UNAVAILABLE on the HR API and refuses pack keys, saying what to set', async () => {
    const r = await fetch(`${hub.url}/hr/v1/health`);
    expect(r.status).toBe(503);
    expect(((await r.json()) as { message: string }).message).toContain('HUB_HR_SIGNING_KEY_FILE');
    const up = await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, {});
    expect(up.status).toBe(503);
  });
});
