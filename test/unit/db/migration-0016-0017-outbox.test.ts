import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { migrations } from '../../../main/db/migrations';
import { confirmEvents, confirmOutbox, isSessionHubConfirmed, outboxCounts, pendingEvents, pendingOutbox } from '../../../main/db/queries/outbox';
import { SqliteJournal } from '../../../main/services/journal/journal';

const session = (id: string, code: string) =>
  `INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, created_at, updated_at)
   VALUES ('${id}', '${code}', 'c', 'p', '${'a'.repeat(64)}', 'en', 'checked_in', 1, 1)`;

describe('migrations 0016 and 0017: the sync outbox and the journal cursors', () => {
  it('queues what an older database already holds, once: records in the outbox, events by cursor', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 9));
    db.exec(session('S1', 'A-1'));
    const j = new SqliteJournal(db);
    j.append('S1', 'checked_in', {}, 10);
    j.append('S1', 'precheck_recorded', { ok: true }, 11);
    db.prepare(`INSERT INTO no_show_events (invite_code, schedule_id, candidate_ref, pack_id, not_before, not_after, detected_at, kiosk_state) VALUES ('N-1','s','c','p',1,2,3,'{}')`).run();
    runMigrations(db);
    expect(pendingOutbox(db, 100).map((r) => `${r.kind} ${r.idem_key}`)).toEqual(['session session:S1:backfill', 'no_show no-show:N-1']);
    expect(pendingEvents(db, 100).map((e) => `${e.sessionId}:${e.seq}:${e.type}`)).toEqual(['S1:1:checked_in', 'S1:2:precheck_recorded']);
    expect(outboxCounts(db)).toEqual({ pending: 4, confirmed: 0, oldestPendingAt: expect.any(Number) as number });
    db.close();
  });

  it('0017 starts each cursor before the first unacknowledged item and keeps started uploads', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 16));
    db.exec(session('S1', 'A-1'));
    db.exec(session('S2', 'A-2'));
    db.exec(session('S3', 'A-3'));
    const j = new SqliteJournal(db);
    for (const sid of ['S1', 'S2', 'S3']) {
      j.append(sid, 'checked_in', {}, 10);
      j.append(sid, 'chunk_committed', { questionIndex: 0, attempt: 0, segment: 0, seq: 0, size: 1, sha256: 'b'.repeat(64), elapsedMs: 5 }, 11);
      j.append(sid, 'precheck_recorded', { ok: true }, 12);
    }
    for (const sid of ['S1', 'S2', 'S3']) {
      db.prepare(`INSERT INTO outbox (idem_key, kind, session_id, ref, created_at) VALUES (?, 'media_chunk', ?, ?, 11)`).run(
        `media:${sid}:0:0:0:0`,
        sid,
        JSON.stringify({ questionIndex: 0, attempt: 0, segment: 0, seq: 0 }),
      );
    }
    // S1: everything acknowledged. S2: its event 2 acknowledged but the chunk it names not (an upload started).
    // S3: the pre-check run item of event 3 not acknowledged.
    db.exec(`UPDATE outbox SET confirmed_at = 50 WHERE session_id = 'S1'`);
    db.exec(`UPDATE outbox SET confirmed_at = 50 WHERE session_id = 'S2' AND idem_key <> 'media:S2:0:0:0:0'`);
    db.exec(`UPDATE outbox SET upload_url = 'http://hub/v1/uploads/x' WHERE idem_key = 'media:S2:0:0:0:0'`);
    db.exec(`UPDATE outbox SET confirmed_at = 50 WHERE session_id = 'S3' AND idem_key <> 'precheck_run:S3:3'`);
    runMigrations(db);
    const cursors = db.prepare('SELECT session_id, confirmed_seq FROM sync_cursor ORDER BY session_id').all();
    expect(cursors).toEqual([
      { session_id: 'S1', confirmed_seq: 3 },
      { session_id: 'S2', confirmed_seq: 1 },
      { session_id: 'S3', confirmed_seq: 2 },
    ]);
    expect(db.prepare('SELECT idem_key, upload_url FROM sync_uploads').all()).toEqual([{ idem_key: 'media:S2:0:0:0:0', upload_url: 'http://hub/v1/uploads/x' }]);
    expect(db.prepare("SELECT count(*) AS n FROM outbox WHERE kind IN ('journal_event','media_chunk','precheck_run','reschedule_request')").get()).toEqual({ n: 0 });
    expect(isSessionHubConfirmed(db, 'S1')).toBe(true);
    expect(isSessionHubConfirmed(db, 'S2')).toBe(false);
    expect(pendingEvents(db, 100).map((e) => `${e.sessionId}:${e.seq}`)).toEqual(['S2:2', 'S2:3', 'S3:3']);
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
    expect(rows.map((r) => r.kind)).toEqual(['session', 'session']);
    expect(JSON.parse(rows[1]!.ref)).toMatchObject({ id: 'S1', state: 'consented' });
    expect(pendingEvents(db, 100).map((e) => e.seq)).toEqual([1]);
    expect(isSessionHubConfirmed(db, 'S1')).toBe(false);
    confirmOutbox(db, rows.map((r) => r.id), 99);
    expect(isSessionHubConfirmed(db, 'S1')).toBe(false);
    confirmEvents(db, 'S1', 1, 99);
    expect(isSessionHubConfirmed(db, 'S1')).toBe(true);
    expect(outboxCounts(db)).toEqual({ pending: 0, confirmed: 3, oldestPendingAt: null });
    // A cursor never moves back.
    confirmEvents(db, 'S1', 0, 100);
    expect(isSessionHubConfirmed(db, 'S1')).toBe(true);
    db.close();
  });
});
