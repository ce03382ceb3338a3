import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROCTOR_SECRET } from '../../../../main/services/session/resume-codes';
import { KNOWN_DEMO_KEY_IDS, loadProvisioning, machineProvisioningPath, parseProvisioning, proctorTokenKeysOf, PROVISIONING_ENV } from '../../../../main/services/packs/provisioning';
import { keyIdOf } from '../../../../main/services/packs/pack-crypto';

const root = path.resolve(import.meta.dirname, '../../../..');
const demoPath = path.join(root, 'build/provisioning/demo-provisioning.json');
const productionText = readFileSync(path.join(root, 'test/fixtures/packs/provisioning-production.json'), 'utf8');
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as { keyId: string; publicKey: string };

function tmp(name: string, text: string, mode = 0o644): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'prov-')), name);
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

describe('provisioning config', () => {
  it('knows the machine-wide location on each platform', () => {
    expect(machineProvisioningPath('linux')).toBe('/etc/interview-kiosk/provisioning.json');
    expect(machineProvisioningPath('darwin')).toBe('/Library/Application Support/InterviewKiosk/provisioning.json');
    expect(machineProvisioningPath('win32', { ProgramData: 'D:\\PD' })).toBe('D:\\PD\\InterviewKiosk\\provisioning.json');
  });

  it('refuses a production config that trusts the demo key', () => {
    const p = JSON.parse(productionText) as { trustedKeys: object[] };
    p.trustedKeys.push({ keyId: demoKey.keyId, publicKey: demoKey.publicKey, label: 'sneaky', purposes: ['pack'] });
    const r = parseProvisioning(JSON.stringify(p));
    expect(!r.ok && r.error.code).toBe('PROVISIONING_INVALID');
    expect(!r.ok && r.error.message).toMatch(/trustedKeys\[1\]: a production kiosk must not trust a demo key/);
  });

  it('refuses a key id that does not match its key', () => {
    const p = JSON.parse(productionText) as { trustedKeys: { keyId: string }[] };
    p.trustedKeys[0]!.keyId = 'ed25519:' + '0'.repeat(32);
    expect(parseProvisioning(JSON.stringify(p)).ok).toBe(false);
  });

  it('in kiosk mode ignores the environment override and the per-user file', () => {
    const machine = tmp('provisioning.json', productionText);
    const user = tmp('provisioning.json', readFileSync(demoPath, 'utf8'));
    const r = loadProvisioning({ kioskMode: true, machinePath: machine, userPath: user, env: { [PROVISIONING_ENV]: user } });
    expect(r.ok && r.value.source).toBe('machine');
    expect(r.ok && r.value.config.mode).toBe('production');
    expect(r.ok && r.value.ignored.length).toBe(2);
    const dev = loadProvisioning({ kioskMode: false, machinePath: machine, userPath: user, env: {} });
    expect(dev.ok && dev.value.source).toBe('user');
  });

  it('fails closed: a broken machine config is never replaced by the demo config', () => {
    const machine = tmp('provisioning.json', '{"provisioningVersion":1');
    const r = loadProvisioning({ kioskMode: true, machinePath: machine, demoFallbackPath: demoPath, env: {} });
    expect(!r.ok && r.error.code).toBe('PROVISIONING_INVALID');
  });

  it('refuses a machine config writable by other users in kiosk mode', () => {
    if (process.platform === 'win32') return;
    const machine = tmp('provisioning.json', productionText, 0o666);
    const r = loadProvisioning({ kioskMode: true, machinePath: machine, env: {} });
    expect(!r.ok && r.error.message).toMatch(/writable by non-administrators/);
  });

  it('falls back to the clearly marked demo config only outside kiosk mode, when there is no machine config', () => {
    const r = loadProvisioning({ kioskMode: false, machinePath: '/nonexistent/provisioning.json', demoFallbackPath: demoPath, env: {} });
    expect(r.ok && r.value.source).toBe('demo-fallback');
    expect(r.ok && r.value.config.mode).toBe('demo');
    const none = loadProvisioning({ kioskMode: false, machinePath: '/nonexistent/provisioning.json', env: {} });
    expect(!none.ok && none.error.code).toBe('PROVISIONING_MISSING');
  });

  it('in kiosk mode nothing demo applies: no demo fallback, no demo config from any path', () => {
    const fallback = loadProvisioning({ kioskMode: true, machinePath: '/nonexistent/provisioning.json', demoFallbackPath: demoPath, env: {} });
    expect(!fallback.ok && fallback.error.code).toBe('PROVISIONING_MISSING');
    const demoMachine = tmp('provisioning.json', readFileSync(demoPath, 'utf8'));
    const machine = loadProvisioning({ kioskMode: true, machinePath: demoMachine, env: {} });
    expect(!machine.ok && machine.error.message).toMatch(/kiosk mode runs only a production config/);
    const explicit = loadProvisioning({ kioskMode: true, explicitPath: demoPath, env: {} });
    expect(!explicit.ok && explicit.error.code).toBe('PROVISIONING_INVALID');
  });

  it('a production config must carry the centre resume-code secret, never the public demo one', () => {
    const p = JSON.parse(productionText) as Record<string, unknown> & { resumeCodes?: unknown };
    const { resumeCodes: _rc, ...without } = p;
    const missing = parseProvisioning(JSON.stringify(without));
    expect(!missing.ok && missing.error.message).toMatch(/resumeCodes: a production kiosk needs/);
    const demoSecret = parseProvisioning(JSON.stringify({ ...p, resumeCodes: { keys: [{ keyId: 'rc-1', secret: DEMO_PROCTOR_SECRET.toString('base64') }] } }));
    // The demo secret is 38 bytes: long enough, and refused because it is public.
    expect(!demoSecret.ok && demoSecret.error.message).toMatch(/demo secret is public/);
    const short = parseProvisioning(JSON.stringify({ ...p, resumeCodes: { keys: [{ keyId: 'rc-1', secret: Buffer.alloc(16, 7).toString('base64') }] } }));
    expect(short.ok).toBe(false);
  });

  it('rotation: a previous resume-code key needs the end of its window, the current one has none', () => {
    const p = JSON.parse(productionText) as { resumeCodes: { keys: Record<string, string>[] } };
    const cur = p.resumeCodes.keys[0]!;
    const prev = { keyId: 'rc-old', secret: Buffer.alloc(32, 9).toString('base64') };
    expect(parseProvisioning(JSON.stringify({ ...p, resumeCodes: { keys: [cur, prev] } })).ok).toBe(false);
    expect(parseProvisioning(JSON.stringify({ ...p, resumeCodes: { keys: [cur, { ...prev, acceptUntil: '2026-12-31T00:00:00Z' }] } })).ok).toBe(true);
    expect(parseProvisioning(JSON.stringify({ ...p, resumeCodes: { keys: [{ ...cur, acceptUntil: '2026-12-31T00:00:00Z' }] } })).ok).toBe(false);
  });
});

