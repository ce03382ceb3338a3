import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { getInviteAccommodations, getSessionAccommodations, setInviteAccommodations, upsertSessionAccommodations } from '../../../main/db/queries/accommodations';

describe('migration 0013: accommodations', () => {
  it('upgrades a version-9 database: invites keep their rows and gain accommodations; sessions keep the current ones', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 9));
    db.prepare(`INSERT INTO schedules (schedule_id, centre_id, day, payload_hash, key_id, imported_at) VALUES ('s', 'c', '2026-12-07', ?, 'k', 1)`).run('a'.repeat(64));
    db.prepare(`INSERT INTO schedule_invites (invite_code, schedule_id, candidate_ref, pack_id, not_before, not_after) VALUES ('ACC-0001', 's', 'c-1', 'p', 1, 2)`).run();
    expect(runMigrations(db)).toEqual({ from: 9, to: LATEST_SCHEMA_VERSION });
    expect(getInviteAccommodations(db, 'ACC-0001')).toBeNull();
    setInviteAccommodations(db, 'ACC-0001', '{"timeMultiplier":1.5}');
    expect(getInviteAccommodations(db, 'ACC-0001')).toBe('{"timeMultiplier":1.5}');
    expect(() => setInviteAccommodations(db, 'ACC-0001', 'not json')).toThrow(/CHECK/);

    db.prepare(
      `INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, question_index, resume_count, created_at, updated_at)
       VALUES ('s-1', 'ACC-0001', 'c-1', 'p', ?, 'en', 'checked_in', 0, 0, 1, 1)`,
    ).run('b'.repeat(64));
    const row = { session_id: 's-1', accommodations: '{"timeMultiplier":2}', source: 'proctor' as const, set_by: 'Li Wei', reason: 'documented need', changes: 1, set_at: 5 };
    upsertSessionAccommodations(db, row);
    expect(getSessionAccommodations(db, 's-1')).toEqual(row);
    expect(() => upsertSessionAccommodations(db, { ...row, source: 'hr' as 'proctor' })).toThrow(/CHECK/);
    expect(() => upsertSessionAccommodations(db, { ...row, reason: 'x'.repeat(301) })).toThrow(/CHECK/);
    db.close();
  });
});
