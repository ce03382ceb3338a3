/**
 * The hub's HR endpoint keys (hub/hr/keys.ts): loaded only from the two config files, checked
 * before use (a signing key must sign for its public half), and pack keys wrapped so that only
 * the right wrapping key, for the right pack and purpose, opens them.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../main/services/packs/pack-crypto';
import { checkSigningKey, loadHrKeys, unwrapPackKey, wrapKeyId, wrapPackKey } from '../../../hub/hr/keys';

const dir = mkdtempSync(path.join(tmpdir(), 'hub-hr-keys-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text, { mode: 0o600 });
  return p;
};
const root = path.resolve(import.meta.dirname, '..', '..', '..');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hub HR keys', () => {
  const pair = generateSigningKey();
  const signing = file('hr-key.json', JSON.stringify({ kind: 'interview-kiosk-signing-key', ...pair }));
  const wrap = file('wrap.key', randomBytes(32).toString('base64') + '\n');

  it('loads a signing key and a 32-byte wrapping key from the two files', () => {
    const k = loadHrKeys({ HUB_HR_SIGNING_KEY_FILE: signing, HUB_HR_WRAP_KEY_FILE: wrap });
    expect(k.signingKey).toEqual(pair);
    expect(k.wrapKey).toHaveLength(32);
  });

  it('refuses, saying what is wrong: a variable unset, a missing file, a short wrapping key, a key pair that does not match, a forged key id', () => {
    expect(() => loadHrKeys({ HUB_HR_WRAP_KEY_FILE: wrap })).toThrow(/HUB_HR_SIGNING_KEY_FILE is not set/);
    expect(() => loadHrKeys({ HUB_HR_SIGNING_KEY_FILE: signing })).toThrow(/HUB_HR_WRAP_KEY_FILE is not set/);
    expect(() => loadHrKeys({ HUB_HR_SIGNING_KEY_FILE: path.join(dir, 'nope.json'), HUB_HR_WRAP_KEY_FILE: wrap })).toThrow(/cannot read/);
    expect(() => loadHrKeys({ HUB_HR_SIGNING_KEY_FILE: signing, HUB_HR_WRAP_KEY_FILE: file('short.key', randomBytes(16).toString('base64')) })).toThrow(/32 bytes/);
    const other = generateSigningKey();
    expect(() => checkSigningKey({ keyId: pair.keyId, publicKey: pair.publicKey, privateKey: other.privateKey })).toThrow(/does not sign for the public key/);
    expect(() => checkSigningKey({ ...pair, keyId: other.keyId })).toThrow(/not the fingerprint/);
    expect(() => checkSigningKey({ publicKey: 'x' })).toThrow(/not an Ed25519 signing key/);
  });

  it('a wrapped pack key opens only with the same wrapping key, pack hash and purpose', () => {
    const wk = randomBytes(32);
    const key = randomBytes(32);
    const h = 'a'.repeat(64);
    const sealed = wrapPackKey(wk, h, 'content', key);
    expect(JSON.stringify(sealed)).not.toContain(key.toString('base64'));
    expect(unwrapPackKey(wk, h, 'content', sealed).equals(key)).toBe(true);
    expect(() => unwrapPackKey(randomBytes(32), h, 'content', sealed)).toThrow(/does not open/);
    expect(() => unwrapPackKey(wk, 'b'.repeat(64), 'content', sealed)).toThrow(/does not open/);
    expect(() => unwrapPackKey(wk, h, 'stage-master', sealed)).toThrow(/does not open/);
    expect(wrapKeyId(wk)).not.toBe(wrapKeyId(randomBytes(32)));
  });

  it('npm run hub stops before opening anything when a key file is set but unusable', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'hub/main.ts'], {
      cwd: root,
      env: { ...process.env, HUB_HR_SIGNING_KEY_FILE: file('bad.json', '{"publicKey":"nope"}'), HUB_HR_WRAP_KEY_FILE: wrap, HUB_DATA_DIR: path.join(dir, 'data'), HUB_PORT: '0' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('hub: HR endpoint API: HUB_HR_SIGNING_KEY_FILE');
    expect(r.stderr).toContain('not an Ed25519 signing key');
    expect(existsSync(path.join(dir, 'data'))).toBe(false);
  }, 90_000);
});
