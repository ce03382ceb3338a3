import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import {
  getProgress,
  getSession,
  insertSession,
  persistElapsed,
  updateSession,
  upsertProgress,
  type SessionRow,
} from '../../../main/db/queries/sessions';
import { afterCommit, transact } from '../../../main/db/transaction';
import { SqliteJournal, verifyJournal } from '../../../main/services/journal/journal';

function memoryDb() {
  const db = new Database(':memory:');
  runMigrations(db);
  return db;
}

function session(id: string): SessionRow {
  return {
    id,
    invite_code: `INV-${id}`,
    candidate_ref: 'c',
    pack_id: 'p',
    pack_hash: 'a'.repeat(64),
    locale: 'zh-CN',
    state: 'checked_in',
    question_index: 0,
    resume_count: 0,
    interrupted_at: null,
    interruption: null,
    exit_reason: null,
    failed_codes: 0,
    created_at: 1,
    updated_at: 1,
  };
}

/** What the database itself holds, bypassing every cache. */
const stored = (db: Database.Database, sql: string, ...args: unknown[]) => db.prepare(sql).get(...args) as Record<string, unknown>;

describe('transact and afterCommit', () => {
  it('runs hooks only after the outermost commit, in order', () => {
    const db = memoryDb();
    const seen: string[] = [];
    const value = transact(db, () => {
      afterCommit(db, () => seen.push('a'));
      transact(db, () => afterCommit(db, () => seen.push('b')));
      expect(seen).toEqual([]);
      return 42;
    });
    expect(value).toBe(42);
    expect(seen).toEqual(['a', 'b']);
  });

  it('drops the hooks of a rolled-back transaction, and of a savepoint that failed inside one that commits', () => {
    const db = memoryDb();
    const seen: string[] = [];
    expect(() =>
      transact(db, () => {
        afterCommit(db, () => seen.push('lost'));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    transact(db, () => {
      afterCommit(db, () => seen.push('outer'));
      try {
        transact(db, () => {
          afterCommit(db, () => seen.push('inner'));
          throw new Error('inner fails');
        });
      } catch {
        // the outer transaction goes on without the inner one
      }
    });
    expect(seen).toEqual(['outer']);
  });

  it('runs a hook at once outside a transaction and drops it inside a transaction it did not open', () => {
    const db = memoryDb();
    const seen: string[] = [];
    afterCommit(db, () => seen.push('now'));
    expect(seen).toEqual(['now']);
    db.exec('BEGIN');
    afterCommit(db, () => seen.push('foreign'));
    transact(db, () => afterCommit(db, () => seen.push('nested in foreign')));
    db.exec('ROLLBACK');
    transact(db, () => undefined);
    expect(seen).toEqual(['now']);
  });
});

describe('row caches behind getSession and getProgress', () => {
  it('hands out frozen rows', () => {
    const db = memoryDb();
    insertSession(db, session('s1'));
    const row = getSession(db, 's1')!;
    expect(Object.isFrozen(row)).toBe(true);
    expect(() => {
      (row as SessionRow).state = 'completed';
    }).toThrow(TypeError);
  });

  it('never serves a write that was rolled back', () => {
    const db = memoryDb();
    insertSession(db, session('s1'));
    expect(getSession(db, 's1')!.state).toBe('checked_in');
    expect(() =>
      transact(db, () => {
        updateSession(db, 's1', { state: 'consented', updated_at: 2 });
        expect(getSession(db, 's1')!.state).toBe('consented'); // the transaction sees its own write
        throw new Error('rolled back');
      }),
    ).toThrow('rolled back');
    expect(getSession(db, 's1')!.state).toBe('checked_in');
    expect(stored(db, 'SELECT state FROM sessions WHERE id = ?', 's1').state).toBe('checked_in');
  });

  it('serves a committed write, and keeps the elapsed time current without a read', () => {
    const db = memoryDb();
    insertSession(db, session('s1'));
    getSession(db, 's1');
    transact(db, () => updateSession(db, 's1', { state: 'consented', updated_at: 2 }));
    expect(getSession(db, 's1')!.state).toBe('consented');

    upsertProgress(db, { session_id: 's1', question_index: 0, attempt: 0, segment: 0, phase: 'answering', prep_elapsed_ms: 0, elapsed_ms: 0, persisted_at: 1 });
    expect(getProgress(db, 's1', 0)!.elapsed_ms).toBe(0);
    persistElapsed(db, 's1', 0, 0, 1500, 2);
    transact(db, () => persistElapsed(db, 's1', 0, 0, 2000, 3));
    expect(getProgress(db, 's1', 0)).toEqual(stored(db, 'SELECT * FROM question_progress WHERE session_id = ? AND question_index = ?', 's1', 0));
    expect(getProgress(db, 's1', 0)!.elapsed_ms).toBe(2000);
    expect(() =>
      transact(db, () => {
        persistElapsed(db, 's1', 0, 0, 9999, 4);
        throw new Error('rolled back');
      }),
    ).toThrow();
    expect(getProgress(db, 's1', 0)!.elapsed_ms).toBe(2000);
  });
});

describe('the journal chain head cache', () => {
  it('continues the chain from the database after a rolled-back append', () => {
    const db = memoryDb();
    const j = new SqliteJournal(db);
    j.append('s', 'checked_in', {}, 1);
    expect(() =>
      transact(db, () => {
        j.append('s', 'consent_given', {}, 2);
        throw new Error('rolled back');
      }),
    ).toThrow();
    const next = j.append('s', 'consent_given', {}, 3);
    expect(next.seq).toBe(2);
    expect(verifyJournal(db, 's')).toMatchObject({ ok: true, length: 2 });
  });

  it('stays right when two journals on one connection append to the same session', () => {
    const db = memoryDb();
    const a = new SqliteJournal(db);
    const b = new SqliteJournal(db);
    for (let i = 0; i < 6; i++) (i % 2 ? a : b).append('s', 'chunk_committed', { i }, i);
    transact(db, () => {
      a.append('s', 'answer_submitted', {}, 10);
      b.append('s', 'question_started', {}, 11);
    });
    a.append('s', 'interview_completed', {}, 12);
    expect(verifyJournal(db, 's')).toMatchObject({ ok: true, length: 9 });
  });
});
