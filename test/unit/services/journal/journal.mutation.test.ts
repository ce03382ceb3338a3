import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../../main/db/connection';
import { transact } from '../../../../main/db/transaction';
import { GENESIS_HASH, SqliteJournal, stableStringify, verifyJournal } from '../../../../main/services/journal/journal';

function journal() {
  const db = new Database(':memory:');
  runMigrations(db);
  return { db, j: new SqliteJournal(db) };
}

/** The chain's hash as the README defines it, computed here with node:crypto's createHash. */
const linkHash = (prev: string, sid: string, seq: number, type: string, at: number, payload: string) =>
  createHash('sha256').update([prev, sid, String(seq), type, String(at), payload].join('\n'), 'utf8').digest('hex');

interface Row {
  session_id: string;
  seq: number;
  type: string;
  at: number;
  payload: string;
  prev_hash: string;
  hash: string;
}
const rows = (db: Database.Database, sid: string) => db.prepare(`SELECT * FROM journal WHERE session_id = ? ORDER BY seq`).all(sid) as Row[];

describe('the journal chain, checked by an independent verifier', () => {
  it('stores every event with seq 1.., the previous hash and sha256 of the documented fields', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ sid: fc.constantFrom('s1', 's2'), at: fc.nat(), payload: fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string({ maxLength: 6 }), fc.boolean())) }), { maxLength: 12 }),
        (events) => {
          const { db, j } = journal();
          for (const e of events) j.append(e.sid, 'chunk_committed', e.payload, e.at);
          for (const sid of ['s1', 's2']) {
            let prev = GENESIS_HASH;
            const stored = rows(db, sid);
            expect(stored.length).toBe(events.filter((e) => e.sid === sid).length);
            stored.forEach((r, i) => {
              expect(r.seq).toBe(i + 1);
              expect(r.prev_hash).toBe(prev);
              expect(JSON.parse(r.payload)).toEqual(events.filter((e) => e.sid === sid)[i]!.payload);
              expect(r.hash).toBe(linkHash(prev, sid, r.seq, r.type, r.at, r.payload));
              prev = r.hash;
            });
            expect(j.head(sid)).toEqual({ seq: stored.length, hash: prev });
            expect(j.verify(sid)).toEqual({ ok: true, length: stored.length, head: prev });
          }
          db.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('starts an empty session at the genesis hash', () => {
    const { j } = journal();
    expect(j.head('none')).toEqual({ seq: 0, hash: GENESIS_HASH });
    expect(j.verify('none')).toEqual({ ok: true, length: 0, head: GENESIS_HASH });
    expect(GENESIS_HASH).toBe('0'.repeat(64));
  });

  it('continues from the database after a rolled-back append, not from the forgotten event', () => {
    const { db, j } = journal();
    j.append('s', 'checked_in', {}, 1);
    expect(() =>
      transact(db, () => {
        j.append('s', 'consent_given', {}, 2);
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    const next = j.append('s', 'consent_given', { again: true }, 3);
    expect(next.seq).toBe(2);
    expect(next.prevHash).toBe(rows(db, 's')[0]!.hash);
    expect(j.verify('s')).toMatchObject({ ok: true, length: 2 });
    // A second journal on the same connection shares the committed head.
    expect(new SqliteJournal(db).append('s', 'interview_started', {}, 4).seq).toBe(3);
  });

  it('returns the most recent events oldest first, at most `limit` of them', () => {
    const { j } = journal();
    for (let i = 1; i <= 5; i++) j.append('s', 'chunk_committed', { i }, i);
    expect(j.recent('s', 2).map((e) => [e.seq, e.payload.i, e.at, e.type])).toEqual([
      [4, 4, 4, 'chunk_committed'],
      [5, 5, 5, 'chunk_committed'],
    ]);
    const [e] = j.recent('s', 1);
    expect(e).toEqual({ sessionId: 's', seq: 5, type: 'chunk_committed', at: 5, payload: { i: 5 }, prevHash: j.recent('s', 2)[0]!.hash, hash: j.head('s').hash });
  });

  it('names the first broken link and how many events before it were good', () => {
    const tampered = (edit: (db: Database.Database) => void) => {
      const { db, j } = journal();
      for (let i = 0; i < 5; i++) j.append('s', 'chunk_committed', { i }, 10 + i);
      db.exec('DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete');
      edit(db);
      return verifyJournal(db, 's');
    };
    expect(tampered((db) => db.prepare(`UPDATE journal SET prev_hash = ? WHERE seq = 3`).run('1'.repeat(64)))).toEqual({ ok: false, length: 2, brokenAt: 3, reason: 'prev_hash_mismatch' });
    expect(tampered((db) => db.prepare(`UPDATE journal SET at = at + 1 WHERE seq = 4`).run())).toEqual({ ok: false, length: 3, brokenAt: 4, reason: 'hash_mismatch' });
    expect(tampered((db) => db.prepare(`UPDATE journal SET type = 'resumed' WHERE seq = 1`).run())).toEqual({ ok: false, length: 0, brokenAt: 1, reason: 'hash_mismatch' });
    expect(tampered((db) => db.prepare(`DELETE FROM journal WHERE seq = 1`).run())).toEqual({ ok: false, length: 0, brokenAt: 2, reason: 'seq_gap' });
    expect(
      tampered((db) => {
        db.pragma('ignore_check_constraints = ON');
        db.prepare(`UPDATE journal SET payload = '{not json' WHERE seq = 5`).run();
      }),
    ).toEqual({ ok: false, length: 4, brokenAt: 5, reason: 'bad_payload' });
  });
});

describe('stableStringify', () => {
  it('sorts keys at every depth and leaves out undefined members, wherever they sit', () => {
    expect(stableStringify({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(stableStringify({ a: 1, b: undefined, c: 2 })).toBe('{"a":1,"c":2}');
    expect(stableStringify({ z: [{ y: 1, x: [2, 3] }], 'q"': 'é\n' })).toBe('{"q\\"":"é\\n","z":[{"x":[2,3],"y":1}]}');
    expect(stableStringify(undefined)).toBe('null');
    expect(stableStringify([])).toBe('[]');
    expect(stableStringify({})).toBe('{}');
    expect(stableStringify([undefined, null])).toBe('[null,null]');
  });

  it('parses back to the same value for any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(JSON.parse(stableStringify(v))).toEqual(JSON.parse(JSON.stringify(v)));
      }),
      { numRuns: 200 },
    );
  });
});
