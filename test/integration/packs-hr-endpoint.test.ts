/**
 * The kiosk's pack runtime against a real HR endpoint server on 127.0.0.1: online unlock, the
 * proctor's offline code when the endpoint is down, refusals, forged answers, signed schedules,
 * no-shows reported to HR, and check-in through the real IPC router.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKioskCore } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { openDatabase } from '../../main/db/connection';
import { journalRows } from '../../main/db/queries/journal';
import { demoHrEndpointOptions, startHrEndpointServer, type HrEndpointServer } from '../../main/dev/hr-endpoint-server';
import { generateSigningKey, type SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { createPackRuntime } from '../../main/services/packs/pack-runtime';
import { buildSchedule } from '../../main/services/packs/schedule';

const root = path.resolve(import.meta.dirname, '../..');
const demoConfig = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as Record<string, unknown> & { hrEndpoint: Record<string, string>; demoUnlockCodes: Record<string, string>; centreId: string };
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
const servers: HrEndpointServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The demo config pointed at `url`, without the demo unlock codes so the online path is used. */
function provisioningFor(url: string): string {
  const { demoUnlockCodes: _codes, ...rest } = demoConfig;
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'hr-prov-')), 'provisioning.json');
  writeFileSync(file, JSON.stringify({ ...rest, hrEndpoint: { ...demoConfig.hrEndpoint, url } }));
  return file;
}

function runtime(url: string, clock = new ManualClock()) {
  const db = openDatabase(path.join(mkdtempSync(path.join(os.tmpdir(), 'hr-db-')), 'k.sqlite'));
  const rt = createPackRuntime({ db, clock, logger: silentLogger, appVersion: 'test', kioskMode: false, resourcesDir: root, provisioningPath: provisioningFor(url) });
  return { db, rt, clock };
}

