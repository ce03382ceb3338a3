import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../../main/db/connection';
import { GENESIS_HASH, SqliteJournal, stableStringify, verifyJournal } from '../../../../main/services/journal/journal';

function journal() {
  const db = new Database(':memory:');
  runMigrations(db);
  return { db, j: new SqliteJournal(db) };
}

describe('SqliteJournal', () => {
  it('numbers events 1, 2, 3 per session and chains each to the previous hash', () => {
    const { j } = journal();
    const a = j.append('s1', 'checked_in', { x: 1 }, 100);
    const b = j.append('s1', 'consent_given', { v: '1' }, 101);
    const other = j.append('s2', 'checked_in', {}, 102);
    const c = j.append('s1', 'interview_started', {}, 103);
    expect([a.seq, b.seq, c.seq]).toEqual([1, 2, 3]);
    expect(other.seq).toBe(1);
    expect(a.prevHash).toBe(GENESIS_HASH);
    expect(b.prevHash).toBe(a.hash);
    expect(c.prevHash).toBe(b.hash);
    expect(j.verify('s1')).toEqual({ ok: true, length: 3, head: c.hash });
  });

  it('reports the first broken link when an event is edited behind its back', () => {
    const { db, j } = journal();
    for (let i = 0; i < 5; i++) j.append('s', 'chunk_committed', { seq: i }, 1000 + i);
    db.exec('DROP TRIGGER journal_no_update');
    db.prepare(`UPDATE journal SET payload = '{"seq":99}' WHERE session_id = 's' AND seq = 3`).run();
    expect(verifyJournal(db, 's')).toMatchObject({ ok: false, brokenAt: 3, reason: 'hash_mismatch' });
  });

  it('reports a deleted event as a gap and a re-hashed edit as a broken link to the next event', () => {
    const { db, j } = journal();
    for (let i = 0; i < 5; i++) j.append('s', 'chunk_committed', { seq: i }, 1000 + i);
    db.exec('DROP TRIGGER journal_no_delete');
    db.prepare(`DELETE FROM journal WHERE session_id = 's' AND seq = 2`).run();
    expect(verifyJournal(db, 's')).toMatchObject({ ok: false, brokenAt: 3, reason: 'seq_gap' });

    const second = journal();
    for (let i = 0; i < 4; i++) second.j.append('t', 'chunk_committed', { seq: i }, 1000 + i);
    second.db.exec('DROP TRIGGER journal_no_update');
    // A forger who recomputes the edited event's own hash still breaks the next link.
    second.db.prepare(`UPDATE journal SET hash = ? WHERE session_id = 't' AND seq = 2`).run('f'.repeat(64));
    const r = verifyJournal(second.db, 't');
    expect(r.ok).toBe(false);
    if (!r.ok) expect([2, 3]).toContain(r.brokenAt);
  });

  it('stores the payload exactly as hashed, with keys in a stable order', () => {
    expect(stableStringify({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    const { j } = journal();
    const e = j.append('s', 'checked_in', { b: 2, a: 1 }, 5);
    expect(j.recent('s', 10)[0]).toMatchObject({ seq: 1, hash: e.hash, payload: { a: 1, b: 2 } });
  });
});
