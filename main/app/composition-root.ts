/**
 * The composition root: the one place that builds the object graph. Electron-free, so the
 * Electron shell (main.ts) and the development web shell (main/dev/) share it.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { openDatabase, type Db } from '../db/connection';
import { acquireDataDirLock } from '../db/data-dir-lock';
import { PassiveWalMaintenance } from '../db/wal-maintenance';
import { EventHub } from '../ipc/event-hub';
import { createHandlers } from '../ipc/handlers';
import { IpcRouter } from '../ipc/router';
import { OsEnvironmentProbe, type DisplaySource, type EnvironmentSnapshot } from '../services/environment/environment';
import { SqliteJournal } from '../services/journal/journal';
import { demoPack } from '../services/packs/pack-provider';
import { createPackRuntime, type PackRuntime } from '../services/packs/pack-runtime';
import { nodeMachineSession } from '../services/precheck/machine-sources';
import { PrecheckService } from '../services/precheck/precheck-service';
import { AssistanceService } from '../services/session/assistance';
import { HmacResumeCodes } from '../services/session/resume-codes';
import { SessionService } from '../services/session/session-service';

/** Demo provisioning only: a real kiosk gets its centre secret from the machine-wide config. */
export const DEMO_PROCTOR_SECRET = Buffer.from('interview-kiosk-demo-proctor-secret-v1');

export interface KioskCoreOptions {
  readonly dataDir: string;
  readonly logger: Logger;
  readonly appVersion: string;
  readonly shell: EnvironmentSnapshot['app']['shell'];
  readonly clock?: Clock;
  readonly displaySource?: DisplaySource;
  readonly proctorSecret?: Buffer;
  /** Milliseconds between elapsed-time writes; 0 disables the ticker (tests drive tick()). */
  readonly tickMs?: number;
  /**
   * Base URL the pre-check's network checks measure against, overriding the pack's HR endpoint
   * (also from KIOSK_PRECHECK_ENDPOINT; docs/precheck.md lists the routes it must answer).
   */
  readonly precheckEndpoint?: string;
  /** Kiosk mode: only the machine-wide provisioning config counts. Default: the Electron shell unless windowed. */
  readonly kioskMode?: boolean;
  /** Explicit provisioning file (tests); otherwise the machine-wide one, else the demo config. */
  readonly provisioningPath?: string;
  /** Where installed `.ikpack` files are; default `<resources>/build/packs`. */
  readonly packsDir?: string;
  /** Folder holding build/packs and build/provisioning; default the app resources or the working directory. */
  readonly resourcesDir?: string;
}

export interface KioskCore {
  readonly db: Db;
  readonly dbPath: string;
  readonly sessions: SessionService;
  readonly router: IpcRouter;
  readonly events: EventHub;
  readonly recovered: readonly string[];
  readonly packs: PackRuntime;
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
  mkdirSync(options.dataDir, { recursive: true });
  const dbPath = databasePath(options.dataDir);
  // One writer per data folder: a second kiosk on it stops here (DataDirLockedError), before it
  // could call the live session crashed.
  const lock = acquireDataDirLock(options.dataDir);
  if (lock.tookOverFrom) logger.warn('took over the data folder lock of a process that is gone', { pid: lock.tookOverFrom.pid, alive: lock.tookOverFrom.alive });
  let db: Db;
  try {
    db = openDatabase(dbPath, { logger });
  } catch (e) {
    lock.release();
    throw e;
  }
  const events = new EventHub();
  const pack = demoPack();
  const journal = new SqliteJournal(db);
  const clock = options.clock ?? systemClock;
  const environment = new OsEnvironmentProbe(options.appVersion, options.shell, options.displaySource ?? null);
  const packRuntime = createPackRuntime({
    db,
    clock,
    logger,
    appVersion: options.appVersion,
    kioskMode: options.kioskMode ?? (options.shell === 'electron' && !process.argv.includes('--no-kiosk') && process.env.KIOSK_WINDOWED !== '1'),
    resourcesDir: options.resourcesDir ?? defaultResourcesDir(),
    userProvisioningPath: path.join(options.dataDir, 'provisioning.json'),
    ...(options.provisioningPath ? { provisioningPath: options.provisioningPath } : {}),
    ...(options.packsDir ? { packsDir: options.packsDir } : {}),
  });
  const sessions = new SessionService({
    db,
    journal,
    clock,
    packs: packRuntime.packs,
    invites: packRuntime.invites,
    resumeCodes: new HmacResumeCodes(options.proctorSecret ?? DEMO_PROCTOR_SECRET),
    environment,
    logger,
    wal: new PassiveWalMaintenance(db),
    emit: (e) => events.emit('status', e),
    emitPage: (e) => events.emit('page', e),
  });
  const recovered = sessions.recoverAfterStart({ staleLock: lock.tookOverFrom });
  packRuntime.sweepNoShows();
  // No-shows are detected and sent to HR once a minute; a failed send is retried the next time.
  const noShowTimer = setInterval(() => {
    try {
      packRuntime.sweepNoShows();
      void packRuntime.reportNoShows();
    } catch (e) {
      logger.error('no-show sweep failed', { error: e instanceof Error ? e.message : String(e) });
    }
  }, 60_000);
  noShowTimer.unref();
  const assistance = new AssistanceService({ db, journal, clock, environment, logger, dataDir: options.dataDir });
  const precheckEndpoint = options.precheckEndpoint ?? process.env.KIOSK_PRECHECK_ENDPOINT ?? null;
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
  });
  const router = new IpcRouter(createHandlers(sessions, assistance, precheck, packRuntime.preparer), logger);
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
    close() {
      if (closed) return;
      closed = true;
      clearInterval(noShowTimer);
      if (ticker) clearInterval(ticker);
      sessions.shutdown();
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a busy or failing store: the WAL is replayed at next open
      }
      db.close();
      lock.release();
    },
  };
}
