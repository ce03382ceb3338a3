/**
 * The composition root: the one place that builds the object graph. Electron-free, so the
 * Electron shell (main.ts) and the development web shell (main/dev/) share it.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import type { MeasureDurations } from '../../preload/contract/precheck';
import { openDatabase, type Db } from '../db/connection';
import { getSession, getSessionByInvite, sessionsInStates } from '../db/queries/sessions';
import { getUploadConfirmation } from '../db/queries/session-keys';
import { acquireDataDirLock } from '../db/data-dir-lock';
import { PassiveWalMaintenance } from '../db/wal-maintenance';
import { setDurability, WalBarrier } from '../db/wal-durability';
import { EventHub } from '../ipc/event-hub';
import { createHandlers } from '../ipc/handlers';
import { IpcRouter } from '../ipc/router';
import { OsEnvironmentProbe, type DisplaySource, type EnvironmentSnapshot, type LaunchMode } from '../services/environment/environment';
import { LockdownRecorder } from '../services/integrity/lockdown-recorder';
import { IntegrityMonitor } from '../services/integrity/monitor';
import { integrityPolicyFor, type IntegrityPolicy, type IntegrityReport } from '../services/integrity/scan';
import { scanInWorker } from '../services/integrity/worker-scanner';
import { SqliteJournal } from '../services/journal/journal';
import { demoPack } from '../services/packs/pack-provider';
import { createPackRuntime, type PackRuntime } from '../services/packs/pack-runtime';
import { nodeMachineSession } from '../services/precheck/machine-sources';
import { PrecheckService } from '../services/precheck/precheck-service';
import { AssistanceService } from '../services/session/assistance';
import { InviteGate, type InviteGatePolicy } from '../services/session/invite-gate';
import { FileKeyProtector, type KeyProtector } from '../services/packs/key-protector';
import { DEMO_PROCTOR_SECRET, HmacResumeCodes } from '../services/session/resume-codes';
import { ProctorAuthority } from '../services/session/proctor-authority';
import { SessionService } from '../services/session/session-service';
import { SegmentMediaStore } from '../services/storage/media-store';
import { mkdirDurably } from '../services/storage/durable-file';
import { JiebaSegmenter } from '../services/packs/resume-tags';
import { SpeechReporter } from '../services/audio/speech-reporter';
import { CandidateFeedback } from '../services/scoring/candidate-feedback';
import { VisionFlagRecorder } from '../services/integrity/vision-flags';
import { IdentityCheck, readIdentityPhotoSealed } from '../services/identity/identity-check';
import { ScoringRunner } from '../services/scoring/scoring-runner';
import { setTextSealer } from '../db/text-sealing';
import { DEFAULT_RETENTION_DAYS } from '../services/packs/pack-schema';
import { parseRecipientKey } from '../services/storage/crypto/hr-wrap';
import { confirmUpload, sweepRetention } from '../services/storage/crypto/erasure';
import { SessionKeyring, type ChunkSealer } from '../services/storage/crypto/session-keyring';
import { HubClient } from '../services/sync/hub-client';
import { SyncEngine, type SyncEngineOptions, type SyncState } from '../services/sync/sync-engine';
import { loadHubCredential } from '../services/sync/credential-store';
import { hubCredentialPath, retentionStarts, syncPlan, uploadReceipt, type SyncPlan } from '../services/sync/sync-plan';
import { confirmedOutboxKeys, isSessionHubConfirmed, outboxCounts } from '../db/queries/outbox';

/** Demo provisioning only: a real kiosk gets its centre secret from the machine-wide config. */
export { DEMO_PROCTOR_SECRET };

