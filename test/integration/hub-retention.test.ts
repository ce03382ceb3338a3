/**
 * The kiosk connected to its hub end to end: a real hub (embedded PostgreSQL, or
 * HUB_TEST_DATABASE_URL) and the real composition root on a temp data folder. An interview runs
 * while the kiosk is not enrolled (nothing is erased however far the clock moves: retention never
 * starts before the hub holds the record); `npm run kiosk -- enrol` enrols it; at its next start
 * the kiosk syncs, the hub's confirmation is recorded once in `session_uploads` and the journal,
 * and the retention sweep erases the session only after the pack's retention days from then.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { getUploadConfirmation } from '../../main/db/queries/session-keys';
import { getSession } from '../../main/db/queries/sessions';
import { sweepRetention } from '../../main/services/storage/crypto/erasure';
import type { CurrentView, SessionView } from '../../preload/contract/session';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { saveHubCredential } from '../../main/services/sync/credential-store';
import { HubClient, enrolKiosk } from '../../main/services/sync/hub-client';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

const root = path.resolve(import.meta.dirname, '../..');
const DAY = 86_400_000;
const web = { transport: 'web' as const, trusted: true, description: 'test' };

const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

async function until(what: string, cond: () => boolean, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A whole interview through the real services: typed answers typed, recorded ones with one chunk each. */
async function interview(core: KioskCore): Promise<string> {
  const checkIn = await core.router.handle('kiosk:session:checkIn', { inviteCode: 'DEMO-8001', locale: 'zh-CN' }, web);
  const s = must(checkIn as { ok: true; value: SessionView });
  must(core.sessions.giveConsent(s.sessionId, true, s.consentVersion));
  must(core.sessions.reportPrecheck(s.sessionId, 'ok', 'ok'));
  let view: CurrentView = must(core.sessions.start(s.sessionId));
  for (let guard = 0; view.kind === 'question' && guard < 50; guard++) {
    let q = view.question;
    if (q.phase === 'preparing') q = must(core.sessions.beginAnswer(q.sessionId, q.questionIndex));
    if (q.mode === 'text') {
      view = must(core.sessions.submitAnswer(q.sessionId, q.questionIndex, q.attempt, '我负责支付系统的重构，把延迟降低了一半。'));
    } else {
      const mimeType = q.mode === 'audio' ? 'audio/webm;codecs=opus' : 'video/webm;codecs=vp8,opus';
      must(await core.sessions.appendChunk({ sessionId: q.sessionId, questionIndex: q.questionIndex, attempt: q.attempt, segment: q.segment, seq: q.nextSeq, mimeType, data: randomBytes(4096) }));
      view = must(core.sessions.submitAnswer(q.sessionId, q.questionIndex, q.attempt));
    }
  }
  expect(view.kind).toBe('completed');
  return s.sessionId;
}

/** Runs the CLI as a child process, asynchronously: the hub answers from this test's own event loop. */
function kioskCli(args: string[]): Promise<{ status: number | null; stderr: string; last: Record<string, unknown> }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'main/dev/kiosk-cli.ts', ...args, '--json'], { cwd: root, encoding: 'utf8', timeout: 120_000 }, (error, stdout, stderr) => {
      const lines = stdout.trim().split('\n');
      const status = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ status, stderr, last: JSON.parse(lines.at(-1) || '{}') as Record<string, unknown> });
    });
  });
}

