import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../main/common/clock';
import { silentLogger } from '../../../../../main/common/logger';
import { runMigrations, type Db } from '../../../../../main/db/connection';
import { getDraft, upsertDraft } from '../../../../../main/db/queries/drafts';
import { getSessionKey, insertErasure } from '../../../../../main/db/queries/session-keys';
import { getAnswer, insertAnswer, insertSession } from '../../../../../main/db/queries/sessions';
import { setTextSealer } from '../../../../../main/db/text-sealing';
import { transact } from '../../../../../main/db/transaction';
import { MemoryKeyProtector } from '../../../../../main/services/packs/key-protector';
import { generateHrKeyPair, unwrapForHr } from '../../../../../main/services/storage/crypto/hr-wrap';
import { chunkAad } from '../../../../../main/services/storage/crypto/identity';
import { SessionKeyring } from '../../../../../main/services/storage/crypto/session-keyring';

const PHRASE = '我用灰度发布把故障率降到了千分之一';

function setup(opts: { hr?: boolean } = {}) {
  const db: Db = new Database(':memory:');
  runMigrations(db);
  const clock = new ManualClock();
  const hr = generateHrKeyPair();
  const protector = new MemoryKeyProtector();
  const keyring = new SessionKeyring({ db, protector, clock, logger: silentLogger, ...(opts.hr ? { hr: { publicKey: hr.publicKey } } : {}) });
  setTextSealer(db, keyring);
  for (const id of ['s1', 's2']) {
    insertSession(db, { id, invite_code: `INV-${id}`, candidate_ref: 'c', pack_id: 'p', pack_hash: 'a'.repeat(64), locale: 'zh-CN', state: 'in_progress', question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1 });
  }
  return { db, keyring, hr, protector, clock };
}

const rawTexts = (db: Db) => JSON.stringify([db.prepare(`SELECT text, hex(sealed) AS s FROM answers`).all(), db.prepare(`SELECT text, hex(sealed) AS s FROM answer_drafts`).all()]);

