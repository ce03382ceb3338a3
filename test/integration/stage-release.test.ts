/**
 * Pack format v2 through the whole kiosk core (docs/pack-format-v2.md): a pack sealed stage by
 * stage is opened one stage at a time. Before stage 1 is submitted neither the database (file and
 * WAL) nor the in-memory runtime holds a later stage's question text or key; after, the next stage
 * is in memory and its key is in the database wrapped (never raw); the release is journaled; a
 * restart re-opens exactly the released stages; the HR endpoint releases only on its own record.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { journalRows } from '../../main/db/queries/journal';
import { demoHrEndpointOptions, startHrEndpointServer, type HrEndpointServer } from '../../main/dev/hr-endpoint-server';
import { generateSigningKey, type SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { buildPack } from '../../main/services/packs/pack-format';
import { stageKeyOf } from '../../main/services/packs/stage-content';
import type { CurrentView } from '../../preload/contract/session';

const root = path.resolve(import.meta.dirname, '../..');
const readJson = <T>(f: string): T => JSON.parse(readFileSync(path.join(root, f), 'utf8')) as T;
const demoConfig = readJson<Record<string, unknown> & { hrEndpoint: Record<string, string>; demoUnlockCodes: Record<string, string> }>('build/provisioning/demo-provisioning.json');
const demoKey = readJson<SigningKeyPair>('build/provisioning/demo-signing-key.json');
const hrKey = readJson<SigningKeyPair>('build/provisioning/demo-hr-endpoint-key.json');

const STAGE1_PHRASE = 'QUOKKA-STAGE-ONE-MARKER';
const STAGE2_PHRASE = 'PANGOLIN-STAGE-TWO-MARKER';
const INVITE = 'DEMO-TST1';

const cores: KioskCore[] = [];
const servers: HrEndpointServer[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) {
    try {
      c.close();
    } catch {
      // already closed by the test
    }
  }
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The demo software-engineer pack with text questions only and a marker phrase in stages 1 and 2. */
function source(): Record<string, unknown> {
  const pack = readJson<{ stages: { questions: { mode: string; prepSeconds: number; retakes: number; prompt: { 'zh-CN': string; en: string } }[] }[] }>('build/packs/src/software-engineer.pack.json');
  pack.stages.forEach((s, i) =>
    s.questions.forEach((q) => {
      q.mode = 'text';
      q.prepSeconds = 0;
      q.retakes = 0;
      if (i === 1) q.prompt = { 'zh-CN': `${q.prompt['zh-CN']} ${STAGE1_PHRASE}`, en: `${q.prompt.en} ${STAGE1_PHRASE}` };
      if (i === 2) q.prompt = { 'zh-CN': `${q.prompt['zh-CN']} ${STAGE2_PHRASE}`, en: `${q.prompt.en} ${STAGE2_PHRASE}` };
    }),
  );
  return pack as unknown as Record<string, unknown>;
}

function signed(release: 'offline' | 'hr') {
  const built = buildPack(source(), demoKey, { issuedAt: new Date(), unlockCode: demoConfig.demoUnlockCodes['software-engineer']!, stageRelease: release, scrypt: { N: 1 << 14, r: 8, p: 1 } });
  if (!built.ok) throw new Error(built.error.message);
  const packsDir = mkdtempSync(path.join(os.tmpdir(), 'v2-packs-'));
  writeFileSync(path.join(packsDir, 'software-engineer.ikpack'), built.value.text);
  return { built: built.value, packsDir };
}

function provisioningFor(url: string): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'v2-prov-')), 'provisioning.json');
  writeFileSync(file, JSON.stringify({ ...demoConfig, hrEndpoint: { ...demoConfig.hrEndpoint, url } }));
  return file;
}

function open(dataDir: string, packsDir: string, clock: ManualClock, provisioningPath?: string): KioskCore {
  const core = createKioskCore({ dataDir, packsDir, clock, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, resourcesDir: root, kioskMode: false, ...(provisioningPath ? { provisioningPath } : {}) });
  cores.push(core);
  return core;
}

