/**
 * On a provisioned (production, kiosk-mode) kiosk, a resume code computed with the old constant
 * demo secret, or with any secret but the centre's, is refused; the code from the provisioned
 * secret works. Before issue #12 every kiosk verified codes with the constant in the source, so
 * anyone holding a session id could compute a valid code.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { buildPack } from '../../main/services/packs/pack-format';
import { buildSchedule } from '../../main/services/packs/schedule';
import { DEMO_PROCTOR_SECRET, formatResumeCode, HmacResumeCodes } from '../../main/services/session/resume-codes';

const root = path.resolve(import.meta.dirname, '../..');
const fixtureKey = JSON.parse(readFileSync(path.join(root, 'test/fixtures/packs/keys/fixture-signing-key.json'), 'utf8')) as SigningKeyPair;
const production = JSON.parse(readFileSync(path.join(root, 'test/fixtures/packs/provisioning-production.json'), 'utf8')) as { centreId: string; resumeCodes: { keys: { secret: string }[] } };
const centreSecret = Buffer.from(production.resumeCodes.keys[0]!.secret, 'base64');
const UNLOCK = 'PR0V-1S10-NED0-K10S-K001';
const sender = { transport: 'web' as const, trusted: true, description: 'test' };

function provisionedKiosk(): { dataDir: string; packsDir: string; provisioning: string; scheduleFile: string } {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'provisioned-'));
  const packsDir = path.join(tmp, 'packs');
  mkdirSync(packsDir);
  const src = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
  const built = buildPack({ ...src, demo: false }, fixtureKey, { issuedAt: new Date('2026-12-01T00:00:00Z'), unlockCode: UNLOCK });
  if (!built.ok) throw new Error(built.error.message);
  writeFileSync(path.join(packsDir, 'software-engineer.ikpack'), built.value.text);
  const provisioning = path.join(tmp, 'provisioning.json');
  writeFileSync(provisioning, readFileSync(path.join(root, 'test/fixtures/packs/provisioning-production.json')));
  const schedule = buildSchedule(
    {
      scheduleId: 'sh-2026-12-07',
      centreId: production.centreId,
      day: '2026-12-07',
      invites: [{ code: 'SH-0007-AM', candidateRef: 'cand-0007', packId: 'software-engineer', window: { start: '2026-12-07T01:00:00Z', end: '2026-12-07T09:00:00Z' } }],
    },
    tmp,
    fixtureKey,
    new Date('2026-12-06T00:00:00Z'),
  );
  if (!schedule.ok) throw new Error(schedule.error.message);
  const scheduleFile = path.join(tmp, 'day.ikschedule');
  writeFileSync(scheduleFile, schedule.value.text);
  return { dataDir: path.join(tmp, 'data'), packsDir, provisioning, scheduleFile };
}

async function call<T>(core: KioskCore, channel: string, body: unknown): Promise<{ ok: boolean; value: T; error: { code: string } }> {
  return (await core.router.handle(channel, body, sender)) as { ok: boolean; value: T; error: { code: string } };
}

describe('resume codes on a provisioned kiosk', () => {
  it('refuses a code forged with the old constant secret or a wrong secret; accepts the centre code', async () => {
    const k = provisionedKiosk();
    const clock = new ManualClock(Date.parse('2026-12-07T02:00:00Z'));
    const open = () => createKioskCore({ dataDir: k.dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, clock, kioskMode: true, provisioningPath: k.provisioning, packsDir: k.packsDir, resourcesDir: root });
    let core = open();
    let sessionId: string;
    try {
      expect(core.packs.provisioning?.config.mode).toBe('production');
      expect(core.packs.registry?.packIds()).toEqual(['software-engineer']);
      const imported = await core.packs.importScheduleFile(k.scheduleFile);
      expect(imported.ok).toBe(true);
      // Nothing demo applies: the demo invite is unknown here.
      expect((await call(core, 'kiosk:session:checkIn', { inviteCode: 'DEMO-2026', locale: 'en' })).error.code).toBe('INVITE_NOT_FOUND');
      const checkIn = await call<{ sessionId: string }>(core, 'kiosk:session:checkIn', { inviteCode: 'SH-0007-AM', locale: 'en', unlockCode: UNLOCK });
      expect(checkIn.ok).toBe(true);
      sessionId = checkIn.value.sessionId;
      expect((await call(core, 'kiosk:session:consent', { sessionId, accepted: true, consentVersion: '2026-11-se' })).ok).toBe(true);
      expect((await call(core, 'kiosk:session:precheck', { sessionId, camera: 'ok', microphone: 'ok' })).ok).toBe(true);
      expect((await call(core, 'kiosk:session:start', { sessionId })).ok).toBe(true);
    } finally {
      core.close();
    }
    // The kiosk restarts long after the 10-minute grace window: a proctor's code is needed.
    clock.advance(60 * 60 * 1000);
    core = open();
    try {
      const resume = (code?: string) => call(core, 'kiosk:session:resume', { inviteCode: 'SH-0007-AM', ...(code ? { resumeCode: code } : {}) });
      expect((await resume()).error.code).toBe('RESUME_CODE_REQUIRED');
      const oldConstant = formatResumeCode(new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor(sessionId, 0));
      expect((await resume(oldConstant)).error.code).toBe('RESUME_CODE_INVALID');
      const wrongSecret = formatResumeCode(new HmacResumeCodes(createHash('sha256').update('another centre').digest()).codeFor(sessionId, 0));
      expect((await resume(wrongSecret)).error.code).toBe('RESUME_CODE_INVALID');
      const right = formatResumeCode(new HmacResumeCodes(centreSecret).codeFor(sessionId, 0));
      expect((await resume(right)).ok).toBe(true);
    } finally {
      core.close();
    }
  });
});
