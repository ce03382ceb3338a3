import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { migrations } from '../../../main/db/migrations';
import { confirmOutbox, isSessionHubConfirmed, outboxCounts, pendingOutbox } from '../../../main/db/queries/outbox';
import { SqliteJournal } from '../../../main/services/journal/journal';

const session = (id: string, code: string) =>
  `INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, created_at, updated_at)
   VALUES ('${id}', '${code}', 'c', 'p', '${'a'.repeat(64)}', 'en', 'checked_in', 1, 1)`;

describe('migration 0016: the sync outbox', () => {
  it('queues what an older database already holds, once', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 9));
    db.exec(session('S1', 'A-1'));
    const j = new SqliteJournal(db);
    j.append('S1', 'checked_in', {}, 10);
    j.append('S1', 'precheck_recorded', { ok: true }, 11);
    db.prepare(`INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at) VALUES ('S1',0,0,0,0,'video/webm',1,?,?,12)`).run('b'.repeat(64), Buffer.from('x'));
    db.prepare(`INSERT INTO no_show_events (invite_code, schedule_id, candidate_ref, pack_id, not_before, not_after, detected_at, kiosk_state) VALUES ('N-1','s','c','p',1,2,3,'{}')`).run();
    runMigrations(db);
    const keys = pendingOutbox(db, 100).map((r) => `${r.kind} ${r.idem_key}`);
    expect(keys).toEqual([
      'session session:S1:backfill',
      'journal_event ev:S1:1',
      'journal_event ev:S1:2',
      'precheck_run precheck_run:S1:2',
      'media_chunk media:S1:0:0:0:0',
      'no_show no-show:N-1',
    ]);
    db.close();
  });

  it('rows are written in the same transaction as the record: a rollback leaves neither', () => {
    const db = new Database(':memory:');
    runMigrations(db);
    db.exec(session('S1', 'A-1'));
    const j = new SqliteJournal(db);
    const before = outboxCounts(db).pending;
    expect(() =>
      db.transaction(() => {
        j.append('S1', 'checked_in', {}, 10);
        throw new Error('abort');
      })(),
    ).toThrow('abort');
    expect(outboxCounts(db).pending).toBe(before);
    j.append('S1', 'checked_in', {}, 10);
    db.prepare(`UPDATE sessions SET state = 'consented' WHERE id = 'S1'`).run();
    db.prepare(`UPDATE sessions SET question_index = 1 WHERE id = 'S1'`).run(); // not a state change: no item
    const rows = pendingOutbox(db, 100);
    expect(rows.map((r) => r.kind)).toEqual(['session', 'journal_event', 'session']);
    expect(JSON.parse(rows[2]!.ref)).toMatchObject({ id: 'S1', state: 'consented' });
    expect(isSessionHubConfirmed(db, 'S1')).toBe(false);
    confirmOutbox(db, rows.map((r) => r.id), 99);
    expect(isSessionHubConfirmed(db, 'S1')).toBe(true);
    expect(outboxCounts(db)).toEqual({ pending: 0, confirmed: 3, oldestPendingAt: null });
    db.close();
  });
});
