/**
 * Anti-rollback state kept outside the writable database. The database records the highest pack
 * version accepted, but whoever can replace the database file (a restored backup, a copied
 * folder) could also lower it. This file keeps the same high-water marks sealed with an HMAC whose
 * key is stored wrapped by the KeyProtector (the OS keystore in the Electron shell), so the marks
 * cannot be lowered or forged without that key. The registry refuses a pack older than the highest
 * of: the database, this file, and the machine-wide provisioning floor (admin-only writable).
 *
 * A file that fails its seal is tampering: every pack is refused until IT resets the state
 * (docs/pack-threat-model.md, "Rollback").
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalize } from './canonical-json';
import { writeFileDurably, type KeyProtector } from './key-protector';

export interface HighWaterMark {
  readonly version: string;
  readonly hash: string;
}

export interface RollbackGuard {
  /** True when the sealed state exists but does not verify: fail closed. */
  readonly tampered: boolean;
  get(packId: string): HighWaterMark | undefined;
  /** Records a newly accepted version durably (before the caller treats it as installed). */
  raise(packId: string, mark: HighWaterMark): void;
}

interface SealedFile {
  readonly v: 1;
  readonly marks: Record<string, HighWaterMark>;
  readonly mac: string;
}

/** Marks kept only in memory (tests that do not exercise rollback). */
export class MemoryRollbackGuard implements RollbackGuard {
  readonly tampered = false;
  private readonly marks = new Map<string, HighWaterMark>();
  get(packId: string): HighWaterMark | undefined {
    return this.marks.get(packId);
  }
  raise(packId: string, mark: HighWaterMark): void {
    this.marks.set(packId, mark);
  }
}

export class SealedRollbackGuard implements RollbackGuard {
  readonly tampered: boolean;
  readonly reason: string | undefined;
  private readonly marks = new Map<string, HighWaterMark>();
  private readonly file: string;
  private readonly key: Buffer | undefined;

  constructor(dataDir: string, protector: KeyProtector) {
    this.file = path.join(dataDir, 'pack-high-water.json');
    const keyFile = path.join(dataDir, 'keys', 'rollback-seal.key');
    let reason: string | undefined;
    let key: Buffer | undefined;
    if (existsSync(keyFile)) {
      key = protector.unprotect(readFileSync(keyFile));
      if (!key || key.length !== 32) {
        key = undefined;
        reason = 'the seal key cannot be unwrapped on this machine';
      }
    } else if (existsSync(this.file)) {
      reason = 'the seal key is missing';
    } else {
      key = randomBytes(32);
      writeFileDurably(keyFile, protector.protect(key));
    }
    if (key && existsSync(this.file)) {
      try {
        const sealed = JSON.parse(readFileSync(this.file, 'utf8')) as SealedFile;
        const expected = this.macOf(key, sealed.marks ?? {});
        const given = Buffer.from(String(sealed.mac ?? ''), 'hex');
        if (sealed.v !== 1 || given.length !== expected.length || !timingSafeEqual(given, expected)) reason = 'the high-water file does not match its seal';
        else for (const [id, m] of Object.entries(sealed.marks)) this.marks.set(id, { version: String(m.version), hash: String(m.hash) });
      } catch {
        reason = 'the high-water file is unreadable';
      }
    }
    this.key = reason ? undefined : key;
    this.tampered = reason !== undefined;
    this.reason = reason;
  }

  private macOf(key: Buffer, marks: Record<string, HighWaterMark>): Buffer {
    return createHmac('sha256', key).update('interview-kiosk/pack-high-water/v1\n').update(canonicalize(marks)).digest();
  }

  get(packId: string): HighWaterMark | undefined {
    return this.marks.get(packId);
  }

  raise(packId: string, mark: HighWaterMark): void {
    if (!this.key) throw new Error(`anti-rollback state is not trusted (${this.reason ?? 'unknown'})`);
    this.marks.set(packId, mark);
    const marks = Object.fromEntries([...this.marks.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const sealed: SealedFile = { v: 1, marks, mac: this.macOf(this.key, marks).toString('hex') };
    writeFileDurably(this.file, JSON.stringify(sealed) + '\n', 0o600);
  }
}
