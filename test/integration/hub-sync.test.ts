/**
 * The hub's ingest and the kiosk's sync against a real hub (embedded PostgreSQL by default,
 * HUB_TEST_DATABASE_URL for a real server): enrolment and request signatures (replay, forgery,
 * skew), journal continuity (gap, fork, bad hash), exactly-once items, tus uploads verified by
 * hash and resumed at their offset, the S3 store against s3rver on loopback, and a kiosk running
 * real interviews while syncing.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubClient, enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { isSessionHubConfirmed } from '../../main/db/queries/outbox';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';
import { openSyncKiosk } from '../support/sync-kiosk';

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
const GENESIS = '0'.repeat(64);

/** An event chain written here from the documented formula (not the kiosk's or the hub's code). */
function chain(sessionId: string, n: number): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  let prev = GENESIS;
  for (let seq = 1; seq <= n; seq++) {
    const payload = JSON.stringify({ i: seq });
    const at = 1_700_000_000_000 + seq;
    const hash = sha(`${prev}\n${sessionId}\n${seq}\ntest\n${at}\n${payload}`);
    out.push({ sessionId, seq, type: 'test', at, payload, prevHash: prev, hash });
    prev = hash;
  }
  return out;
}

/**
 * Transport tests send bytes shaped like a sealed chunk ("IKS1" + salt + tag + ciphertext; the hub
 * takes nothing else) under a real chunk key; opening them is hub-sealed-media.test.ts's part.
 */
const sealedLike = (n: number) => Buffer.concat([Buffer.from('IKS1', 'latin1'), randomBytes(n)]);
const mkey = (session: string, seq: number) => `media:${session}:0:0:0:${seq}`;
const identityOf = (key: string) => `media-chunk:v1:${key.slice('media:'.length)}`;
const uploadMeta = (key: string, data: Buffer, sha256 = sha(data)) => ({ key, sha256, format: 'IKS1', identity: identityOf(key) });
function mediaItem(key: string, data: Buffer) {
  const [, sessionId, q, a, seg, seq] = key.split(':');
  return {
    key,
    kind: 'media_chunk',
    body: { sessionId, questionIndex: Number(q), attempt: Number(a), segment: Number(seg), seq: Number(seq), size: data.length - 52, sha256: sha('plain'), format: 'IKS1', identity: identityOf(key), sealedSize: data.length, sealedSha256: sha(data), sessionKey: null },
  };
}
const tusMeta = (key: string, data: Buffer) =>
  Object.entries(uploadMeta(key, data))
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');

async function signedPost(hub: TestHub, cred: KioskCredential, path: string, body: unknown, headers?: Record<string, string>) {
  const text = JSON.stringify(body);
  const h = headers ?? signedHeaders(cred, 'POST', path, text, Date.now());
  const res = await fetch(`${hub.url}${path}`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: text });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: h };
}

async function enrol(hub: TestHub, name: string): Promise<KioskCredential> {
  const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
  expect(code.status).toBe(201);
  return enrolKiosk(hub.url, String(code.json.code), name);
}

