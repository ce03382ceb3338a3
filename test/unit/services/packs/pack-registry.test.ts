import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase } from '../../../../main/db/connection';
import type { SigningKeyPair } from '../../../../main/services/packs/pack-crypto';
import { buildPack } from '../../../../main/services/packs/pack-format';
import { PackRegistry } from '../../../../main/services/packs/pack-registry';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const config = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { demoUnlockCodes: Record<string, string> };
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;

function setup() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'registry-'));
  const dbPath = path.join(tmp, 'k.sqlite');
  const dir = path.join(tmp, 'packs');
  const clock = new ManualClock();
  const make = () => new PackRegistry({ db: openDatabase(dbPath), trust, clock, logger: silentLogger, dir });
  return { tmp, dir, make };
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

  it('forgets a content key at the next start when no session needs it', () => {
    const { make } = setup();
    const reg = make();
    expect(reg.install(path.join(root, 'build/packs/software-engineer.ikpack')).ok).toBe(true);
    expect(reg.status('software-engineer')).toBe('locked');
    expect(reg.unlockWithCode('software-engineer', 'WRONG-CODE-0000').ok).toBe(false);
    expect(reg.unlockWithCode('software-engineer', config.demoUnlockCodes['software-engineer']!).ok).toBe(true);
    expect(reg.status('software-engineer')).toBe('ready');
    // A restart: no session of this pack exists, so the scan purges the stored key.
    const again = make();
    again.scan();
    expect(again.status('software-engineer')).toBe('locked');
  });
});