describe('session keys and sealed typed answers', () => {
  it('stores drafts and answers sealed and reads them back transparently', () => {
    const { db } = setup();
    transact(db, () => upsertDraft(db, { session_id: 's1', question_index: 3, attempt: 0, text: PHRASE, sha256: 'b'.repeat(64), saved_at: 1 }));
    transact(db, () => insertAnswer(db, { session_id: 's1', question_index: 3, attempt: 0, mode: 'text', text: PHRASE + '。', chunk_count: 0, elapsed_ms: 5, submitted_at: 2 }));
    expect(getDraft(db, 's1', 3, 0)?.text).toBe(PHRASE);
    expect(getAnswer(db, 's1', 3)?.text).toBe(PHRASE + '。');
    expect(rawTexts(db)).not.toContain(PHRASE);
    expect(rawTexts(db)).not.toContain(Buffer.from(PHRASE).toString('hex').toUpperCase());
    const row = db.prepare(`SELECT text, sealed FROM answer_drafts`).get() as { text: string; sealed: Buffer };
    expect(row.text).toBe('');
    expect(row.sealed.subarray(0, 4).toString()).toBe('IKS1');
  });

  it('refuses a sealed text moved to another question or session', () => {
    const { db } = setup();
    transact(db, () => insertAnswer(db, { session_id: 's1', question_index: 1, attempt: 0, mode: 'text', text: 'one', chunk_count: 0, elapsed_ms: 5, submitted_at: 2 }));
    transact(db, () => insertAnswer(db, { session_id: 's2', question_index: 1, attempt: 0, mode: 'text', text: 'two', chunk_count: 0, elapsed_ms: 5, submitted_at: 2 }));
    db.prepare(`UPDATE answers SET sealed = (SELECT sealed FROM answers WHERE session_id = 's1') WHERE session_id = 's2'`).run();
    expect(() => getAnswer(db, 's2', 1)).toThrow(/does not open/);
    db.prepare(`UPDATE answers SET question_index = 2 WHERE session_id = 's1'`).run();
    expect(() => getAnswer(db, 's1', 2)).toThrow(/does not open/);
  });

  it('still reads rows written before sealing, and refuses sealed rows on a connection without keys', () => {
    const { db } = setup();
    setTextSealer(db, undefined);
    insertAnswer(db, { session_id: 's1', question_index: 0, attempt: 0, mode: 'text', text: 'legacy plain', chunk_count: 0, elapsed_ms: 1, submitted_at: 1 });
    expect(getAnswer(db, 's1', 0)?.text).toBe('legacy plain');
    db.prepare(`UPDATE answers SET sealed = x'494b53310000' WHERE session_id = 's1'`).run();
    expect(() => getAnswer(db, 's1', 0)).toThrow(/holds no keys/);
  });

  it('keeps one key per session, wrapped for the kiosk and for HR, never raw', () => {
    const { db, keyring, hr, protector } = setup({ hr: true });
    const k1 = transact(db, () => keyring.dataKey('s1', true)!);
    expect(keyring.dataKey('s1', false)?.equals(k1)).toBe(true);
    const k2 = transact(db, () => keyring.dataKey('s2', true)!);
    expect(k2.equals(k1)).toBe(false);
    const row = getSessionKey(db, 's1')!;
    expect(row.kiosk_wrapped.includes(k1)).toBe(false);
    expect(protector.unprotect(row.kiosk_wrapped)?.equals(k1)).toBe(true);
    expect(unwrapForHr(row.hr_wrapped!, hr, 's1')?.equals(k1)).toBe(true);
    expect(row.hr_key_id).toMatch(/^x25519:/);
  });

  it('a key created in a transaction that rolls back is neither stored nor used later', () => {
    const { db, keyring } = setup();
    let rolledBack: Buffer | undefined;
    expect(() =>
      transact(db, () => {
        rolledBack = keyring.dataKey('s1', true);
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(getSessionKey(db, 's1')).toBeUndefined();
    const k = transact(db, () => keyring.dataKey('s1', true)!);
    expect(k.equals(rolledBack!)).toBe(false);
    expect(getSessionKey(db, 's1')).toBeDefined();
  });

  it('seals media chunks bound to their identity, and refuses once the key is forgotten and shredded', () => {
    const { db, keyring } = setup();
    const sealer = keyring.chunkSealer();
    const id = { sessionId: 's1', questionIndex: 0, attempt: 0, segment: 0, seq: 4 };
    const bytes = Buffer.from('webm cluster bytes');
    const sealed = transact(db, () => sealer.seal(bytes, chunkAad(id)));
    expect(Buffer.from(sealer.open(sealed, chunkAad(id))).equals(bytes)).toBe(true);
    expect(() => sealer.open(sealed, chunkAad({ ...id, seq: 5 }))).toThrow(/does not open/);
    expect(() => sealer.seal(bytes, Buffer.from('anything else'))).toThrow(/chunkAad/);
    const bound = keyring.sealerFor('s1');
    expect(Buffer.from(bound.open(bound.seal(bytes, Buffer.from('x')), Buffer.from('x'))).equals(bytes)).toBe(true);
    expect(() => keyring.sealerFor('s2').open(bound.seal(bytes, Buffer.from('x')), Buffer.from('x'))).toThrow();
    keyring.forget('s1');
    transact(db, () => {
      insertErasure(db, { session_id: 's1', reason: 'request', requested_at: 3 });
      db.prepare(`DELETE FROM session_keys WHERE session_id = 's1'`).run();
    });
    expect(() => sealer.open(sealed, chunkAad(id))).toThrow(/no data key/);
    expect(() => transact(db, () => sealer.seal(bytes, chunkAad(id)))).toThrow(/deleted/);
  });

  it("accepts the media store's own string identity (media-chunk:v1:…) and binds a chunk to it", () => {
    const { keyring } = setup();
    const sealer = keyring.chunkSealer();
    const aad = (seq: number, session = 's1') => `media-chunk:v1:${session}:2:1:0:${seq}`;
    const bytes = Buffer.from('webm cluster bytes');
    const sealed = sealer.seal(bytes, aad(7));
    expect(Buffer.from(sealed).includes(bytes)).toBe(false);
    expect(Buffer.from(sealer.open(sealed, aad(7))).equals(bytes)).toBe(true);
    // The same identity as bytes opens it too; any other place (seq, session) does not.
    expect(Buffer.from(sealer.open(sealed, Buffer.from(aad(7)))).equals(bytes)).toBe(true);
    expect(() => sealer.open(sealed, aad(8))).toThrow(/does not open/);
    expect(() => sealer.open(sealed, aad(7, 's2'))).toThrow();
    expect(() => sealer.seal(bytes, 'media-chunk:v1:s1:2:1:0')).toThrow(/chunkAad/);
  });

  it('two keyrings on one database (another connection) agree on one key per session', () => {
    const { db, keyring, protector, clock } = setup();
    const other = new SessionKeyring({ db, protector, clock, logger: silentLogger });
    // The other connection stores its key first; ours then finds the row and must use that key.
    const theirs = transact(db, () => other.dataKey('s1', true)!);
    const sealed = other.chunkSealer().seal(Buffer.from('x'), 'media-chunk:v1:s1:0:0:0:0');
    expect(keyring.dataKey('s1', false)?.equals(theirs)).toBe(true);
    expect(Buffer.from(keyring.chunkSealer().open(sealed, 'media-chunk:v1:s1:0:0:0:0')).toString()).toBe('x');
    expect(db.prepare(`SELECT count(*) AS n FROM session_keys WHERE session_id = 's1'`).get()).toEqual({ n: 1 });
  });
});
