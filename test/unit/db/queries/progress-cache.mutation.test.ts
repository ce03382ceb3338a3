import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../../main/db/connection';
import { getProgress, insertSession, persistElapsed, upsertProgress } from '../../../../main/db/queries/sessions';

describe('the progress cache', () => {
  it('puts the row a write produced back into the cache once it commits', () => {
    const d = new Database(':memory:');
    runMigrations(d);
    const id = '00000000-0000-4000-8000-0000000000aa';
    insertSession(d, { id, invite_code: 'CACHE-1', candidate_ref: 'r', pack_id: 'p', pack_hash: 'a'.repeat(64), locale: 'en', state: 'in_progress', question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1 });
    upsertProgress(d, { session_id: id, question_index: 0, attempt: 0, segment: 0, phase: 'answering', prep_elapsed_ms: 0, elapsed_ms: 0, persisted_at: 1 });
    expect(getProgress(d, id, 0)!.elapsed_ms).toBe(0); // cached now
    persistElapsed(d, id, 0, 0, 500, 2);
    // Changed behind the cache's back right after the write: the cache must already hold 500.
    d.prepare(`UPDATE question_progress SET elapsed_ms = 777 WHERE session_id = ?`).run(id);
    expect(getProgress(d, id, 0)).toMatchObject({ elapsed_ms: 500, persisted_at: 2 });
    d.close();
  });
});
