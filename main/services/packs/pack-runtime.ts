/**
 * Everything the kiosk needs for packs, built from the provisioning config: trusted keys, the
 * verified pack registry, invites (signed schedules, plus demo codes on a demo kiosk), the HR
 * endpoint client, check-in preparation and no-show detection. The composition root calls
 * `createPackRuntime` once. A missing or invalid config is not fatal: the kiosk starts, loads no
 * pack, and every check-in is refused with the provisioning code, so IT sees what is wrong.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { AppError } from '../../common/result';
import type { Db } from '../../db/connection';
import { transact } from '../../db/transaction';
import { allNoShows, markNoShowIncident, markNoShowQuarantined, markNoShowReported, purgeEndedStageKeys, purgeUnusedContentKeys, quarantinedNoShowsOwingIncident, unreportedNoShows } from '../../db/queries/packs';
import type { ResumeCodeIssuer } from '../session/resume-codes';
import { CheckInPreparer } from './check-in-preparer';
import { FileKeyProtector, MemoryKeyProtector, type KeyProtector } from './key-protector';
import { HrEndpointClient } from './hr-client';
import { CompositeInviteDirectory, DemoInviteDirectory, RESUME_MEDIA_TYPES, type InviteDirectory, type LoadedPack, type PackProvider, type ResumeDocument } from './pack-provider';
import { PackRegistry } from './pack-registry';
import { RegistryStageKeys } from './stage-keys';
import type { StageKeySource } from '../session/stage-flow';
import { loadProvisioning, proctorTokenKeysOf, type LoadedProvisioning } from './provisioning';
import type { ProctorTokenKey } from '../../common/proctor-token';
import { JiebaSegmenter } from './resume-tags';
import { resumeCodesFor } from './resume-secrets';
import { MemoryRollbackGuard, SealedRollbackGuard, type RollbackGuard } from './rollback-guard';
import { importSchedule, noShowEventOf, ScheduleInviteDirectory, sweepNoShows, type NoShowEvent } from './schedule';

export interface PackRuntimeOptions {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly appVersion: string;
  readonly kioskMode: boolean;
  /** Folder holding build/packs and build/provisioning (repo root in development, resources when packaged). */
  readonly resourcesDir: string;
  /** Explicit provisioning file (tests, the CLI). */
  readonly provisioningPath?: string;
  /** The per-user provisioning file, honoured outside kiosk mode only. */
  readonly userProvisioningPath?: string;
  readonly packsDir?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly machineProvisioningPath?: string;
  /**
   * The kiosk's data folder: the sealed anti-rollback state and wrapped secrets live there.
   * Without it (tests) both are kept in memory only.
   */
  readonly dataDir?: string;
  /** Wraps secrets at rest; the Electron shell passes the OS keystore. Default: a key file in dataDir. */
  readonly keyProtector?: KeyProtector;
}

export interface PackRuntime {
  readonly provisioning: LoadedProvisioning | undefined;
  /** Why no pack can load, when provisioning failed. */
  readonly provisioningError: AppError | undefined;
  readonly registry: PackRegistry | undefined;
  readonly packs: PackProvider;
  readonly invites: InviteDirectory;
  readonly preparer: CheckInPreparer | undefined;
  readonly hr: HrEndpointClient | undefined;
  /** Proctor resume codes from the provisioned centre secret (refuses every code without one). */
  readonly resumeCodes: ResumeCodeIssuer;
  /** Hub keys for proctor tokens, and where this kiosk is (tokens are bound to both). */
  readonly proctorTokens: { readonly keys: readonly ProctorTokenKey[]; readonly kioskId: string; readonly centreId: string };
  readonly keyProtector: KeyProtector;
  /** Stage keys of packs sealed stage by stage (v2), for the session flow; absent without provisioning. */
  readonly stages: StageKeySource | undefined;
  /** Forgets content keys no session needs any more (secure_delete); returns how many. */
  purgeContentKeys(): number;
  /** Records no-shows for invites whose window has ended; returns the new ones. */
  sweepNoShows(): NoShowEvent[];
  /** Sends unreported no-shows to the HR endpoint; returns how many were acknowledged. */
  reportNoShows(): Promise<number>;
  allNoShows(): NoShowEvent[];
  /** Verifies a signed schedule, reads its résumés (child process) and imports it. */
  importScheduleFile(file: string): ReturnType<typeof importSchedule>;
}

