import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../main/db/connection';
import { migrations } from '../../../main/db/migrations';
import { tempDbPath } from '../../support/session-fixture';

describe('openDatabase with its own migration list', () => {
  it('refuses a database newer than the last migration it was given', () => {
    const p = tempDbPath();
    openDatabase(p).close();
    const first = migrations.slice(0, 1);
    expect(() => openDatabase(p, { migrations: first })).toThrow(
      expect.objectContaining({ code: 'DB_FROM_FUTURE', message: expect.stringContaining(`this kiosk knows ${first[0]!.version})`) }),
    );
    const raw = new Database(p, { readonly: true });
    expect(raw.pragma('user_version', { simple: true })).toBe(migrations.at(-1)!.version);
    raw.close();
  });

  it('says where it could not open a database', () => {
    // A directory where the file should be: SQLite cannot open it (SQLITE_CANTOPEN).
    const p = path.dirname(tempDbPath());
    expect(() => openDatabase(p)).toThrow(expect.objectContaining({ code: 'STORAGE_READONLY', message: expect.stringContaining(`cannot open the interview database at ${p}: `) }));
  });
});
