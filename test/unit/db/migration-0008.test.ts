import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { insertNoShow, markNoShowIncident, markNoShowQuarantined, markNoShowReported, quarantinedNoShows, quarantinedNoShowsOwingIncident, unreportedNoShows, type NoShowRow } from '../../../main/db/queries/packs';

const row = (code: string): NoShowRow => ({ invite_code: code, schedule_id: 's', candidate_ref: 'c', pack_id: 'p', not_before: 1, not_after: 2, detected_at: 3, kiosk_state: '{}', reported_at: null });

describe('migration 0008: no-show quarantine', () => {
  it('upgrades a version-2 database with its no-shows, and quarantined rows leave the outbox but stay listed', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 2));
    insertNoShow(db, row('A-0001'));
    insertNoShow(db, row('B-0001'));
    expect(runMigrations(db)).toEqual({ from: 2, to: LATEST_SCHEMA_VERSION });
    markNoShowQuarantined(db, 'A-0001', 10, 'refused alone');
    expect(unreportedNoShows(db).map((r) => r.invite_code)).toEqual(['B-0001']);
    expect(quarantinedNoShows(db)).toMatchObject([{ invite_code: 'A-0001', quarantined_at: 10, quarantine_reason: 'refused alone', incident_state: null }]);
    // A reported row cannot be quarantined afterwards, and an incident is recorded once.
    markNoShowReported(db, 'B-0001', 11);
    markNoShowQuarantined(db, 'B-0001', 12, 'late');
    expect(quarantinedNoShows(db)).toHaveLength(1);
    expect(quarantinedNoShowsOwingIncident(db)).toHaveLength(1);
    markNoShowIncident(db, 'A-0001', 'reported', 13);
    markNoShowIncident(db, 'A-0001', 'refused', 14);
    expect(quarantinedNoShows(db)[0]).toMatchObject({ incident_state: 'reported', incident_at: 13 });
    expect(quarantinedNoShowsOwingIncident(db)).toHaveLength(0);
    expect(() => db.prepare(`UPDATE no_show_events SET incident_state = 'lost' WHERE invite_code = 'A-0001'`).run()).toThrow(/CHECK/);
    db.close();
  });
});
