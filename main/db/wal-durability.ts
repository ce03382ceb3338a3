/**
 * Durability of SQLite commits without holding the event loop (issue #11, "storage work leaves the
 * main process's event loop").
 *
 * With `synchronous = FULL` every commit fsyncs the WAL on the calling thread: in the kiosk that is
 * Electron's main loop, so one slow fsync (50 ms on a tired laptop disk) freezes IPC for 50 ms.
 * The kiosk instead opens its database with `synchronous = NORMAL` (connection.ts,
 * `durability: 'barrier'`) and makes commits durable here, in libuv's thread pool:
 *
 *  - a commit only writes its WAL frames into the page cache (a few `pwrite`s, microseconds);
 *  - before anything is acknowledged to the outside (an IPC answer, a chunk acknowledgement, a
 *    sync batch sent to the hub) the caller awaits `flush()`, which fdatasyncs the WAL file from the
 *    thread pool; concurrent callers share one fdatasync (group commit).
 *
 * Why that is as durable as FULL for everything acknowledged:
 *  1. SQLite appends each commit's frames to the WAL in order, and every frame carries a checksum
 *     chained over all earlier frames (plus the header's salts). Recovery replays the longest valid
 *     prefix of whole commits. An fdatasync that completes after commit N was written therefore
 *     makes commits 1..N durable, whichever fd issued it: fsync acts on the file, not the descriptor
 *     (POSIX; FlushFileBuffers on Windows flushes the file through any handle with write access).
 *  2. A commit not yet flushed may be lost by a power cut — but only together with every later
 *     commit (a lost suffix, never a hole), and nothing that depends on it was acknowledged.
 *  3. `NORMAL` still syncs where consistency needs it: the WAL before a checkpoint copies it, the
 *     database after, and the WAL header when the file is reused. So the database is never
 *     corrupted, exactly as with FULL; only the moment a commit becomes durable moves.
 *  4. A new WAL file's directory entry must survive too: the first flush that syncs a WAL file
 *     (a new inode) also fsyncs the database's folder.
 * The power-loss test (test/bench/powerloss-test.ts, a FUSE file system that drops every unsynced
 * byte at each cut) checks it end to end, with a control that skips the barrier and must lose.
 */