const EMPTY: PackProvider & InviteDirectory = { get: () => undefined, lookup: () => undefined };

/** The demo's routing: DEMO-S… codes take the sales interview, every other DEMO code the engineering one. */
export function demoPackFor(code: string): string {
  return code.startsWith('DEMO-S') ? 'regional-sales-manager' : 'software-engineer';
}

/** Sample résumés so the demo shows tailored questions (DEMO-2026 and DEMO-SALE). */
function demoResumes(dir: string): (code: string) => ResumeDocument | undefined {
  const files: Record<string, string> = { 'DEMO-2026': 'zh-java-backend.txt', 'DEMO-SALE': 'en-sales-medical.txt' };
  return (code) => {
    const f = files[code];
    const p = f ? path.join(dir, f) : undefined;
    return p && existsSync(p) ? { mediaType: RESUME_MEDIA_TYPES[0], data: readFileSync(p) } : undefined;
  };
}

export function createPackRuntime(o: PackRuntimeOptions): PackRuntime {
  const log = o.logger.scope('packs');
  const env = o.env ?? process.env;
  const keyProtector = o.keyProtector ?? (o.dataDir ? new FileKeyProtector(o.dataDir, o.logger) : new MemoryKeyProtector());
  const prov = loadProvisioning({
    kioskMode: o.kioskMode,
    env,
    ...(o.provisioningPath ? { explicitPath: o.provisioningPath } : {}),
    ...(o.userProvisioningPath ? { userPath: o.userProvisioningPath } : {}),
    ...(o.machineProvisioningPath ? { machinePath: o.machineProvisioningPath } : {}),
    demoFallbackPath: path.join(o.resourcesDir, 'build', 'provisioning', 'demo-provisioning.json'),
  });
  const noRuntime = (error: AppError): PackRuntime => ({
    provisioning: undefined,
    provisioningError: error,
    registry: undefined,
    packs: EMPTY,
    invites: EMPTY,
    preparer: undefined,
    hr: undefined,
    resumeCodes: resumeCodesFor(undefined, o.dataDir, keyProtector, o.clock).codes,
    proctorTokens: { keys: [], kioskId: 'unprovisioned', centreId: 'unprovisioned' },
    keyProtector,
    stages: undefined,
    purgeContentKeys: () => 0,
    sweepNoShows: () => [],
    reportNoShows: async () => 0,
    allNoShows: () => [],
    importScheduleFile: () => Promise.resolve({ ok: false, error }),
  });
  if (!prov.ok) {
    log.error('provisioning refused; no interview pack will load', { code: prov.error.code });
    return noRuntime(prov.error);
  }
  const p = prov.value;
  for (const i of p.ignored) log.warn('provisioning candidate ignored', { reason: i });
  if (p.source === 'demo-fallback') log.warn('no machine-wide provisioning: running the DEMO configuration');
  const envDir = o.kioskMode ? undefined : env.INTERVIEW_KIOSK_PACKS_DIR;
  const dir = o.packsDir ?? envDir ?? p.config.packsDir ?? path.join(o.resourcesDir, 'build', 'packs');
  let rollback: RollbackGuard = new MemoryRollbackGuard();
  if (o.dataDir) {
    const sealed = new SealedRollbackGuard(o.dataDir, keyProtector);
    if (sealed.tampered) log.error('anti-rollback state refused; no pack will load until IT resets it', { reason: sealed.reason });
    rollback = sealed;
  }
  const resume = resumeCodesFor(p.config, o.dataDir, keyProtector, o.clock);
  if (resume.problem) log.error('resume codes unavailable; every resume code will be refused', { reason: resume.problem });
  const registry = new PackRegistry({ db: o.db, trust: p.trust, clock: o.clock, logger: o.logger, dir, keys: keyProtector, rollback, ...(p.config.packFloors ? { floors: p.config.packFloors } : {}) });
  registry.scan();
  const directories: InviteDirectory[] = [new ScheduleInviteDirectory(o.db)];
  if (p.config.mode === 'demo') directories.push(new DemoInviteDirectory('software-engineer', demoPackFor, demoResumes(path.join(o.resourcesDir, 'build', 'packs', 'demo-resumes'))));
  const invites = new CompositeInviteDirectory(directories);
  const hr = p.config.hrEndpoint
    ? new HrEndpointClient({ baseUrl: p.config.hrEndpoint.url, kioskToken: p.config.hrEndpoint.kioskToken, kioskId: p.config.kioskId, centreId: p.config.centreId, clock: o.clock })
    : undefined;
  const preparer = new CheckInPreparer({
    db: o.db,
    clock: o.clock,
    logger: o.logger,
    registry,
    invites,
    ...(hr ? { hr } : {}),
    ...(p.config.hrEndpoint ? { hrPublicKey: p.config.hrEndpoint.publicKey } : {}),
    ...(p.config.mode === 'demo' && p.config.demoUnlockCodes ? { demoUnlockCodes: p.config.demoUnlockCodes } : {}),
    segmenter: () => JiebaSegmenter.shared(),
  });
  const kioskState = {
    kioskId: p.config.kioskId,
    centreId: p.config.centreId,
    appVersion: o.appVersion,
    provisioning: `${p.config.mode}:${p.source}`,
    packStatus: (id: string) => registry.status(id),
  };
  return {
    provisioning: p,
    provisioningError: undefined,
    registry,
    packs: registry as PackProvider & { get(id: string): LoadedPack | undefined },
    invites,
    preparer,
    hr,
    resumeCodes: resume.codes,
    proctorTokens: { keys: proctorTokenKeysOf(p.config), kioskId: p.config.kioskId, centreId: p.config.centreId },
    keyProtector,
    stages: new RegistryStageKeys({ registry, ...(hr ? { hr } : {}), ...(p.config.hrEndpoint ? { hrPublicKey: p.config.hrEndpoint.publicKey } : {}) }),
    // A key unlocked in the last 10 minutes may belong to a check-in still being prepared. Stage
    // keys go with their session (secure_delete on, as for content keys).
    purgeContentKeys: () =>
      transact(o.db, () => {
        const n = purgeUnusedContentKeys(o.db, [], o.clock.now() - 10 * 60 * 1000);
        purgeEndedStageKeys(o.db);
        return n;
      }),
    sweepNoShows: () => sweepNoShows(o.db, o.clock, kioskState),
    async reportNoShows() {
      if (!hr) return 0;
      const pending = unreportedNoShows(o.db).map(noShowEventOf);
      let acknowledged = 0;
      if (pending.length > 0) {
        const d = await hr.deliverNoShows(pending, {
          acknowledged: (codes) => transact(o.db, () => codes.forEach((code) => markNoShowReported(o.db, code, o.clock.now()))),
          quarantined: (code, reason) => {
            markNoShowQuarantined(o.db, code, o.clock.now(), reason);
            log.error('no-show quarantined: HR cannot take it; kept, and reported to HR as an incident', { reason });
          },
        });
        if (d.stoppedBy) log.warn('no-show delivery stopped; the rest is retried next cycle', { pending: d.pending, reason: d.stoppedBy });
        acknowledged = d.acknowledged;
      }
      // HR learns about every quarantined no-show through an incident, once.
      const owed = quarantinedNoShowsOwingIncident(o.db).map((r) => ({ inviteCode: r.invite_code, scheduleId: r.schedule_id, candidateRef: r.candidate_ref, packId: r.pack_id, quarantinedAt: r.quarantined_at ?? o.clock.now(), reason: r.quarantine_reason ?? 'quarantined' }));
      if (owed.length > 0) {
        const i = await hr.reportQuarantinedNoShows(owed, (code, state, detail) => {
          markNoShowIncident(o.db, code, state, o.clock.now());
          if (state === 'refused') log.error('the HR endpoint refused a quarantine incident; it stays on the kiosk', { detail });
        });
        if (i.stoppedBy) log.warn('quarantine incidents not delivered; retried next cycle', { pending: i.pending, reason: i.stoppedBy });
      }
      return acknowledged;
    },
    allNoShows: () => allNoShows(o.db).map(noShowEventOf),
    importScheduleFile: (file) => importSchedule(o.db, readFileSync(file), p.trust, p.config.centreId, o.clock),
  };
}
