/**
 * The kiosk pre-check end to end under Node: a real SQLite-backed session service, the pre-check
 * service with controlled machine facts, the loopback network server, and the IPC router of the
 * real composition root (contract validation, progress events).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraMeasurement, MicrophoneMeasurement, PrecheckProgressEvent, PrecheckReportView, PrecheckRunView, SpeakerMeasurement } from '../../preload/contract/precheck';
import type { SessionView } from '../../preload/contract/session';
import { createKioskCore } from '../../main/app/composition-root';
import { silentLogger } from '../../main/common/logger';
import { getIncident } from '../../main/db/queries/sessions';
import { startNetworkTestServer, type NetworkTestServer } from '../../main/dev/network-test-server';
import { verifyJournal } from '../../main/services/journal/journal';
import { PrecheckService } from '../../main/services/precheck/precheck-service';
import { makeFixture, must, type Fixture } from '../support/session-fixture';
import { FakeMachine, goodFacts, type Facts } from '../unit/services/precheck/fake-machine';

const camera: CameraMeasurement = { permission: 'granted', devices: 1, width: 1280, height: 720, fps: 24, framesSampled: 48, meanLuma: 120, meanFrameDiff: 2.5 };
const microphone: MicrophoneMeasurement = { permission: 'granted', devices: 1, trackMuted: false, noiseFloorDb: -62, speechDb: -22 };
const speakers: SpeakerMeasurement = { played: true, heard: true, outputDevices: 1 };

let server: NetworkTestServer;
beforeAll(async () => {
  server = await startNetworkTestServer();
});
afterAll(async () => {
  await server.close();
});

function setup(change: (f: Facts) => void = () => undefined) {
  const f = makeFixture();
  const facts = goodFacts();
  change(facts);
  const events: PrecheckProgressEvent[] = [];
  // The fixture's clock is a fixed date: give the server the same time, or the clock check fails.
  server.setFault('none', { clockOffsetMs: f.clock.now() - Date.now() });
  const service = new PrecheckService({
    clock: f.clock,
    logger: silentLogger,
    appVersion: '0.0.0-test',
    dataDir: path.dirname(f.dbPath),
    machine: () => ({ sources: new FakeMachine(facts), close: async () => undefined }),
    sessions: f.service,
    endpoint: () => server.url,
    homePack: f.pack,
    emit: (e) => events.push(e),
  });
  return { f, service, events };
}

function consented(f: Fixture, code = 'DEMO-7001'): SessionView {
  const s = must(f.service.checkIn(code, 'zh-CN'));
  return must(f.service.giveConsent(s.sessionId, true, s.consentVersion));
}

const journalTypes = (f: Fixture, id: string) => (f.db.prepare(`SELECT type FROM journal WHERE session_id = ? ORDER BY seq`).all(id) as Array<{ type: string }>).map((r) => r.type);
const lastPayload = (f: Fixture, id: string, type: string) =>
  JSON.parse((f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq DESC LIMIT 1`).get(id, type) as { payload: string }).payload) as Record<string, unknown>;

describe('kiosk pre-check and the session', () => {
  it('a passing run is journaled and lets the interview start', async () => {
    const { f, service, events } = setup();
    const s = consented(f);
    const runId = crypto.randomUUID();
    const run = must(await service.run({ runId, mode: 'kiosk', sessionId: s.sessionId }));
    expect(run.checks).toHaveLength(17);
    expect(run.interactive.camera.required).toBe(true);
    expect(events.filter((e) => e.phase === 'done')).toHaveLength(17);
    expect(events.at(-1)).toMatchObject({ runId, done: 17, total: 17 });
    const report = must(service.finish({ runId, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }));
    expect(report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.id}: ${c.detail}`)).toEqual([]);
    expect(report.overall).toBe('READY');
    expect(report.checks).toHaveLength(21);
    expect(report.session?.state).toBe('prechecked');
    expect(journalTypes(f, s.sessionId)).toEqual(['checked_in', 'consent_given', 'precheck_recorded']);
    expect(lastPayload(f, s.sessionId, 'precheck_recorded')).toMatchObject({ runId, overall: 'READY', blockingFailures: [] });
    expect(verifyJournal(f.db, s.sessionId).ok).toBe(true);
    expect(must(f.service.start(s.sessionId)).kind).toBe('question');
  });

  it('a blocking failure keeps the session from starting; a retry that passes moves it on', async () => {
    const { f, service } = setup();
    const s = consented(f);
    const first = crypto.randomUUID();
    must(await service.run({ runId: first, mode: 'kiosk', sessionId: s.sessionId }));
    const denied = must(service.finish({ runId: first, mode: 'kiosk', sessionId: s.sessionId, camera: { ...camera, permission: 'denied', framesSampled: 0, fps: 0, width: 0, height: 0 }, microphone, speakers }));
    expect(denied.overall).toBe('NOT_READY');
    expect(denied.blockingFailures).toEqual(['camera.present', 'camera.frames', 'camera.image']);
    expect(denied.checks.find((c) => c.id === 'camera.present')?.remediationKey).toBe('precheck.fix.camera.denied');
    expect(denied.session?.state).toBe('consented');
    expect(f.service.start(s.sessionId)).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });

    const retry = crypto.randomUUID();
    must(await service.run({ runId: retry, mode: 'kiosk', sessionId: s.sessionId }));
    const ok = must(service.finish({ runId: retry, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }));
    expect(ok.session?.state).toBe('prechecked');
    expect(journalTypes(f, s.sessionId).filter((t) => t === 'precheck_recorded')).toHaveLength(2);
  });

  it('warnings do not block: a VM and a slow network give READY_WITH_WARNINGS', async () => {
    const { f, service } = setup((facts) => (facts.virtualization = { virtual: true, host: 'VMware', signals: ['system:VMware'] }));
    server.setFault('dropping', { clockOffsetMs: f.clock.now() - Date.now() });
    try {
      const s = consented(f);
      const runId = crypto.randomUUID();
      must(await service.run({ runId, mode: 'kiosk', sessionId: s.sessionId }));
      const r = must(service.finish({ runId, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }));
      expect(r.overall).toBe('READY_WITH_WARNINGS');
      expect(r.checks.find((c) => c.id === 'network.loss')?.status).toBe('fail');
      expect(r.session?.state).toBe('prechecked');
    } finally {
      server.setFault('none');
    }
  });

  it('a prohibited program blocks with the fix that names it', async () => {
    const { f, service } = setup((facts) => (facts.processes = ['explorer.exe', 'AnyDesk.exe']));
    const s = consented(f);
    const runId = crypto.randomUUID();
    must(await service.run({ runId, mode: 'kiosk', sessionId: s.sessionId }));
    const r = must(service.finish({ runId, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }));
    expect(r.overall).toBe('NOT_READY');
    expect(r.checks.find((c) => c.id === 'processes')).toMatchObject({ status: 'fail', detail: 'running: anydesk', remediationKey: 'precheck.fix.processes' });
  });

  it('in the kiosk a skipped camera test of a video interview fails instead of warning', async () => {
    const { f, service } = setup();
    const s = consented(f);
    const runId = crypto.randomUUID();
    must(await service.run({ runId, mode: 'kiosk', sessionId: s.sessionId }));
    const r = must(service.finish({ runId, mode: 'kiosk', sessionId: s.sessionId, camera: null, microphone, speakers }));
    expect(r.checks.find((c) => c.id === 'camera.frames')?.status).toBe('fail');
    expect(r.overall).toBe('NOT_READY');
  });

  it('refuses an unknown run and a run that belongs to another session', async () => {
    const { f, service } = setup();
    const a = consented(f, 'DEMO-7002');
    const b = consented(f, 'DEMO-7003');
    expect(service.finish({ runId: crypto.randomUUID(), mode: 'kiosk', sessionId: a.sessionId, camera, microphone, speakers })).toMatchObject({ ok: false, error: { code: 'PRECHECK_RUN_UNKNOWN' } });
    const runId = crypto.randomUUID();
    must(await service.run({ runId, mode: 'kiosk', sessionId: a.sessionId }));
    expect(service.finish({ runId, mode: 'kiosk', sessionId: b.sessionId, camera, microphone, speakers })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('refuses a kiosk pre-check for a session that has already started', async () => {
    const { f, service } = setup();
    const s = consented(f);
    const runId = crypto.randomUUID();
    must(await service.run({ runId, mode: 'kiosk', sessionId: s.sessionId }));
    must(service.finish({ runId, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }));
    must(f.service.start(s.sessionId));
    expect(await service.run({ runId: crypto.randomUUID(), mode: 'kiosk', sessionId: s.sessionId })).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
  });

  it('journals a reschedule request with its reason and files it for HR', async () => {
    const { f } = setup();
    const s = consented(f);
    const receipt = must(f.service.requestReschedule(s.sessionId, 'device', '摄像头坏了，明天换电脑', undefined));
    expect(receipt.requestId).toMatch(/^RSC-\d{8}-[0-9A-F]{8}$/);
    expect(lastPayload(f, s.sessionId, 'reschedule_requested')).toMatchObject({ requestId: receipt.requestId, reason: 'device', text: '摄像头坏了，明天换电脑', state: 'consented' });
    const incident = getIncident(f.db, receipt.requestId)!;
    expect(incident.kind).toBe('reschedule');
    expect(verifyJournal(f.db, s.sessionId).ok).toBe(true);
    // The session is unchanged: the same invite code still works on the new date.
    expect(must(f.service.current(s.sessionId)).session.state).toBe('consented');
  });
});

describe('through the IPC router of the real composition root', () => {
  let dir: string;
  let core: ReturnType<typeof createKioskCore>;
  beforeAll(() => {
    server.setFault('none');
    dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-precheck-'));
    core = createKioskCore({ dataDir: dir, logger: silentLogger, appVersion: '0.0.0-test', shell: 'node', tickMs: 0, precheckEndpoint: server.url });
  });
  afterAll(() => core.close());
  const web = { transport: 'web' as const, trusted: true, description: 'test' };

  it('runs the real machine checks in a worker within 10 s, streams progress and records the result', async () => {
    const progress: PrecheckProgressEvent[] = [];
    const off = core.events.subscribe((event, payload) => {
      if (event === 'precheckProgress') progress.push(payload as PrecheckProgressEvent);
    });
    const checkIn = await core.router.handle('kiosk:session:checkIn', { inviteCode: 'DEMO-8001', locale: 'en' }, web);
    const s = (checkIn as { ok: true; value: SessionView }).value;
    await core.router.handle('kiosk:session:consent', { sessionId: s.sessionId, accepted: true, consentVersion: s.consentVersion }, web);
    const runId = crypto.randomUUID();
    const t0 = performance.now();
    const run = await core.router.handle('kiosk:precheck:run', { runId, mode: 'kiosk', sessionId: s.sessionId, displays: [{ width: 1280, height: 800 }] }, web);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(run.ok).toBe(true);
    const view = (run as { ok: true; value: PrecheckRunView }).value;
    expect(view.checks.find((c) => c.id === 'os')?.status).toBe('pass');
    expect(view.checks.find((c) => c.id === 'network.reachable')?.status).toBe('pass');
    expect(progress.filter((p) => p.runId === runId && p.phase === 'done')).toHaveLength(view.checks.length);
    off();
    const finished = await core.router.handle('kiosk:precheck:finish', { runId, mode: 'kiosk', sessionId: s.sessionId, camera, microphone, speakers }, web);
    expect(finished.ok).toBe(true);
    const report = (finished as { ok: true; value: PrecheckReportView }).value;
    // The page's camera and microphone replace the listing of this camera-less machine.
    expect(report.checks.find((c) => c.id === 'camera.present')?.status).toBe('pass');
    expect(report.overall).not.toBe('NOT_READY');
    expect(report.session?.state).toBe('prechecked');
  });

  it('validates requests against the contract', async () => {
    expect(await core.router.handle('kiosk:precheck:run', { runId: 'nope', mode: 'kiosk' }, web)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(await core.router.handle('kiosk:precheck:reschedule', { sessionId: crypto.randomUUID(), reason: 'other' }, web)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('runs the at-home check without a session', async () => {
    const runId = crypto.randomUUID();
    const run = await core.router.handle('kiosk:precheck:run', { runId, mode: 'home' }, web);
    expect(run.ok).toBe(true);
    const finished = await core.router.handle('kiosk:precheck:finish', { runId, mode: 'home', camera: null, microphone: null, speakers: null }, web);
    expect(finished).toMatchObject({ ok: true, value: { mode: 'home', session: null } });
  });
});
