import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../../main/db/connection';
import { getContentKey, purgeUnusedContentKeys, putContentKey } from '../../../../main/db/queries/packs';
import { getSession, insertSession, sessionsInStates, updateSession, type SessionRow } from '../../../../main/db/queries/sessions';
import { stmt } from '../../../../main/db/statements';
import { transact } from '../../../../main/db/transaction';

function db() {
  const d = new Database(':memory:');
  runMigrations(d);
  return d;
}

let n = 0;
function session(d: Database.Database, over: Partial<SessionRow> = {}): SessionRow {
  n++;
  const row: SessionRow = {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    invite_code: `CODE-${n}`,
    candidate_ref: 'ref',
    pack_id: 'pack',
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
    ...over,
  };
  insertSession(d, row);
  return row;
}

describe('session rows', () => {
  it('updates every patchable column and nothing that identifies the session', () => {
    const d = db();
    const s = session(d);
    const patch = {
      candidate_ref: 'ref2',
      pack_id: 'pack2',
      pack_hash: 'b'.repeat(64),
      locale: 'en' as const,
      state: 'interrupted' as const,
      question_index: 3,
      resume_count: 2,
      interrupted_at: 50,
      interruption: 'crash' as const,
      exit_reason: 'network',
      failed_codes: 1,
      updated_at: 60,
    };
    updateSession(d, s.id, { ...patch, ...({ invite_code: 'STOLEN', created_at: 999 } as object) });
    expect(getSession(d, s.id)).toEqual({ ...s, ...patch });
    expect(d.prepare('SELECT * FROM sessions WHERE id = ?').get(s.id)).toEqual({ ...s, ...patch });
  });

  it('serves a cached row that is frozen and never stale after a write, even in a transaction', () => {
    const d = db();
    const s = session(d);
    const first = getSession(d, s.id)!;
    expect(Object.isFrozen(first)).toBe(true);
    expect(getSession(d, s.id)).toBe(first);
    transact(d, () => {
      updateSession(d, s.id, { state: 'consented', updated_at: 2 });
      expect(getSession(d, s.id)!.state).toBe('consented');
    });
    expect(getSession(d, s.id)!.state).toBe('consented');
    expect(() =>
      transact(d, () => {
        updateSession(d, s.id, { state: 'exited', updated_at: 3 });
        getSession(d, s.id);
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(getSession(d, s.id)!.state).toBe('consented');
  });

  it('lists sessions in the given states, most recently updated first', () => {
    const d = db();
    const a = session(d, { state: 'interrupted', updated_at: 10 });
    const b = session(d, { state: 'in_progress', updated_at: 30 });
    session(d, { state: 'completed', updated_at: 40 });
    const c = session(d, { state: 'interrupted', updated_at: 20 });
    expect(sessionsInStates(d, ['in_progress', 'interrupted']).map((r) => r.id)).toEqual([b.id, c.id, a.id]);
    expect(sessionsInStates(d, ['interrupted']).map((r) => r.id)).toEqual([c.id, a.id]);
  });
});

describe('prepared statements', () => {
  it('are prepared once per connection and SQL text', () => {
    const a = db();
    const b = db();
    const sql = 'SELECT 1 AS one';
    expect(stmt(a, sql)).toBe(stmt(a, sql));
    expect(stmt(a, sql)).not.toBe(stmt(b, sql));
    expect(stmt(a, 'SELECT 2 AS two')).not.toBe(stmt(a, sql));
    expect(stmt(a, sql).get()).toEqual({ one: 1 });
  });
});

describe('content keys', () => {
  it('forgets keys no live session needs, except the ones asked to be kept', () => {
    const d = db();
    const key = (h: string) => putContentKey(d, { pack_hash: h.repeat(64), pack_id: 'p', wrapped_key: Buffer.alloc(60, 1), protector: 'memory', via: 'demo', unlocked_at: 1 });
    for (const h of ['a', 'b', 'c', 'd']) key(h);
    session(d, { pack_hash: 'a'.repeat(64), state: 'interrupted' });
    session(d, { pack_hash: 'b'.repeat(64), state: 'completed' });
    expect(purgeUnusedContentKeys(d, ['c'.repeat(64), 'd'.repeat(64)])).toBe(1);
    expect(getContentKey(d, 'd'.repeat(64))).toBeDefined();
    expect(purgeUnusedContentKeys(d, ['c'.repeat(64)])).toBe(1);
    expect(['a', 'b', 'c', 'd'].map((h) => getContentKey(d, h.repeat(64)) !== undefined)).toEqual([true, false, true, false]);
    expect(purgeUnusedContentKeys(d)).toBe(1);
    expect(getContentKey(d, 'c'.repeat(64))).toBeUndefined();
    expect(getContentKey(d, 'a'.repeat(64))).toMatchObject({ pack_id: 'p', via: 'demo' });
  });
});

describe('the progress cache and kiosk state', () => {
  it('never serves a row older than the last write, even when two writes share a transaction', async () => {
    const { getProgress, persistElapsed, upsertProgress } = await import('../../../../main/db/queries/sessions');
    const d = db();
    const s = session(d);
    upsertProgress(d, { session_id: s.id, question_index: 0, attempt: 0, segment: 0, phase: 'answering', prep_elapsed_ms: 0, elapsed_ms: 0, persisted_at: 1 });
    expect(getProgress(d, s.id, 0)!.elapsed_ms).toBe(0);
    persistElapsed(d, s.id, 0, 0, 500, 2);
    expect(getProgress(d, s.id, 0)).toMatchObject({ elapsed_ms: 500, persisted_at: 2 });
    // The written row went straight into the cache: a change behind its back is not seen.
    d.prepare(`UPDATE question_progress SET elapsed_ms = 777 WHERE session_id = ?`).run(s.id);
    expect(getProgress(d, s.id, 0)!.elapsed_ms).toBe(500);
    // The cached row learnt its new value after the write; a second cached read needs no query.
    expect(getProgress(d, s.id, 0)).toBe(getProgress(d, s.id, 0));
    transact(d, () => {
      persistElapsed(d, s.id, 0, 0, 900, 3);
      upsertProgress(d, { session_id: s.id, question_index: 0, attempt: 1, segment: 2, phase: 'preparing', prep_elapsed_ms: 5, elapsed_ms: 0, persisted_at: 4 });
    });
    expect(getProgress(d, s.id, 0)).toMatchObject({ attempt: 1, segment: 2, phase: 'preparing', elapsed_ms: 0, persisted_at: 4 });
  });

  it('stores kiosk state by key and overwrites it', async () => {
    const { getKioskState, setKioskState } = await import('../../../../main/db/queries/sessions');
    const d = db();
    expect(getKioskState(d, 'run')).toBeUndefined();
    setKioskState(d, 'run', 'a');
    setKioskState(d, 'run', 'b');
    setKioskState(d, 'other', 'c');
    expect(getKioskState(d, 'run')).toBe('b');
    expect(getKioskState(d, 'other')).toBe('c');
  });
});

describe('transact depth', () => {
  it('drops a hook queued in a foreign transaction after an earlier transact has finished', async () => {
    const { afterCommit } = await import('../../../../main/db/transaction');
    const d = db();
    transact(d, () => undefined);
    let ran = 0;
    expect(() =>
      d.transaction(() => {
        afterCommit(d, () => ran++);
        throw new Error('foreign rollback');
      })(),
    ).toThrow('foreign rollback');
    transact(d, () => undefined);
    expect(ran).toBe(0);
  });
});
