/**
 * Opening the kiosk database: durable pragmas asserted on every open, a quick_check, refusal of
 * a database written by a newer version (before anything is written to it), and migrations.
 */
import Database from 'better-sqlite3';
import { existsSync, statSync } from 'node:fs';
import { CodedError } from '../common/result';
import type { Logger } from '../common/logger';
import { silentLogger } from '../common/logger';
import { storageErrorCode } from './errors';
import { LATEST_SCHEMA_VERSION, migrations as registry, type Migration } from './migrations';

export type Db = Database.Database;

export interface OpenDatabaseOptions {
  readonly logger?: Logger;
  /** Overridable for tests of the migration runner. */
  readonly migrations?: readonly Migration[];
  /** `fullfsync` matters on macOS, where fsync alone does not flush the drive cache. */
  readonly platform?: NodeJS.Platform;
  /**
   * The start-up integrity check. `full` (default) checks the whole file: media bytes live in
   * segment files now (media-store.ts), so the database stays small and a full check fits the
   * recovery budget. `core` checks only the tables that decide whether and where a session
   * resumes (for a database from before schema 10 that still holds gigabytes of BLOBs).
   */
  readonly quickCheck?: 'core' | 'full' | 'none';
  /**
   * `full` (default): every commit fsyncs the WAL on the calling thread (`synchronous = FULL`).
   * `barrier`: commits only write the WAL (`synchronous = NORMAL`); the caller makes them durable
   * with a WalBarrier (wal-durability.ts) in the thread pool before acknowledging anything. The
   * kiosk app uses `barrier` so that no fsync holds its main loop; tools keep `full`.
   */
  readonly durability?: 'full' | 'barrier';
}

/** Pragmas every connection must run with; asserted, not assumed. */
function applyDurablePragmas(db: Db, platform: NodeJS.Platform, durability: 'full' | 'barrier'): void {
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (String(mode).toLowerCase() !== 'wal') {
    throw new CodedError('STORAGE_READONLY', `journal_mode is ${String(mode)}, expected wal`);
  }
  // better-sqlite3 is compiled with SQLITE_DEFAULT_WAL_SYNCHRONOUS=1 (NORMAL), which is not
  // durable per commit in WAL mode: set FULL on every open and check it took — or, with a
  // barrier, NORMAL on purpose (still consistent: the WAL is synced before each checkpoint and
  // the database after it), commits being made durable by WalBarrier before any acknowledgement.
  const want = durability === 'barrier' ? 1 : 2;
  db.pragma(`synchronous = ${want === 2 ? 'FULL' : 'NORMAL'}`);
  const sync = db.pragma('synchronous', { simple: true });
  if (sync !== want) throw new CodedError('INTERNAL', `synchronous is ${String(sync)}, expected ${want}`);
  if (platform === 'darwin') {
    db.pragma('fullfsync = 1');
    db.pragma('checkpoint_fullfsync = 1');
  }
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Checkpoints are run by WalMaintenance between answers, never on the recording path.
  db.pragma('wal_autocheckpoint = 0');
}

export function runMigrations(db: Db, list: readonly Migration[] = registry): { from: number; to: number } {
  const from = Number(db.pragma('user_version', { simple: true }));
  const latest = list[list.length - 1]?.version ?? 0;
  if (from > latest) {
    throw new CodedError(
      'DB_FROM_FUTURE',
      `database schema version ${from} is newer than this kiosk understands (${latest}); update the kiosk application`,
    );
  }
  const pending = list.filter((m) => m.version > from);
  if (pending.length === 0) return { from, to: from };
  db.transaction(() => {
    for (const m of pending) {
      db.exec(m.up);
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    }
  })();
  return { from, to: latest };
}

/**
 * Opens (creating if needed) the database at `path`. Throws a CodedError with
 * DB_FROM_FUTURE, STORAGE_CORRUPT or STORAGE_READONLY and a sentence a person can act on.
 */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  const log = (options.logger ?? silentLogger).scope('db');
  const list = options.migrations ?? registry;
  const latest = list[list.length - 1]?.version ?? LATEST_SCHEMA_VERSION;
  const existed = path !== ':memory:' && existsSync(path) && statSync(path).size > 0;
  let db: Db;
  try {
    db = new Database(path);
  } catch (e) {
    throw asStorageError(e, `cannot open the interview database at ${path}`);
  }
  try {
    if (existed) {
      // Read-only probes first: a database from the future is refused before anything is written.
      const version = Number(db.pragma('user_version', { simple: true }));
      if (version > latest) {
        throw new CodedError(
          'DB_FROM_FUTURE',
          `the interview database was written by a newer kiosk version (schema ${version}, this kiosk knows ${latest}); it was not modified — update the application`,
        );
      }
      const problem = quickCheck(db, options.quickCheck ?? 'full');
      if (problem) {
        throw new CodedError('STORAGE_CORRUPT', `the interview database failed its integrity check (${problem}); it was not modified`);
      }
    }
    applyDurablePragmas(db, options.platform ?? process.platform, options.durability ?? 'full');
    const { from, to } = runMigrations(db, list);
    if (from !== to) log.info('migrated', { from, to });
    return db;
  } catch (e) {
    try {
      db.close();
    } catch {
      // closing a broken handle can fail too; the original error is the one to report
    }
    throw asStorageError(e, 'cannot use the interview database');
  }
}

/** Tables whose integrity decides resumption; media_chunks is excluded from the `core` check. */
const CORE_TABLES = ['sessions', 'question_progress', 'answers', 'journal', 'kiosk_state', 'incidents'];

/** Returns null when the check passes, otherwise SQLite's first complaint. */
export function quickCheck(db: Db, scope: 'core' | 'full' | 'none'): string | null {
  if (scope === 'none') return null;
  const run = (arg: string): string | null => {
    const rows = db.pragma(arg) as Array<{ quick_check: string }>;
    const first = rows[0]?.quick_check;
    return first === 'ok' ? null : String(first);
  };
  if (scope === 'full') return run('quick_check');
  const present = new Set(
    (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name),
  );
  // sqlite_schema itself is always checked, so a damaged schema page is caught too.
  const first = run('quick_check(sqlite_schema)');
  if (first) return first;
  for (const t of CORE_TABLES) {
    if (!present.has(t)) continue;
    const problem = run(`quick_check(${t})`);
    if (problem) return problem;
  }
  return null;
}

function asStorageError(e: unknown, context: string): Error {
  if (e instanceof CodedError) return e;
  const code = storageErrorCode(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (code === 'STORAGE_CORRUPT') return new CodedError(code, `${context}: the file is damaged or not a database (${detail})`);
  if (code) return new CodedError(code, `${context}: ${detail}`);
  return e instanceof Error ? e : new Error(String(e));
}

/**
 * A read-only connection for tools that inspect a kiosk's store while the kiosk may be running
 * (proctor codes, audits): no pragmas that write, no migrations, no crash detection.
 */
export function openDatabaseReadOnly(path: string): Db {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    return db;
  } catch (e) {
    throw asStorageError(e, `cannot open the interview database at ${path}`);
  }
}
