/**
 * Media travels and rests sealed (#13): a kiosk (real session service, session keyring with HR's
 * X25519 public key, sealed media store) syncs to a real hub. The hub stores each chunk byte for
 * byte as the kiosk stores it; no plaintext of a chunk is anywhere in the hub's object storage or
 * database; `GET /v1/media` opens a chunk with HR's key to the recorded plaintext and refuses
 * without the key or on a changed byte; an upload changed in transit is refused on arrival and
 * the kiosk's retry lands; an upload interrupted mid-way resumes at the hub's offset and still
 * ends byte-equal.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSegment } from '../../main/db/queries/media';
import { mediaForOutbox, setUploadUrl } from '../../main/db/queries/outbox';
import { sealMessage } from '../../main/services/storage/crypto/aead';
import { generateHrKeyPair, unwrapForHr } from '../../main/services/storage/crypto/hr-wrap';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { hrKeyFromPrivate } from '../../hub/console/server/sealed-review';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';
import { openSyncKiosk, type SyncKiosk } from '../support/sync-kiosk';

const HR = generateHrKeyPair();
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

interface ChunkRow {
  session_id: string;
  question_index: number;
  attempt: number;
  segment: number;
  seq: number;
  sha256: string;
  size: number;
  file: string;
  file_offset: number;
  stored_size: number;
}
const keyOf = (r: ChunkRow) => `media:${r.session_id}:${r.question_index}:${r.attempt}:${r.segment}:${r.seq}`;

function chunkRows(k: SyncKiosk, sessionId: string): ChunkRow[] {
  return k.db.prepare('SELECT session_id, question_index, attempt, segment, seq, sha256, size, file, file_offset, stored_size FROM media_chunks WHERE session_id = ? ORDER BY question_index, seq').all(sessionId) as ChunkRow[];
}
function storedBytes(dir: string, r: ChunkRow): Buffer {
  return readFileSync(join(dir, 'media', r.file)).subarray(r.file_offset, r.file_offset + r.stored_size);
}
/** The plaintext the kiosk recorded, read back through its own verified reader. */
function plainOf(k: SyncKiosk, r: ChunkRow): Buffer {
  const c = readSegment(k.db, r.session_id, r.question_index, r.attempt, r.segment, k.chunkSealer).find((x) => x.seq === r.seq)!;
  return Buffer.from(c.data);
}
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
async function objectFile(hub: TestHub, kioskId: string, key: string): Promise<string> {
  const o = await hub.db.pool.query<{ storage_key: string }>('SELECT storage_key FROM media_objects WHERE kiosk_id=$1 AND idem_key=$2', [kioskId, key]);
  expect(o.rows.length).toBe(1);
  return join(hub.dir, 'objects', o.rows[0]!.storage_key);
}
async function drain(engine: SyncEngine): Promise<void> {
  for (let i = 0; i < 60 && engine.state().pending > 0; i++) await engine.tick();
  expect(engine.state()).toMatchObject({ pending: 0 });
}

