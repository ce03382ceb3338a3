import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase, runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { tempDbPath } from '../../support/session-fixture';

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('openDatabase', () => {
  it('opens in WAL mode with synchronous=FULL and foreign keys on', () => {
    const db = openDatabase(tempDbPath());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    db.close();
  });

  it('sets synchronous=FULL again when reopening an existing WAL database (the library default is NORMAL)', () => {
    const p = tempDbPath();
    openDatabase(p).close();
    const raw = new Database(p);
    expect(raw.pragma('synchronous', { simple: true })).toBe(1); // what a careless open would get
    raw.close();
    const db = openDatabase(p);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    db.close();
  });

  it('refuses a database from a newer version without modifying it', () => {
    const p = tempDbPath();
    const raw = new Database(p);
    raw.exec('CREATE TABLE future (x INTEGER)');
    raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 5}`);
    raw.close();
    const before = sha(p);
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'DB_FROM_FUTURE' }));
    expect(sha(p)).toBe(before);
  });

  it('refuses a file that is not a database with STORAGE_CORRUPT and leaves it as it was', () => {
    const p = tempDbPath();
    writeFileSync(p, Buffer.alloc(8192, 0x41));
    const before = sha(p);
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    expect(sha(p)).toBe(before);
  });

  it('detects a damaged page with quick_check at open', () => {
    const p = tempDbPath();
    const db = openDatabase(p);
    const insert = db.prepare(`INSERT INTO kiosk_state (key, value) VALUES (?, ?)`);
    for (let i = 0; i < 2000; i++) insert.run(`k${i}`, 'v'.repeat(100));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(p);
    const pageSize = bytes.readUInt16BE(16);
    // Give the last page (a b-tree leaf of the table) an impossible page type and cell count.
    const last = bytes.length - pageSize;
    for (let i = last; i < last + 12; i++) bytes[i] = 0xff;
    writeFileSync(p, bytes);
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
  });
});

describe('migrations', () => {
  it('applies every migration to an empty in-memory database and sets user_version', () => {
    const db = new Database(':memory:');
    const r = runMigrations(db);
    expect(r).toEqual({ from: 0, to: LATEST_SCHEMA_VERSION });
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    const tables = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>;
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['sessions', 'journal', 'media_chunks', 'question_progress', 'answers', 'incidents']));
    expect(runMigrations(db)).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION });
  });

  it('rolls back every pending migration when one fails', () => {
    const db = new Database(':memory:');
    const bad = [...migrations, { version: LATEST_SCHEMA_VERSION + 1, name: 'break-things', up: 'CREATE TABLE ok_table (x); THIS IS NOT SQL;' }];
    expect(() => runMigrations(db, bad)).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(0);
    expect(db.prepare(`SELECT count(*) AS n FROM sqlite_master WHERE name = 'sessions'`).get()).toEqual({ n: 0 });
  });

  it('0001: the journal refuses updates and deletes, and STRICT checks reject bad rows', () => {
    const db = new Database(':memory:');
    runMigrations(db);
    db.prepare(`INSERT INTO journal (session_id, seq, type, at, payload, prev_hash, hash) VALUES ('s', 1, 't', 1, '{}', ?, ?)`).run('0'.repeat(64), 'a'.repeat(64));
    expect(() => db.prepare(`UPDATE journal SET type = 'x'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM journal`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO journal (session_id, seq, type, at, payload, prev_hash, hash) VALUES ('s', 2, 't', 1, 'not json', ?, ?)`).run('0'.repeat(64), 'b'.repeat(64))).toThrow();
    expect(() =>
      db.prepare(`INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, created_at, updated_at) VALUES ('x','C','r','p',?, 'fr', 'checked_in', 1, 1)`).run('a'.repeat(64)),
    ).toThrow(/CHECK/);
  });
});