/** Everything on disk for the database: the main file and its WAL. */
function dbBytes(dataDir: string): Buffer {
  const files: Buffer[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = path.join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.sqlite(-wal)?$/.test(name)) files.push(readFileSync(p));
    }
  };
  walk(dataDir);
  expect(files.length).toBeGreaterThan(0);
  return Buffer.concat(files);
}

/** What the pack runtime holds in memory for packs (the registry's caches), as text. */
function memoryText(core: KioskCore): string {
  const reg = core.packs.registry as unknown as { unlocked: Map<string, unknown>; sessionPacks: Map<string, unknown> };
  return JSON.stringify([[...reg.unlocked.values()], [...reg.sessionPacks.values()]]);
}

async function startedSession(core: KioskCore, invite = INVITE): Promise<string> {
  const sender = { transport: 'web' as const, trusted: true, description: 'test' };
  const r = (await core.router.handle('kiosk:session:checkIn', { inviteCode: invite, locale: 'en' }, sender)) as { ok: boolean; value: { sessionId: string; questionCount: number; stageCount: number }; error?: unknown };
  expect(r.ok, JSON.stringify(r.error)).toBe(true);
  // The outline is whole (progress UI) though only stage 0's questions are open.
  expect(r.value.questionCount).toBe(9);
  expect(r.value.stageCount).toBe(3);
  const id = r.value.sessionId;
  const pack = core.packs.packs.get('software-engineer', id)!;
  expect(core.sessions.giveConsent(id, true, pack.pack.policy.consentVersion).ok).toBe(true);
  // Stage 0 is text-only, but the later stages are not visible yet: the camera is still required.
  const noCamera = core.sessions.reportPrecheck(id, 'missing', 'ok');
  expect(!noCamera.ok && noCamera.error.code).toBe('PRECHECK_FAILED');
  expect(core.sessions.reportPrecheck(id, 'ok', 'ok').ok).toBe(true);
  const started = core.sessions.start(id);
  expect(started.ok && started.value.kind).toBe('question');
  return id;
}