describe('proctor-token keys from provisioning', () => {
  it('takes trusted keys listed for "proctor" and the HR endpoint (hub) key, each once', () => {
    const demo = parseProvisioning(readFileSync(demoPath, 'utf8'));
    if (!demo.ok) throw new Error(demo.error.message);
    const keys = proctorTokenKeysOf(demo.value);
    const proctorKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-proctor-key.json'), 'utf8')) as { keyId: string };
    expect(keys.map((k) => k.keyId)).toEqual([proctorKey.keyId, keyIdOf(demo.value.hrEndpoint!.publicKey)]);
    // The pack-signing key is not a proctor key.
    expect(keys.map((k) => k.keyId)).not.toContain(demoKey.keyId);
    expect(KNOWN_DEMO_KEY_IDS).toContain(proctorKey.keyId);
  });

  it('a production config cannot trust the public demo proctor-token key', () => {
    const prod = JSON.parse(productionText) as { trustedKeys: unknown[] };
    const k = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-proctor-key.json'), 'utf8')) as { keyId: string; publicKey: string };
    prod.trustedKeys.push({ keyId: k.keyId, publicKey: k.publicKey, label: 'sneaked in', purposes: ['proctor'] });
    const r = parseProvisioning(JSON.stringify(prod));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/must not trust a demo key/);
  });
});
