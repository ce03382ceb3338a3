/**
 * The composition root: the one place that builds the object graph. Electron-free, so the
 * Electron shell (main.ts) and the development web shell (main/dev/) share it.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { systemClock, type Clock } from '../common/clock';
import type { Logger } from '../common/logger';
import { openDatabase, type Db } from '../db/connection';
import { PassiveWalMaintenance } from '../db/wal-maintenance';
import { EventHub } from '../ipc/event-hub';
import { createHandlers } from '../ipc/handlers';
import { IpcRouter } from '../ipc/router';
import { OsEnvironmentProbe, type DisplaySource, type EnvironmentSnapshot } from '../services/environment/environment';
import { SqliteJournal } from '../services/journal/journal';
import { DemoInviteDirectory, demoPack, StaticPackProvider } from '../services/packs/pack-provider';
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
}

export interface KioskCore {
  readonly db: Db;
  readonly dbPath: string;
  readonly sessions: SessionService;
  readonly router: IpcRouter;
  readonly events: EventHub;
  readonly recovered: readonly string[];
  close(): void;
}

export function databasePath(dataDir: string): string {
  return path.join(dataDir, 'interview-kiosk.sqlite');
}

export function createKioskCore(options: KioskCoreOptions): KioskCore {
  const logger = options.logger;
  mkdirSync(options.dataDir, { recursive: true });
  const dbPath = databasePath(options.dataDir);
  const db = openDatabase(dbPath, { logger });
  const events = new EventHub();
  const pack = demoPack();
  const sessions = new SessionService({
    db,
    journal: new SqliteJournal(db),
    clock: options.clock ?? systemClock,
    packs: new StaticPackProvider([pack]),
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(options.proctorSecret ?? DEMO_PROCTOR_SECRET),
    environment: new OsEnvironmentProbe(options.appVersion, options.shell, options.displaySource ?? null),
    logger,
    wal: new PassiveWalMaintenance(db),
    emit: (e) => events.emit('status', e),
  });
  const recovered = sessions.recoverAfterStart();
  const router = new IpcRouter(createHandlers(sessions), logger);
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
    close() {
      if (closed) return;
      closed = true;
      if (ticker) clearInterval(ticker);
      sessions.shutdown();
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } catch {
        // a busy or failing store: the WAL is replayed at next open
      }
      db.close();
    },
  };
}