describe(`hub ingest and kiosk sync (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('an enrolment code works once; signed requests are checked for forgery, replay and clock skew', async () => {
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    const cred = await enrolKiosk(hub.url, String(code.json.code), 'k1');
    await expect(enrolKiosk(hub.url, String(code.json.code), 'k2')).rejects.toMatchObject({ code: 'ENROLMENT_CODE_INVALID' });
    const body = { items: [{ key: 'ns:1', kind: 'no_show', body: { inviteCode: 'X-1' } }] };
    const first = await signedPost(hub, cred, '/v1/kiosk/items', body);
    expect(first.status).toBe(200);
    const replay = await signedPost(hub, cred, '/v1/kiosk/items', body, first.headers);
    expect(replay).toMatchObject({ status: 401, json: { error: { code: 'REPLAY' } } });
    // The same headers over a different body: the signature no longer verifies.
    const tampered = await signedPost(hub, cred, '/v1/kiosk/items', { items: [{ key: 'ns:2', kind: 'no_show', body: {} }] }, { ...first.headers, 'x-kiosk-nonce': 'aaaaaaaaaaaaaaaaaaaa' });
    expect(tampered).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_INVALID' } } });
    const old = signedHeaders(cred, 'POST', '/v1/kiosk/items', JSON.stringify(body), Date.now() - 10 * 60_000);
    expect(await signedPost(hub, cred, '/v1/kiosk/items', body, old)).toMatchObject({ status: 401, json: { error: { code: 'TIMESTAMP_SKEW' } } });
    const other = await enrol(hub, 'k3');
    const forged = signedHeaders({ ...other, kioskId: cred.kioskId }, 'POST', '/v1/kiosk/items', JSON.stringify(body), Date.now());
    expect(await signedPost(hub, cred, '/v1/kiosk/items', body, forged)).toMatchObject({ status: 401, json: { error: { code: 'SIGNATURE_INVALID' } } });
    const rows = await hub.db.pool.query("SELECT count(*)::int AS n FROM items WHERE kiosk_id = $1 AND kind = 'no_show'", [cred.kioskId]);
    expect(rows.rows[0].n).toBe(1);
  });

  it('journal events: stored once, a gap is flagged and resolved when filled, a fork and a bad hash are flagged', async () => {
    const cred = await enrol(hub, 'chain');
    const client = new HubClient(cred);
    const ev = chain('S1', 4);
    const item = (e: Record<string, unknown>) => ({ key: `ev:S1:${String(e.seq)}`, kind: 'journal_event', body: e });
    expect((await client.sendItems([item(ev[0]!), item(ev[2]!)])).map((r) => r.status)).toEqual(['stored', 'stored']);
    const flags = async () => (await hub.db.pool.query('SELECT seq, kind, resolved_at IS NOT NULL AS resolved FROM chain_flags WHERE kiosk_id=$1 ORDER BY id', [cred.kioskId])).rows;
    expect(await flags()).toEqual([{ seq: 3, kind: 'gap', resolved: false }]);
    expect((await client.sendItems([item(ev[1]!), item(ev[1]!), item(ev[3]!)])).map((r) => r.status)).toEqual(['stored', 'duplicate', 'stored']);
    expect(await flags()).toEqual([{ seq: 3, kind: 'gap', resolved: true }]);
    // A different event 3 under a new key: a fork. The same key with another body: a conflict.
    const forkChain = chain('S1', 2);
    const fork: Record<string, unknown> = { ...forkChain[1]!, seq: 3, payload: 'x' };
    const forkHash = sha(`${String(fork.prevHash)}\nS1\n3\ntest\n${String(fork.at)}\nx`);
    const r1 = await client.sendItems([{ key: 'ev:S1:3b', kind: 'journal_event', body: { ...fork, hash: forkHash } }]);
    expect(r1[0]).toMatchObject({ status: 'conflict', code: 'CHAIN_FORK' });
    const r2 = await client.sendItems([{ key: 'ev:S1:4', kind: 'journal_event', body: { ...ev[3]!, payload: '{"i":5}' } }]);
    expect(r2[0]).toMatchObject({ status: 'conflict' });
    const r3 = await client.sendItems([{ key: 'ev:S2:1', kind: 'journal_event', body: { ...chain('S2', 1)[0]!, hash: 'f'.repeat(64) } }]);
    expect(r3[0]).toMatchObject({ status: 'rejected', code: 'BAD_EVENT_HASH' });
    expect((await flags()).map((f) => f.kind)).toEqual(['gap', 'fork', 'fork', 'bad_hash']);
    const stored = await hub.db.pool.query('SELECT count(*)::int AS n FROM journal_events WHERE kiosk_id=$1', [cred.kioskId]);
    expect(stored.rows[0].n).toBe(4);
  });

  it('media: a hash mismatch is refused; an upload stopped mid-way resumes at the hub offset; the item needs the verified object', async () => {
    const cred = await enrol(hub, 'media');
    const client = new HubClient(cred);
    const data = sealedLike(600 * 1024);
    const bad = mkey('S', 1);
    await expect(client.upload(data, uploadMeta(bad, data, sha('other')), null, () => undefined)).rejects.toMatchObject({ code: 'MEDIA_HASH_MISMATCH' });
    expect((await client.sendItems([mediaItem(bad, data)]))[0]).toMatchObject({ status: 'rejected', code: 'MEDIA_NOT_UPLOADED' });
    // Start an upload by hand and send only the first 100 KiB, as if the kiosk died there.
    const ok = mkey('S', 2);
    const tok = (await signedPost(hub, cred, '/v1/kiosk/upload-token', {})).json.token as string;
    const created = await fetch(`${hub.url}/v1/uploads`, { method: 'POST', headers: { authorization: `Bearer ${tok}`, 'tus-resumable': '1.0.0', 'upload-length': String(data.length), 'upload-metadata': tusMeta(ok, data) } });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, hub.url).toString();
    const part = await fetch(url, { method: 'PATCH', headers: { authorization: `Bearer ${tok}`, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: data.subarray(0, 100 * 1024) });
    expect(part.status).toBe(204);
    // The hub now holds 100 KiB; the client resumes there (tus asks the offset with HEAD).
    const head = await fetch(url, { method: 'HEAD', headers: { authorization: `Bearer ${tok}`, 'tus-resumable': '1.0.0' } });
    expect(head.headers.get('upload-offset')).toBe(String(100 * 1024));
    const offsets: number[] = [];
    await client.upload(data, uploadMeta(ok, data), url, () => undefined, (sent) => offsets.push(sent));
    expect(offsets[0]).toBeGreaterThan(100 * 1024);
    const obj = await hub.db.pool.query('SELECT size, sha256 FROM media_objects WHERE kiosk_id=$1 AND idem_key=$2', [cred.kioskId, ok]);
    expect(obj.rows).toEqual([{ size: String(data.length), sha256: sha(data) }]);
    // The item must name the chunk its key names, and the sealed object's sha256.
    const wrongIdentity = mediaItem(ok, data);
    expect((await client.sendItems([{ ...wrongIdentity, body: { ...wrongIdentity.body, seq: 3 } }]))[0]).toMatchObject({ status: 'rejected', code: 'MEDIA_IDENTITY_MISMATCH' });
    expect((await client.sendItems([{ ...wrongIdentity, body: { ...wrongIdentity.body, sealedSha256: sha('x') } }]))[0]).toMatchObject({ status: 'rejected', code: 'MEDIA_HASH_MISMATCH' });
    expect((await client.sendItems([{ ...wrongIdentity, body: { ...wrongIdentity.body, format: 'plain' } }]))[0]).toMatchObject({ status: 'rejected', code: 'MEDIA_NOT_SEALED' });
    expect((await client.sendItems([mediaItem(ok, data)]))[0]).toMatchObject({ status: 'stored' });
    // As it rests: the sealed bytes, byte for byte.
    const got = await fetch(`${hub.url}/v1/media/${cred.kioskId}/${ok}?form=sealed`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    expect(Buffer.from(await got.arrayBuffer()).equals(data)).toBe(true);
  });

  it('plaintext media is refused: an upload not declared sealed, or whose bytes are not a sealed chunk', async () => {
    const cred = await enrol(hub, 'plain');
    const client = new HubClient(cred);
    const plain = randomBytes(4096);
    await expect(client.upload(plain, { key: mkey('P', 1), sha256: sha(plain) }, null, () => undefined)).rejects.toMatchObject({ code: 'MEDIA_NOT_SEALED', status: 415 });
    await expect(client.upload(plain, uploadMeta(mkey('P', 2), plain), null, () => undefined)).rejects.toMatchObject({ code: 'MEDIA_NOT_SEALED', status: 415 });
    const moved = sealedLike(100);
    await expect(client.upload(moved, { ...uploadMeta(mkey('P', 3), moved), identity: identityOf(mkey('P', 4)) }, null, () => undefined)).rejects.toMatchObject({ code: 'UPLOAD_FAILED', status: 400 });
    const n = await hub.db.pool.query('SELECT count(*)::int AS n FROM media_objects WHERE kiosk_id=$1', [cred.kioskId]);
    expect(n.rows[0].n).toBe(0);
  });

  it('an upload belongs to the kiosk whose token created it: a forged identity header is ignored and another kiosk is refused', async () => {
    const a = await enrol(hub, 'owner');
    const b = await enrol(hub, 'intruder');
    const tokA = (await signedPost(hub, a, '/v1/kiosk/upload-token', {})).json.token as string;
    const tokB = (await signedPost(hub, b, '/v1/kiosk/upload-token', {})).json.token as string;
    const data = sealedLike(1000);
    const meta = tusMeta(mkey('spoof', 1), data);
    const tus = { 'tus-resumable': '1.0.0' };
    // B creates an upload claiming, in the hub's internal header, to be A: it is recorded as B's.
    const created = await fetch(`${hub.url}/v1/uploads`, {
      method: 'POST',
      headers: { ...tus, authorization: `Bearer ${tokB}`, 'x-hub-authenticated-kiosk': a.kioskId, 'upload-length': String(data.length), 'upload-metadata': meta },
    });
    expect(created.status).toBe(201);
    const bUrl = new URL(created.headers.get('location')!, hub.url).toString();
    const done = await fetch(bUrl, { method: 'PATCH', headers: { ...tus, authorization: `Bearer ${tokB}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: data });
    expect(done.status).toBe(204);
    const owners = await hub.db.pool.query<{ kiosk_id: string }>('SELECT kiosk_id FROM media_objects WHERE idem_key=$1', [mkey('spoof', 1)]);
    expect(owners.rows).toEqual([{ kiosk_id: b.kioskId }]);
    // A's own upload: B may neither read its offset nor write to it, even with the forged header.
    const aUp = await fetch(`${hub.url}/v1/uploads`, { method: 'POST', headers: { ...tus, authorization: `Bearer ${tokA}`, 'upload-length': String(data.length), 'upload-metadata': meta } });
    const aUrl = new URL(aUp.headers.get('location')!, hub.url).toString();
    const forgeries: Array<Record<string, string>> = [{}, { 'x-hub-authenticated-kiosk': a.kioskId }];
    for (const forged of forgeries) {
      const head = await fetch(aUrl, { method: 'HEAD', headers: { ...tus, ...forged, authorization: `Bearer ${tokB}` } });
      expect(head.status).toBe(403);
      const patch = await fetch(aUrl, { method: 'PATCH', headers: { ...tus, ...forged, authorization: `Bearer ${tokB}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: data });
      expect(patch.status).toBe(403);
    }
    const head = await fetch(aUrl, { method: 'HEAD', headers: { ...tus, authorization: `Bearer ${tokA}` } });
    expect(head.status).toBe(200);
    expect(head.headers.get('upload-offset')).toBe('0');
  });

  it('a kiosk running real interviews syncs everything once; the hub-confirmed hook fires per session; offline never throws', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-kiosk-'));
    try {
      const kiosk = openSyncKiosk(dir);
      // Offline first: an unreachable hub is a backoff, not an error for the interview.
      const offline = new SyncEngine({ db: kiosk.db, hub: new HubClient({ hubUrl: 'http://127.0.0.1:9', kioskId: 'k_none', privateKey: (await enrol(hub, 'tmp')).privateKey }) });
      const s1 = await kiosk.interview(3, 4096);
      expect(await offline.tick()).toBe('failed');
      expect(offline.state()).toMatchObject({ phase: 'backing_off', lastError: 'HUB_UNREACHABLE', consecutiveFailures: 1 });
      const s2 = await kiosk.interview(2, 2048);
      const cred = await enrol(hub, 'interviews');
      const confirmed: string[] = [];
      const engine = new SyncEngine({ db: kiosk.db, hub: new HubClient(cred), sealer: kiosk.chunkSealer, batchSize: 25, onHubConfirmed: (ids) => confirmed.push(...ids) });
      for (let i = 0; i < 100 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
      expect(engine.state()).toMatchObject({ pending: 0, phase: 'idle' });
      expect(new Set(confirmed)).toEqual(new Set([s1, s2]));
      expect(isSessionHubConfirmed(kiosk.db, s1)).toBe(true);
      // What the kiosk holds, read straight from its tables, is on the hub exactly once.
      const kJournal = kiosk.db.prepare('SELECT session_id, seq, hash FROM journal ORDER BY session_id, seq').all() as Array<{ session_id: string; seq: number; hash: string }>;
      const hJournal = (await hub.db.pool.query('SELECT session_id, seq, hash FROM journal_events WHERE kiosk_id=$1 ORDER BY session_id, seq', [cred.kioskId])).rows;
      expect(hJournal).toEqual(kJournal);
      // Media as stored on the kiosk (sealed): the hub's objects hash to the kiosk's stored bytes,
      // and the items name the plaintext's sha256 the kiosk recorded.
      const kRows = kiosk.db.prepare('SELECT session_id, question_index, attempt, segment, seq, sha256, file, file_offset, stored_size FROM media_chunks').all() as Array<{
        session_id: string; question_index: number; attempt: number; segment: number; seq: number; sha256: string; file: string; file_offset: number; stored_size: number;
      }>;
      const kMedia = kRows
        .map((r) => {
          const stored = readFileSync(join(dir, 'media', r.file)).subarray(r.file_offset, r.file_offset + r.stored_size);
          return { key: `media:${r.session_id}:${r.question_index}:${r.attempt}:${r.segment}:${r.seq}`, sha256: sha(stored), sealed: stored.subarray(0, 4).toString('latin1') === 'IKS1', plain: r.sha256 };
        })
        .sort((x, y) => x.key.localeCompare(y.key));
      expect(kMedia.every((m) => m.sealed)).toBe(true);
      const hMedia = (await hub.db.pool.query("SELECT o.idem_key AS key, o.sha256, i.body->>'sha256' AS plain FROM media_objects o JOIN items i USING (kiosk_id, idem_key) WHERE o.kiosk_id=$1", [cred.kioskId])).rows;
      expect(hMedia.sort((x: { key: string }, y: { key: string }) => x.key.localeCompare(y.key))).toEqual(kMedia.map(({ key, sha256, plain }) => ({ key, sha256, plain })));
      expect(kMedia.length).toBe(3 * 2 + 2 * 2);
      const flags = await hub.db.pool.query('SELECT count(*)::int AS n FROM chain_flags WHERE kiosk_id=$1', [cred.kioskId]);
      expect(flags.rows[0].n).toBe(0);
      const states = (await hub.db.pool.query('SELECT session_id, state FROM hub_sessions WHERE kiosk_id=$1', [cred.kioskId])).rows;
      expect(states.every((s: { state: string }) => s.state === 'completed')).toBe(true);
      // Everything again (as after a lost acknowledgement): all duplicates, nothing stored twice.
      kiosk.db.exec('UPDATE outbox SET confirmed_at = NULL');
      kiosk.db.exec('DELETE FROM sync_cursor');
      for (let i = 0; i < 100 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
      const items = await hub.db.pool.query('SELECT count(*)::int AS n FROM items WHERE kiosk_id=$1', [cred.kioskId]);
      // One hub item per outbox row, journal event, media chunk and pre-check/reschedule event.
      const owed = kiosk.db
        .prepare(
          `SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM journal) + (SELECT count(*) FROM media_chunks)
                + (SELECT count(*) FROM journal WHERE type IN ('precheck_recorded', 'reschedule_requested')) AS n`,
        )
        .get() as { n: number };
      expect(items.rows[0].n).toBe(owed.n);
      kiosk.db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hub media on S3 (s3rver on loopback)', () => {
  let hub: TestHub;
  let s3: { close(): Promise<void> };
  let s3dir: string;
  beforeAll(async () => {
    s3dir = mkdtempSync(join(tmpdir(), 's3rver-'));
    const { default: S3rver } = await import('s3rver');
    const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3dir, configureBuckets: [{ name: 'hub-media' }] });
    const addr = await server.run();
    s3 = server;
    hub = await startTestHub({ s3: { bucket: 'hub-media', endpoint: `http://127.0.0.1:${addr.port}`, region: 'us-east-1', accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', forcePathStyle: true } });
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
    await s3?.close();
    rmSync(s3dir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  it('a tus upload lands in the bucket, is verified by hash and reads back byte for byte', async () => {
    const cred = await enrol(hub, 's3');
    const client = new HubClient(cred);
    const data = sealedLike(300 * 1024);
    await client.upload(data, uploadMeta(mkey('s3', 1), data), null, () => undefined);
    expect((await client.sendItems([mediaItem(mkey('s3', 1), data)]))[0]).toMatchObject({ status: 'stored' });
    const got = await fetch(`${hub.url}/v1/media/${cred.kioskId}/${mkey('s3', 1)}?form=sealed`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
    expect(got.status).toBe(200);
    expect(sha(Buffer.from(await got.arrayBuffer()))).toBe(sha(data));
    await expect(client.upload(data, uploadMeta(mkey('s3', 2), data, sha('x')), null, () => undefined)).rejects.toMatchObject({ code: 'MEDIA_HASH_MISMATCH' });
  });
});
