/**
 * The kiosk's installed packs: every `.ikpack` in the packs folder, verified at start against the
 * provisioning config, question content locked until check-in. Implements `PackProvider` for the
 * session service: `get` returns a pack only once it is unlocked.
 *
 * Unlocking stores the content key in the kiosk database, wrapped by the KeyProtector (the OS
 * keystore in the Electron shell), for as long as a session of that pack can still run, so a
 * crash does not strand a candidate mid-interview; it is purged with `secure_delete` once no
 * session needs it (see docs/pack-threat-model.md for what that costs).
 *
 * Lifecycle rules: a pack older than the highest accepted version (database, sealed high-water
 * file, provisioning floor) is refused; the same version with other content is refused; validity
 * is checked again at every check-in and resume, not only at start; offline unlock codes have an
 * attempt limit with a lockout recorded in the database.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import {
  failedUnlockAttemptsSince,
  getContentKey,
  getInstalledPack,
  insertUnlockAttempt,
  purgeEndedStageKeys,
  purgeUnusedContentKeys,
  putContentKey,
  putStageKey,
  sessionStageKeys,
  upsertInstalledPack,
  type UnlockVia,
} from '../../db/queries/packs';
import type { KeyProtector } from './key-protector';
import { CLOCK_SKEW_MS, decryptReleasedStages, MAX_PACK_BYTES, offlineStageKey, refuse, stageEnvelopeSha256, unwrapWithCodeAsync, verifyPack, type VerifiedPack } from './pack-format';
import { openStage } from './stage-content';
import { PACK_VERSION_PATTERN } from './pack-schema';
import { MemoryRollbackGuard, type RollbackGuard } from './rollback-guard';
import { packErrorText, type PackErrorCode } from './pack-errors';
import type { LoadedPack, PackProvider } from './pack-provider';
import type { TrustStore } from './provisioning';

export interface PackRefusal {
  readonly file: string;
  readonly code: PackErrorCode | string;
  readonly message: string;
}

export type PackStatus = 'ready' | 'locked' | 'missing';

/** `major.minor.patch` without leading zeros, as numbers; undefined for anything else. */
export function parseVersion(v: string): readonly [number, number, number] | undefined {
  const m = PACK_VERSION_PATTERN.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/**
 * `a.b.c` compared numerically. Only strict versions compare: `01.01.00` or `1.2` throws, so a
 * malformed version can never count as newer.
 */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa || !pb) throw new RangeError(`not a pack version: ${JSON.stringify(pa ? b : a)}`);
  for (let i = 0; i < 3; i++) {
    const d = pa[i]! - pb[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Offline unlock codes: this many wrong codes per pack within the window lock unlocking for the window. */
export const UNLOCK_MAX_FAILURES = 5;
export const UNLOCK_LOCKOUT_MS = 15 * 60 * 1000;

export interface PackRegistryDeps {
  readonly db: Db;
  readonly trust: TrustStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where installed `.ikpack` files live. */
  readonly dir: string;
  /** Wraps content keys before they are stored. */
  readonly keys: KeyProtector;
  /** High-water marks outside the database; default in memory only (tests). */
  readonly rollback?: RollbackGuard;
  /** Minimum versions from the machine-wide provisioning config (admin-only writable). */
  readonly floors?: Readonly<Record<string, string>>;
}

export class PackRegistry implements PackProvider {
  private readonly log: Logger;
  private readonly verified = new Map<string, VerifiedPack & { file: string }>();
  private readonly unlocked = new Map<string, LoadedPack>();
  /** v2 packs: per session, the pack with the stages released to it (and how many rows made it). */
  private readonly sessionPacks = new Map<string, { hash: string; released: number; pack: LoadedPack }>();
  private refusedList: PackRefusal[] = [];

  private readonly rollback: RollbackGuard;

  constructor(private readonly deps: PackRegistryDeps) {
    this.log = deps.logger.scope('packs');
    this.rollback = deps.rollback ?? new MemoryRollbackGuard();
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
      const order = current ? compareVersions(current.manifest.version, r.value.manifest.version) : -1;
      if (current && order === 0 && current.hash !== r.value.hash) {
        // Two files claim the same version with different content: neither is trusted to be "the" one.
        this.verified.delete(r.value.manifest.id);
        for (const f of [current.file, name]) this.refusedList.push({ file: f, code: 'PACK_VERSION_REUSED', message: `version ${current.manifest.version} of ${current.manifest.id} exists with two different contents` });
        this.log.warn('pack refused', { file: name, code: 'PACK_VERSION_REUSED' });
        continue;
      }
      if (order >= 0) continue;
      this.verified.set(r.value.manifest.id, { ...r.value, file: name });
    }
    for (const v of this.verified.values()) this.accept(v);
    transact(this.deps.db, () => {
      for (const v of this.verified.values()) {
        const row = getInstalledPack(this.deps.db, v.manifest.id);
        if (!row || row.pack_hash !== v.hash) {
          upsertInstalledPack(this.deps.db, { pack_id: v.manifest.id, version: v.manifest.version, pack_hash: v.hash, key_id: v.keyId, file_name: v.file, installed_at: this.deps.clock.now() });
        }
      }
      purgeUnusedContentKeys(this.deps.db);
      purgeEndedStageKeys(this.deps.db);
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
    const m = v.value.manifest;
    if (this.rollback.tampered) return refuse('PACK_DOWNGRADE', 'the anti-rollback state on this kiosk was altered; IT must reset it before any pack loads');
    const row = getInstalledPack(this.deps.db, m.id);
    const accepted: { version: string; hash?: string; from: string }[] = [];
    if (row && parseVersion(row.version)) accepted.push({ version: row.version, hash: row.pack_hash, from: 'database' });
    const mark = this.rollback.get(m.id);
    if (mark && parseVersion(mark.version)) accepted.push({ version: mark.version, hash: mark.hash, from: 'sealed high-water mark' });
    const floor = this.deps.floors?.[m.id];
    if (floor && parseVersion(floor)) accepted.push({ version: floor, from: 'provisioning floor' });
    for (const a of accepted) {
      const order = compareVersions(a.version, m.version);
      if (order > 0) return refuse('PACK_DOWNGRADE', `version ${m.version} is older than ${a.version} (${a.from})`);
      if (order === 0 && a.hash !== undefined && a.hash !== v.value.hash) {
        return refuse('PACK_VERSION_REUSED', `version ${m.version} of ${m.id} was accepted with other content (${a.from})`);
      }
    }
    return v;
  }

  /** Raises the sealed high-water mark to an accepted pack before the database records it. */
  private accept(v: VerifiedPack): void {
    const mark = this.rollback.get(v.manifest.id);
    if (!mark || !parseVersion(mark.version) || compareVersions(mark.version, v.manifest.version) < 0 || mark.hash !== v.hash) {
      this.rollback.raise(v.manifest.id, { version: v.manifest.version, hash: v.hash });
    }
  }

  /**
   * Whether a verified pack may be used now: re-checked at every check-in and resume, because a
   * kiosk that runs for days must not keep serving a pack that has expired since start.
   */
  usableNow(packId: string): Result<VerifiedPack> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const now = this.deps.clock.now();
    if (now + CLOCK_SKEW_MS < Date.parse(v.manifest.validity.notBefore)) return refuse('PACK_NOT_YET_VALID', `valid from ${v.manifest.validity.notBefore}`);
    if (now >= Date.parse(v.manifest.validity.expiresAt)) return refuse('PACK_EXPIRED', `expired at ${v.manifest.validity.expiresAt}`);
    return ok(v);
  }

  /**
   * Verifies a pack file and only then copies it into the packs folder (write to a temporary name,
   * then rename). A refused file leaves the folder and the database exactly as they were.
   */
  install(sourceFile: string): Result<{ packId: string; version: string; hash: string }> {
    const v = this.verifyFile(sourceFile);
    if (!v.ok) return v;
    const m = v.value.manifest;
    this.accept(v.value);
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
    this.sessionPacks.clear();
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

  /**
   * The unlocked pack, decrypting with a stored content key when one exists (after a restart). A
   * pack released stage by stage (v2) holds stage 0 only, or, given a session, the stages released
   * to that session (their wrapped keys in `session_stage_keys`), never a later one.
   */
  get(packId: string, sessionId?: string): LoadedPack | undefined {
    const v = this.verified.get(packId);
    if (sessionId !== undefined && v?.manifest.stageContent) return this.forSession(v, sessionId);
    const cached = this.unlocked.get(packId);
    if (cached) return cached;
    if (!v) return undefined;
    const key = this.storedContentKey(v);
    if (!key) return undefined;
    const r = decryptReleasedStages(v, key, new Map());
    key.fill(0);
    if (!r.ok) {
      this.log.error('stored content key does not open the pack', { packId, code: r.error.code });
      return undefined;
    }
    this.unlocked.set(packId, r.value);
    return r.value;
  }

  private storedContentKey(v: VerifiedPack): Buffer | undefined {
    const stored = getContentKey(this.deps.db, v.hash);
    if (!stored) return undefined;
    const key = this.deps.keys.unprotect(stored.wrapped_key);
    if (!key) this.log.error('stored content key cannot be unwrapped on this machine', { packId: v.manifest.id, protector: stored.protector });
    return key;
  }

  private forSession(v: VerifiedPack, sessionId: string): LoadedPack | undefined {
    const rows = sessionStageKeys(this.deps.db, sessionId, v.hash);
    if (rows.length === 0) {
      // None released, or purged when the session ended: nothing of a later stage stays in memory.
      this.sessionPacks.delete(sessionId);
      return this.get(v.manifest.id);
    }
    const cached = this.sessionPacks.get(sessionId);
    if (cached && cached.hash === v.hash && cached.released === rows.length) return cached.pack;
    const key = this.storedContentKey(v);
    if (!key) return undefined;
    const stageKeys = new Map<number, Buffer>();
    for (const row of rows) {
      const k = this.deps.keys.unprotect(row.wrapped_key);
      if (!k) {
        this.log.error('stored stage key cannot be unwrapped on this machine', { packId: v.manifest.id, stage: row.stage_index });
        continue;
      }
      stageKeys.set(row.stage_index, k);
    }
    const r = decryptReleasedStages(v, key, stageKeys);
    key.fill(0);
    for (const k of stageKeys.values()) k.fill(0);
    if (!r.ok) {
      this.log.error('stored stage keys do not open the pack', { packId: v.manifest.id, code: r.error.code });
      return undefined;
    }
    this.sessionPacks.set(sessionId, { hash: v.hash, released: rows.length, pack: r.value });
    return r.value;
  }

  /** Drops a session's released stages from memory (the session ended or its keys were purged). */
  forgetSession(sessionId: string): void {
    this.sessionPacks.delete(sessionId);
  }

  /**
   * `release: "offline"`: stage `index`'s key derived from the master key in the content. The
   * caller (the session flow) asks only once stage `index - 1` has been submitted.
   */
  offlineStageKey(packId: string, index: number): Result<Buffer> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const key = this.storedContentKey(v);
    if (!key) return err('PACK_LOCKED', packErrorText.PACK_LOCKED.en);
    const r = offlineStageKey(v, key, index);
    key.fill(0);
    return r;
  }

  /**
   * Stores stage `index`'s key for one session, wrapped by the KeyProtector, after checking that it
   * opens that stage's envelope. Runs inside the caller's transaction (which journals the release).
   */
  recordStageKey(sessionId: string, packId: string, index: number, stageKey: Buffer, mode: 'offline' | 'hr'): Result<{ stageId: string; envelopeSha256: string }> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const m = v.manifest;
    const stage = m.outline.stages[index];
    const envelopeSha256 = stageEnvelopeSha256(m, index);
    if (!m.stageContent || !stage || !envelopeSha256) return err('PACK_INVALID', `pack ${packId} has no sealed stage ${index}`);
    const opened = openStage(m, m.stageContent, index, stage.id, stageKey);
    if (!opened.ok) return opened;
    putStageKey(this.deps.db, {
      session_id: sessionId,
      stage_index: index,
      stage_id: stage.id,
      pack_hash: v.hash,
      wrapped_key: this.deps.keys.protect(stageKey),
      protector: this.deps.keys.kind,
      release_mode: mode,
      envelope_sha256: envelopeSha256,
      released_at: this.deps.clock.now(),
    });
    this.sessionPacks.delete(sessionId);
    return ok({ stageId: stage.id, envelopeSha256 });
  }

  unlockWithKey(packId: string, contentKey: Buffer, via: UnlockVia): Result<LoadedPack> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const r = decryptReleasedStages(v, contentKey, new Map());
    if (!r.ok) return r;
    const wrapped = this.deps.keys.protect(contentKey);
    transact(this.deps.db, () => {
      putContentKey(this.deps.db, { pack_hash: v.hash, pack_id: packId, wrapped_key: wrapped, protector: this.deps.keys.kind, via, unlocked_at: this.deps.clock.now() });
    });
    this.unlocked.set(packId, r.value);
    this.log.info('pack unlocked', { packId, via });
    return ok(r.value);
  }

  /**
   * The proctor's offline unlock code. scrypt runs on the thread pool; each attempt is recorded
   * first (append-only), and after UNLOCK_MAX_FAILURES wrong codes within UNLOCK_LOCKOUT_MS the
   * pack refuses codes until the window has passed, restart or not.
   */
  async unlockWithCode(packId: string, code: string, via: UnlockVia = 'unlock_code'): Promise<Result<LoadedPack>> {
    const v = this.verified.get(packId);
    if (!v) return err('PACK_NOT_FOUND', `the interview pack ${packId} is not installed on this kiosk`);
    const { db, clock } = this.deps;
    const now = clock.now();
    const failures = failedUnlockAttemptsSince(db, packId, now - UNLOCK_LOCKOUT_MS);
    if (failures.length >= UNLOCK_MAX_FAILURES) {
      const until = failures[failures.length - UNLOCK_MAX_FAILURES]! + UNLOCK_LOCKOUT_MS;
      return refuse('UNLOCK_CODE_LOCKED', `${failures.length} wrong codes; try again after ${new Date(until).toISOString()}`);
    }
    // Recorded as a failure before the work, so a crash mid-attempt still counts against the limit.
    transact(db, () => insertUnlockAttempt(db, packId, now, false));
    const key = await unwrapWithCodeAsync(v.manifest, code);
    if (!key.ok) {
      this.log.warn('offline unlock code refused', { packId, failures: failures.length + 1 });
      return key;
    }
    const r = this.unlockWithKey(packId, key.value, via);
    if (r.ok) transact(db, () => insertUnlockAttempt(db, packId, clock.now(), true));
    key.value.fill(0);
    return r;
  }
}
