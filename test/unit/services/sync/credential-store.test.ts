import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyProtector, MemoryKeyProtector, OsKeystoreProtector } from '../../../../main/services/packs/key-protector';
import { loadHubCredential, saveHubCredential } from '../../../../main/services/sync/credential-store';
import { generateKioskKeyPair } from '../../../../main/services/sync/signing';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'hub-cred-'));
const credential = () => ({ hubUrl: 'https://hub.example.com', kioskId: 'k_0f3a', privateKey: generateKioskKeyPair().privateKey });

/** A stand-in OS keystore: reversible, but not the file-key format. */
const fakeKeystore = () =>
  new OsKeystoreProtector({
    isEncryptionAvailable: () => true,
    encryptString: (s) => Buffer.from(`os:${s}`),
    decryptString: (b) => {
      const t = b.toString();
      if (!t.startsWith('os:')) throw new Error('not ours');
      return t.slice(3);
    },
  });

describe('hub credential at rest', () => {
  it('round-trips, with the private key wrapped (never in the file) and the file private to its owner', () => {
    const d = dir();
    const file = path.join(d, 'keys', 'hub-credential.json');
    const protector = new FileKeyProtector(d);
    const c = credential();
    saveHubCredential(file, { credential: c, name: 'kiosk-1', enrolledAt: Date.UTC(2026, 11, 7) }, protector);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain(c.privateKey);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o077).toBe(0);
    expect(loadHubCredential(file, protector)).toEqual({ kind: 'found', credential: c });
    // Another data folder's protector cannot open it.
    expect(loadHubCredential(file, new FileKeyProtector(dir()))).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED' });
  });

  it('is absent when there is no file', () => {
    expect(loadHubCredential(path.join(dir(), 'nope.json'), new MemoryKeyProtector())).toEqual({ kind: 'absent' });
  });

  it('refuses to store a key with a protector that forgets it, or a key that is not Ed25519', () => {
    const d = dir();
    expect(() => saveHubCredential(path.join(d, 'c.json'), { credential: credential(), name: 'k', enrolledAt: 0 }, new MemoryKeyProtector())).toThrow(/persistent/);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64');
    expect(() => saveHubCredential(path.join(d, 'c.json'), { credential: { ...credential(), privateKey: rsa }, name: 'k', enrolledAt: 0 }, new FileKeyProtector(d))).toThrow(/Ed25519/);
  });

  it('validates everything read back: size, JSON, shape, the wrapping and the key type', () => {
    const d = dir();
    const protector = new FileKeyProtector(d);
    const file = path.join(d, 'c.json');
    saveHubCredential(file, { credential: credential(), name: 'k', enrolledAt: 0 }, protector);
    const good = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const variant = (v: unknown) => {
      writeFileSync(file, typeof v === 'string' ? v : JSON.stringify(v));
      return loadHubCredential(file, protector);
    };
    expect(variant('{')).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant('x'.repeat(20_000))).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant({ ...good, extra: 1 })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant({ ...good, hubUrl: 'file:///etc/passwd' })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant({ ...good, kioskId: '../../x' })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant({ ...good, credentialVersion: 2 })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    // One flipped byte in the wrapped key: the authenticated wrapping refuses it.
    const w = Buffer.from(String(good.wrappedPrivateKey), 'base64');
    w[w.length - 1] = w[w.length - 1]! ^ 1;
    expect(variant({ ...good, wrappedPrivateKey: w.toString('base64') })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED' });
    // A well-wrapped secret that is not an Ed25519 key.
    expect(variant({ ...good, wrappedPrivateKey: protector.protect(Buffer.from('not a key')).toString('base64') })).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_INVALID' });
    expect(variant(good)).toMatchObject({ kind: 'found' });
  });

  it('moves a key wrapped by the enrolment CLI (file key) under the OS keystore once, when the kiosk has one', () => {
    const d = dir();
    const file = path.join(d, 'c.json');
    const c = credential();
    const fileKey = new FileKeyProtector(d);
    saveHubCredential(file, { credential: c, name: 'k', enrolledAt: 0 }, fileKey);
    const os1 = fakeKeystore();
    // Without the previous protector the OS keystore cannot open it.
    expect(loadHubCredential(file, os1)).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED' });
    expect(loadHubCredential(file, os1, () => fileKey)).toEqual({ kind: 'found', credential: c });
    expect((JSON.parse(readFileSync(file, 'utf8')) as { protector: string }).protector).toBe('os-keystore');
    expect(loadHubCredential(file, os1)).toEqual({ kind: 'found', credential: c });
    // The file key no longer opens it.
    expect(loadHubCredential(file, fileKey)).toMatchObject({ kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED' });
  });
});