function submit(core: KioskCore, id: string, index: number): CurrentView {
  const r = core.sessions.submitAnswer(id, index, 0, `answer ${index}`);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function events(core: KioskCore, id: string, type: string): Record<string, unknown>[] {
  return journalRows(core.db, id)
    .filter((r) => r.type === type)
    .map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

describe('per-stage release, offline', () => {
  it('opens stage 1 only when stage 0 is submitted; nothing of it is on disk or in memory before; the key is stored wrapped', async () => {
    const { built, packsDir } = signed('offline');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'v2-data-'));
    const clock = new ManualClock(Date.now());
    const core = open(dataDir, packsDir, clock);
    const id = await startedSession(core);
    const k1 = stageKeyOf(built.stageMasterKey!, built.manifest, 1, 'professional');
    const k2 = stageKeyOf(built.stageMasterKey!, built.manifest, 2, 'situational');

    // Stage 0 running: no later question text and no later key anywhere.
    const before = dbBytes(dataDir);
    for (const secret of [Buffer.from(STAGE1_PHRASE), Buffer.from(STAGE2_PHRASE), k1, k2, Buffer.from(k1.toString('base64')), built.stageMasterKey!]) expect(before.includes(secret)).toBe(false);
    expect(memoryText(core)).not.toContain(STAGE1_PHRASE);
    expect(memoryText(core)).not.toContain(STAGE2_PHRASE);
    expect(core.db.prepare('SELECT count(*) AS n FROM session_stage_keys').get()).toEqual({ n: 0 });
    expect(core.packs.packs.get('software-engineer', id)!.questions).toHaveLength(1);

    // Submitting the last question of stage 0 releases stage 1, in the same transaction, and opens it.
    const next = submit(core, id, 0);
    expect(next.kind).toBe('question');
    expect(next.kind === 'question' && next.question.prompt.en).toContain(STAGE1_PHRASE);
    expect(next.kind === 'question' && next.question.questionCount).toBe(9);
    const released = events(core, id, 'stage_content_released');
    expect(released).toEqual([{ stageIndex: 1, stageId: 'professional', release: 'offline', envelopeSha256: expect.stringMatching(/^[0-9a-f]{64}$/), questionIndex: 1, variants: expect.any(Array) }]);
    expect(JSON.stringify(released)).not.toContain(k1.toString('base64'));
    expect(memoryText(core)).toContain(STAGE1_PHRASE);
    expect(memoryText(core)).not.toContain(STAGE2_PHRASE);
    const rows = core.db.prepare('SELECT stage_index, release_mode, wrapped_key FROM session_stage_keys WHERE session_id = ?').all(id) as { stage_index: number; release_mode: string; wrapped_key: Buffer }[];
    expect(rows.map((r) => [r.stage_index, r.release_mode])).toEqual([[1, 'offline']]);
    expect(rows[0]!.wrapped_key.includes(k1)).toBe(false);
    const after = dbBytes(dataDir);
    for (const secret of [k1, k2, Buffer.from(STAGE2_PHRASE)]) expect(after.includes(secret)).toBe(false);

    // Restart: exactly stages 0 and 1 are opened again, never stage 2.
    core.close();
    const again = open(dataDir, packsDir, clock);
    const reopened = again.packs.packs.get('software-engineer', id)!;
    expect(reopened.staged?.releasedStages).toBe(2);
    expect(reopened.questions).toHaveLength(6);
    expect(memoryText(again)).not.toContain(STAGE2_PHRASE);
    const resumed = again.sessions.resume(INVITE, undefined);
    expect(resumed.ok && resumed.value.kind).toBe('question');
    expect(resumed.ok && resumed.value.kind === 'question' && resumed.value.question.questionIndex).toBe(1);

    // Through stage 1 to the end: stage 2 opens after question 5, then the interview completes.
    for (let i = 1; i <= 5; i++) submit(again, id, i);
    expect(events(again, id, 'stage_content_released').map((e) => e.stageIndex)).toEqual([1, 2]);
    let last: CurrentView | undefined;
    for (let i = 6; i <= 8; i++) last = submit(again, id, i);
    expect(last?.kind).toBe('completed');
    // Session over: its stage keys are purged (secure_delete), as content keys are.
    again.packs.purgeContentKeys();
    expect(again.db.prepare('SELECT count(*) AS n FROM session_stage_keys').get()).toEqual({ n: 0 });
    expect(memoryText(again)).toContain(STAGE2_PHRASE); // cached until the next read drops it
    again.packs.packs.get('software-engineer', id);
    expect(memoryText(again)).not.toContain(STAGE2_PHRASE);
  });
});

describe('tailoring of a stage released later', () => {
  it('chooses the released stage\'s variants from the résumé tags found at check-in, and journals them', async () => {
    const { packsDir } = signed('offline');
    const core = open(mkdtempSync(path.join(os.tmpdir(), 'v2-tailor-')), packsDir, new ManualClock(Date.now()));
    const id = await startedSession(core, 'DEMO-2026');
    const checkedIn = events(core, id, 'checked_in')[0] as { tailoring: { variants: { questionId: string }[] } };
    // At check-in only stage 0 is visible: its question is the only one tailored there.
    expect(checkedIn.tailoring.variants.map((v) => v.questionId)).toEqual(['q1-intro']);
    const next = submit(core, id, 0);
    const released = events(core, id, 'stage_content_released')[0] as { variants: { questionId: string; variantId: string; chosenBy: string[] }[] };
    expect(released.variants.map((v) => v.questionId)).toEqual(['q2-design', 'q3-incident', 'q4-language', 'q5-consistency', 'q6-quality']);
    expect(released.variants.find((v) => v.questionId === 'q4-language')).toMatchObject({ variantId: 'jvm', chosenBy: ['java', 'spring'] });
    expect(released.variants.find((v) => v.questionId === 'q2-design')?.variantId).toBe('payments');
    const started = events(core, id, 'question_started').find((e) => e.questionId === 'q2-design');
    expect(started?.variantId).toBe('payments');
    expect(next.kind === 'question' && next.question.questionId).toBe('q2-design');
  });
});