describe(`media travels and rests sealed (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let bare: TestHub;
  let dir: string;
  let kiosk: SyncKiosk;
  let cred: KioskCredential;
  let sessionId: string;

  beforeAll(async () => {
    hub = await startTestHub({ console: { hrKey: hrKeyFromPrivate(HR.privateKey) } });
    bare = await startTestHub({ console: { hrKey: null } });
    dir = mkdtempSync(join(tmpdir(), 'sealed-media-kiosk-'));
    kiosk = openSyncKiosk(dir, { hrPublicKey: HR.publicKey });
    sessionId = await kiosk.interview(2, 5000);
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    cred = await enrolKiosk(hub.url, String(code.json.code), 'sealed-media');
    await drain(new SyncEngine({ db: kiosk.db, hub: new HubClient(cred), sealer: kiosk.chunkSealer }));
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    kiosk?.db.close();
    await hub?.close();
    await bare?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  it('each chunk rests on the hub byte for byte as the kiosk stores it (sealed), and no plaintext of it is in the object storage or the database', async () => {
    const rows = chunkRows(kiosk, sessionId);
    expect(rows.length).toBe(4);
    const plains: Buffer[] = [];
    for (const r of rows) {
      const stored = storedBytes(dir, r);
      expect(stored.subarray(0, 4).toString('latin1')).toBe('IKS1');
      expect(readFileSync(await objectFile(hub, cred.kioskId, keyOf(r))).equals(stored)).toBe(true);
      const plain = plainOf(kiosk, r);
      expect(sha(plain)).toBe(r.sha256);
      plains.push(plain);
    }
    // The kiosk's own files hold no plaintext either (the control that the search below can find it:
    // the same search over a file holding the plaintext does).
    const probe = join(dir, 'probe.bin');
    writeFileSync(probe, Buffer.concat([Buffer.from('x'), plains[0]!]));
    const windows = plains.map((p) => p.subarray(1000, 1064));
    const hits = (files: string[]) => files.filter((f) => statSync(f).size > 0 && windows.some((w) => readFileSync(f).includes(w)));
    expect(hits([probe])).toEqual([probe]);
    rmSync(probe);
    // Every file under the hub's storage (objects and tus staging).
    const hubFiles = filesUnder(hub.dir);
    expect(hubFiles.length).toBeGreaterThanOrEqual(rows.length);
    expect(hits(hubFiles)).toEqual([]);
    // Every row of every table, as text (bytea as hex, jsonb as text).
    const tables = (await hub.db.pool.query<{ t: string }>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")).rows.map((r) => r.t);
    expect(tables).toContain('media_objects');
    let dump = '';
    for (const t of tables) dump += (await hub.db.pool.query<{ d: string | null }>(`SELECT string_agg(x::text, E'\\n') AS d FROM "${t}" x`)).rows[0]!.d ?? '';
    expect(dump).toContain(rows[0]!.sha256);
    for (const p of plains) {
      const w = p.subarray(999, 1062);
      expect(dump.includes(w.toString('hex'))).toBe(false);
      expect(dump.includes(p.subarray(0, 63).toString('base64'))).toBe(false);
      expect(dump.includes(w.toString('latin1'))).toBe(false);
    }
  });

  it('GET /v1/media opens a chunk with HR’s key to the recorded plaintext; without the key, or with a changed byte, it is refused and nothing served', async () => {
    const r = chunkRows(kiosk, sessionId)[1]!;
    const key = keyOf(r);
    const get = (h: TestHub, kioskId: string, q = '') => fetch(`${h.url}/v1/media/${kioskId}/${key}${q}`, { headers: { authorization: `Bearer ${h.adminToken}` } });
    const ok = await get(hub, cred.kioskId);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-content-sha256')).toBe(r.sha256);
    expect(Buffer.from(await ok.arrayBuffer()).equals(plainOf(kiosk, r))).toBe(true);
    const sealed = await get(hub, cred.kioskId, '?form=sealed');
    expect(Buffer.from(await sealed.arrayBuffer()).equals(storedBytes(dir, r))).toBe(true);
    // The same kiosk synced to a hub without HR's key: the media arrives, but is not opened.
    const code = await bare.api('POST', '/v1/enrolment-codes', bare.adminToken, {});
    const bareCred = await enrolKiosk(bare.url, String(code.json.code), 'sealed-media-bare');
    kiosk.db.exec('UPDATE outbox SET confirmed_at = NULL; DELETE FROM sync_cursor; DELETE FROM sync_uploads');
    await drain(new SyncEngine({ db: kiosk.db, hub: new HubClient(bareCred), sealer: kiosk.chunkSealer }));
    const refused = await get(bare, bareCred.kioskId);
    expect(refused.status).toBe(409);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('HR_KEY_MISSING');
    expect(body.error.message).toMatch(/HR private key/);
    // A byte changed in object storage (in the ciphertext): the tag fails, nothing is served.
    const file = await objectFile(hub, cred.kioskId, key);
    const before = readFileSync(file);
    const changed = Buffer.from(before);
    changed[before.length - 5]! ^= 0x01;
    writeFileSync(file, changed);
    try {
      const bad = await get(hub, cred.kioskId);
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('MEDIA_INVALID');
    } finally {
      writeFileSync(file, before);
    }
    expect((await get(hub, cred.kioskId)).status).toBe(200);
    // Someone with the key substitutes another validly sealed chunk and rewrites the item and the
    // object row to match: the item no longer agrees with its chunk_committed event in the
    // verified journal, so it is still refused.
    const item = (await hub.db.pool.query<{ body: Record<string, unknown> }>('SELECT body FROM items WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, key])).rows[0]!.body;
    const dataKey = unwrapForHr(Buffer.from((item.sessionKey as { hrWrapped: string }).hrWrapped, 'base64'), HR, sessionId)!;
    const forged = Buffer.from('forged '.repeat(500));
    const forgedSealed = sealMessage(dataKey, forged, Buffer.from(String(item.identity), 'utf8'));
    const forgedBody = { ...item, size: forged.length, sha256: sha(forged), sealedSize: forgedSealed.length, sealedSha256: sha(forgedSealed) };
    writeFileSync(file, forgedSealed);
    await hub.db.pool.query('UPDATE media_objects SET size=$3, sha256=$4 WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, key, forgedSealed.length, sha(forgedSealed)]);
    await hub.db.pool.query('UPDATE items SET body=$3 WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, key, JSON.stringify(forgedBody)]);
    try {
      const subst = await get(hub, cred.kioskId);
      expect(subst.status).toBe(422);
      const text = await subst.text();
      expect(text).toMatch(/chunk_committed/);
      expect(text).not.toContain('forged');
    } finally {
      writeFileSync(file, before);
      await hub.db.pool.query('UPDATE media_objects SET size=$3, sha256=$4 WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, key, before.length, sha(before)]);
      await hub.db.pool.query('UPDATE items SET body=$3 WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, key, JSON.stringify(item)]);
    }
    expect((await get(hub, cred.kioskId)).status).toBe(200);
  });

  it('an upload changed in transit is refused on arrival (sealed sha256); the kiosk retries and the hub ends byte-equal', async () => {
    const k2dir = mkdtempSync(join(tmpdir(), 'sealed-media-tamper-'));
    const k2 = openSyncKiosk(k2dir, { hrPublicKey: HR.publicKey });
    try {
      const s2 = await k2.interview(1, 3000);
      const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
      const c2 = await enrolKiosk(hub.url, String(code.json.code), 'sealed-media-tamper');
      const client = new HubClient(c2);
      const real = client.upload.bind(client);
      let flipped = 0;
      const refusals: string[] = [];
      // The first upload has one byte flipped on the way (as a faulty link or proxy would).
      client.upload = async (data, meta, url, onUrl, onChunk) => {
        const sent = flipped === 0 ? Buffer.from(data) : data;
        if (flipped === 0) sent[sent.length - 1]! ^= 0x80;
        flipped++;
        try {
          await real(sent, meta, url, onUrl, onChunk);
        } catch (err) {
          refusals.push((err as { code?: string }).code ?? String(err));
          throw err;
        }
      };
      const engine = new SyncEngine({ db: k2.db, hub: client, sealer: k2.chunkSealer });
      expect(await engine.tick()).toBe('failed');
      expect(refusals).toEqual(['MEDIA_HASH_MISMATCH']);
      const first = chunkRows(k2, s2)[0]!;
      expect((await hub.db.pool.query('SELECT 1 FROM media_objects WHERE kiosk_id=$1 AND idem_key=$2', [c2.kioskId, keyOf(first)])).rows.length).toBe(0);
      await drain(engine);
      for (const r of chunkRows(k2, s2)) expect(readFileSync(await objectFile(hub, c2.kioskId, keyOf(r))).equals(storedBytes(k2dir, r))).toBe(true);
    } finally {
      k2.db.close();
      rmSync(k2dir, { recursive: true, force: true });
    }
  });

  it('an upload interrupted mid-way resumes at the hub’s offset and still ends byte-equal to the kiosk’s sealed bytes', async () => {
    const k3dir = mkdtempSync(join(tmpdir(), 'sealed-media-resume-'));
    const k3 = openSyncKiosk(k3dir, { hrPublicKey: HR.publicKey });
    try {
      const s3 = await k3.interview(1, 600 * 1024);
      const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
      const c3 = await enrolKiosk(hub.url, String(code.json.code), 'sealed-media-resume');
      const r = chunkRows(k3, s3)[0]!;
      const m = mediaForOutbox(k3.db, s3, { questionIndex: r.question_index, attempt: r.attempt, segment: r.segment, seq: r.seq }, k3.chunkSealer);
      if (typeof m === 'string') throw new Error(m);
      // The kiosk started this upload and died after 100 KiB: the hub holds that much, the URL is kept.
      const tokBody = '{}';
      const tokRes = await fetch(`${hub.url}/v1/kiosk/upload-token`, { method: 'POST', headers: { ...signedHeaders(c3, 'POST', '/v1/kiosk/upload-token', tokBody, Date.now()), 'content-type': 'application/json' }, body: tokBody });
      const tok = ((await tokRes.json()) as { token: string }).token;
      const meta = { key: keyOf(r), sha256: m.meta.sealedSha256, format: 'IKS1', identity: m.meta.identity };
      const encoded = Object.entries(meta).map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`).join(',');
      const created = await fetch(`${hub.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'tus-resumable': '1.0.0', 'upload-length': String(m.data.length), 'upload-metadata': encoded } });
      expect(created.status).toBe(201);
      const url = new URL(created.headers.get('location')!, hub.url).toString();
      const part = await fetch(url, { method: 'PATCH', headers: { authorization: `Bearer ${tok}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: new Uint8Array(m.data.subarray(0, 100 * 1024)) });
      expect(part.status).toBe(204);
      setUploadUrl(k3.db, keyOf(r), url);
      const resumed: string[] = [];
      await drain(new SyncEngine({ db: k3.db, hub: new HubClient(c3), sealer: k3.chunkSealer, onUploadResumed: (k) => resumed.push(k) }));
      expect(resumed).toContain(keyOf(r));
      const onHub = readFileSync(await objectFile(hub, c3.kioskId, keyOf(r)));
      expect(onHub.length).toBe(r.stored_size);
      expect(onHub.equals(storedBytes(k3dir, r))).toBe(true);
      // And it opens, with HR's key, to what was recorded.
      const got = await fetch(`${hub.url}/v1/media/${c3.kioskId}/${keyOf(r)}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
      expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(r.sha256);
    } finally {
      k3.db.close();
      rmSync(k3dir, { recursive: true, force: true });
    }
  });
});