export interface KioskCoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly appVersion: string;
  readonly shell: EnvironmentSnapshot['app']['shell'];
  readonly clock?: Clock;
  readonly displaySource?: DisplaySource;
  /** Tests only: overrides the provisioned resume-code secret. */
  readonly proctorSecret?: Buffer;
  /** Wraps secrets at rest (the Electron shell passes the OS keystore, main/app/safe-storage-protector.ts). */
  readonly keyProtector?: KeyProtector;
  /** Milliseconds between elapsed-time writes; 0 disables the ticker (tests drive tick()). */
  readonly tickMs?: number;
  /**
   * Base URL the pre-check's network checks measure against, overriding the pack's HR endpoint
   * (also from KIOSK_PRECHECK_ENDPOINT; docs/precheck.md lists the routes it must answer).
   */
  readonly precheckEndpoint?: string;
  /**
   * Kiosk mode: only the machine-wide provisioning config counts, and launch-time overrides
   * (KIOSK_PRECHECK_ENDPOINT, INTERVIEW_KIOSK_PACKS_DIR, per-user files) are ignored. The Electron
   * shell passes what resolveLaunchConfig decided; default false (development shells).
   */
  readonly kioskMode?: boolean;
  /** What decided the launch mode; recorded in every environment snapshot. */
  readonly launchSource?: string;
  /** Launch overrides that were present and ignored (names only), for the snapshot. */
  readonly ignoredOverrides?: readonly string[];
  /** Rescan the machine's integrity during interviews (default: in the Electron shell). */
  readonly integrityMonitor?: boolean;
  /** Development and tests: the scan the monitor runs, and how often (default: the real scan, every minute). */
  readonly integrityScan?: { readonly scan: (policy: IntegrityPolicy) => Promise<IntegrityReport>; readonly intervalMs: number };
  /** Explicit provisioning file (tests); otherwise the machine-wide one, else the demo config. */
  readonly provisioningPath?: string;
  /** Where installed `.ikpack` files are; default `<resources>/build/packs`. */
  readonly packsDir?: string;
  /** Folder holding build/packs and build/provisioning; default the app resources or the working directory. */
  readonly resourcesDir?: string;
  /** The wrong-invite-code throttle; default DEFAULT_INVITE_POLICY. */
  readonly invitePolicy?: InviteGatePolicy;
  /**
   * Development web shell only (KIOSK_DEV_PRECHECK_QUICK): how long the page measures camera,
   * microphone and speakers. Ignored in kiosk mode.
   */
  readonly precheckMeasureMs?: MeasureDurations;
  /** Hub sync tuning (tests shorten the quiet-time poll and the backoff). */
  readonly sync?: Pick<SyncEngineOptions, 'idlePollMs' | 'backoffBaseMs' | 'backoffCapMs' | 'batchSize'>;
}

export interface KioskCore {
  readonly db: Db;
  readonly dbPath: string;
  readonly sessions: SessionService;
  readonly router: IpcRouter;
  readonly events: EventHub;
  readonly recovered: readonly string[];
  readonly packs: PackRuntime;
  readonly lockdown: LockdownRecorder;
  readonly journal: SqliteJournal;
  readonly integrity: IntegrityMonitor | null;
  readonly scoring: ScoringRunner;
  /** Session data keys: seals typed answers and drafts (registered on db) and media chunks. */
  readonly keyring: SessionKeyring;
  /** The media store's sealer (its aad is `chunkAad(...)`, main/services/storage/crypto/identity.ts). */
  readonly chunkSealer: ChunkSealer;
  /** Whether this kiosk syncs to a hub: off (none provisioned), not_enrolled, refused or start. */
  readonly syncPlan: SyncPlan['kind'];
  /**
   * The hub sync's state for whoever shows it (the proctor): null when no hub is provisioned;
   * phase `not_enrolled` (with the reason in lastError when a credential was refused) until enrolled.
   */
  syncState(): SyncState | null;
  close(): void;
}

/** Packaged Electron apps carry build/ under process.resourcesPath; development runs from the repo. */
function defaultResourcesDir(): string {
  const resources = (process as { resourcesPath?: string }).resourcesPath;
  if (resources && existsSync(path.join(resources, 'build', 'packs'))) return resources;
  return process.cwd();
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'interview-kiosk.sqlite');
}