describe('HR endpoint on loopback', () => {
  it('refuses to listen anywhere but 127.0.0.1', async () => {
    await expect(startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), host: '0.0.0.0' })).rejects.toThrow(/127\.0\.0\.1 only/);
  });

  it('releases the content key for an invite; the kiosk unlocks and tailors', async () => {
    const server = await startHrEndpointServer(demoHrEndpointOptions(root, 0));
    servers.push(server);
    expect(server.url.startsWith('http://127.0.0.1:')).toBe(true);
    const { rt } = runtime(server.url);
    expect(rt.registry!.status('software-engineer')).toBe('locked');
    const r = await rt.preparer!.prepare('DEMO-2026');
    expect(r.ok).toBe(true);
    expect(rt.registry!.status('software-engineer')).toBe('ready');
    expect(server.unlocks).toEqual([{ inviteCode: 'DEMO-2026', kioskId: 'demo-kiosk-01', outcome: 'granted' }]);
    expect(r.ok && r.value?.choices.find((c) => c.questionId === 'q2-design')?.variantId).toBe('payments');
  });

  it('asks for the proctor code when the endpoint is down, and the code works', async () => {
    const server = await startHrEndpointServer(demoHrEndpointOptions(root, 0));
    const url = server.url;
    await server.close();
    const { rt } = runtime(url);
    const offline = await rt.preparer!.prepare('DEMO-SALE');
    expect(!offline.ok && offline.error.code).toBe('UNLOCK_CODE_REQUIRED');
    expect(rt.registry!.status('regional-sales-manager')).toBe('locked');
    const wrong = await rt.preparer!.prepare('DEMO-SALE', 'AAAA-BBBB-CCCC-DDDD-EEEE');
    expect(!wrong.ok && wrong.error.code).toBe('UNLOCK_CODE_INVALID');
    const right = await rt.preparer!.prepare('DEMO-SALE', demoConfig.demoUnlockCodes['regional-sales-manager']);
    expect(right.ok).toBe(true);
    expect(rt.registry!.status('regional-sales-manager')).toBe('ready');
  });

  it('reports the endpoint refusing an invite of another centre as UNLOCK_REFUSED', async () => {
    const server = await startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), inviteRule: (code) => ({ code, packId: 'software-engineer', centreId: 'another-centre' }) });
    servers.push(server);
    const { rt } = runtime(server.url);
    const r = await rt.preparer!.prepare('DEMO-2026');
    expect(!r.ok && r.error.code).toBe('UNLOCK_REFUSED');
    expect(!r.ok && r.error.message).toMatch(/NOT_THIS_CENTRE/);
    expect(rt.registry!.status('software-engineer')).toBe('locked');
  });

  it('does not trust an answer signed by another key (a spoofed endpoint)', async () => {
    const server = await startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), signingKey: generateSigningKey() });
    servers.push(server);
    const { rt } = runtime(server.url);
    const r = await rt.preparer!.prepare('DEMO-2026');
    expect(!r.ok && r.error.code).toBe('UNLOCK_CODE_REQUIRED');
    expect(!r.ok && r.error.message).toMatch(/not signed by the HR key/);
    expect(rt.registry!.status('software-engineer')).toBe('locked');
  });

  it('imports a signed schedule, turns a missed window into a no_show with the kiosk state, and reports it once', async () => {
    const clock = new ManualClock(Date.parse('2026-11-23T00:30:00Z'));
    const server = await startHrEndpointServer({
      ...demoHrEndpointOptions(root, 0),
      clock,
      invites: [{ code: 'SH-0001-AM', packId: 'software-engineer', centreId: demoConfig.centreId, notBefore: Date.parse('2026-11-23T01:00:00Z'), notAfter: Date.parse('2026-11-23T02:00:00Z') }],
    });
    servers.push(server);
    const { rt, db } = runtime(server.url, clock);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-'));
    writeFileSync(path.join(dir, 'cv.txt'), readFileSync(path.join(root, 'test/fixtures/resumes/en-go-lead.txt')));
    const built = buildSchedule(
      {
        scheduleId: 'demo-centre-2026-11-23',
        centreId: demoConfig.centreId,
        day: '2026-11-23',
        invites: [
          { code: 'SH-0001-AM', candidateRef: 'cand-0001', packId: 'software-engineer', window: { start: '2026-11-23T01:00:00Z', end: '2026-11-23T02:00:00Z' }, resumeFile: 'cv.txt' },
          { code: 'SH-0002-AM', candidateRef: 'cand-0002', packId: 'regional-sales-manager', window: { start: '2026-11-23T01:00:00Z', end: '2026-11-23T03:00:00Z' } },
        ],
      },
      dir,
      demoKey,
    );
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const file = path.join(dir, 'day.ikschedule');
    writeFileSync(file, built.value.text);
    expect(await rt.importScheduleFile(file)).toMatchObject({ ok: true, value: { invites: 2, resumesRead: 1, resumesUnreadable: 0 } });

    // A tampered schedule is refused and changes nothing.
    writeFileSync(file + '.bad', built.value.text.replace('cand-0002', 'cand-0003'));
    const bad = await rt.importScheduleFile(file + '.bad');
    expect(!bad.ok && bad.error.code).toBe('SIGNATURE_INVALID');
    expect(rt.invites.lookup('SH-0002-AM')?.candidateRef).toBe('cand-0002');

    expect(rt.sweepNoShows()).toEqual([]);
    clock.set(Date.parse('2026-11-23T01:30:00Z'));
    const prepared = await rt.preparer!.prepare('SH-0001-AM');
    expect(prepared.ok && prepared.value?.choices.find((c) => c.questionId === 'q1-intro')?.variantId).toBe('lead');

    clock.set(Date.parse('2026-11-23T03:00:01Z'));
    const events = rt.sweepNoShows();
    // SH-0001-AM was prepared but never checked in either: both are no-shows.
    expect(events.map((e) => e.inviteCode).sort()).toEqual(['SH-0001-AM', 'SH-0002-AM']);
    const e2 = events.find((e) => e.inviteCode === 'SH-0002-AM')!;
    expect(e2.window).toEqual({ start: '2026-11-23T01:00:00.000Z', end: '2026-11-23T03:00:00.000Z' });
    expect(e2.kioskState).toMatchObject({ kioskId: 'demo-kiosk-01', centreId: demoConfig.centreId, packStatus: 'locked', sessionsInProgress: 0 });
    expect(rt.sweepNoShows()).toEqual([]);
    expect(await rt.reportNoShows()).toBe(2);
    expect(await rt.reportNoShows()).toBe(0);
    expect(server.noShows).toHaveLength(2);
    db.close();
  });
});

describe('check-in through the kiosk core (demo provisioning, signed demo packs)', () => {
  it('DEMO-2026 checks in to the signed software-engineer pack with tailored questions', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-core-'));
    const core = createKioskCore({ dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, resourcesDir: root, kioskMode: false });
    try {
      expect(core.packs.provisioning?.config.mode).toBe('demo');
      expect(core.packs.registry?.packIds().sort()).toEqual(['regional-sales-manager', 'software-engineer']);
      const sender = { transport: 'web' as const, trusted: true, description: 'test' };
      const r = (await core.router.handle('kiosk:session:checkIn', { inviteCode: 'demo-2026', locale: 'zh-CN' }, sender)) as { ok: boolean; value: { sessionId: string; packId: string; questionCount: number } };
      expect(r.ok).toBe(true);
      expect(r.value.packId).toBe('software-engineer');
      expect(r.value.questionCount).toBe(9);
      const payload = JSON.parse(journalRows(core.db, r.value.sessionId).find((x) => x.type === 'checked_in')!.payload) as { tailoring: { resume: string; variants: { questionId: string; variantId: string; chosenBy: string[] }[] } };
      expect(payload.tailoring.resume).toBe('text');
      expect(payload.tailoring.variants.find((v) => v.questionId === 'q4-language')).toMatchObject({ variantId: 'jvm', chosenBy: ['java', 'spring'] });
      const sales = (await core.router.handle('kiosk:session:checkIn', { inviteCode: 'DEMO-SALE', locale: 'en' }, sender)) as { ok: boolean; value: { packId: string } };
      expect(sales.ok && sales.value.packId).toBe('regional-sales-manager');
    } finally {
      core.close();
    }
  });
});
