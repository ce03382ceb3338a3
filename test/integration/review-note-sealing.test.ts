/**
 * A reviewer's note on an override is free text about the candidate in an append-only table that
 * erasure cannot delete from (migration 0009's triggers), so it is sealed under the session key
 * (migration 0022): the plaintext is in no file, it opens before erasure, it travels to the hub as
 * stored (base64 of the sealed bytes), and nothing opens it after the key is shredded.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { insertOverride, overridesFor, overridesWithoutNotes } from '../../main/db/queries/scoring';
import { recordForOutbox } from '../../main/db/queries/outbox';
import { setTextSealer } from '../../main/db/text-sealing';
import { transact } from '../../main/db/transaction';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { eraseSession } from '../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { makeFixture, must, startedSession } from '../support/session-fixture';

const NOTE = 'REVIEW-NOTE 候选人提到了病史，身份证 110101199003074578';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}
const containsNote = (dir: string): string[] =>
  filesUnder(dir).filter((f) => {
    const b = readFileSync(f);
    return b.includes(Buffer.from(NOTE)) || b.includes(Buffer.from(NOTE, 'utf16le')) || b.includes(Buffer.from('110101199003074578'));
  });

const override = (sessionId: string, note: string | null) => ({
  session_id: sessionId,
  question_index: 0,
  attempt: 0,
  competency_id: 'communication',
  reviewer: 'hr.li',
  old_level: 2,
  new_level: 3,
  reason_code: 'evidence_missed' as const,
  note,
  at: 1_700_000_000_000,
});

describe('a review override note is sealed under the session key', () => {
  it('is in no file, opens before erasure, goes to the hub sealed, and never opens after erasure', () => {
    const f = makeFixture();
    const dataDir = path.dirname(f.dbPath);
    const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
    setTextSealer(f.db, keyring);
    const { sessionId } = startedSession(f);
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'personal'));
    const id = transact(f.db, () => insertOverride(f.db, override(sessionId, NOTE)));
    f.db.pragma('wal_checkpoint(TRUNCATE)');

    const raw = f.db.prepare('SELECT note, note_sealed FROM review_overrides WHERE id = ?').get(id) as { note: string | null; note_sealed: Buffer | null };
    expect(raw.note).toBeNull();
    expect(Buffer.isBuffer(raw.note_sealed)).toBe(true);
    expect(containsNote(dataDir)).toEqual([]);
    expect(overridesFor(f.db, sessionId, 0, 0).map((o) => o.note)).toEqual([NOTE]);
    // The hub gets the sealed bytes as stored, never the text.
    const item = recordForOutbox(f.db, 'review', sessionId, { id })!;
    expect(item).toMatchObject({ note: null, note_sealed: raw.note_sealed!.toString('base64') });
    expect(JSON.stringify(item)).not.toContain('110101199003074578');

    must(eraseSession({ db: f.db, keyring, journal: new SqliteJournal(f.db), clock: f.clock, logger: silentLogger, dataDir }, sessionId, 'request'));
    expect(() => overridesFor(f.db, sessionId, 0, 0)).toThrow(/no data key/);
    // The levels stay readable (the override itself is HR's record), the note does not.
    expect(overridesWithoutNotes(f.db, sessionId, 0, 0)).toMatchObject([{ competency_id: 'communication', new_level: 3 }]);
    expect(containsNote(dataDir)).toEqual([]);
    f.db.close();
  });

  it('without a sealer on the connection (tools) the note stays plain, and an override without a note seals nothing', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    transact(f.db, () => insertOverride(f.db, override(sessionId, NOTE)));
    transact(f.db, () => insertOverride(f.db, override(sessionId, null)));
    const rows = f.db.prepare('SELECT note, note_sealed FROM review_overrides ORDER BY id').all() as Array<{ note: string | null; note_sealed: Buffer | null }>;
    expect(rows).toEqual([
      { note: NOTE, note_sealed: null },
      { note: null, note_sealed: null },
    ]);
    expect(overridesFor(f.db, sessionId, 0, 0).map((o) => o.note)).toEqual([NOTE, null]);
    f.db.close();
  });
});
