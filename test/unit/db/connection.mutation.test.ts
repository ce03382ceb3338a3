import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase, openDatabaseReadOnly, quickCheck, runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION } from '../../../main/db/migrations';
import { tempDbPath } from '../../support/session-fixture';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** File descriptors this process holds on `p` (Linux): a refused open must not leak one. */
function openHandles(p: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === p) n++;
    } catch {
      // the fd closed while we looked
    }
  }
  return n;
}

/** A migrated database file whose `table` root page points at a free block inside its header. */
function withDamagedTable(table: string): string {
  const p = tempDbPath();
  const db = openDatabase(p);
  const { rootpage } = db.prepare(`SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?`).get(table) as { rootpage: number };
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const bytes = readFileSync(p);
  const pageSize = bytes.readUInt16BE(16);
  const at = (rootpage - 1) * pageSize;
  bytes.writeUInt16BE(10, at + 1); // first free block: offset 10 lies inside the page header
  writeFileSync(p, bytes);
  return p;
}

const CORE = ['sessions', 'question_progress', 'answers', 'journal', 'kiosk_state', 'incidents'];

describe('openDatabase: refusals say what happened and change nothing', () => {
  it('refuses an in-memory database, which cannot run in WAL mode', () => {
    expect(() => openDatabase(':memory:')).toThrow(expect.objectContaining({ code: 'STORAGE_READONLY', message: expect.stringMatching(/journal_mode is memory, expected wal/) }));
  });

  it('names both schema versions when a database is from the future, and keeps no handle open', () => {
    const p = tempDbPath();
    const raw = new Database(p);
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    const handles = openHandles(p);
    expect(() => openDatabase(p)).toThrow(
      expect.objectContaining({ code: 'DB_FROM_FUTURE', message: expect.stringContaining(`schema ${LATEST_SCHEMA_VERSION + 5}, this kiosk knows ${LATEST_SCHEMA_VERSION}`) }),
    );
    expect(openHandles(p)).toBe(handles);
  });

  it('says a file that is not a database is damaged, with the context of the failure', () => {
    const p = tempDbPath();
    writeFileSync(p, Buffer.alloc(8192, 0x41));
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT', message: expect.stringMatching(/^cannot use the interview database: the file is damaged or not a database \(/) }));
    expect(openHandles(p)).toBe(0);
  });

  it('treats an empty file as a new database', () => {
    const p = tempDbPath();
    writeFileSync(p, '');
    const db = openDatabase(p);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it.each(CORE)('refuses at open, unmodified, a database whose %s table is damaged', (table) => {
    const p = withDamagedTable(table);
    const before = sha(p);
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT', message: expect.stringMatching(/failed its integrity check \([\s\S]+\); it was not modified$/) }));
    expect(sha(p)).toBe(before);
    const raw = new Database(p, { readonly: true });
    expect(quickCheck(raw, 'core')).not.toBeNull();
    expect(quickCheck(raw, 'full')).not.toBeNull();
    expect(quickCheck(raw, 'none')).toBeNull();
    raw.close();
  });

  it('checks the schema page itself, so a damaged sqlite_schema is refused too', () => {
    const p = tempDbPath();
    const db = openDatabase(p);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(p);
    bytes.writeUInt16BE(110, 100 + 1); // page 1's b-tree header starts after the 100-byte file header
    writeFileSync(p, bytes);
    const raw = new Database(p, { readonly: true });
    expect(quickCheck(raw, 'core')).toMatch(/page 1/);
    raw.close();
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT', message: expect.stringContaining('failed its integrity check') }));
  });

  it('logs a migration with its versions, and nothing when there was none', async () => {
    const { createMemoryLogger } = await import('../../../main/common/logger');
    const logger = createMemoryLogger();
    const p = tempDbPath();
    openDatabase(p, { logger }).close();
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(new RegExp(`\\[info\\] \\(test:db\\) migrated \\{"from":0,"to":${LATEST_SCHEMA_VERSION}\\}$`));
    openDatabase(p, { logger }).close();
    expect(logger.lines).toHaveLength(1);
  });

  it('leaves tables outside the core to the full check, and opens with the check switched off', () => {
    const p = withDamagedTable('installed_packs');
    const raw = new Database(p, { readonly: true });
    expect(quickCheck(raw, 'core')).toBeNull();
    expect(quickCheck(raw, 'full')).toMatch(/./);
    raw.close();
    expect(() => openDatabase(p, { quickCheck: 'full' })).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    // The default is the full check again (media bytes left the database in schema 10).
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    openDatabase(p, { quickCheck: 'none' }).close();
  });

  it('checks only the tables that exist', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE sessions (id TEXT)');
    expect(quickCheck(db, 'core')).toBeNull();
    db.close();
  });

  it('asks macOS for fullfsync, and only macOS', () => {
    const mac = openDatabase(tempDbPath(), { platform: 'darwin' });
    expect(mac.pragma('fullfsync', { simple: true })).toBe(1);
    expect(mac.pragma('checkpoint_fullfsync', { simple: true })).toBe(1);
    mac.close();
    const linux = openDatabase(tempDbPath(), { platform: 'linux' });
    expect(linux.pragma('fullfsync', { simple: true })).toBe(0);
    expect(linux.pragma('checkpoint_fullfsync', { simple: true })).toBe(0);
    expect(linux.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(linux.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    linux.close();
  });
});

describe('runMigrations', () => {
  it('refuses a schema newer than its list, naming both versions', () => {
    const db = new Database(':memory:');
    db.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    expect(() => runMigrations(db)).toThrow(
      expect.objectContaining({ code: 'DB_FROM_FUTURE', message: expect.stringContaining(`version ${LATEST_SCHEMA_VERSION + 1} is newer than this kiosk understands (${LATEST_SCHEMA_VERSION})`) }),
    );
    db.close();
  });

  it('runs only the pending migrations, in order', () => {
    const db = new Database(':memory:');
    const list = [
      { version: 1, name: 'one', up: 'CREATE TABLE one (x)' },
      { version: 2, name: 'two', up: 'CREATE TABLE two (x)' },
    ];
    expect(runMigrations(db, list.slice(0, 1))).toEqual({ from: 0, to: 1 });
    expect(runMigrations(db, list)).toEqual({ from: 1, to: 2 });
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(runMigrations(db, list)).toEqual({ from: 2, to: 2 });
    db.close();
  });
});

describe('openDatabaseReadOnly', () => {
  it('reads an existing database without writing, and refuses a missing one', () => {
    const p = tempDbPath();
    openDatabase(p).close();
    const ro = openDatabaseReadOnly(p);
    expect(ro.readonly).toBe(true);
    expect(ro.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(() => ro.exec('CREATE TABLE x (y)')).toThrow();
    ro.close();
    expect(() => openDatabaseReadOnly(`${p}.missing`)).toThrow(expect.objectContaining({ code: 'STORAGE_READONLY', message: expect.stringContaining(`cannot open the interview database at ${p}.missing: `) }));
  });
});
