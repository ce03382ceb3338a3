import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { migrations } from '../../../main/db/migrations';

const row = [`s1`, 0, 0, 0, 0, 'video/webm', 1, 'a'.repeat(64), Buffer.from([1]), 0] as const;

function seeded(upTo: number): Database.Database {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = OFF');
  runMigrations(db, migrations.filter((m) => m.version <= upTo));
  db.prepare(`INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...row);
  return db;
}

describe('migration 0004: media rows are append-only', () => {
  it('is registered with strictly increasing versions', () => {
    const versions = migrations.map((m) => m.version);
    expect(versions).toContain(4);
    expect(versions.every((v, i) => i === 0 || v > versions[i - 1]!)).toBe(true);
  });

  it('protects rows that existed before it ran, and the ones after', () => {
    const db = seeded(2);
    expect(() => db.prepare(`DELETE FROM media_chunks`).run()).not.toThrow(); // before 0004: nothing stops it
    db.prepare(`INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(...row);
    expect(runMigrations(db, migrations).to).toBe(migrations.at(-1)!.version);
    expect(() => db.prepare(`UPDATE media_chunks SET size = 2`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM media_chunks`).run()).toThrow(/append-only/);
    expect(db.prepare(`SELECT count(*) AS n FROM media_chunks`).get()).toEqual({ n: 1 });
  });
});
