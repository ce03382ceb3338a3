/**
 * One writer per data folder. A second kiosk process on the same folder (a second `npm start`,
 * a second Electron) must not open the database: it would call the live session crashed and
 * both would write into it.
 *
 * The lock is an exclusive SQLite lock on `kiosk.lock.sqlite`, held for the life of the process
 * (`locking_mode=EXCLUSIVE` after one write). The operating system drops it when the process dies,
 * however it dies, so a stale lock cannot block a restart and two processes cannot both win a race
 * for it. Beside it, `kiosk.lock` (written atomically) names the holder: pid, start time, host —
 * for the refusal message and the journal. A holder file left by a dead process is a stale lock:
 * it is taken over (its pid checked for liveness and reported).
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface LockHolder {
  readonly pid: number;
  readonly startedAt: number;
  readonly hostname: string;
}

export interface DataDirLock {
  readonly holder: LockHolder;
  /** The holder file a previous process left behind (it died without releasing), if any. */
  readonly tookOverFrom: (LockHolder & { alive: boolean }) | null;
  release(): void;
}

export class DataDirLockedError extends Error {
  readonly code = 'DATA_DIR_LOCKED';
  constructor(
    readonly dataDir: string,
    readonly holder: LockHolder | null,
  ) {
    super(
      holder
        ? `another kiosk (pid ${holder.pid} on ${holder.hostname}, running since ${new Date(holder.startedAt).toISOString()}) is using the data folder ${dataDir}; stop it first or choose another folder with KIOSK_DATA_DIR`
        : `another kiosk is using the data folder ${dataDir}; stop it first or choose another folder with KIOSK_DATA_DIR`,
    );
    this.name = 'DataDirLockedError';
  }
}

export const LOCK_DB = 'kiosk.lock.sqlite';
export const LOCK_INFO = 'kiosk.lock';
export const LOCK_REFUSALS = 'kiosk.lock-refusals.jsonl';

/** Whether a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function readLockHolder(dataDir: string): LockHolder | null {
  try {
    const raw = JSON.parse(readFileSync(path.join(dataDir, LOCK_INFO), 'utf8')) as Partial<LockHolder>;
    if (typeof raw.pid !== 'number' || typeof raw.startedAt !== 'number' || typeof raw.hostname !== 'string') return null;
    return { pid: raw.pid, startedAt: raw.startedAt, hostname: raw.hostname };
  } catch {
    return null;
  }
}

function writeDurably(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  try {
    const dir = openSync(path.dirname(file), 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  } catch {
    // Directories cannot be opened for fsync on Windows; the rename is still atomic there.
  }
}

/**
 * Takes the data folder's writer lock or throws DataDirLockedError (after appending the refusal
 * to `kiosk.lock-refusals.jsonl`, which the holder's operators can read; the database is never
 * touched by a refused process).
 */
export function acquireDataDirLock(dataDir: string, options: { now?: () => number; pid?: number; isAlive?: (pid: number) => boolean } = {}): DataDirLock {
  const now = options.now ?? Date.now;
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? isProcessAlive;
  const lockDb = new Database(path.join(dataDir, LOCK_DB), { timeout: 0 });
  try {
    lockDb.pragma('journal_mode = DELETE');
    lockDb.pragma('locking_mode = EXCLUSIVE');
    lockDb.exec('BEGIN EXCLUSIVE');
    lockDb.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, started_at INTEGER NOT NULL) STRICT');
    lockDb.prepare('INSERT INTO holder (pid, started_at) VALUES (?, ?)').run(pid, now());
    lockDb.exec('COMMIT');
  } catch (e) {
    try {
      lockDb.close();
    } catch {
      // closing a connection that never got its lock
    }
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    const holder = readLockHolder(dataDir);
    try {
      appendFileSync(path.join(dataDir, LOCK_REFUSALS), JSON.stringify({ at: now(), pid, holderPid: holder?.pid ?? null }) + '\n');
    } catch {
      // the refusal itself is what matters
    }
    throw new DataDirLockedError(dataDir, holder);
  }
  const previous = readLockHolder(dataDir);
  const tookOverFrom = previous && previous.pid !== pid ? { ...previous, alive: isAlive(previous.pid) } : null;
  const holder: LockHolder = { pid, startedAt: now(), hostname: os.hostname() };
  const infoFile = path.join(dataDir, LOCK_INFO);
  writeDurably(infoFile, JSON.stringify(holder));
  let released = false;
  return {
    holder,
    tookOverFrom,
    release() {
      if (released) return;
      released = true;
      try {
        if (existsSync(infoFile) && readLockHolder(dataDir)?.pid === pid) unlinkSync(infoFile);
      } catch {
        // a holder file left behind is taken over by the next start
      }
      lockDb.close();
    },
  };
}
