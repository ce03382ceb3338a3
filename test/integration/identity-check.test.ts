/**
 * The identity check at check-in on a real database and data folder (issue #15): the interview does
 * not start before it is cleared; an ID number and a photo are stored only sealed under the session
 * key (the number in no file in plaintext, the journal with its last four characters masked); the
 * photo is placed durably (fsync, rename, fsync folder) before its journal row; a proctor's code
 * confirms; and erasure makes both unreadable and removes them.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { identityRecords } from '../../main/db/queries/identity';
import { setTextSealer } from '../../main/db/text-sealing';
import { identityAad, identityCodeFor, IdentityCheck, photoFileOf } from '../../main/services/identity/identity-check';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../main/services/packs/pack-provider';
import { eraseSession } from '../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import type { DurableFs } from '../../main/services/storage/durable-file';
import type { IdentityMode } from '../../shared/identity/policy';
import { makeFixture, must } from '../support/session-fixture';

const ID = '11010519491231002X';

function packWithIdentity(mode: IdentityMode): LoadedPack {
  const p = structuredClone(demoPack().pack);
  p.policy.identity = { mode };
  const r = loadPack(p);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}

/** A JPEG-looking still (SOI marker, random body, EOI): what the renderer's canvas sends. */
function fakeJpeg(): Uint8Array {
  const body = randomBytes(20_000);
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), body, Buffer.from([0xff, 0xd9])]));
}

