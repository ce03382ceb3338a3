import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../main/common/logger';
import { setTextSealer } from '../../../../../main/db/text-sealing';
import { SqliteJournal } from '../../../../../main/services/journal/journal';
import { MemoryKeyProtector } from '../../../../../main/services/packs/key-protector';
import { eraseSession } from '../../../../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../../../../main/services/storage/crypto/session-keyring';
import { makeFixture, must, startedSession } from '../../../../support/session-fixture';

function erase(f: ReturnType<typeof makeFixture>, sessionId: string) {
  const keyring = new SessionKeyring({ db: f.db, protector: new MemoryKeyProtector(), clock: f.clock, logger: silentLogger });
  return must(eraseSession({ db: f.db, keyring, journal: new SqliteJournal(f.db), clock: f.clock, logger: silentLogger, dataDir: mkdtempSync(path.join(os.tmpdir(), 'kiosk-erase-')) }, sessionId, 'request'));
}

const journalTypes = (f: ReturnType<typeof makeFixture>, sessionId: string) =>
  (f.db.prepare(`SELECT type FROM journal WHERE session_id = ? ORDER BY seq`).all(sessionId) as { type: string }[]).map((r) => r.type);

describe('a deleted session cannot be continued', () => {
  it('is not offered after a crash and its resume is refused, though it was still inside its return window', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ERASE1');
    const g = f.reopen(); // crashed: interrupted, offered on the welcome-back screen
    expect(must(g.service.findResumable())?.sessionId).toBe(sessionId);
    erase(g, sessionId);
    expect(must(g.service.findResumable())).toBeNull();
    expect(g.service.resume('DEMO-ERASE1', undefined)).toMatchObject({ ok: false, error: { code: 'NOT_RESUMABLE' } });
    expect(journalTypes(g, sessionId)).not.toContain('resumed');
  });

  it('refuses the return of a candidate who left and then asked for deletion', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f, 'DEMO-ERASE2');
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'privacy'));
    erase(f, sessionId);
    expect(f.service.resume('DEMO-ERASE2', undefined)).toMatchObject({ ok: false, error: { code: 'NOT_RESUMABLE' } });
    expect(journalTypes(f, sessionId).at(-1)).toBe('deleted');
  });
});

describe('what an erasure reports about the key', () => {
  it('says the key was shredded when the session had one, and not when nothing was ever sealed', () => {
    const f = makeFixture();
    const keyring = new SessionKeyring({ db: f.db, protector: new MemoryKeyProtector(), clock: f.clock, logger: silentLogger });
    setTextSealer(f.db, keyring);
    const sealed = startedSession(f, 'DEMO-ERASE3').sessionId;
    must(f.service.submitAnswer(sealed, 0, 0, 'a sealed answer'));
    must(f.service.requestExit(sealed));
    must(f.service.confirmExit(sealed, 'privacy'));
    const withKey = erase(f, sealed);
    expect(withKey.keyShredded).toBe(true);
    const deleted = (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'deleted'`).get(sealed) as { payload: string }).payload;
    expect(JSON.parse(deleted)).toMatchObject({ keyShredded: true, keyFingerprint: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const g = makeFixture();
    const plain = startedSession(g, 'DEMO-ERASE4').sessionId;
    must(g.service.requestExit(plain));
    must(g.service.confirmExit(plain, 'privacy'));
    const withoutKey = erase(g, plain);
    expect(withoutKey.keyShredded).toBe(false);
    expect(JSON.parse((g.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'deleted'`).get(plain) as { payload: string }).payload)).toMatchObject({ keyShredded: false, keyFingerprint: null });
  });
});
