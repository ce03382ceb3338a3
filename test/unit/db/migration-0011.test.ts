import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { getDraft, upsertDraft } from '../../../main/db/queries/drafts';
import { insertErasure } from '../../../main/db/queries/session-keys';
import { getAnswer, insertAnswer, insertSession } from '../../../main/db/queries/sessions';

/**
 * A media row with its bytes in SQLite, in plain SQL: valid before and after migration 0010 (the
 * media store's move to files keeps such legacy rows), so this test does not depend on the
 * query module's row type.
 */
function insertLegacyChunk(db: Database.Database, questionIndex: number): void {
  db.prepare(
    `INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at)
     VALUES ('s1', ?, 0, 0, 0, 'video/webm', 1, ?, x'01', 1)`,
  ).run(questionIndex, 'c'.repeat(64));
}

describe('migration 0011: session keys, sealed texts, uploads and erasures', () => {
  it('upgrades a version-9 database whose plaintext answers and drafts stay readable', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version <= 9));
    insertSession(db, { id: 's1', invite_code: 'INV-1', candidate_ref: 'c', pack_id: 'p', pack_hash: 'a'.repeat(64), locale: 'en', state: 'completed', question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1 });
    db.prepare(`INSERT INTO answers (session_id, question_index, attempt, mode, text, chunk_count, elapsed_ms, submitted_at) VALUES ('s1', 0, 0, 'text', 'old answer', 0, 1, 1)`).run();
    db.prepare(`INSERT INTO answer_drafts (session_id, question_index, attempt, text, sha256, saved_at) VALUES ('s1', 1, 0, 'old draft', ?, 1)`).run('b'.repeat(64));
    insertLegacyChunk(db, 2);
    expect(runMigrations(db)).toEqual({ from: 9, to: LATEST_SCHEMA_VERSION });
    expect(getAnswer(db, 's1', 0)?.text).toBe('old answer');
    expect(getDraft(db, 's1', 1, 0)?.text).toBe('old draft');
    // A connection without a sealer keeps writing plain text (tools, unrelated tests).
    insertAnswer(db, { session_id: 's1', question_index: 3, attempt: 0, mode: 'video', text: null, chunk_count: 1, elapsed_ms: 1, submitted_at: 2 });
    upsertDraft(db, { session_id: 's1', question_index: 4, attempt: 0, text: 'new', sha256: 'd'.repeat(64), saved_at: 2 });
    expect(getAnswer(db, 's1', 3)?.text).toBeNull();
    db.close();
  });

  it('lets media rows be deleted only for a session whose erasure is recorded, and keeps erasures append-only', () => {
    const db = new Database(':memory:');
    runMigrations(db);
    insertSession(db, { id: 's1', invite_code: 'INV-1', candidate_ref: 'c', pack_id: 'p', pack_hash: 'a'.repeat(64), locale: 'en', state: 'completed', question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1 });
    insertLegacyChunk(db, 0);
    expect(() => db.prepare(`DELETE FROM media_chunks WHERE session_id = 's1'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE media_chunks SET size = 2`).run()).toThrow(/append-only/);
    insertErasure(db, { session_id: 's1', reason: 'request', requested_at: 5 });
    expect(db.prepare(`DELETE FROM media_chunks WHERE session_id = 's1'`).run().changes).toBe(1);
    expect(() => db.prepare(`DELETE FROM session_erasures`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE session_erasures SET reason = 'retention'`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`INSERT INTO session_keys (session_id, kiosk_wrapped, protector, hr_wrapped, hr_key_id, created_at) VALUES ('s1', zeroblob(40), 'memory', zeroblob(84), NULL, 1)`).run()).toThrow(/CHECK/);
    db.close();
  });
});