function rig(mode: IdentityMode, fsLog?: string[]) {
  const pack = packWithIdentity(mode);
  const f = makeFixture({ pack });
  const dataDir = path.dirname(f.dbPath);
  const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
  setTextSealer(f.db, keyring);
  const journal = new SqliteJournal(f.db);
  const events = (type: string) => (f.db.prepare(`SELECT payload FROM journal WHERE type = ? ORDER BY seq`).all(type) as { payload: string }[]).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
  // Records the durable write's file calls, and at the rename whether the journal already named the photo.
  const fs: DurableFs | undefined = fsLog
    ? {
        openSync: (p, flags, mode2) => {
          fsLog.push(`open ${path.basename(String(p))}`);
          return openSync(p, flags, mode2);
        },
        writeSync: (fd, d) => writeSync(fd, d),
        fsyncSync: (fd) => {
          fsLog.push('fsync');
          fsyncSync(fd);
        },
        closeSync: (fd) => closeSync(fd),
        renameSync: (a, b) => {
          fsLog.push(`rename -> ${path.basename(String(b))} (journal has photo: ${events('identity_photo_captured').length > 0})`);
          renameSync(a, b);
        },
      }
    : undefined;
  const identity = new IdentityCheck({ db: f.db, journal, clock: f.clock, packs: new StaticPackProvider([pack]), keys: keyring, dataDir, resumeCodes: f.codes, ...(fs ? { fs } : {}) });
  const s = must(f.service.checkIn('DEMO-2026', 'zh-CN'));
  must(f.service.giveConsent(s.sessionId, true, pack.pack.policy.consentVersion));
  const prechecked = must(f.service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  return { f, pack, dataDir, keyring, journal, identity, sessionId: s.sessionId, prechecked, events };
}

describe('identity check: ID number and proctor confirmation', () => {
  it('blocks the start until a proctor confirms; the number is sealed, the journal masked', () => {
    const r = rig('required');
    expect(r.prechecked.identity).toEqual({ mode: 'required', cleared: false });
    const refused = r.f.service.start(r.sessionId);
    expect(refused.ok ? null : refused.error.code).toBe('IDENTITY_REQUIRED');

    // Nothing can be submitted before the notice is shown.
    expect(r.identity.enterIdNumber(r.sessionId, 'prc_resident_id', ID).ok).toBe(false);
    expect(must(r.identity.open(r.sessionId))).toMatchObject({ mode: 'required', phase: 'choosing', cleared: false, retentionDays: 180 });
    expect(r.events('identity_offered')).toEqual([{ mode: 'required', methods: ['photo', 'id_number'], skippable: false }]);

    // A wrong check digit is refused and changes nothing.
    const bad = r.identity.enterIdNumber(r.sessionId, 'prc_resident_id', '110105194912310021');
    expect(bad.ok ? null : bad.error.code).toBe('IDENTITY_ID_INVALID');
    expect(identityRecords(r.f.db, r.sessionId)).toEqual([]);

    const v = must(r.identity.enterIdNumber(r.sessionId, 'prc_resident_id', '110105 19491231 002x'));
    expect(v).toMatchObject({ phase: 'awaiting_proctor', pending: { method: 'id_number', ordinal: 1, masked: '****002X' }, cleared: false });
    expect(r.events('identity_id_entered')).toEqual([{ ordinal: 1, docType: 'prc_resident_id', masked: '****002X' }]);
    const [row] = identityRecords(r.f.db, r.sessionId);
    expect(row!.sealed).toBeInstanceOf(Buffer);
    expect(r.keyring.sealerFor(r.sessionId).open(row!.sealed!, identityAad('id_number', 1)).toString()).toBe(ID);
    // Moved to another submission, the sealed number does not open.
    expect(() => r.keyring.sealerFor(r.sessionId).open(row!.sealed!, identityAad('id_number', 2))).toThrow(/do not open/);

    // A wrong code is refused and journaled; the centre code for this submission confirms.
    const wrong = r.identity.proctor(r.sessionId, 'AAAAA-BBBBB', 'confirm');
    expect(wrong.ok ? null : wrong.error.code).toBe('RESUME_CODE_INVALID');
    expect(r.events('identity_code_refused')).toEqual([{ ordinal: 1, attemptsLeft: 4, detail: 'CENTRE_CODE_WRONG' }]);
    // A code for another submission (ordinal 2) is not this one's.
    expect(r.identity.proctor(r.sessionId, identityCodeFor(r.f.codes, r.sessionId, 2), 'confirm').ok).toBe(false);
    expect(must(r.identity.proctor(r.sessionId, identityCodeFor(r.f.codes, r.sessionId, 1), 'confirm'))).toMatchObject({ phase: 'confirmed', cleared: true });
    expect(r.events('identity_proctor_confirmed')).toEqual([{ ordinal: 1, method: 'id_number', via: 'centre_code' }]);

    const started = must(r.f.service.start(r.sessionId));
    expect(started.kind).toBe('question');

    // The number is in no file of the data folder in plaintext (database, WAL, journal, keys).
    r.f.db.pragma('wal_checkpoint(TRUNCATE)');
    const leaks = filesUnder(r.dataDir).filter((file) => {
      const b = readFileSync(file);
      return b.includes(Buffer.from(ID)) || b.includes(Buffer.from('1101051949')) || b.includes(Buffer.from(ID, 'utf16le'));
    });
    expect(leaks).toEqual([]);
    r.f.db.close();
  });

  it('optional: the candidate may skip, and the interview starts', () => {
    const r = rig('optional');
    must(r.identity.open(r.sessionId));
    expect(must(r.identity.decline(r.sessionId))).toMatchObject({ phase: 'declined', cleared: true });
    expect(r.events('identity_declined')).toEqual([{ mode: 'optional', skipped: true }]);
    expect(must(r.f.service.start(r.sessionId)).kind).toBe('question');
    r.f.db.close();
  });

  it('required: declining is journaled and the interview still does not start', () => {
    const r = rig('required');
    must(r.identity.open(r.sessionId));
    expect(must(r.identity.decline(r.sessionId))).toMatchObject({ phase: 'declined', cleared: false });
    const refused = r.f.service.start(r.sessionId);
    expect(refused.ok ? null : refused.error.code).toBe('IDENTITY_REQUIRED');
    r.f.db.close();
  });

  it('off: no identity step, and the identity operations are refused', () => {
    const r = rig('off');
    expect(r.prechecked.identity).toBeUndefined();
    expect(r.identity.open(r.sessionId).ok).toBe(false);
    expect(must(r.f.service.start(r.sessionId)).kind).toBe('question');
    r.f.db.close();
  });
});

describe('identity check: photo', () => {
  it('stores the photo sealed, durably before its journal row, and erasure makes it unreadable and removes it', () => {
    const log: string[] = [];
    const r = rig('required', log);
    must(r.identity.open(r.sessionId));
    const jpeg = fakeJpeg();
    const v = must(r.identity.capturePhoto({ sessionId: r.sessionId, mimeType: 'image/jpeg', data: jpeg }));
    expect(v).toMatchObject({ phase: 'awaiting_proctor', pending: { method: 'photo', ordinal: 1 } });

    // Durable: written, fsynced, renamed, folder fsynced — all before the journal named it.
    const i = log.findIndex((l) => l.startsWith('rename'));
    expect(log[i]).toBe('rename -> photo-1.jpg.sealed (journal has photo: false)');
    expect(log.slice(0, i)).toContain('fsync');
    expect(log.slice(i + 1)).toEqual(['open identity', 'fsync'].map((x) => (x === 'open identity' ? `open ${r.sessionId}` : x)));

    const file = path.join(r.dataDir, photoFileOf(r.sessionId, 1));
    const sealed = readFileSync(file);
    // Sealed: neither the JPEG nor a slice of its body is on disk.
    expect(sealed.includes(Buffer.from(jpeg.subarray(4, 64)))).toBe(false);
    expect(r.keyring.sealerFor(r.sessionId).open(sealed, identityAad('photo', 1))).toEqual(Buffer.from(jpeg));
    const [ev] = r.events('identity_photo_captured');
    expect(ev).toMatchObject({ ordinal: 1, bytes: jpeg.byteLength, file: photoFileOf(r.sessionId, 1), format: 'ik-identity/v1' });
    expect(ev!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(identityRecords(r.f.db, r.sessionId)).toEqual([expect.objectContaining({ method: 'photo', file: photoFileOf(r.sessionId, 1), sealed: null })]);

    // Confirmed by the proctor's code for this photo.
    must(r.identity.proctor(r.sessionId, identityCodeFor(r.f.codes, r.sessionId, 1), 'confirm'));

    // Erasure: key first, then the file, then the rows; a copy of the sealed file no longer opens.
    const out = must(eraseSession({ db: r.f.db, keyring: r.keyring, journal: r.journal, clock: r.f.clock, logger: silentLogger, dataDir: r.dataDir }, r.sessionId, 'request'));
    expect(out.keyShredded).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(identityRecords(r.f.db, r.sessionId)).toEqual([]);
    expect(() => r.keyring.sealerFor(r.sessionId).open(sealed, identityAad('photo', 1))).toThrow(/no data key/);
    expect(r.events('deleted')[0]).toMatchObject({ identity: 1 });
    r.f.db.close();
  });

  it('refuses photos past the per-session bound and keeps the state unchanged', () => {
    const r = rig('required');
    must(r.identity.open(r.sessionId));
    for (let n = 0; n < 5; n++) must(r.identity.capturePhoto({ sessionId: r.sessionId, mimeType: 'image/jpeg', data: fakeJpeg() }));
    const sixth = r.identity.capturePhoto({ sessionId: r.sessionId, mimeType: 'image/jpeg', data: fakeJpeg() });
    expect(sixth.ok ? null : sixth.error.code).toBe('IDENTITY_LIMIT_REACHED');
    expect(identityRecords(r.f.db, r.sessionId)).toHaveLength(5);
    r.f.db.close();
  });
});