import { closeSync, constants as fsc, fdatasync, fdatasyncSync, fstatSync, fsync, fsyncSync, openSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './connection';

/** fsync-like call on an open file, off the event loop. A seam: benchmarks slow it, tests fail it. */
export type AsyncFileSync = (fd: number) => Promise<void>;

const poolFdatasync: AsyncFileSync = (fd) => new Promise((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
const poolFsync: AsyncFileSync = (fd) => new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));

/** What a caller awaits before it acknowledges anything the database now says. */
export interface DurabilityBarrier {
  /** Resolves when every commit made before the call is durable; rejects if the disk failed. */
  flush(): Promise<void>;
  /**
   * The same, on the calling thread: for the rare step that destroys something irreversibly after
   * a commit (erasure shreds files, a sealed remux replaces the plain one) and must not run before
   * the commit that records it is durable. Never on the recording path.
   */
  flushSync(): void;
}

/** For a connection opened with `synchronous = FULL`: every commit is durable when it returns. */
export const fullSyncDurability: DurabilityBarrier = { flush: () => Promise.resolve(), flushSync: () => undefined };

const barriers = new WeakMap<Db, DurabilityBarrier>();

/** Registers the barrier of a connection opened with `durability: 'barrier'`. */
export function setDurability(db: Db, barrier: DurabilityBarrier): void {
  barriers.set(db, barrier);
}

/** The connection's barrier; a connection without one syncs every commit itself (FULL). */
export function durabilityOf(db: Db): DurabilityBarrier {
  return barriers.get(db) ?? fullSyncDurability;
}

export interface WalBarrierOptions {
  readonly fdatasync?: AsyncFileSync;
  /** fsync of the database's folder (a new WAL file's name); not on Windows. */
  readonly fsyncDir?: AsyncFileSync;
  readonly platform?: NodeJS.Platform;
}

export interface WalBarrierStats {
  /** fdatasyncs of the WAL issued. */
  readonly syncs: number;
  /** flush() calls answered without an fdatasync of their own (nothing new, or shared). */
  readonly shared: number;
}

export class WalBarrier implements DurabilityBarrier {
  private readonly walPath: string;
  private readonly dir: string;
  private readonly sync: AsyncFileSync;
  private readonly syncDir: AsyncFileSync;
  private readonly platform: NodeJS.Platform;
  private readonly changes: () => number;
  private fd: number | null = null;
  private ino = -1;
  /** The WAL file (inode) whose folder entry is known durable. */
  private dirSyncedFor = -2;
  /** total_changes() known durable. */
  private durableThrough: number;
  private inFlight: { covers: number; done: Promise<void> } | null = null;
  /** A second round that starts when the one in flight ends (covers whatever committed meanwhile). */
  private queued: Promise<void> | null = null;
  private syncs = 0;
  private sharedFlushes = 0;

  constructor(
    private readonly db: Db,
    dbPath: string,
    options: WalBarrierOptions = {},
  ) {
    this.walPath = `${dbPath}-wal`;
    this.dir = path.dirname(path.resolve(dbPath));
    this.sync = options.fdatasync ?? poolFdatasync;
    this.syncDir = options.fsyncDir ?? poolFsync;
    this.platform = options.platform ?? process.platform;
    const stmt = db.prepare('SELECT total_changes()').pluck();
    this.changes = () => Number(stmt.get());
    // Whatever happened before the barrier existed (migrations, recovery) is flushed by the first
    // call: -1 makes the first flush sync even when nothing changed since.
    this.durableThrough = -1;
  }

  flush(): Promise<void> {
    if (!this.db.open) return Promise.resolve();
    // Inside a transaction the rows counted are not committed yet: a sync now would not cover
    // them. Callers flush after their transaction; a nested caller gets the next turn instead.
    if (this.db.inTransaction) return new Promise((resolve, reject) => setImmediate(() => this.flush().then(resolve, reject)));
    const target = this.changes();
    if (target <= this.durableThrough) {
      this.sharedFlushes += 1;
      return Promise.resolve();
    }
    if (this.inFlight) {
      // The fdatasync in flight may have started before this commit's frames were written: it
      // covers this caller only if it counted them when it started.
      if (this.inFlight.covers >= target) {
        this.sharedFlushes += 1;
        return this.inFlight.done;
      }
      if (this.queued) {
        this.sharedFlushes += 1;
        return this.queued;
      }
      const after = this.inFlight.done.catch(() => undefined);
      const q = after.then(() => {
        this.queued = null;
        return this.flush();
      });
      this.queued = q;
      return q;
    }
    return this.start(target);
  }

  flushSync(): void {
    if (!this.db.open) return;
    if (this.db.inTransaction) throw new Error('flushSync inside a transaction would not cover it');
    const target = this.changes();
    if (target <= this.durableThrough) return;
    const opened = this.ensureFd();
    if (opened !== 'none') {
      this.syncs += 1;
      fdatasyncSync(opened.fd);
      if (this.dirSyncedFor !== this.ino && this.platform !== 'win32') {
        const ino = this.ino;
        const fd = openSync(this.dir, fsc.O_RDONLY);
        try {
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
        this.dirSyncedFor = ino;
      }
    }
    if (target > this.durableThrough) this.durableThrough = target;
  }

  stats(): WalBarrierStats {
    return { syncs: this.syncs, shared: this.sharedFlushes };
  }

  /** Closes the WAL descriptor (the connection's own close checkpoints and syncs). */
  close(): void {
    if (this.fd !== null) {
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
      this.fd = null;
    }
  }

  private start(covers: number): Promise<void> {
    const done = (async () => {
      const opened = this.ensureFd();
      if (opened === 'none') return;
      this.syncs += 1;
      await this.sync(opened.fd);
      if (this.dirSyncedFor !== this.ino && this.platform !== 'win32') {
        const ino = this.ino;
        await this.fsyncFolder();
        this.dirSyncedFor = ino;
      }
    })().then(
      () => {
        if (covers > this.durableThrough) this.durableThrough = covers;
      },
    );
    const entry = { covers, done };
    this.inFlight = entry;
    const clear = () => {
      if (this.inFlight === entry) this.inFlight = null;
    };
    done.then(clear, clear);
    return done;
  }

  /**
   * The WAL's descriptor, reopened when SQLite has replaced the file (a close/reopen deletes and
   * recreates it; a TRUNCATE checkpoint keeps the same file). `none`: there is no WAL file, so
   * nothing is waiting in one (SQLite removes it only after checkpointing it with syncs).
   */
  private ensureFd(): { fd: number } | 'none' {
    let ino: number;
    try {
      ino = statSync(this.walPath).ino;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
      throw e;
    }
    if (this.fd !== null && this.ino === ino) {
      try {
        if (fstatSync(this.fd).ino === ino) return { fd: this.fd };
      } catch {
        // fall through and reopen
      }
    }
    this.close();
    // Read-write: FlushFileBuffers on Windows needs write access. Nothing is ever written here.
    this.fd = openSync(this.walPath, fsc.O_RDWR);
    this.ino = fstatSync(this.fd).ino;
    return { fd: this.fd };
  }

  private async fsyncFolder(): Promise<void> {
    const fd = openSync(this.dir, fsc.O_RDONLY);
    try {
      await this.syncDir(fd);
    } finally {
      closeSync(fd);
    }
  }
}
