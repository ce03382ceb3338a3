import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { proctorPublicKey, verifyProctorToken } from '../../main/common/proctor-token';

const root = path.resolve(import.meta.dirname, '../..');
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', ...args], { cwd: root, encoding: 'utf8' });
const lastJson = (out: string) => JSON.parse(out.trim().split('\n').at(-1)!) as Record<string, unknown>;

describe('npm run proctor -- keygen / issue', () => {
  it('issues a token the kiosk verifies offline with the demo provisioning, once for its action only', () => {
    const r = cli(['issue', '--key', 'build/provisioning/demo-proctor-key.json', '--session', 'sess-42', '--ttl', '20', '--json']);
    expect(r.status).toBe(0);
    const out = lastJson(r.stdout) as { token: string; formatted: string; kioskId: string; centreId: string; expiresAt: string };
    expect(out).toMatchObject({ ok: true, kioskId: 'demo-kiosk-01', centreId: 'demo-centre-sh', action: 'resume' });
    const key = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-proctor-key.json'), 'utf8')) as { publicKey: string };
    const keys = [proctorPublicKey(key.publicKey)];
    const scope = { sessionId: 'sess-42', kioskId: out.kioskId, centreId: out.centreId };
    const v = verifyProctorToken(out.formatted, { ...scope, action: 'resume' }, keys, Date.now());
    expect(v.ok).toBe(true);
    if (v.ok) expect(new Date(v.value.expiresAt).toISOString()).toBe(out.expiresAt);
    expect(verifyProctorToken(out.token, { ...scope, action: 'extend' }, keys, Date.now()).ok).toBe(false);
    expect(verifyProctorToken(out.token, { ...scope, action: 'resume' }, keys, Date.parse(out.expiresAt) + 3 * 60_000).ok).toBe(false);
  });

  it('keygen writes a private file and refuses to overwrite it; an untrusted key cannot issue for the demo kiosk', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'proctor-key-'));
    const file = path.join(dir, 'k.json');
    const k = lastJson(execFileSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', 'keygen', '--out', file, '--json'], { cwd: root, encoding: 'utf8' }));
    expect(k).toMatchObject({ ok: true, trustedKey: { purposes: ['proctor'] } });
    expect(statSync(file).mode & 0o077).toBe(0);
    expect(cli(['keygen', '--out', file, '--json']).status).toBe(1);
    const untrusted = cli(['issue', '--key', file, '--session', 's', '--json']);
    expect(untrusted.status).toBe(1);
    expect(lastJson(untrusted.stdout)).toMatchObject({ ok: false, code: 'KEY_UNTRUSTED' });
    // With an explicit kiosk and centre (a test centre without provisioning at hand) it signs.
    expect(cli(['issue', '--key', file, '--session', 's', '--kiosk', 'k1', '--centre', 'c1', '--action', 'lift_pause', '--json']).status).toBe(0);
    expect(cli(['issue', '--key', file, '--session', 's', '--kiosk', 'k1', '--centre', 'c1', '--ttl', '256']).status).toBe(1);
    expect(cli(['issue', '--key', file, '--session', 's', '--action', 'nuke']).status).toBe(2);
  });
});
