import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyProtector } from '../../../../main/services/packs/key-protector';
import { SessionKeyring } from '../../../../main/services/storage/crypto/session-keyring';
import { silentLogger } from '../../../../main/common/logger';
import { recentKioskIncidents } from '../../../../main/db/queries/kiosk-records';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { AssistanceService } from '../../../../main/services/session/assistance';
import { makeFixture, must } from '../../../support/session-fixture';
import type { RendererDiagnostics } from '../../../../preload/contract/assistance';

const renderer: RendererDiagnostics = { userAgent: 'test', language: 'zh-CN', viewport: { width: 1280, height: 720 }, camera: 'ok', microphone: 'ok', online: true, longTasksOver200ms: 0, recentErrors: [] };

function setup() {
  const f = makeFixture();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-assist-'));
  const a = new AssistanceService({ db: f.db, journal: new SqliteJournal(f.db), clock: f.clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir, keys: new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger }) });
  return { f, a, dataDir };
}

describe('help before check-in', () => {
  it('stores a raised hand on the welcome screen with its number', () => {
    const { f, a } = setup();
    const r = must(a.raiseHand(undefined, 'welcome'));
    expect(r.journaled).toBe(true);
    expect(recentKioskIncidents(f.db, 10)).toMatchObject([{ id: r.incidentId, seq: 1, kind: 'hand_raised', screen: 'welcome' }]);
  });

  it('gives a raised hand and the diagnostics that follow one incident number', () => {
    const { f, a, dataDir } = setup();
    const hand = must(a.raiseHand(undefined, 'welcome'));
    const diag = must(a.saveDiagnostics(undefined, 'welcome', renderer, hand.incidentId));
    expect(diag.incidentId).toBe(hand.incidentId);
    expect(recentKioskIncidents(f.db, 10).map((r) => [r.id, r.seq, r.kind]).sort()).toEqual([
      [hand.incidentId, 1, 'hand_raised'],
      [hand.incidentId, 2, 'diagnostics'],
    ]);
    expect(readdirSync(path.join(dataDir, 'diagnostics'))).toEqual([diag.fileName]);
  });

  it('keeps the number after check-in, and ignores a number it never gave out', () => {
    const { f, a } = setup();
    const hand = must(a.raiseHand(undefined, 'welcome'));
    const s = must(f.service.checkIn('DEMO-2026', 'zh-CN'));
    const again = must(a.raiseHand(s.sessionId, 'consent', hand.incidentId));
    expect(again.incidentId).toBe(hand.incidentId);
    const forged = must(a.raiseHand(s.sessionId, 'consent', 'INC-20260101-DEADBEEF'));
    expect(forged.incidentId).not.toBe('INC-20260101-DEADBEEF');
  });
});
