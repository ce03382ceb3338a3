/**
 * Secrets the kiosk keeps at rest (pack content keys after check-in, imported resume-code
 * secrets, the key that seals the anti-rollback state) are stored wrapped by a `KeyProtector`,
 * never as plain bytes in the database or a file.
 *
 * - In the Electron shell the protector is the OS keystore (`safeStorage`: DPAPI on Windows,
 *   Keychain on macOS, libsecret on Linux), so a copy of the data folder alone opens nothing.
 *   That adapter lives in main/app (services never import electron).
 * - Everywhere else (the development web shell, tests, CLIs) `FileKeyProtector` wraps with a
 *   random key kept in `<dataDir>/keys/` (mode 0600). It protects against a copied database, not
 *   against someone who copies the whole folder, and it says so in the log at start.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Logger } from '../../common/logger';

export type KeyProtectorKind = 'os-keystore' | 'file-key' | 'memory';

export interface KeyProtector {
  readonly kind: KeyProtectorKind;
  /** Wraps a secret for storage; the result is opaque and bound to this machine/account/key. */
  protect(plain: Buffer): Buffer;
  /** The secret, or undefined when the blob was altered or wrapped elsewhere. */
  unprotect(wrapped: Buffer): Buffer | undefined;
}

const MAGIC = Buffer.from('IKW1');
const AAD = Buffer.from('interview-kiosk/key-protector/v1');

function gcmWrap(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(AAD);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([MAGIC, iv, c.getAuthTag(), ct]);
}

function gcmUnwrap(key: Buffer, wrapped: Buffer): Buffer | undefined {
  if (wrapped.length < MAGIC.length + 28 || !wrapped.subarray(0, 4).equals(MAGIC)) return undefined;
  try {
    const d = createDecipheriv('aes-256-gcm', key, wrapped.subarray(4, 16));
    d.setAAD(AAD);
    d.setAuthTag(wrapped.subarray(16, 32));
    return Buffer.concat([d.update(wrapped.subarray(32)), d.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Writes a file so that it is durable before the caller goes on: temporary name, fsync, rename,
 * fsync of the directory.
 */
export function writeFileDurably(file: string, data: Buffer | string, mode = 0o600): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'w', mode);
  try {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  try {
    const dfd = openSync(dir, 'r');
    try {
      fsyncSync(dfd);
    } finally {
      closeSync(dfd);
    }
  } catch {
    // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  }
}

/** The fallback outside Electron: AES-256-GCM under a random key file beside the data. */
export class FileKeyProtector implements KeyProtector {
  readonly kind = 'file-key' as const;
  private readonly key: Buffer;

  constructor(dataDir: string, logger?: Logger) {
    const file = path.join(dataDir, 'keys', 'local-wrap.key');
    let key: Buffer | undefined;
    if (existsSync(file)) {
      const raw = readFileSync(file);
      if (raw.length === 32) key = raw;
    }
    if (!key) {
      key = randomBytes(32);
      writeFileDurably(file, key, 0o600);
    }
    this.key = key;
    logger
      ?.scope('keys')
      .warn('secrets at rest are wrapped with a key file in the data folder (no OS keystore): a copy of the whole folder can open them', { keyFile: file });
  }

  protect(plain: Buffer): Buffer {
    return gcmWrap(this.key, plain);
  }

  unprotect(wrapped: Buffer): Buffer | undefined {
    return gcmUnwrap(this.key, wrapped);
  }
}

/** Tests and one-shot tools: a key that lives only as long as the process. */
export class MemoryKeyProtector implements KeyProtector {
  readonly kind = 'memory' as const;
  private readonly key = randomBytes(32);
  protect(plain: Buffer): Buffer {
    return gcmWrap(this.key, plain);
  }
  unprotect(wrapped: Buffer): Buffer | undefined {
    return gcmUnwrap(this.key, wrapped);
  }
}

/**
 * Adapts a string-encrypting OS keystore (Electron's `safeStorage.encryptString` /
 * `decryptString`) to a KeyProtector. main/app passes `safeStorage` in; nothing here imports
 * electron.
 */
export interface StringKeystore {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

export class OsKeystoreProtector implements KeyProtector {
  readonly kind = 'os-keystore' as const;
  constructor(private readonly keystore: StringKeystore) {
    if (!keystore.isEncryptionAvailable()) throw new Error('the OS keystore is not available');
  }
  protect(plain: Buffer): Buffer {
    return this.keystore.encryptString(plain.toString('base64'));
  }
  unprotect(wrapped: Buffer): Buffer | undefined {
    try {
      return Buffer.from(this.keystore.decryptString(wrapped), 'base64');
    } catch {
      return undefined;
    }
  }
}
