import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { FileKeyProtector } from '../../../../main/services/packs/key-protector';
import { parseProvisioning, type ProvisioningConfig } from '../../../../main/services/packs/provisioning';
import { resumeCodesFor, resumeSecretFile } from '../../../../main/services/packs/resume-secrets';
import { DEMO_PROCTOR_SECRET, HmacResumeCodes } from '../../../../main/services/session/resume-codes';

const root = path.resolve(import.meta.dirname, '../../../..');
const productionText = readFileSync(path.join(root, 'test/fixtures/packs/provisioning-production.json'), 'utf8');
const parse = (o: unknown): ProvisioningConfig => {
  const r = parseProvisioning(JSON.stringify(o));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};
const clock = new ManualClock(Date.parse('2026-12-07T00:00:00Z'));

describe('resume-code secrets from provisioning', () => {
  it('keeps the secret wrapped, so IT can remove it from the config after the first start', () => {
    const data = mkdtempSync(path.join(os.tmpdir(), 'rsec-'));
    const keys = new FileKeyProtector(data);
    const full = JSON.parse(productionText) as { resumeCodes: { keys: { keyId: string; secret: string }[] } };
    const secret = Buffer.from(full.resumeCodes.keys[0]!.secret, 'base64');
    const first = resumeCodesFor(parse(full), data, keys, clock);
    expect(first.problem).toBeUndefined();
    const stored = readFileSync(resumeSecretFile(data, full.resumeCodes.keys[0]!.keyId));
    expect(stored.includes(secret)).toBe(false);
    const { secret: _s, ...idOnly } = full.resumeCodes.keys[0]!;
    const later = resumeCodesFor(parse({ ...full, resumeCodes: { keys: [idOnly] } }), data, keys, clock);
    expect(later.problem).toBeUndefined();
    expect(later.codes.codeFor('s', 0)).toBe(new HmacResumeCodes(secret).codeFor('s', 0));
    // Another kiosk (another data folder) without the secret has no codes at all.
    const elsewhere = resumeCodesFor(parse({ ...full, resumeCodes: { keys: [idOnly] } }), mkdtempSync(path.join(os.tmpdir(), 'rsec-')), keys, clock);
    expect(elsewhere.problem).toMatch(/no secret/);
    expect(elsewhere.codes.verify('s', 0, later.codes.codeFor('s', 0))).toBe(false);
  });

  it('a demo config without its own secret uses the public demo secret; production never does', () => {
    const demo = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
    if (!demo.ok) throw new Error(demo.error.message);
    const d = resumeCodesFor(demo.value, undefined, new FileKeyProtector(mkdtempSync(path.join(os.tmpdir(), 'rsec-'))), clock);
    expect(d.codes.codeFor('s', 0)).toBe(new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor('s', 0));
    const none = resumeCodesFor(undefined, undefined, new FileKeyProtector(mkdtempSync(path.join(os.tmpdir(), 'rsec-'))), clock);
    expect(none.codes.verify('s', 0, new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor('s', 0))).toBe(false);
  });
});
