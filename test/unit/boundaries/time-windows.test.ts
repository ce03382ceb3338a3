/**
 * Time boundaries, tested at the exact millisecond on each side: a signed pack's validity window
 * with its clock-skew allowance, and an invite's check-in window. Each test fails if a bound moves
 * by one millisecond or flips between inclusive and exclusive.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../main/common/clock';
import { silentLogger } from '../../../main/common/logger';
import { openDatabase } from '../../../main/db/connection';
import { OsEnvironmentProbe } from '../../../main/services/environment/environment';
import { SqliteJournal } from '../../../main/services/journal/journal';
import { generateSigningKey } from '../../../main/services/packs/pack-crypto';
import { buildPack, CLOCK_SKEW_MS, verifyPack } from '../../../main/services/packs/pack-format';
import { demoPack, StaticPackProvider, type Invite, type InviteDirectory } from '../../../main/services/packs/pack-provider';
import { trustStoreOf } from '../../../main/services/packs/provisioning';
import { HmacResumeCodes } from '../../../main/services/session/resume-codes';
import { SessionService } from '../../../main/services/session/session-service';
import { ROOT } from '../../e2e/harness';
import { tempDbPath } from '../../support/session-fixture';

describe('pack validity at the clock-skew edge', () => {
  const notBefore = Date.UTC(2026, 11, 1, 0, 0, 0);
  const expiresAt = Date.UTC(2026, 11, 31, 0, 0, 0);
  const key = generateSigningKey();
  const source = JSON.parse(readFileSync(path.join(ROOT, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
  const built = buildPack(
    { ...source, id: 'edge-pack', demo: false, validity: { notBefore: new Date(notBefore).toISOString(), expiresAt: new Date(expiresAt).toISOString() } },
    key,
    { issuedAt: new Date(notBefore - 86_400_000), unlockCode: null },
  );
  if (!built.ok) throw new Error(built.error.message);
  const bytes = new TextEncoder().encode(built.value.text);
  const trust = trustStoreOf({
    provisioningVersion: 1,
    mode: 'production',
    kioskId: 'edge-kiosk',
    centreId: 'edge-centre',
    trustedKeys: [{ keyId: key.keyId, publicKey: key.publicKey, label: 'edge', purposes: ['pack'], demo: false }],
  });
  const at = (t: number) => {
    const r = verifyPack(bytes, trust, new ManualClock(t));
    return r.ok ? 'ok' : r.error.code;
  };

  it('accepts a pack from exactly the skew allowance before notBefore, and not a millisecond earlier', () => {
    expect(CLOCK_SKEW_MS).toBe(10 * 60 * 1000);
    expect(at(notBefore - CLOCK_SKEW_MS - 1)).toBe('PACK_NOT_YET_VALID');
    expect(at(notBefore - CLOCK_SKEW_MS)).toBe('ok');
    expect(at(notBefore)).toBe('ok');
  });

  it('refuses a pack from the instant it expires (no skew allowance after expiry)', () => {
    expect(at(expiresAt - 1)).toBe('ok');
    expect(at(expiresAt)).toBe('PACK_EXPIRED');
    expect(at(expiresAt + CLOCK_SKEW_MS - 1)).toBe('PACK_EXPIRED');
  });
});

describe("an invite's check-in window", () => {
  const opens = Date.UTC(2026, 11, 7, 9, 0, 0);
  const closes = Date.UTC(2026, 11, 7, 11, 0, 0);

  function serviceAt(t: number) {
    const pack = demoPack();
    const clock = new ManualClock(t);
    const invites: InviteDirectory = {
      lookup: (code: string): Invite | undefined => (code.startsWith('WIN-') ? { code, candidateRef: `cand-${code}`, packId: pack.pack.id, notBefore: opens, notAfter: closes } : undefined),
    };
    const db = openDatabase(tempDbPath());
    return new SessionService({
      db,
      journal: new SqliteJournal(db),
      clock,
      packs: new StaticPackProvider([pack]),
      invites,
      resumeCodes: new HmacResumeCodes(randomBytes(32)),
      environment: new OsEnvironmentProbe('0.0.0-test', 'node'),
      logger: silentLogger,
    });
  }
  const checkInAt = (t: number) => {
    const r = serviceAt(t).checkIn('WIN-0001', 'zh-CN');
    return r.ok ? 'ok' : r.error.code;
  };

  it('opens at notBefore inclusive, not a millisecond earlier', () => {
    expect(checkInAt(opens - 1)).toBe('INVITE_NOT_FOUND');
    expect(checkInAt(opens)).toBe('ok');
  });

  it('closes after notAfter inclusive', () => {
    expect(checkInAt(closes)).toBe('ok');
    expect(checkInAt(closes + 1)).toBe('INVITE_NOT_FOUND');
  });
});
