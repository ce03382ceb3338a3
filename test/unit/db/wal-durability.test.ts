/**
 * The WAL barrier (main/db/wal-durability.ts): commits on a synchronous=NORMAL connection become
 * durable through an fdatasync of the WAL file in the thread pool, shared by concurrent callers,
 * and never claimed for a commit made after the sync was requested. The end-to-end proof that
 * this keeps every acknowledged chunk across power cuts is the power-loss test (with a control
 * that skips the barrier and loses).
 */
import { fstatSync, statSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../../main/db/connection';
import { durabilityOf, fullSyncDurability, setDurability, WalBarrier, type AsyncFileSync } from '../../../main/db/wal-durability';
import { tempDbPath } from '../../support/session-fixture';

/** A controllable fdatasync: records the WAL file it was given and resolves when told to. */
function seam() {
  const calls: Array<{ ino: number; size: number; release: () => void; fail: (e: Error) => void }> = [];
  const sync: AsyncFileSync = (fd) =>
    new Promise<void>((resolve, reject) => {
      const st = fstatSync(fd);
      calls.push({ ino: st.ino, size: st.size, release: resolve, fail: reject });
    });
  return { calls, sync };
}
const dirSeam = () => {
  const calls: number[] = [];
  const sync: AsyncFileSync = (fd) => {
    calls.push(fstatSync(fd).ino);
    return Promise.resolve();
  };
  return { calls, sync };
};
const tick = () => new Promise((r) => setImmediate(r));

const open: Db[] = [];
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
});

function barrierDb(): { db: Db; path: string; s: ReturnType<typeof seam>; d: ReturnType<typeof dirSeam>; b: WalBarrier } {
  const path = tempDbPath();
  const db = openDatabase(path, { durability: 'barrier' });
  open.push(db);
  db.exec('CREATE TABLE t (x INTEGER)');
  const s = seam();
  const d = dirSeam();
  const b = new WalBarrier(db, path, { fdatasync: s.sync, fsyncDir: d.sync, platform: 'linux' });
  return { db, path, s, d, b };
}

describe('openDatabase durability modes', () => {
  it('barrier opens with synchronous=NORMAL (1), the default stays FULL (2)', () => {
    const a = openDatabase(tempDbPath(), { durability: 'barrier' });
    const f = openDatabase(tempDbPath());
    open.push(a, f);
    expect(a.pragma('synchronous', { simple: true })).toBe(1);
    expect(f.pragma('synchronous', { simple: true })).toBe(2);
    expect(a.pragma('journal_mode', { simple: true })).toBe('wal');
  });
});

