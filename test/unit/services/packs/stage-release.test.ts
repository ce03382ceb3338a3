/**
 * Pack format v2, opened stage by stage (docs/pack-format-v2.md): `decryptReleasedStages` opens
 * stage 0 and only the consecutive stages whose keys were released; the registry stores a stage
 * key for one session only after it opened that stage; the HR client refuses a grant for another
 * request (another stage, a replay).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase } from '../../../../main/db/connection';
import { purgeEndedStageKeys } from '../../../../main/db/queries/packs';
import { startHrEndpointServer, demoHrEndpointOptions, type HrEndpointServer } from '../../../../main/dev/hr-endpoint-server';
import { HrEndpointClient } from '../../../../main/services/packs/hr-client';
import { MemoryKeyProtector } from '../../../../main/services/packs/key-protector';
import { generateSigningKey, publicKeyObject, type SigningKeyPair } from '../../../../main/services/packs/pack-crypto';
import { buildPack, decryptReleasedStages, offlineStageKey, verifyPack } from '../../../../main/services/packs/pack-format';
import { PackRegistry } from '../../../../main/services/packs/pack-registry';
import type { TrustStore } from '../../../../main/services/packs/provisioning';
import { newStageKeyRequest, stageKeyOf } from '../../../../main/services/packs/stage-content';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
const key = generateSigningKey();
const trust: TrustStore = {
  mode: 'demo',
  keys: new Map([[key.keyId, { keyId: key.keyId, key: publicKeyObject(key.publicKey), purposes: ['pack'] as const, demo: true }]]),
};
const clock = new ManualClock(Date.parse('2026-12-07T04:00:00Z'));

function built(release: 'hr' | 'offline') {
  const b = buildPack(source, key, { issuedAt: new Date(clock.now()), unlockCode: null, stageRelease: release });
  if (!b.ok) throw new Error(b.error.message);
  const v = verifyPack(Buffer.from(b.value.text, 'utf8'), trust, clock);
  if (!v.ok) throw new Error(v.error.message);
  return { b: b.value, v: v.value };
}

const servers: HrEndpointServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('decryptReleasedStages', () => {
  const { b, v } = built('hr');
  const k1 = stageKeyOf(b.stageMasterKey!, b.manifest, 1, 'professional');
  const k2 = stageKeyOf(b.stageMasterKey!, b.manifest, 2, 'situational');

  it('opens stage 0 only without stage keys, with the whole outline', () => {
    const r = decryptReleasedStages(v, b.contentKey, new Map());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.pack.stages.map((s) => s.id)).toEqual(['intro']);
    expect(r.value.questions).toHaveLength(1);
    expect(r.value.staged).toMatchObject({ release: 'hr', releasedStages: 1, totalQuestions: 9 });
    expect(r.value.staged?.stages.map((s) => s.id)).toEqual(['intro', 'professional', 'situational']);
    expect(JSON.stringify(r.value)).not.toContain('q2-design');
  });

  it('adds each released stage in order and never a later one past a gap', () => {
    const one = decryptReleasedStages(v, b.contentKey, new Map([[1, k1]]));
    expect(one.ok && one.value.pack.stages.map((s) => s.id)).toEqual(['intro', 'professional']);
    expect(one.ok && JSON.stringify(one.value)).not.toContain('q7-disagreement');
    // Stage 2's key without stage 1's: stage 2 stays closed.
    const gap = decryptReleasedStages(v, b.contentKey, new Map([[2, k2]]));
    expect(gap.ok && gap.value.pack.stages.map((s) => s.id)).toEqual(['intro']);
    expect(gap.ok && JSON.stringify(gap.value)).not.toContain('q7-disagreement');
    const all = decryptReleasedStages(v, b.contentKey, new Map([[1, k1], [2, k2]]));
    expect(all.ok && all.value.questions).toHaveLength(9);
  });

  it('refuses another stage\'s key at a stage', () => {
    const r = decryptReleasedStages(v, b.contentKey, new Map([[1, k2]]));
    expect(!r.ok && r.error.code).toBe('UNLOCK_CODE_INVALID');
  });

  it('derives offline keys only for offline packs', () => {
    expect(offlineStageKey(v, b.contentKey, 1).ok).toBe(false);
    const off = built('offline');
    const k = offlineStageKey(off.v, off.b.contentKey, 2);
    expect(k.ok && k.value.equals(stageKeyOf(off.b.stageMasterKey!, off.b.manifest, 2, 'situational'))).toBe(true);
    expect(offlineStageKey(off.v, off.b.contentKey, 3).ok).toBe(false);
  });
});

describe('registry: stage keys per session', () => {
  it('stores a stage key only when it opens that stage, wrapped, for that session only', () => {
    const { b } = built('hr');
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'stage-reg-'));
    const dir = path.join(tmp, 'packs');
    const db = openDatabase(path.join(tmp, 'k.sqlite'));
    const reg = new PackRegistry({ db, trust, clock, logger: silentLogger, dir, keys: new MemoryKeyProtector() });
    const file = path.join(tmp, 'se.ikpack');
    writeFileSync(file, b.text);
    expect(reg.install(file).ok).toBe(true);
    expect(reg.unlockWithKey('software-engineer', b.contentKey, 'hr_endpoint').ok).toBe(true);
    db.prepare(`INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, question_index, resume_count, failed_codes, created_at, updated_at)
      VALUES ('s1', 'INV-0001', 'c', 'software-engineer', ?, 'en', 'in_progress', 1, 0, 0, 0, 0), ('s2', 'INV-0002', 'c', 'software-engineer', ?, 'en', 'in_progress', 1, 0, 0, 0, 0)`).run(b.hash, b.hash);
    const k1 = stageKeyOf(b.stageMasterKey!, b.manifest, 1, 'professional');
    const k2 = stageKeyOf(b.stageMasterKey!, b.manifest, 2, 'situational');
    const wrong = reg.recordStageKey('s1', 'software-engineer', 1, k2, 'hr');
    expect(!wrong.ok && wrong.error.code).toBe('UNLOCK_CODE_INVALID');
    expect(db.prepare('SELECT count(*) AS n FROM session_stage_keys').get()).toEqual({ n: 0 });
    const right = reg.recordStageKey('s1', 'software-engineer', 1, k1, 'hr');
    expect(right.ok && right.value.stageId).toBe('professional');
    const row = db.prepare('SELECT wrapped_key FROM session_stage_keys WHERE session_id = ?').get('s1') as { wrapped_key: Buffer };
    expect(row.wrapped_key.includes(k1)).toBe(false);
    expect(reg.get('software-engineer', 's1')?.staged?.releasedStages).toBe(2);
    expect(reg.get('software-engineer', 's2')?.staged?.releasedStages).toBe(1);
    expect(reg.get('software-engineer')?.staged?.releasedStages).toBe(1);
  });
});

describe('HrEndpointClient.releaseStage', () => {
  const hrKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-hr-endpoint-key.json'), 'utf8')) as SigningKeyPair;
  const config = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { kioskId: string; centreId: string; hrEndpoint: { kioskToken: string } };
  const master = Buffer.alloc(32, 7);
  const packHash = 'a'.repeat(64);
  const fields = { packId: 'software-engineer', packVersion: '1.2.0', packHash, inviteCode: 'DEMO-2026', stageIndex: 1, stageId: 'professional', submittedStageId: 'intro' };

  async function server(signingKey = hrKey) {
    const s = await startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), signingKey, packs: [{ packId: 'software-engineer', packHash, contentKey: Buffer.alloc(32), stageMaster: master, stageIds: ['intro', 'professional', 'situational'] }] });
    servers.push(s);
    s.recordStageSubmitted('DEMO-2026', 'intro');
    s.recordStageSubmitted('DEMO-2026', 'professional');
    return s;
  }
  const client = (url: string, f?: typeof fetch) => new HrEndpointClient({ baseUrl: url, kioskToken: config.hrEndpoint.kioskToken, kioskId: config.kioskId, centreId: config.centreId, ...(f ? { fetch: f } : {}) });

  it('opens the stage key the endpoint seals to its own request', async () => {
    const s = await server();
    const r = await client(s.url).releaseStage(fields, hrKey.publicKey);
    expect(r.ok && r.value.equals(stageKeyOf(master, { id: 'software-engineer', version: '1.2.0' }, 1, 'professional'))).toBe(true);
  });

  it('refuses a genuine grant for another stage (or another request) replayed to it', async () => {
    const s = await server();
    // A real, signed grant for stage 2, fetched by someone else.
    const { request } = newStageKeyRequest({ ...fields, kioskId: config.kioskId, stageIndex: 2, stageId: 'situational', submittedStageId: 'professional' });
    const res = await fetch(`${s.url}/v1/stages/release`, { method: 'POST', headers: { authorization: `Bearer ${config.hrEndpoint.kioskToken}`, 'content-type': 'application/json' }, body: JSON.stringify(request) });
    expect(res.status).toBe(200);
    const other = await res.text();
    const replay: typeof fetch = async () => new Response(other, { status: 200, headers: { 'content-type': 'application/json' } });
    const r = await client(s.url, replay).releaseStage(fields, hrKey.publicKey);
    expect(!r.ok && r.error.code).toBe('STAGE_RELEASE_REFUSED');
    expect(!r.ok && r.error.message).toMatch(/another request/);
  });

  it('refuses a grant signed by another key, and reports an unreachable endpoint as such', async () => {
    const s = await server(generateSigningKey());
    const forged = await client(s.url).releaseStage(fields, hrKey.publicKey);
    expect(!forged.ok && forged.error.code).toBe('STAGE_RELEASE_REFUSED');
    expect(!forged.ok && forged.error.message).toMatch(/not signed by the HR key/);
    const url = s.url;
    await s.close();
    servers.splice(servers.indexOf(s), 1);
    const down = await client(url).releaseStage(fields, hrKey.publicKey);
    expect(!down.ok && down.error.code).toBe('STAGE_RELEASE_UNREACHABLE');
  });
});

describe('purgeEndedStageKeys', () => {
  it('forgets the stage keys of ended and erased sessions, and keeps those of sessions that can still run', () => {
    const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'stage-purge-')), 'k.sqlite'));
    const hash = 'b'.repeat(64);
    const states = { live: 'in_progress', done: 'completed', gone: 'interrupted' } as const;
    for (const [id, state] of Object.entries(states)) {
      db.prepare(`INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, question_index, resume_count, failed_codes, created_at, updated_at)
        VALUES (?, ?, 'c', 'p', ?, 'en', ?, 1, 0, 0, 0, 0)`).run(id, `INV-${id.toUpperCase()}`, hash, state);
      db.prepare(`INSERT INTO session_stage_keys (session_id, stage_index, stage_id, pack_hash, wrapped_key, protector, release_mode, envelope_sha256, released_at)
        VALUES (?, 1, 'professional', ?, ?, 'memory', 'offline', ?, 0)`).run(id, hash, Buffer.alloc(60, 1), 'c'.repeat(64));
    }
    db.prepare(`INSERT INTO session_erasures (session_id, reason, requested_at) VALUES ('gone', 'request', 0)`).run();
    expect(purgeEndedStageKeys(db)).toBe(2);
    expect(db.prepare('SELECT session_id FROM session_stage_keys').all()).toEqual([{ session_id: 'live' }]);
    expect(db.pragma('secure_delete', { simple: true })).toBe(1);
  });
});
