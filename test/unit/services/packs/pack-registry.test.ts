import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase } from '../../../../main/db/connection';
import { purgeUnusedContentKeys } from '../../../../main/db/queries/packs';
import { FileKeyProtector } from '../../../../main/services/packs/key-protector';
import { deriveCodeKey, type SigningKeyPair } from '../../../../main/services/packs/pack-crypto';
import { buildPack, verifyPack, writeEnvelope, type PackManifest } from '../../../../main/services/packs/pack-format';
import { compareVersions, PackRegistry, UNLOCK_LOCKOUT_MS, UNLOCK_MAX_FAILURES } from '../../../../main/services/packs/pack-registry';
import { SealedRollbackGuard } from '../../../../main/services/packs/rollback-guard';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const config = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { demoUnlockCodes: Record<string, string> };
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;

const srcOf = (id: string) => JSON.parse(readFileSync(path.join(root, `build/packs/src/${id}.pack.json`), 'utf8')) as Record<string, unknown>;
const installed = path.join(root, 'build/packs/software-engineer.ikpack');
const sidecar = JSON.parse(readFileSync(path.join(root, 'build/provisioning/software-engineer.key.json'), 'utf8')) as { contentKey: string; unlockCode: string };

function setup(floors?: Record<string, string>) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
  const dbPath = path.join(tmp, 'k.sqlite');
  const dir = path.join(tmp, 'packs');
  const data = path.join(tmp, 'data');
  const clock = new ManualClock(Date.parse('2026-12-07T04:00:00Z'));
  const keys = new FileKeyProtector(data);
  const make = () =>
    new PackRegistry({ db: openDatabase(dbPath), trust, clock, logger: silentLogger, dir, keys, rollback: new SealedRollbackGuard(data, keys), ...(floors ? { floors } : {}) });
  return { tmp, dir, data, dbPath, clock, make };
}

/** Signs a pack from its source (lint on), with `patch` applied. */
function signed(tmp: string, name: string, patch: Record<string, unknown>): string {
  const built = buildPack({ ...srcOf('software-engineer'), ...patch }, demoKey, { issuedAt: new Date('2026-12-01T00:00:00Z'), unlockCode: null });
  if (!built.ok) throw new Error(built.error.message);
  const file = path.join(tmp, name);
  writeFileSync(file, built.value.text);
  return file;
}

/** Re-signs an installed pack's manifest after `edit` (what a signer could put in a file lint never saw). */
function resigned(edit: (m: PackManifest) => PackManifest): Buffer {
  const env = JSON.parse(readFileSync(installed, 'utf8')) as { payload: PackManifest };
  return Buffer.from(writeEnvelope('pack', edit(env.payload) as unknown as Record<string, unknown>, demoKey));
}

