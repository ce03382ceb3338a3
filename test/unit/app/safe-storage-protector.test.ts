import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keyProtectorForShell } from '../../../main/app/safe-storage-protector';
import { silentLogger } from '../../../main/common/logger';

/** A stand-in for Electron's safeStorage: reversible, but only with "this machine's" secret. */
function fakeKeystore(available: boolean, backend?: string) {
  const mask = 0x5a;
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s: string) => Buffer.from(Buffer.from(s, 'utf8').map((b) => b ^ mask)),
    decryptString: (b: Buffer) => Buffer.from(b.map((x) => x ^ mask)).toString('utf8'),
    ...(backend ? { getSelectedStorageBackend: () => backend } : {}),
  };
}

describe('keyProtectorForShell', () => {
  const dir = () => mkdtempSync(path.join(os.tmpdir(), 'ksp-'));

  it('uses the OS keystore when it is available, and round-trips a key', () => {
    const p = keyProtectorForShell(fakeKeystore(true, 'gnome_libsecret'), dir(), silentLogger);
    expect(p.kind).toBe('os-keystore');
    const key = Buffer.alloc(32, 7);
    const wrapped = p.protect(key);
    expect(wrapped.includes(key)).toBe(false);
    expect(p.unprotect(wrapped)).toEqual(key);
  });

  it('falls back to the key file when the keystore is missing or is Linux basic_text', () => {
    expect(keyProtectorForShell(fakeKeystore(false), dir(), silentLogger).kind).toBe('file-key');
    if (process.platform === 'linux') expect(keyProtectorForShell(fakeKeystore(true, 'basic_text'), dir(), silentLogger).kind).toBe('file-key');
  });
});
