import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { damagedChunks, insertDamage } from '../../../main/db/queries/media';

const key = (session_id: string, seq: number) => ({ session_id, question_index: 1, attempt: 0, segment: 0, seq });

describe('migration 0018: damage records go with an erased session', () => {
  it('upgrades an older database; media_damage stays append-only except for a session whose erasure is recorded', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version < 18));
    insertDamage(db, key('kept', 0), 'missing', 1);
    insertDamage(db, key('erased', 0), 'mismatch', 1);
    expect(() => db.prepare(`DELETE FROM media_damage WHERE session_id = 'erased'`).run()).toThrow(/append-only/);
    expect(runMigrations(db).to).toBe(LATEST_SCHEMA_VERSION);
    // Still refused without an erasure, and updates are always refused.
    expect(() => db.prepare(`DELETE FROM media_damage WHERE session_id = 'erased'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE media_damage SET reason = 'missing' WHERE session_id = 'erased'`).run()).toThrow(/append-only/);
    db.prepare(`INSERT INTO session_erasures (session_id, reason, requested_at) VALUES ('erased', 'request', 2)`).run();
    expect(db.prepare(`DELETE FROM media_damage WHERE session_id = 'erased'`).run().changes).toBe(1);
    expect(() => db.prepare(`DELETE FROM media_damage WHERE session_id = 'kept'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE media_damage SET reason = 'mismatch'`).run()).toThrow(/append-only/);
    expect(damagedChunks(db).map((d) => d.session_id)).toEqual(['kept']);
    db.close();
  });
});