describe('pack registry', () => {
  it('installs only verified packs; a refused file changes nothing', () => {
    const { tmp, dir, make } = setup();
    const reg = make();
    expect(reg.install(path.join(root, 'build/packs/software-engineer.ikpack')).ok).toBe(true);
    const before = readdirSync(dir);
    const bad = path.join(tmp, 'bad.ikpack');
    writeFileSync(bad, readFileSync(path.join(root, 'build/packs/regional-sales-manager.ikpack'), 'utf8').replace('"maxResumes":3', '"maxResumes":9'));
    const r = reg.install(bad);
    expect(!r.ok && r.error.code).toBe('SIGNATURE_INVALID');
    expect(readdirSync(dir)).toEqual(before);
    expect(reg.status('regional-sales-manager')).toBe('missing');
  });

  it('refuses an older version of an accepted pack (rollback)', () => {
    const { tmp, make } = setup();
    const reg = make();
    expect(reg.install(path.join(root, 'build/packs/software-engineer.ikpack')).ok).toBe(true);
    const src = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
    const old = buildPack({ ...src, version: '1.0.0' }, demoKey, { issuedAt: new Date(), unlockCode: null });
    if (!old.ok) throw new Error(old.error.message);
    const file = path.join(tmp, 'old.ikpack');
    writeFileSync(file, old.value.text);
    const r = reg.install(file);
    expect(!r.ok && r.error.code).toBe('PACK_DOWNGRADE');
  });

  it('forgets a content key at the next start when no session needs it', async () => {
    const { make } = setup();
    const reg = make();
    expect(reg.install(path.join(root, 'build/packs/software-engineer.ikpack')).ok).toBe(true);
    expect(reg.status('software-engineer')).toBe('locked');
    expect((await reg.unlockWithCode('software-engineer', 'WRONG-CODE-0000')).ok).toBe(false);
    expect((await reg.unlockWithCode('software-engineer', config.demoUnlockCodes['software-engineer']!)).ok).toBe(true);
    expect(reg.status('software-engineer')).toBe('ready');
    // A restart: no session of this pack exists, so the scan purges the stored key.
    const again = make();
    again.scan();
    expect(again.status('software-engineer')).toBe('locked');
  });

  it('compares versions numerically and only strict ones: 01.01.00 is not a version', () => {
    expect(compareVersions('1.10.0', '1.9.0')).toBeGreaterThan(0);
    expect(compareVersions('2.0.0', '10.0.0')).toBeLessThan(0);
    expect(() => compareVersions('01.01.00', '1.0.0')).toThrow(RangeError);
    expect(() => compareVersions('1.2', '1.0.0')).toThrow(RangeError);
    const { clock } = setup();
    const r = verifyPack(resigned((m) => ({ ...m, version: '01.02.01' })), trust, clock);
    expect(!r.ok && r.error.code).toBe('PACK_INVALID');
    expect(!r.ok && r.error.message).toContain('version');
  });

  it('refuses the same version with other content instead of replacing the installed pack', () => {
    const { tmp, make } = setup();
    const reg = make();
    expect(reg.install(installed).ok).toBe(true);
    const src = srcOf('software-engineer') as { title: Record<string, string> };
    const file = signed(tmp, 'same-version.ikpack', { title: { ...src.title, en: 'Software engineer (changed)' } });
    const r = reg.install(file);
    expect(!r.ok && r.error.code).toBe('PACK_VERSION_REUSED');
    expect(reg.manifest('software-engineer')!.manifest.title.en).toBe(src.title.en);
  });

  it('refuses two files in the folder with one version and two contents', () => {
    const { tmp, dir, make } = setup();
    const src = srcOf('software-engineer') as { title: Record<string, string> };
    const twin = signed(tmp, 'twin.ikpack', { title: { ...src.title, en: 'Twin' } });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'a.ikpack'), readFileSync(installed));
    writeFileSync(path.join(dir, 'b.ikpack'), readFileSync(twin));
    const scanned = make().scan();
    expect(scanned.ready).not.toContain('software-engineer');
    expect(scanned.refused.map((x) => x.code)).toEqual(['PACK_VERSION_REUSED', 'PACK_VERSION_REUSED']);
  });

  it('keeps refusing a rollback after the database is replaced (sealed high-water mark)', () => {
    const { tmp, make, dbPath } = setup();
    const newer = signed(tmp, 'newer.ikpack', { version: '1.3.0' });
    expect(make().install(newer).ok).toBe(true);
    // The attacker restores an empty database (or an old backup): the database forgets 1.3.0.
    rmSync(dbPath);
    const r = make().install(installed);
    expect(!r.ok && r.error.code).toBe('PACK_DOWNGRADE');
    expect(!r.ok && r.error.message).toContain('sealed high-water mark');
  });

  it('refuses every pack when the sealed high-water file was edited', () => {
    const { tmp, make, data } = setup();
    expect(make().install(signed(tmp, 'newer.ikpack', { version: '1.3.0' })).ok).toBe(true);
    const file = path.join(data, 'pack-high-water.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('1.3.0', '1.0.0'));
    const r = make().install(installed);
    expect(!r.ok && r.error.code).toBe('PACK_DOWNGRADE');
    expect(!r.ok && r.error.message).toContain('anti-rollback state');
  });

  it('refuses a pack below the provisioning floor', () => {
    const { make } = setup({ 'software-engineer': '1.3.0' });
    const r = make().install(installed);
    expect(!r.ok && r.error.code).toBe('PACK_DOWNGRADE');
    expect(!r.ok && r.error.message).toContain('provisioning floor');
  });

  it('checks expiry again at use, not only at start', () => {
    const { make, clock } = setup();
    const reg = make();
    expect(reg.install(installed).ok).toBe(true);
    expect(reg.usableNow('software-engineer').ok).toBe(true);
    clock.set(Date.parse('2027-07-01T00:00:00Z'));
    const r = reg.usableNow('software-engineer');
    expect(!r.ok && r.error.code).toBe('PACK_EXPIRED');
  });

  it('stores the content key wrapped, and purges it with secure_delete', async () => {
    const { make, dbPath } = setup();
    const reg = make();
    reg.install(installed);
    expect((await reg.unlockWithCode('software-engineer', sidecar.unlockCode)).ok).toBe(true);
    const raw = Buffer.from(sidecar.contentKey, 'base64');
    const db = openDatabase(dbPath);
    const row = db.prepare('SELECT wrapped_key, protector FROM pack_content_keys').get() as { wrapped_key: Buffer; protector: string };
    expect(row.protector).toBe('file-key');
    expect(row.wrapped_key.includes(raw)).toBe(false);
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(readFileSync(dbPath).includes(raw)).toBe(false);
    expect(readFileSync(dbPath).includes(row.wrapped_key)).toBe(true);
    // No session needs it: a restart's scan purges it, and secure_delete overwrites the bytes.
    make().scan();
    db.pragma('wal_checkpoint(TRUNCATE)');
    expect(db.prepare('SELECT count(*) AS n FROM pack_content_keys').get()).toEqual({ n: 0 });
    expect(readFileSync(dbPath).includes(row.wrapped_key)).toBe(false);
    db.close();
  });

  it('a periodic purge spares a key unlocked moments ago (a check-in still being prepared)', async () => {
    const { make, dbPath, clock } = setup();
    const reg = make();
    reg.install(installed);
    expect((await reg.unlockWithCode('software-engineer', sidecar.unlockCode)).ok).toBe(true);
    const db = openDatabase(dbPath);
    expect(purgeUnusedContentKeys(db, [], clock.now() - 600_000)).toBe(0);
    clock.advance(600_001);
    expect(purgeUnusedContentKeys(db, [], clock.now() - 600_000)).toBe(1);
    db.close();
  });

  it('locks offline unlocking after repeated wrong codes, across a restart', async () => {
    const { make, clock } = setup();
    const reg = make();
    reg.install(installed);
    for (let i = 0; i < UNLOCK_MAX_FAILURES; i++) {
      const r = await reg.unlockWithCode('software-engineer', `WRONG-CODE-${i}`);
      expect(!r.ok && r.error.code).toBe('UNLOCK_CODE_INVALID');
      clock.advance(1000);
    }
    const restarted = make();
    restarted.scan();
    const locked = await restarted.unlockWithCode('software-engineer', sidecar.unlockCode);
    expect(!locked.ok && locked.error.code).toBe('UNLOCK_CODE_LOCKED');
    clock.advance(UNLOCK_LOCKOUT_MS);
    const later = make();
    later.scan();
    expect((await later.unlockWithCode('software-engineer', sidecar.unlockCode)).ok).toBe(true);
  });

  it('runs scrypt off the main loop: timers keep firing during an unlock', async () => {
    const { make } = setup();
    const reg = make();
    reg.install(installed);
    const ticksDuring = async (work: () => unknown): Promise<{ ticks: number; ms: number }> => {
      let ticks = 0;
      const probe = setInterval(() => ticks++, 2);
      await new Promise((r) => setTimeout(r, 10));
      ticks = 0;
      const t0 = performance.now();
      await work();
      const ms = performance.now() - t0;
      clearInterval(probe);
      return { ticks, ms };
    };
    const asyncRun = await ticksDuring(() => reg.unlockWithCode('software-engineer', 'WRONG-CODE-0'));
    // Side by side: the same derivation done synchronously lets no timer fire at all.
    const off = (JSON.parse(readFileSync(installed, 'utf8')) as { payload: PackManifest }).payload.unlock.offline!;
    const syncRun = await ticksDuring(() => deriveCodeKey('WRONG-CODE-1', Buffer.from(off.salt, 'base64'), off));
    expect(syncRun.ticks).toBe(0);
    // The loop keeps turning: at least a quarter of the 2 ms ticks the unlock's duration allows.
    expect(asyncRun.ticks).toBeGreaterThan(asyncRun.ms / 2 / 4);
  });
});