describe(`a kiosk syncs to its hub and retention starts at the hub's confirmation (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let dataDir: string;
  beforeAll(async () => {
    hub = await startTestHub();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'hub-retention-'));
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  it('enrols with the CLI, syncs an interview, confirms the upload once and erases it only after the retention days', { timeout: 300_000 }, async () => {
    const demo = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as Record<string, unknown> & { hrEndpoint: Record<string, string> };
    const provisioning = path.join(dataDir, 'provisioning.json');
    // The demo's HR endpoint on a closed port: the pack unlocks with the demo code, nothing else on this machine answers.
    writeFileSync(provisioning, JSON.stringify({ ...demo, hrEndpoint: { ...demo.hrEndpoint, url: 'http://127.0.0.1:9' }, hub: { url: hub.url } }));
    const clock = new ManualClock(Date.now());
    const open = () =>
      createKioskCore({ dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, clock, provisioningPath: provisioning, resourcesDir: root, sync: { idlePollMs: 50, backoffBaseMs: 50, backoffCapMs: 500 } });
    const sweep = (core: KioskCore, days: number) => sweepRetention({ db: core.db, keyring: core.keyring, journal: core.journal, clock, logger: silentLogger, dataDir, retentionDaysOf: () => days });
    const journalCount = (core: KioskCore, sessionId: string, type: string) =>
      (core.db.prepare('SELECT count(*) AS n FROM journal WHERE session_id = ? AND type = ?').get(sessionId, type) as { n: number }).n;
    const chunks = (core: KioskCore, sessionId: string) => (core.db.prepare('SELECT count(*) AS n FROM media_chunks WHERE session_id = ?').get(sessionId) as { n: number }).n;

    // 1. Not enrolled: the interview runs and stays on the kiosk; nothing is ever erased.
    let core = open();
    let sessionId: string;
    try {
      expect(core.syncPlan).toBe('not_enrolled');
      sessionId = await interview(core);
      await core.scoring.whenIdle();
      expect(core.syncState()).toMatchObject({ phase: 'not_enrolled', confirmed: 0 });
      expect(core.syncState()!.pending).toBeGreaterThan(0);
      clock.advance(30 * DAY);
      expect(sweep(core, 0)).toEqual([]);
      expect(getUploadConfirmation(core.db, sessionId)).toBeUndefined();
      expect(chunks(core, sessionId)).toBeGreaterThan(0);
    } finally {
      core.close();
    }

    // 2. Enrol with the one-time code from HR; a second enrolment is refused without --replace.
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    expect(code.status).toBe(201);
    const enrolled = await kioskCli(['enrol', '--code', String(code.json.code), '--data-dir', dataDir, '--provisioning', provisioning, '--name', 'retention-test']);
    expect(enrolled.status, JSON.stringify(enrolled.last) + enrolled.stderr).toBe(0);
    expect(enrolled.last).toMatchObject({ ok: true, hubUrl: hub.url, protector: 'file-key', provisioned: true });
    const again = await kioskCli(['enrol', '--code', 'ABCD1234', '--data-dir', dataDir, '--provisioning', provisioning]);
    expect(again).toMatchObject({ status: 1, last: { ok: false, code: 'HUB_ALREADY_ENROLLED' } });
    const kioskId = String(enrolled.last.kioskId);

    // 3. The next start syncs: the hub holds the session, the kiosk records the confirmation once.
    core = open();
    try {
      expect(core.syncPlan).toBe('start');
      await core.scoring.whenIdle();
      await until('the hub confirmed the session', () => getUploadConfirmation(core.db, sessionId) !== undefined);
      const confirmation = getUploadConfirmation(core.db, sessionId)!;
      expect(confirmation.confirmed_at).toBe(clock.now());
      expect(confirmation.receipt).toMatch(new RegExp(`^hub:${kioskId}:\\d+:[0-9a-f]{64}$`));
      // The upload_confirmed event itself syncs, which confirms the session again: still one row, one event.
      await until('the upload_confirmed event reached the hub', () => core.syncState()!.pending === 0 && journalCount(core, sessionId, 'upload_confirmed') === 1);
      const onHub = async (type: string) =>
        (await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM journal_events WHERE kiosk_id = $1 AND session_id = $2 AND type = $3', [kioskId, sessionId, type])).rows[0]!.n;
      expect(await onHub('upload_confirmed')).toBe(1);
      expect(journalCount(core, sessionId, 'upload_confirmed')).toBe(1);
      expect(getUploadConfirmation(core.db, sessionId)).toEqual(confirmation);
      const kioskEvents = (core.db.prepare('SELECT count(*) AS n FROM journal WHERE session_id = ?').get(sessionId) as { n: number }).n;
      const hubEvents = (await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM journal_events WHERE kiosk_id = $1 AND session_id = $2', [kioskId, sessionId])).rows[0]!.n;
      expect(hubEvents).toBe(kioskEvents);
      const hubMedia = (await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM media_objects WHERE kiosk_id = $1', [kioskId])).rows[0]!.n;
      expect(hubMedia).toBe(chunks(core, sessionId));
      expect(core.syncState()).toMatchObject({ phase: 'idle', pending: 0, lastError: null });

      // 4. Retention counts from the confirmation: not a day early, erased once the days have passed.
      expect(sweep(core, 1)).toEqual([]);
      expect(chunks(core, sessionId)).toBeGreaterThan(0);
      clock.advance(DAY + 1);
      expect(sweep(core, 1)).toEqual([sessionId]);
      expect(chunks(core, sessionId)).toBe(0);
      expect(journalCount(core, sessionId, 'deleted')).toBe(1);
      expect(getSession(core.db, sessionId)?.state).toBe('completed');
      // The erasure's journal event reaches the hub too; the confirmation is never journaled twice.
      await until('the deleted event reached the hub', () => core.syncState()!.pending === 0);
      expect(await onHub('deleted')).toBe(1);
      expect(journalCount(core, sessionId, 'upload_confirmed')).toBe(1);
    } finally {
      core.close();
    }
    expect(core.syncState()).toBeNull();
  });
  it('records at the next start a confirmation the kiosk did not live to record', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hub-catchup-'));
    try {
      const demo = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as Record<string, unknown> & { hrEndpoint: Record<string, string> };
      const provisioning = path.join(dir, 'provisioning.json');
      writeFileSync(provisioning, JSON.stringify({ ...demo, hrEndpoint: { ...demo.hrEndpoint, url: 'http://127.0.0.1:9' }, hub: { url: hub.url } }));
      const open = () => createKioskCore({ dataDir: dir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, provisioningPath: provisioning, resourcesDir: root, sync: { idlePollMs: 50 } });
      const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
      const cred = await enrolKiosk(hub.url, String(code.json.code), 'catch-up');
      let core = open();
      let sessionId: string;
      try {
        sessionId = await interview(core);
        await core.scoring.whenIdle();
        // The hub takes everything but the kiosk never hears of it as a confirmation (a crash
        // between the hub's answer and confirmUpload, played by an engine with no listener).
        const engine = new SyncEngine({ db: core.db, hub: new HubClient(cred), sealer: core.chunkSealer });
        for (let i = 0; i < 100 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
        expect(engine.state().pending).toBe(0);
        expect(getUploadConfirmation(core.db, sessionId)).toBeUndefined();
      } finally {
        core.close();
      }
      saveHubCredential(path.join(dir, 'keys', 'hub-credential.json'), { credential: cred, name: 'catch-up', enrolledAt: Date.now() }, new FileKeyProtector(dir));
      core = open();
      try {
        expect(core.syncPlan).toBe('start');
        // Recorded during start, before any new item could make the hub confirm the session again.
        expect(getUploadConfirmation(core.db, sessionId)?.receipt).toMatch(new RegExp(`^hub:${cred.kioskId}:`));
        const n = (core.db.prepare("SELECT count(*) AS n FROM journal WHERE session_id = ? AND type = 'upload_confirmed'").get(sessionId) as { n: number }).n;
        expect(n).toBe(1);
      } finally {
        core.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