describe('per-stage release by the HR endpoint', () => {
  async function hrWorld(signingKey: SigningKeyPair = hrKey) {
    const { built, packsDir } = signed('hr');
    const server = await startHrEndpointServer({
      ...demoHrEndpointOptions(root, 0),
      signingKey,
      packs: [{ packId: 'software-engineer', packHash: built.hash, contentKey: built.contentKey, stageMaster: built.stageMasterKey!, stageIds: ['intro', 'professional', 'situational'] }],
    });
    servers.push(server);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'v2-hr-data-'));
    const clock = new ManualClock(Date.now());
    const prov = provisioningFor(server.url);
    const core = open(dataDir, packsDir, clock, prov);
    return { built, server, core, clock, dataDir, packsDir, prov };
  }

  async function settle(core: KioskCore, id: string, until: (v: CurrentView) => boolean): Promise<CurrentView> {
    for (let i = 0; i < 200; i++) {
      const v = core.sessions.current(id);
      if (v.ok && until(v.value)) return v.value;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the stage release did not settle');
  }

  it('waits while the endpoint has no record of stage 0 submitted (no clock, nothing lost), then releases on retry', async () => {
    const { core, server, clock, built, dataDir } = await hrWorld();
    const id = await startedSession(core);
    const pending = submit(core, id, 0);
    expect(pending.kind).toBe('stage_pending');
    const refused = await settle(core, id, (v) => v.kind === 'stage_pending' && v.problem !== undefined);
    expect(refused.kind === 'stage_pending' && refused.problem).toBe('STAGE_RELEASE_REFUSED');
    expect(server.stageReleases).toEqual([{ inviteCode: INVITE, kioskId: 'demo-kiosk-01', stageIndex: 1, outcome: 'STAGE_NOT_SUBMITTED' }]);
    expect(events(core, id, 'stage_release_failed')).toEqual([{ stageIndex: 1, stageId: 'professional', code: 'STAGE_RELEASE_REFUSED' }]);
    // No question is open while the kiosk waits on the system: no clock runs for the candidate.
    expect(core.db.prepare('SELECT count(*) AS n FROM question_progress WHERE session_id = ? AND question_index = 1').get(id)).toEqual({ n: 0 });
    expect(core.db.prepare('SELECT count(*) AS n FROM answers WHERE session_id = ?').get(id)).toEqual({ n: 1 });
    const k1 = stageKeyOf(built.stageMasterKey!, built.manifest, 1, 'professional');
    expect(dbBytes(dataDir).includes(k1)).toBe(false);
    expect(memoryText(core)).not.toContain(STAGE1_PHRASE);

    // A retry within STAGE_RETRY_MS does not hammer the endpoint; after it, it asks again.
    core.sessions.current(id);
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stageReleases).toHaveLength(1);
    server.recordStageSubmitted(INVITE, 'intro');
    clock.advance(3001);
    const opened = await settle(core, id, (v) => v.kind === 'question');
    expect(opened.kind === 'question' && opened.question.questionIndex).toBe(1);
    expect(opened.kind === 'question' && opened.question.prompt.en).toContain(STAGE1_PHRASE);
    expect(server.stageReleases.at(-1)).toEqual({ inviteCode: INVITE, kioskId: 'demo-kiosk-01', stageIndex: 1, outcome: 'granted' });
    expect(events(core, id, 'stage_content_released')).toEqual([{ stageIndex: 1, stageId: 'professional', release: 'hr', envelopeSha256: expect.stringMatching(/^[0-9a-f]{64}$/), questionIndex: 1, variants: expect.any(Array) }]);
    expect(memoryText(core)).not.toContain(STAGE2_PHRASE);
    expect(dbBytes(dataDir).includes(k1)).toBe(false);
  });

  it('refuses a grant signed by another key (a spoofed endpoint) and keeps waiting', async () => {
    const { core, server } = await hrWorld(generateSigningKey());
    const id = await startedSession(core);
    server.recordStageSubmitted(INVITE, 'intro');
    submit(core, id, 0);
    const v = await settle(core, id, (x) => x.kind === 'stage_pending' && x.problem !== undefined);
    expect(v.kind === 'stage_pending' && v.problem).toBe('STAGE_RELEASE_REFUSED');
    expect(server.stageReleases.at(-1)?.outcome).toBe('granted');
    expect(core.db.prepare('SELECT count(*) AS n FROM session_stage_keys').get()).toEqual({ n: 0 });
    expect(memoryText(core)).not.toContain(STAGE1_PHRASE);
  });

  it('an unreachable endpoint leaves the candidate waiting with the proctor path; a restart resumes into the wait and the release works', async () => {
    const { core, server, clock, dataDir, packsDir, prov } = await hrWorld();
    const id = await startedSession(core);
    server.recordStageSubmitted(INVITE, 'intro');
    // The endpoint refuses (503) for now.
    let downCalls = 0;
    const down = await startHrEndpointServer({
      ...demoHrEndpointOptions(root, 0),
      intercept: (op) => {
        if (op === 'releaseStage') downCalls += 1;
        return { status: 503, code: 'UNAVAILABLE', message: 'maintenance' };
      },
    });
    servers.push(down);
    core.close();
    const downProv = path.join(path.dirname(prov), 'down.json');
    writeFileSync(downProv, JSON.stringify({ ...demoConfig, hrEndpoint: { ...demoConfig.hrEndpoint, url: down.url } }));
    const k2 = open(dataDir, packsDir, clock, downProv);
    expect(k2.sessions.resume(INVITE, undefined).ok).toBe(true);
    submit(k2, id, 0);
    const v = await settle(k2, id, (x) => x.kind === 'stage_pending' && x.problem !== undefined);
    expect(v.kind === 'stage_pending' && v.problem).toBe('STAGE_RELEASE_UNREACHABLE');
    // Retried after STAGE_RETRY_MS, still down: asked again, journaled once per reason, not per retry.
    clock.advance(3001);
    k2.sessions.current(id);
    await new Promise((r) => setTimeout(r, 100));
    expect(downCalls).toBe(2);
    expect(events(k2, id, 'stage_release_failed')).toEqual([{ stageIndex: 1, stageId: 'professional', code: 'STAGE_RELEASE_UNREACHABLE' }]);
    // Restart while waiting, against the working endpoint: resume lands in the wait, then the stage opens.
    k2.close();
    const k3 = open(dataDir, packsDir, clock, prov);
    const resumed = k3.sessions.resume(INVITE, undefined);
    expect(resumed.ok && resumed.value.kind).toBe('stage_pending');
    const opened = await settle(k3, id, (x) => x.kind === 'question');
    expect(opened.kind === 'question' && opened.question.questionIndex).toBe(1);
    expect(k3.packs.packs.get('software-engineer', id)!.staged?.releasedStages).toBe(2);
    expect(existsSync(dataDir)).toBe(true);
  });
});