describe('WalBarrier', () => {
  it('the first flush syncs the WAL file (and its folder once) even with nothing new; a second with nothing new syncs nothing', async () => {
    const { path, s, d, b } = barrierDb();
    const first = b.flush();
    await tick();
    expect(s.calls).toHaveLength(1);
    expect(s.calls[0]!.ino).toBe(statSync(`${path}-wal`).ino);
    s.calls[0]!.release();
    await first;
    expect(d.calls).toHaveLength(1);
    await b.flush();
    expect(s.calls).toHaveLength(1);
    expect(b.stats()).toEqual({ syncs: 1, shared: 1 });
  });

  it('a commit after a completed flush needs a new sync; the flush resolves only when that sync does', async () => {
    const { db, s, d, b } = barrierDb();
    const f0 = b.flush();
    await tick();
    s.calls[0]!.release();
    await f0;
    db.prepare('INSERT INTO t VALUES (1)').run();
    let done = false;
    const f1 = b.flush().then(() => (done = true));
    await tick();
    expect(s.calls).toHaveLength(2);
    await tick();
    expect(done).toBe(false);
    s.calls[1]!.release();
    await f1;
    expect(done).toBe(true);
    // the same WAL file: its folder is not synced again
    expect(d.calls).toHaveLength(1);
  });

  it('callers with no newer commit share the sync in flight (group commit)', async () => {
    const { db, s, b } = barrierDb();
    db.prepare('INSERT INTO t VALUES (1)').run();
    const a = b.flush();
    const c = b.flush();
    await tick();
    expect(s.calls).toHaveLength(1);
    s.calls[0]!.release();
    await Promise.all([a, c]);
    expect(b.stats().syncs).toBe(1);
  });

  it('a commit made while a sync is in flight is not covered by it: one more sync follows, shared by every later caller', async () => {
    const { db, s, b } = barrierDb();
    db.prepare('INSERT INTO t VALUES (1)').run();
    const first = b.flush();
    await tick();
    expect(s.calls).toHaveLength(1);
    db.prepare('INSERT INTO t VALUES (2)').run();
    let secondDone = false;
    const second = b.flush().then(() => (secondDone = true));
    db.prepare('INSERT INTO t VALUES (3)').run();
    const third = b.flush();
    s.calls[0]!.release();
    await first;
    await tick();
    await tick();
    // the queued round started after the first ended, and the second caller still waits for it
    expect(s.calls).toHaveLength(2);
    expect(secondDone).toBe(false);
    s.calls[1]!.release();
    await Promise.all([second, third]);
    expect(b.stats().syncs).toBe(2);
  });

  it('a failed fdatasync rejects its callers and is not remembered as durable: the next flush syncs again', async () => {
    const { db, s, b } = barrierDb();
    db.prepare('INSERT INTO t VALUES (1)').run();
    const f = b.flush();
    await tick();
    s.calls[0]!.fail(Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' }));
    await expect(f).rejects.toMatchObject({ code: 'EIO' });
    const again = b.flush();
    await tick();
    expect(s.calls).toHaveLength(2);
    s.calls[1]!.release();
    await again;
  });

  it('inside an open transaction a flush waits for it to end instead of claiming its rows', async () => {
    const { db, s, b } = barrierDb();
    const f0 = b.flush();
    await tick();
    s.calls[0]!.release();
    await f0;
    db.exec('BEGIN');
    db.prepare('INSERT INTO t VALUES (1)').run();
    const f = b.flush();
    await tick();
    await tick();
    expect(s.calls).toHaveLength(1);
    db.exec('COMMIT');
    await tick();
    await tick();
    expect(s.calls).toHaveLength(2);
    s.calls[1]!.release();
    await f;
    expect(() => {
      db.exec('BEGIN');
      try {
        b.flushSync();
      } finally {
        db.exec('ROLLBACK');
      }
    }).toThrow(/transaction/);
  });

  it('follows SQLite to a new WAL file after a close and reopen, and syncs the folder for the new name', async () => {
    const { db, path, s, d, b } = barrierDb();
    const f0 = b.flush();
    await tick();
    s.calls[0]!.release();
    await f0;
    const oldIno = s.calls[0]!.ino;
    db.close(); // the last connection's close checkpoints and deletes the WAL
    b.close();
    const db2 = openDatabase(path, { durability: 'barrier' });
    open.push(db2);
    const b2 = new WalBarrier(db2, path, { fdatasync: s.sync, fsyncDir: d.sync, platform: 'linux' });
    db2.prepare('INSERT INTO t VALUES (9)').run();
    const f = b2.flush();
    await tick();
    expect(s.calls).toHaveLength(2);
    expect(s.calls[1]!.ino).toBe(statSync(`${path}-wal`).ino);
    expect(s.calls[1]!.size).toBeGreaterThan(0);
    s.calls[1]!.release();
    await f;
    expect(d.calls).toHaveLength(2);
    expect(typeof oldIno).toBe('number');
  });

  it('flushSync makes the commits durable on the calling thread (the real fdatasync), once per change', () => {
    const path = tempDbPath();
    const db = openDatabase(path, { durability: 'barrier' });
    open.push(db);
    db.exec('CREATE TABLE t (x INTEGER)');
    const b = new WalBarrier(db, path);
    b.flushSync();
    b.flushSync();
    expect(b.stats().syncs).toBe(1);
    db.prepare('INSERT INTO t VALUES (1)').run();
    b.flushSync();
    expect(b.stats().syncs).toBe(2);
  });

  it('a connection without a registered barrier is FULL: durabilityOf answers the no-op', () => {
    const { db, b } = barrierDb();
    const other = openDatabase(tempDbPath());
    open.push(other);
    expect(durabilityOf(other)).toBe(fullSyncDurability);
    setDurability(db, b);
    expect(durabilityOf(db)).toBe(b);
  });
});