export function createKioskCore(options: KioskCoreOptions): KioskCore {
  const logger = options.logger;
  // Durably: on a first start a power cut must not take the new data folder with its database.
  mkdirDurably(options.dataDir);
  const dbPath = databasePath(options.dataDir);
  // One writer per data folder: a second kiosk on it stops here (DataDirLockedError), before it
  // could call the live session crashed.
  const lock = acquireDataDirLock(options.dataDir);
  if (lock.tookOverFrom) logger.warn('took over the data folder lock of a process that is gone', { pid: lock.tookOverFrom.pid, alive: lock.tookOverFrom.alive });
  let db: Db;
  try {
    // Commits write the WAL only; the barrier makes them durable in the thread pool before any
    // IPC answer, chunk acknowledgement or hub batch (wal-durability.ts): no fsync on this loop.
    db = openDatabase(dbPath, { logger, durability: 'barrier' });
  } catch (e) {
    lock.release();
    throw e;
  }
  const durability = new WalBarrier(db, dbPath);
  setDurability(db, durability);
  const events = new EventHub();
  const pack = demoPack();
  const journal = new SqliteJournal(db);
  const clock = options.clock ?? systemClock;
  const kioskMode = options.kioskMode ?? false;
  const launch: LaunchMode = { kioskMode, source: options.launchSource ?? options.shell, ignored: options.ignoredOverrides ?? [] };
  const environment = new OsEnvironmentProbe(options.appVersion, options.shell, options.displaySource ?? null, launch);
  const packRuntime = createPackRuntime({
    db,
    clock,
    logger,
    appVersion: options.appVersion,
    kioskMode,
    resourcesDir: options.resourcesDir ?? defaultResourcesDir(),
    userProvisioningPath: path.join(options.dataDir, 'provisioning.json'),
    dataDir: options.dataDir,
    ...(options.keyProtector ? { keyProtector: options.keyProtector } : {}),
    ...(options.provisioningPath ? { provisioningPath: options.provisioningPath } : {}),
    ...(options.packsDir ? { packsDir: options.packsDir } : {}),
  });
  // Every session's typed answers, drafts and media are sealed under its own data key, wrapped by
  // the same KeyProtector as the pack content keys and, when provisioned, for HR's X25519 key.
  const hrSealingKey = packRuntime.provisioning?.config.hrEndpoint?.sealingKey;
  const keyring = new SessionKeyring({ db, protector: packRuntime.keyProtector, clock, logger, ...(hrSealingKey ? { hr: { publicKey: parseRecipientKey(hrSealingKey) } } : {}) });
  setTextSealer(db, keyring);
  const purgeKeys = (): void => {
    if (!db.open) return;
    try {
      packRuntime.purgeContentKeys();
    } catch (e) {
      logger.error('content-key purge failed', { error: e instanceof Error ? e.message : String(e) });
    }
  };
  // Answers are scored after their submit commits, off the IPC path; failures are journaled and
  // retried at the next start (catchUp below). Scoring never touches the session's state.
  const scoring = new ScoringRunner({
    db,
    journal,
    clock,
    logger,
    segmenter: () => JiebaSegmenter.shared(),
    packFor: (sessionId) => {
      const s = getSession(db, sessionId);
      const p = s ? packRuntime.packs.get(s.pack_id, s.id) : undefined;
      return s && p && p.hash === s.pack_hash ? { pack: p.pack, locale: s.locale } : undefined;
    },
  });
  const sessions = new SessionService({
    onAnswerSubmitted: (sessionId, questionIndex, attempt) => scoring.schedule(sessionId, questionIndex, attempt),
    db,
    journal,
    clock,
    packs: packRuntime.packs,
    invites: packRuntime.invites,
    ...(packRuntime.stages ? { stages: packRuntime.stages } : {}),
    resumeCodes: options.proctorSecret ? new HmacResumeCodes(options.proctorSecret) : packRuntime.resumeCodes,
    proctor: new ProctorAuthority({
      db,
      journal,
      ...packRuntime.proctorTokens,
      centreCodes: options.proctorSecret ? new HmacResumeCodes(options.proctorSecret) : packRuntime.resumeCodes,
    }),
    environment,
    logger,
    wal: new PassiveWalMaintenance(db),
    // Media chunks are sealed with the session's data key before they reach the segment file.
    media: new SegmentMediaStore(db, { sealer: keyring.chunkSealer() }),
    emit: (e) => {
      events.emit('status', e);
      // A session that can no longer run releases its pack's content key (after its transaction).
      if (e.state === 'completed' || e.state === 'expired') setImmediate(() => purgeKeys());
    },
    emitPage: (e) => events.emit('page', e),
  });
  const recovered = sessions.recoverAfterStart({ staleLock: lock.tookOverFrom });
  scoring.catchUp();
  packRuntime.sweepNoShows();
  // No-shows are detected and sent to HR once a minute; a failed send is retried the next time.
  const noShowTimer = setInterval(() => {
    try {
      packRuntime.sweepNoShows();
      void packRuntime.reportNoShows();
      // Content keys no session needs are purged (secure_delete); also right after a session ends.
      purgeKeys();
      // Sessions HR confirmed more than the pack's retention days ago are erased (never before upload).
      sweepRetention({
        db,
        keyring,
        journal,
        clock,
        logger,
        dataDir: options.dataDir,
        retentionDaysOf: (packId) => packRuntime.registry?.manifest(packId)?.manifest.policy.retentionDays ?? DEFAULT_RETENTION_DAYS,
      });
    } catch (e) {
      logger.error('no-show sweep failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }, 60_000);
  noShowTimer.unref();
  const hubSync = startHubSync({ db, journal, clock, logger, dataDir: options.dataDir, packRuntime, keyring, ...(options.sync ? { tuning: options.sync } : {}) });
  // Remuxed answers are sealed under the session's data key like its chunks; ones written plain
  // before that are sealed now and their plaintext shredded (assistance.ts sealPlainRemuxes).
  const assistance = new AssistanceService({ db, journal, clock, environment, logger, dataDir: options.dataDir, keys: keyring });
  try {
    assistance.sealPlainRemuxes();
  } catch (e) {
    logger.error('sealing plain remuxed answers failed; retried at the next start', { error: e instanceof Error ? e.message : String(e) });
  }
  // A locked kiosk measures against its pack's HR endpoint only: no variable can redirect it.
  const precheckEndpoint = options.precheckEndpoint ?? (kioskMode ? null : process.env.KIOSK_PRECHECK_ENDPOINT) ?? null;
  const precheck = new PrecheckService({
    clock,
    logger,
    appVersion: options.appVersion,
    dataDir: options.dataDir,
    machine: () => nodeMachineSession(options.displaySource ?? null),
    sessions,
    endpoint: (p) => precheckEndpoint ?? p?.pack.hrEndpoint?.url ?? null,
    homePack: pack,
    emit: (e) => events.emit('precheckProgress', e),
    ...(options.precheckMeasureMs && !kioskMode ? { measureMs: options.precheckMeasureMs } : {}),
  });
  const feedback = new CandidateFeedback({ db, journal, clock, packs: packRuntime.packs });
  const lockdown = new LockdownRecorder({ db, journal, clock, packs: packRuntime.packs, logger, mainObservesWindow: options.shell === 'electron' });
  const known = (code: string): boolean => getSessionByInvite(db, code) !== undefined || packRuntime.invites.lookup(code) !== undefined;
  const inviteGate = new InviteGate({ db, clock, logger, known, ...(options.invitePolicy ? { policy: options.invitePolicy } : {}) });
  const vision = new VisionFlagRecorder({ db, journal, clock, packs: packRuntime.packs });
  const speech = new SpeechReporter({ db, journal, clock, packs: packRuntime.packs }); // audio (issue #15)
  // Flags a page left open when the kiosk stopped (crash or shutdown) end now as interrupted.
  try {
    vision.closeInterruptedAtStart();
  } catch (e) {
    logger.error('closing interrupted camera flags failed; retried at the next start', { error: e instanceof Error ? e.message : String(e) });
  }
  // The optional identity check at check-in (issue #15): sealed with the session key, confirmed by a proctor.
  const identityCodes = options.proctorSecret ? new HmacResumeCodes(options.proctorSecret) : packRuntime.resumeCodes;
  const identity = new IdentityCheck({
    db,
    journal,
    clock,
    packs: packRuntime.packs,
    keys: keyring,
    dataDir: options.dataDir,
    resumeCodes: identityCodes,
    proctor: new ProctorAuthority({ db, journal, ...packRuntime.proctorTokens, centreCodes: identityCodes }),
  });
  const router = new IpcRouter(createHandlers(sessions, assistance, precheck, packRuntime.preparer, inviteGate, lockdown, feedback, vision, speech, identity), logger, true, durability);
  const integrity =
    (options.integrityMonitor ?? (options.shell === 'electron' || options.integrityScan !== undefined))
      ? new IntegrityMonitor({
          db,
          journal,
          clock,
          logger,
          scan: options.integrityScan?.scan ?? ((policy) => scanInWorker(policy)),
          ...(options.integrityScan ? { intervalMs: options.integrityScan.intervalMs } : {}),
          // Each session's own pack decides its prohibited programs and what each finding does.
          policyFor: (sessionId) => {
            const packId = getSession(db, sessionId)?.pack_id;
            return integrityPolicyFor(packId ? packRuntime.packs.get(packId)?.pack.policy.integrity : undefined);
          },
          // warn: the candidate is told (zh-CN/en via the status event's code). pause_and_alert: the
          // interview pauses on the fair clock until the proctor's code (the pause emits its own status).
          onAction: (f, ids) => {
            logger.warn('integrity finding needs attention', { kind: f.kind, action: f.action, sessions: ids.length });
            for (const sessionId of ids) {
              if (f.action === 'pause_and_alert') {
                const paused = sessions.pauseForProctor(sessionId, { source: 'integrity', kind: f.kind, severity: f.severity, evidence: f.evidence });
                if (paused.ok && paused.value.paused) continue;
              }
              events.emit('status', { sessionId, state: 'in_progress', code: f.action === 'warn' ? 'INTEGRITY_WARNING' : 'INTEGRITY_ALERT' });
            }
          },
        })
      : null;
  integrity?.start();
  const tickMs = options.tickMs ?? 500;
  const ticker = tickMs > 0 ? setInterval(() => sessions.tick(), tickMs) : null;
  ticker?.unref();
  let closed = false;
  return {
    db,
    dbPath,
    sessions,
    router,
    events,
    recovered,
    packs: packRuntime,
    lockdown,
    journal,
    integrity,
    scoring,
    keyring,
    chunkSealer: keyring.chunkSealer(),
    syncPlan: hubSync.plan,
    syncState: () => (db.open ? hubSync.state() : null),
    close() {
      if (closed) return;
      closed = true;
      hubSync.stop();
      clearInterval(noShowTimer);
      integrity?.stop();
      if (ticker) clearInterval(ticker);
      scoring.stop();
      sessions.shutdown();
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a busy or failing store: the WAL is replayed at next open
      }
      db.close();
      durability.close();
      lock.release();
    },
  };
}

interface HubSyncDeps {
  readonly db: Db;
  readonly journal: SqliteJournal;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly dataDir: string;
  readonly packRuntime: PackRuntime;
  readonly keyring: SessionKeyring;
  readonly tuning?: Pick<SyncEngineOptions, 'idlePollMs' | 'backoffBaseMs' | 'backoffCapMs' | 'batchSize'>;
}

/**
 * Carries out syncPlan (main/services/sync/sync-plan.ts): when provisioning names a hub and the
 * kiosk holds a valid credential for it, the sync engine runs beside the interviews. When the hub
 * has confirmed every item of a closed session, that session's upload is confirmed, which starts
 * its retention clock (sweepRetention erases it after the pack's retention days). Nothing here
 * throws into an interview: every failure is logged and left to the next attempt.
 */
function startHubSync(d: HubSyncDeps): { plan: SyncPlan['kind']; state(): SyncState | null; stop(): void } {
  const log = d.logger.scope('sync');
  const hub = d.packRuntime.provisioning?.config.hub;
  const credentialFile = hubCredentialPath(hub, d.dataDir);
  const plan = syncPlan(hub, hub ? loadHubCredential(credentialFile, d.packRuntime.keyProtector, () => new FileKeyProtector(d.dataDir)) : { kind: 'absent' });
  const waiting = (lastError: string | null): SyncState => {
    const c = outboxCounts(d.db);
    return { phase: 'not_enrolled', pending: c.pending, confirmed: c.confirmed, oldestPendingAt: c.oldestPendingAt, lastSuccessAt: null, lastError, nextAttemptAt: null, consecutiveFailures: 0, resumedUploads: 0 };
  };
  switch (plan.kind) {
    case 'off':
      return { plan: plan.kind, state: () => null, stop: () => undefined };
    case 'not_enrolled':
      log.warn('a hub is provisioned but this kiosk is not enrolled: records stay on the kiosk until it is', { hubUrl: plan.hubUrl, credentialFile });
      return { plan: plan.kind, state: () => waiting(null), stop: () => undefined };
    case 'refused':
      log.error('the hub credential is refused; sync is off', { code: plan.code, message: plan.message });
      return { plan: plan.kind, state: () => waiting(plan.code), stop: () => undefined };
    case 'start':
      break;
    default: {
      const never: never = plan;
      return never;
    }
  }
  const kioskId = plan.credential.kioskId;
  const onHubConfirmed = (sessionIds: readonly string[]): void => {
    for (const sessionId of retentionStarts(sessionIds, (id) => getSession(d.db, id)?.state)) {
      try {
        const r = confirmUpload({ db: d.db, journal: d.journal, clock: d.clock }, sessionId, uploadReceipt(kioskId, confirmedOutboxKeys(d.db, sessionId)));
        if (!r.ok) log.warn('upload confirmation refused', { sessionId, code: r.error.code });
        else if (r.value.first) log.info('the hub holds the session; its retention clock starts', { sessionId });
      } catch (e) {
        log.error('upload confirmation failed; retried when the hub next confirms', { sessionId, error: e instanceof Error ? e.message : String(e) });
      }
    }
  };
  // A confirmation the process did not live to record (a crash right after the hub's answer) is
  // recorded now: every closed session whose items the hub all holds and that has no upload row.
  try {
    const unconfirmed = sessionsInStates(d.db, ['completed', 'exited', 'expired', 'no_show'])
      .filter((s) => getUploadConfirmation(d.db, s.id) === undefined && isSessionHubConfirmed(d.db, s.id))
      .map((s) => s.id);
    onHubConfirmed(unconfirmed);
  } catch (e) {
    log.error('upload confirmation catch-up failed', { error: e instanceof Error ? e.message : String(e) });
  }
  const engine = new SyncEngine({
    db: d.db,
    hub: new HubClient(plan.credential),
    sealer: d.keyring.chunkSealer(),
    // Identity photos (issue #15) go to the hub opened from their sealed files, like media chunks.
    identityPhoto: (sessionId, ordinal, file) => readIdentityPhotoSealed(d.dataDir, d.keyring, sessionId, ordinal, file),
    onHubConfirmed,
    ...d.tuning,
  });
  engine.start();
  log.info('syncing to the hub', { hubUrl: plan.credential.hubUrl, kioskId });
  return { plan: plan.kind, state: () => engine.state(), stop: () => engine.stop() };
}