describe('per-stage release with accommodations', () => {
  it('an offline-released stage starts with the candidate\'s rest break, like a v1 pack', async () => {
    const { packsDir } = signed('offline');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'v2-data-'));
    const core = open(dataDir, packsDir, new ManualClock(Date.now()));
    const id = await startedSession(core, 'DEMO-ACC1');
    const next = submit(core, id, 0);
    expect(next.kind).toBe('question');
    expect(next.kind === 'question' && next.question.stageIndex).toBe(1);
    expect(next.kind === 'question' && next.question.restBreak).toEqual({ remainingMs: 60_000, maxMs: 60_000 });
    // The released stage gets the candidate's extra time too.
    const plain = (source() as { stages: { questions: { answerSeconds: number }[] }[] }).stages[1]!.questions[0]!;
    expect(next.kind === 'question' && [next.question.timeMultiplier, next.question.answerSeconds]).toEqual([1.5, Math.ceil(plain.answerSeconds * 1.5)]);
    expect(events(core, id, 'rest_break_started')).toEqual([{ questionIndex: 1, stageIndex: 1, maxMs: 60_000 }]);
    const again = core.sessions.current(id);
    expect(again.ok && again.value.kind === 'question' && again.value.question.restBreak).toEqual({ remainingMs: 60_000, maxMs: 60_000 });
  });
});
