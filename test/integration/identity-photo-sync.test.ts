/**
 * An identity photo reaches the hub (issue #15): the kiosk's sync opens the sealed file with the
 * session key, uploads the JPEG with tus before the `identity_photo_captured` event that names it,
 * and announces it as an `identity_photo` item the hub accepts only against the verified object;
 * the hub serves the same bytes back. After erasure the event still syncs, the photo never does.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { journalItems } from '../../main/db/queries/outbox';
import { setTextSealer } from '../../main/db/text-sealing';
import { IdentityCheck, readIdentityPhoto, readIdentityPhotoSealed } from '../../main/services/identity/identity-check';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { demoPack, loadPack, StaticPackProvider } from '../../main/services/packs/pack-provider';
import { eraseSession } from '../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';
import { makeFixture, must } from '../support/session-fixture';

function jpeg(): Uint8Array {
  return new Uint8Array(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(30_000), Buffer.from([0xff, 0xd9])]));
}

function kioskWithPhoto(inviteCode: string) {
  const p = structuredClone(demoPack().pack);
  p.policy.identity = { mode: 'optional' };
  const loaded = loadPack(p);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const f = makeFixture({ pack: loaded.value });
  const dataDir = path.dirname(f.dbPath);
  const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
  setTextSealer(f.db, keyring);
  const journal = new SqliteJournal(f.db);
  const identity = new IdentityCheck({ db: f.db, journal, clock: f.clock, packs: new StaticPackProvider([loaded.value]), keys: keyring, dataDir, resumeCodes: f.codes });
  const s = must(f.service.checkIn(inviteCode, 'en'));
  must(f.service.giveConsent(s.sessionId, true, loaded.value.pack.policy.consentVersion));
  must(identity.open(s.sessionId));
  const photo = jpeg();
  must(identity.capturePhoto({ sessionId: s.sessionId, mimeType: 'image/jpeg', data: photo }));
  return { f, dataDir, keyring, journal, sessionId: s.sessionId, photo };
}

describe(`identity photo sync (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  const enrol = async (name: string) => enrolKiosk(hub.url, String((await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {})).json.code), name);

  it('the event implies the photo item, before itself', () => {
    expect(journalItems({ sessionId: 's1', seq: 4, type: 'identity_photo_captured', payload: JSON.stringify({ ordinal: 2, file: 'identity/s1/photo-2.jpg.sealed' }) })).toEqual([
      { kind: 'identity_photo', key: 'identity-photo:s1:2', ref: { ordinal: 2, file: 'identity/s1/photo-2.jpg.sealed' } },
      { kind: 'journal_event', key: 'ev:s1:4' },
    ]);
    expect(journalItems({ sessionId: 's1', seq: 4, type: 'identity_photo_captured', payload: '{"ordinal":0}' })).toEqual([{ kind: 'journal_event', key: 'ev:s1:4' }]);
  });

  it('uploads the photo sealed as it rests on the kiosk (checked by opening it first), verified by the hub, served back sealed byte for byte', async () => {
    const k = kioskWithPhoto('DEMO-7001');
    const cred = await enrol('identity-sync');
    const engine = new SyncEngine({ db: k.f.db, hub: new HubClient(cred), identityPhoto: (sid, n, file) => readIdentityPhotoSealed(k.dataDir, k.keyring, sid, n, file) });
    for (let i = 0; i < 20 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
    const items = await hub.db.pool.query<{ body: Record<string, unknown> }>("SELECT body FROM items WHERE kiosk_id=$1 AND kind='identity_photo'", [cred.kioskId]);
    const sealedOnKiosk = readFileSync(path.join(k.dataDir, `identity/${k.sessionId}/photo-1.jpg.sealed`));
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(items.rows.map((r) => r.body)).toEqual([
      expect.objectContaining({ sessionId: k.sessionId, ordinal: 1, mimeType: 'image/jpeg', size: k.photo.byteLength, sha256: sha(k.photo), format: 'IKS1', identity: 'ik-identity/v1|photo|1', sealedSha256: sha(sealedOnKiosk), sealedSize: sealedOnKiosk.byteLength }),
    ]);
    const res = await fetch(`${hub.url}/v1/media/${cred.kioskId}/${encodeURIComponent(`identity-photo:${k.sessionId}:1`)}?form=sealed`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    expect(res.status).toBe(200);
    const onHub = Buffer.from(await res.arrayBuffer());
    expect(onHub.equals(sealedOnKiosk)).toBe(true);
    // The plain photo is nowhere on the hub: not in its object storage's bytes.
    expect(onHub.includes(Buffer.from(k.photo).subarray(0, 64))).toBe(false);
    const events = await hub.db.pool.query("SELECT type FROM journal_events WHERE kiosk_id=$1 AND type='identity_photo_captured'", [cred.kioskId]);
    expect(events.rowCount).toBe(1);
    k.f.db.close();
  });

  it('an altered photo holds its session back; after erasure the event goes and the photo never does', async () => {
    const k = kioskWithPhoto('DEMO-7002');
    const cred = await enrol('identity-erased');
    const engine = new SyncEngine({ db: k.f.db, hub: new HubClient(cred), identityPhoto: (sid, n, file) => readIdentityPhotoSealed(k.dataDir, k.keyring, sid, n, file) });
    // Refused: a journal naming another file is never followed.
    expect(readIdentityPhoto(k.dataDir, k.keyring, k.sessionId, 1, '../../etc/passwd')).toBe('corrupt');
    // One changed byte: the photo does not open, and its session's events wait (nothing unauthenticated is sent).
    const file = path.join(k.dataDir, `identity/${k.sessionId}/photo-1.jpg.sealed`);
    const bytes = readFileSync(file);
    bytes[bytes.length - 10]! ^= 0xff;
    writeFileSync(file, bytes);
    for (let i = 0; i < 3; i++) await engine.tick();
    expect(engine.state().pending).toBeGreaterThan(0);
    const held = await hub.db.pool.query("SELECT 1 FROM journal_events WHERE kiosk_id=$1 AND type='identity_photo_captured'", [cred.kioskId]);
    expect(held.rowCount).toBe(0);
    must(eraseSession({ db: k.f.db, keyring: k.keyring, journal: k.journal, clock: k.f.clock, logger: silentLogger, dataDir: k.dataDir }, k.sessionId, 'request'));
    for (let i = 0; i < 20 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
    expect(engine.state().pending).toBe(0);
    const photos = await hub.db.pool.query("SELECT 1 FROM items WHERE kiosk_id=$1 AND kind='identity_photo'", [cred.kioskId]);
    expect(photos.rowCount).toBe(0);
    const events = await hub.db.pool.query("SELECT type FROM journal_events WHERE kiosk_id=$1 AND type IN ('identity_photo_captured', 'deleted') ORDER BY seq", [cred.kioskId]);
    expect(events.rows.map((r: { type: string }) => r.type)).toEqual(['identity_photo_captured', 'deleted']);
    k.f.db.close();
  });
});
