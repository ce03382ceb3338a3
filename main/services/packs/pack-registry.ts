/**
 * The kiosk's installed packs: every `.ikpack` in the packs folder, verified at start against the
 * provisioning config, question content locked until check-in. Implements `PackProvider` for the
 * session service: `get` returns a pack only once it is unlocked.
 *
 * Unlocking stores the content key in the kiosk database for as long as a session of that pack
 * can still run, so a crash does not strand a candidate mid-interview (see
 * docs/pack-threat-model.md for what that costs).
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import { getContentKey, getInstalledPack, purgeUnusedContentKeys, putContentKey, upsertInstalledPack, type UnlockVia } from '../../db/queries/packs';
import { decryptPack, MAX_PACK_BYTES, refuse, unwrapWithCode, verifyPack, type VerifiedPack } from './pack-format';
import type { PackErrorCode } from './pack-errors';
import type { LoadedPack, PackProvider } from './pack-provider';
import type { TrustStore } from './provisioning';

export interface PackRefusal {
  readonly file: string;
  readonly code: PackErrorCode | string;
  readonly message: string;
}

export type PackStatus = 'ready' | 'locked' | 'missing';

/** `a.b.c` compared numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export interface PackRegistryDeps {
  readonly db: Db;
  readonly trust: TrustStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where installed `.ikpack` files live. */
  readonly dir: string;
}

export class PackRegistry implements PackProvider {
  private readonly log: Logger;
  private readonly verified = new Map<string, VerifiedPack & { file: string }>();
  private readonly unlocked = new Map<string, LoadedPack>();
  private refusedList: PackRefusal[] = [];

  constructor(private readonly deps: PackRegistryDeps) {
    this.log = deps.logger.scope('packs');
  }

  /** Verifies every pack in the folder. A refused file is reported and otherwise ignored. */
  scan(): { readonly ready: readonly string[]; readonly refused: readonly PackRefusal[] } {
    this.verified.clear();
    this.refusedList = [];
    const files = existsSync(this.deps.dir) ? readdirSync(this.deps.dir).filter((f) => f.endsWith('.ikpack')).sort() : [];
    for (const name of files) {
      const file = path.join(this.deps.dir, name);
      const r = this.verifyFile(file);
      if (!r.ok) {
        this.refusedList.push({ file: name, code: r.error.code, message: r.error.message });
        this.log.warn('pack refused', { file: name, code: r.error.code });
        continue;
      }
      const current = this.verified.get(r.value.manifest.id);
      if (current && compareVersions(current.manifest.version, r.value.manifest.version) >= 0) continue;
      this.verified.set(r.value.manifest.id, { ...r.value, file: name });
    }
    transact(this.deps.db, () => {
      for (const v of this.verified.values()) {
        const row = getInstalledPack(this.deps.db, v.manifest.id);
        if (!row || row.pack_hash !== v.hash) {
          upsertInstalledPack(this.deps.db, { pack_id: v.manifest.id, version: v.manifest.version, pack_hash: v.hash, key_id: v.keyId, file_name: v.file, installed_at: this.deps.clock.now() });
        }
      }
      purgeUnusedContentKeys(this.deps.db);
    });
    this.log.info('packs verified', { ready: this.verified.size, refused: this.refusedList.length });
    return { ready: [...this.verified.keys()], refused: this.refusedList };
  }

  get refused(): readonly PackRefusal[] {
    return this.refusedList;
  }

  private verifyFile(file: string): Result<VerifiedPack> {
    let bytes: Buffer;
    try {
      const size = statSync(file).size;
      if (size > MAX_PACK_BYTES) return refuse('PACK_TOO_LARGE', `${size} bytes`);
      bytes = readFileSync(file);
    } catch (e) {
      return refuse('PACK_MALFORMED', `cannot read: ${e instanceof Error ? e.message : String(e)}`);
    }
    const v = verifyPack(bytes, this.deps.trust, this.deps.clock);
    if (!v.ok) return v;
    const installed = getInstalledPack(this.deps.db, v.value.manifest.id);
    if (installed && compareVersions(installed.version, v.value.manifest.version) > 0) {
      return refuse('PACK_DOWNGRADE', `version ${v.value.manifest.version} is older than the accepted ${installed.version}`);
    }
    return v;
  }

  /**
   * Verifies a pack file and only then copies it into the packs folder (write to a temporary name,
   * then rename). A refused file leaves the folder and the database exactly as they were.
   */
  install(sourceFile: string): Result<{ packId: string; version: string; hash: string }> {
    const v = this.verifyFile(sourceFile);
    if (!v.ok) return v;
    const m = v.value.manifest;
    mkdirSync(this.deps.dir, { recursive: true });
    const name = `${m.id}.ikpack`;
    const target = path.join(this.deps.dir, name);
    const tmp = `${target}.installing`;
    try {
      copyFileSync(sourceFile, tmp);
      renameSync(tmp, target);
    } catch (e) {
      rmSync(tmp, { force: true });
      return err('INTERNAL', `could not install ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    transact(this.deps.db, () => {
      upsertInstalledPack(this.deps.db, { pack_id: m.id, version: m.version, pack_hash: v.value.hash, key_id: v.value.keyId, file_name: name, installed_at: this.deps.clock.now() });
    });
    this.verified.set(m.id, { ...v.value, file: name });
    this.unlocked.delete(m.id);
    return ok({ packId: m.id, version: m.version, hash: v.value.hash });
  }

  manifest(packId: string): VerifiedPack | undefined {
    return this.verified.get(packId);
  }

  packIds(): string[] {
    return [...this.verified.keys()];
  }

  status(packId: string): PackStatus {
    if (!this.verified.has(packId)) return 'missing';
    return this.get(packId) ? 'ready' : 'locked';
  }

  /** The unlocked pack, decrypting with a stored content key when one exists (after a restart). */
  get(packId: string): LoadedPack | undefined {
    const cached = this.unlocked.get(packId);
    if (cached) return cached;
    const v = this.verified.get(packId);
    if (!v) return undefined;
    const stored = getContentKey(this.deps.db, v.hash);
    if (!stored) return undefined;
    const r = decryptPack(v, stored.content_key);
    if (!r.ok) {
      this.log.error('stored content key does not open the pack', { packId, code: r.error.code });
      return undefined;
    }
    this.unlocked.set(packId, r.value);
    return r.value;
  }

  unlockWithKey(packId: string, contentKey: Buffer, via: UnlockVia): Result<LoadedPack> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const r = decryptPack(v, contentKey);
    if (!r.ok) return r;
    transact(this.deps.db, () => {
      putContentKey(this.deps.db, { pack_hash: v.hash, pack_id: packId, content_key: contentKey, via, unlocked_at: this.deps.clock.now() });
    });
    this.unlocked.set(packId, r.value);
    this.log.info('pack unlocked', { packId, via });
    return ok(r.value);
  }

  unlockWithCode(packId: string, code: string, via: UnlockVia = 'unlock_code'): Result<LoadedPack> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const key = unwrapWithCode(v.manifest, code);
    if (!key.ok) return key;
    return this.unlockWithKey(packId, key.value, via);
  }
}
