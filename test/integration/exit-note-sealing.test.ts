/**
 * The free text a candidate types when leaving lives in two records that erasure cannot delete:
 * the append-only journal (`exit_confirmed`) and the exit incident. It is therefore sealed under
 * the session key before either is written, so crypto-shredding the key makes it unreadable:
 * the plaintext is in no file before or after erasure, HR-side code opens it before erasure
 * (the same key), and nothing opens it after.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { getIncident } from '../../main/db/queries/sessions';
import { openExitNote, setTextSealer } from '../../main/db/text-sealing';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { eraseSession } from '../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { makeFixture, must, startedSession } from '../support/session-fixture';

const NOTE = 'EXIT-NOTE 我家孩子突然发烧了，联系电话 13800138000';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}
const containsNote = (dir: string): string[] =>
  filesUnder(dir).filter((f) => {
    const b = readFileSync(f);
    return b.includes(Buffer.from(NOTE)) || b.includes(Buffer.from(NOTE, 'utf16le')) || b.includes(Buffer.from('13800138000'));
  });

function exitPayloads(f: ReturnType<typeof makeFixture>, sessionId: string): Record<string, unknown>[] {
  return (f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'exit_confirmed' ORDER BY seq`).all(sessionId) as { payload: string }[]).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

describe('the exit note is sealed under the session key', () => {
  it('is in no file, opens for HR before erasure, and never after', () => {
    const f = makeFixture();
    const dataDir = path.dirname(f.dbPath);
    const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
    setTextSealer(f.db, keyring);
    const { sessionId } = startedSession(f);
    must(f.service.requestExit(sessionId));
    const receipt = must(f.service.confirmExit(sessionId, 'personal', NOTE));
    f.db.pragma('wal_checkpoint(TRUNCATE)');

    const [payload] = exitPayloads(f, sessionId);
    expect(payload).toMatchObject({ reason: 'personal', text: null, textSealed: expect.any(String), textIdentity: { kind: 'exit_note', ordinal: 0 } });
    const incident = JSON.parse(getIncident(f.db, receipt.incidentId)!.body) as Record<string, unknown>;
    expect(incident).toMatchObject({ reason: 'personal', text: null, textSealed: payload!.textSealed });
    expect(containsNote(dataDir)).toEqual([]);
    expect(openExitNote(f.db, sessionId, payload!)).toBe(NOTE);
    expect(openExitNote(f.db, sessionId, incident)).toBe(NOTE);
    // Moved to another place (another ordinal), the sealed note does not open.
    expect(() => openExitNote(f.db, sessionId, { ...payload!, textIdentity: { kind: 'exit_note', questionIndex: 0, ordinal: 1 } })).toThrow(/does not open/);

    must(eraseSession({ db: f.db, keyring, journal: new SqliteJournal(f.db), clock: f.clock, logger: silentLogger, dataDir }, sessionId, 'request'));
    // The journal keeps the event (the chain stays whole); its note opens with nothing left here.
    const [after] = exitPayloads(f, sessionId);
    expect(after).toEqual(payload);
    expect(() => openExitNote(f.db, sessionId, after!)).toThrow(/no data key/);
    expect(containsNote(dataDir)).toEqual([]);
    f.db.close();
  });

  it('an exit without a note stores no sealed field, and a kiosk connection without keys keeps the legacy plain field', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'personal'));
    expect(exitPayloads(f, sessionId)[0]).toMatchObject({ text: null });
    expect(exitPayloads(f, sessionId)[0]).not.toHaveProperty('textSealed');
    f.db.close();
    const g = makeFixture();
    const other = startedSession(g).sessionId;
    must(g.service.requestExit(other));
    must(g.service.confirmExit(other, 'personal', NOTE));
    expect(exitPayloads(g, other)[0]).toMatchObject({ text: NOTE });
    expect(openExitNote(g.db, other, exitPayloads(g, other)[0]!)).toBe(NOTE);
    g.db.close();
  });
});
