/**
 * The sync engine against a scripted hub (no network): a failing media upload ends the batch but
 * the items before it still go and are confirmed (on a lossy link a batch that needs every upload
 * to succeed at once would rarely progress), order is kept, and the next pass finishes the rest.
 */
import { hash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubCallError, type HubClient, type HubItem, type HubItemResult } from '../../../../main/services/sync/hub-client';
import { MAX_BATCH_BYTES, SyncEngine } from '../../../../main/services/sync/sync-engine';
import { eraseSession } from '../../../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../../../main/services/storage/crypto/session-keyring';
import { generateHrKeyPair } from '../../../../main/services/storage/crypto/hr-wrap';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { silentLogger } from '../../../../main/common/logger';
import { MemoryKeyProtector } from '../../../../main/services/packs/key-protector';
import { openSyncKiosk, type SyncKiosk } from '../../../support/sync-kiosk';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scriptedHub(failUploadNumber: number) {
  const received: HubItem[] = [];
  let uploads = 0;
  const hub = {
    sendItems: (items: readonly HubItem[]): Promise<HubItemResult[]> => {
      received.push(...items);
      return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
    },
    upload: (_d: Buffer, _m: unknown, _r: string | null, onUrl: (u: string) => void): Promise<void> => {
      uploads += 1;
      onUrl(`http://hub.invalid/v1/uploads/u${uploads}`);
      return uploads === failUploadNumber ? Promise.reject(new HubCallError('UPLOAD_FAILED', 'dropped')) : Promise.resolve();
    },
  };
  return { hub: hub as unknown as HubClient, received };
}

/**
 * What the kiosk owes, spelled out straight from its tables (not through the code under test): the
 * outbox rows in id order, then each session's journal in seq order — a chunk's media key before
 * its event, a pre-check's run item after it.
 */
function owedKeys(db: SyncKiosk['db']): { keys: string[]; rows: number; events: Array<{ session_id: string; seq: number; type: string; payload: string }> } {
  const rows = (db.prepare('SELECT idem_key FROM outbox ORDER BY id').all() as Array<{ idem_key: string }>).map((r) => r.idem_key);
  const events = db.prepare('SELECT session_id, seq, type, payload FROM journal ORDER BY session_id, seq').all() as Array<{ session_id: string; seq: number; type: string; payload: string }>;
  const keys = [...rows];
  for (const e of events) {
    if (e.type === 'chunk_committed') {
      const p = JSON.parse(e.payload) as { questionIndex: number; attempt: number; segment: number; seq: number };
      keys.push(`media:${e.session_id}:${p.questionIndex}:${p.attempt}:${p.segment}:${p.seq}`);
    }
    keys.push(`ev:${e.session_id}:${e.seq}`);
    if (e.type === 'precheck_recorded') keys.push(`precheck_run:${e.session_id}:${e.seq}`);
    if (e.type === 'reschedule_requested') keys.push(`reschedule_request:${e.session_id}:${e.seq}`);
  }
  return { keys, rows: rows.length, events };
}

describe('SyncEngine batches', () => {
  it('sends and confirms the items before a failed upload, keeps the rest in order, and finishes on the next pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(2, 1024);
    const owed = owedKeys(kiosk.db);
    const mediaKeys = owed.keys.filter((k) => k.startsWith('media:'));
    expect(mediaKeys.length).toBeGreaterThanOrEqual(2);
    const secondMediaIndex = owed.keys.indexOf(mediaKeys[1]!);
    const secondChunkEvent = owed.events.filter((e) => e.type === 'chunk_committed')[1]!;
    const eventsBefore = owed.events.indexOf(secondChunkEvent);

    const { hub, received } = scriptedHub(2);
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    expect(await engine.tick()).toBe('failed');
    expect(received.map((i) => i.key)).toEqual(owed.keys.slice(0, secondMediaIndex));
    // Counts are outbox rows plus journal events (an event counts once, whatever it implies).
    expect(engine.state()).toMatchObject({ confirmed: owed.rows + eventsBefore, pending: owed.events.length - eventsBefore, lastError: 'UPLOAD_FAILED', phase: 'backing_off' });
    // The failed upload's URL is kept, so the next pass continues it (counted once as resumed).
    expect(await engine.tick()).toBe('idle');
    expect(received.map((i) => i.key)).toEqual(owed.keys);
    expect(engine.state()).toMatchObject({ confirmed: owed.rows + owed.events.length, pending: 0, resumedUploads: 1, consecutiveFailures: 0 });
    expect(kiosk.db.prepare('SELECT count(*) AS n FROM sync_uploads').get()).toEqual({ n: 0 });
    kiosk.db.close();
  });

  it('the chunk path writes nothing for sync: no outbox row, cursor or upload row per chunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(1, 512);
    const count = () => (kiosk.db.prepare('SELECT (SELECT count(*) FROM outbox) + (SELECT count(*) FROM sync_cursor) + (SELECT count(*) FROM sync_uploads) AS n').get() as { n: number }).n;
    const chunks = () => (kiosk.db.prepare('SELECT count(*) AS n FROM media_chunks').get() as { n: number }).n;
    const before = { sync: count(), chunks: chunks() };
    await kiosk.interview(6, 512);
    // A second interview adds its session snapshots (one per state change) and its chunks, but
    // no sync row for any chunk or event.
    const states = (kiosk.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind = 'session'").get() as { n: number }).n;
    expect(chunks() - before.chunks).toBeGreaterThanOrEqual(6 * 2);
    expect(count() - before.sync).toBeLessThanOrEqual(states);
    expect(kiosk.db.prepare("SELECT count(*) AS n FROM outbox WHERE kind <> 'session'").get()).toEqual({ n: 0 });
    kiosk.db.close();
  });

  it('a chunk recorded as damaged is not sent (its event is) and an unreadable one holds back its own session only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    const damagedSession = await kiosk.interview(1, 512);
    const brokenSession = await kiosk.interview(1, 512);
    const goodSession = await kiosk.interview(1, 512);
    const chunkOf = (sid: string) =>
      kiosk.db.prepare('SELECT session_id, question_index, attempt, segment, seq, file FROM media_chunks WHERE session_id = ? ORDER BY question_index, seq LIMIT 1').get(sid) as {
        session_id: string; question_index: number; attempt: number; segment: number; seq: number; file: string;
      };
    const d = chunkOf(damagedSession);
    kiosk.db.prepare("INSERT INTO media_damage (session_id, question_index, attempt, segment, seq, reason, detected_at) VALUES (?, ?, ?, ?, ?, 'missing', 1)").run(d.session_id, d.question_index, d.attempt, d.segment, d.seq);
    // The broken session's first chunk file disappears with no damage record (a disk fault after recovery).
    const b = chunkOf(brokenSession);
    rmSync(join(dir, 'media', b.file), { force: true });
    const owed = owedKeys(kiosk.db);
    const damagedKey = `media:${d.session_id}:${d.question_index}:${d.attempt}:${d.segment}:${d.seq}`;

    const { hub, received } = scriptedHub(0);
    const confirmedSessions: string[] = [];
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000, onHubConfirmed: (ids) => confirmedSessions.push(...ids) });
    await engine.tick();
    const got = new Set(received.map((i) => i.key));
    expect(got.has(damagedKey)).toBe(false);
    for (const k of owed.keys) {
      if (k === damagedKey) continue;
      const sid = k.split(':')[1];
      if (sid === brokenSession) continue;
      expect(got.has(k)).toBe(true);
    }
    expect([...got].some((k) => k.startsWith(`ev:${brokenSession}:`))).toBe(true); // its events before the unreadable chunk
    expect(confirmedSessions).toEqual(expect.arrayContaining([damagedSession, goodSession]));
    expect(confirmedSessions).not.toContain(brokenSession);
    expect(engine.state()).toMatchObject({ lastError: 'MEDIA_CORRUPT' });
    // It stays held on the next passes, and the cursor never moves over the unreadable chunk's event.
    expect(await engine.tick()).toBe('failed');
    const cursor = kiosk.db.prepare('SELECT confirmed_seq, attempts, last_error FROM sync_cursor WHERE session_id = ?').get(brokenSession) as { confirmed_seq: number; attempts: number; last_error: string };
    const brokenEvent = owed.events.find((e) => e.session_id === brokenSession && e.type === 'chunk_committed')!;
    expect(cursor.confirmed_seq).toBe(brokenEvent.seq - 1);
    expect(cursor.last_error).toBe('MEDIA_CORRUPT');
    expect(cursor.attempts).toBeGreaterThanOrEqual(2);
    kiosk.db.close();
  });

  it('a session erased before it synced sends its events but no erased media, and its vanished records do not block the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    const erased = await kiosk.interview(1, 512);
    const kept = await kiosk.interview(1, 512);
    // A score recorded for the erased session before the erasure (its row is gone afterwards).
    kiosk.db.prepare(`INSERT INTO outbox (idem_key, kind, session_id, ref, created_at) VALUES (?, 'score', ?, ?, 1)`).run(`score:${erased}:0:0`, erased, JSON.stringify({ questionIndex: 0, attempt: 0 }));
    const keyring = new SessionKeyring({ db: kiosk.db, protector: new MemoryKeyProtector(), clock: { now: () => Date.now() }, logger: silentLogger });
    const r = eraseSession({ db: kiosk.db, keyring, journal: new SqliteJournal(kiosk.db), clock: { now: () => Date.now() }, logger: silentLogger, dataDir: dir }, erased, 'request');
    expect(r.ok).toBe(true);
    expect(kiosk.db.prepare('SELECT count(*) AS n FROM media_chunks WHERE session_id = ?').get(erased)).toEqual({ n: 0 });

    const { hub, received } = scriptedHub(0);
    const confirmedSessions: string[] = [];
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000, onHubConfirmed: (ids) => confirmedSessions.push(...ids) });
    for (let i = 0; i < 5 && engine.state().pending > 0; i++) await engine.tick();
    expect(engine.state()).toMatchObject({ pending: 0, lastError: null });
    const keys = received.map((i) => i.key);
    expect(keys.some((k) => k.startsWith(`media:${erased}:`))).toBe(false);
    expect(keys).not.toContain(`score:${erased}:0:0`);
    const erasedEvents = (kiosk.db.prepare('SELECT seq, type FROM journal WHERE session_id = ? ORDER BY seq').all(erased) as Array<{ seq: number; type: string }>);
    expect(erasedEvents.at(-1)?.type).toBe('deleted');
    for (const e of erasedEvents) expect(keys).toContain(`ev:${erased}:${e.seq}`);
    expect(keys.some((k) => k.startsWith(`media:${kept}:`))).toBe(true);
    expect(confirmedSessions).toEqual(expect.arrayContaining([erased, kept]));
    kiosk.db.close();
  });
});

describe('SyncEngine edges', () => {
  it('bounds a batch in bytes: scores carrying large review material go over several passes, none lost, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-bytes-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    const sessionId = await kiosk.interview(1, 100);
    const big = JSON.stringify({ pad: 'x'.repeat(600_000) });
    const put = kiosk.db.prepare(
      `INSERT INTO answer_scores (session_id, question_index, attempt, question_id, status, scorer_version, engine, model_sha256, total, band, result, computed_at)
       VALUES (?, ?, 0, 'q', 'scored', 't', 'rubric', NULL, 50, 'borderline', ?, 1)`,
    );
    for (let q = 10; q < 22; q++) put.run(sessionId, q, big);
    const batches: number[] = [];
    const { hub, received } = scriptedHub(0);
    const send = hub.sendItems.bind(hub);
    (hub as { sendItems: HubClient['sendItems'] }).sendItems = (items) => {
      batches.push(JSON.stringify(items).length);
      return send(items);
    };
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    const outcomes: string[] = [];
    for (let i = 0; i < 10 && engine.state().pending > 0; i++) outcomes.push(await engine.tick());
    expect(engine.state().pending).toBe(0);
    expect(batches.length).toBeGreaterThanOrEqual(2);
    for (const b of batches) expect(b).toBeLessThanOrEqual(MAX_BATCH_BYTES + 1000);
    expect(outcomes.slice(0, -1).every((o) => o === 'more')).toBe(true);
    const scoreKeys = received.filter((i) => i.kind === 'score').map((i) => i.key);
    expect(scoreKeys).toEqual(Array.from({ length: 12 }, (_, i) => `score:${sessionId}:${i + 10}:0`));
    kiosk.db.close();
  });

  it('says there is more while a full batch went out, and idle once the rest fit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(1, 256);
    const owed = owedKeys(kiosk.db);
    const total = owed.rows + owed.events.length;
    expect(total).toBeGreaterThan(8);
    const { hub, received } = scriptedHub(0);
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 4 });
    const outcomes: string[] = [];
    for (let i = 0; i < 50; i++) {
      const o = await engine.tick();
      outcomes.push(o);
      if (o !== 'more') break;
    }
    expect(outcomes.length).toBeGreaterThan(2);
    expect(outcomes.slice(0, -1).every((o) => o === 'more')).toBe(true);
    expect(outcomes.at(-1)).toBe('idle');
    expect(engine.state()).toMatchObject({ pending: 0 });
    expect(received.map((i) => i.key)).toEqual(owed.keys);
    kiosk.db.close();
  });

  it('a record that vanished without an erasure is named (RECORD_MISSING), not passed off as erased', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    const session = await kiosk.interview(1, 256);
    kiosk.db.prepare(`INSERT INTO outbox (idem_key, kind, session_id, ref, created_at) VALUES (?, 'score', ?, ?, 1)`).run(`score:${session}:9:0`, session, JSON.stringify({ questionIndex: 9, attempt: 0 }));
    const { hub, received } = scriptedHub(0);
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    await engine.tick();
    expect(engine.state().lastError).toBe('RECORD_MISSING');
    expect(received.map((i) => i.key)).not.toContain(`score:${session}:9:0`);
    kiosk.db.close();
  });

  it('when the hub says a chunk\'s media never arrived, the upload starts again from scratch', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(1, 256);
    const resumeUrls: Array<string | null> = [];
    let uploads = 0;
    let refused = false;
    const hub = {
      sendItems: (items: readonly HubItem[]): Promise<HubItemResult[]> =>
        Promise.resolve(
          items.map((i) => {
            if (!refused && i.kind === 'media_chunk') {
              refused = true;
              return { key: i.key, status: 'rejected' as const, code: 'MEDIA_NOT_UPLOADED' };
            }
            return { key: i.key, status: 'stored' as const };
          }),
        ),
      upload: (_d: Buffer, _m: unknown, r: string | null, onUrl: (u: string) => void): Promise<void> => {
        resumeUrls.push(r);
        uploads += 1;
        onUrl(`http://hub.invalid/v1/uploads/u${uploads}`);
        return Promise.resolve();
      },
    } as unknown as HubClient;
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    expect(await engine.tick()).toBe('failed');
    expect(engine.state().lastError).toBe('MEDIA_NOT_UPLOADED');
    const firstPass = resumeUrls.length;
    expect(await engine.tick()).toBe('idle');
    // The refused chunk's media is uploaded again with no URL to resume: a new upload.
    expect(resumeUrls[firstPass]).toBeNull();
    expect(engine.state()).toMatchObject({ pending: 0 });
    kiosk.db.close();
  });

  it('uploads each chunk exactly as stored (sealed), named by the sealed sha256, with the plaintext sha256 and identity in its metadata and item', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const hr = generateHrKeyPair();
    const kiosk = openSyncKiosk(dir, { hrPublicKey: hr.publicKey });
    const session = await kiosk.interview(2, 3000);
    const sent: Array<{ data: Buffer; meta: Record<string, string> }> = [];
    const received: HubItem[] = [];
    const hub = {
      sendItems: (items: readonly HubItem[]) => {
        received.push(...items);
        return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
      },
      upload: (d: Buffer, m: Record<string, string>) => {
        sent.push({ data: Buffer.from(d), meta: m });
        return Promise.resolve();
      },
    } as unknown as HubClient;
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    await engine.tick();
    const rows = kiosk.db.prepare('SELECT question_index, attempt, segment, seq, sha256, size, file, file_offset, stored_size FROM media_chunks WHERE session_id = ?').all(session) as Array<{
      question_index: number; attempt: number; segment: number; seq: number; sha256: string; size: number; file: string; file_offset: number; stored_size: number;
    }>;
    expect(rows.length).toBe(4);
    expect(sent.length).toBe(rows.length);
    const wrapped = (kiosk.db.prepare('SELECT hr_wrapped FROM session_keys WHERE session_id = ?').get(session) as { hr_wrapped: Buffer }).hr_wrapped;
    for (const r of rows) {
      const key = `media:${session}:${r.question_index}:${r.attempt}:${r.segment}:${r.seq}`;
      const stored = readFileSync(join(dir, 'media', r.file)).subarray(r.file_offset, r.file_offset + r.stored_size);
      const up = sent.find((u) => u.meta.key === key)!;
      expect(up.data.equals(stored)).toBe(true);
      expect(up.meta).toEqual({ key, sha256: hash('sha256', stored, 'hex'), format: 'IKS1', identity: `media-chunk:v1:${key.slice(6)}`, plainSha256: r.sha256, plainSize: String(r.size) });
      const item = received.find((i) => i.key === key)!;
      expect(item.body).toMatchObject({ sha256: r.sha256, size: r.size, sealedSha256: hash('sha256', stored, 'hex'), sealedSize: stored.length, format: 'IKS1', sessionKey: { hrWrapped: wrapped.toString('base64') } });
    }
    kiosk.db.close();
  });

  it('a chunk stored plain (a store that does not seal) is never uploaded: its session waits, named MEDIA_NOT_SEALED', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir, { plainMedia: true });
    const session = await kiosk.interview(1, 700);
    let uploads = 0;
    const received: HubItem[] = [];
    const hub = {
      sendItems: (items: readonly HubItem[]) => {
        received.push(...items);
        return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
      },
      upload: () => {
        uploads += 1;
        return Promise.resolve();
      },
    } as unknown as HubClient;
    // A kiosk without a keyring: chunks are stored and read as recorded (the identity sealer).
    const engine = new SyncEngine({ db: kiosk.db, hub, batchSize: 1000 });
    await engine.tick();
    expect(uploads).toBe(0);
    expect(received.some((i) => i.kind === 'media_chunk')).toBe(false);
    expect(engine.state().lastError).toBe('MEDIA_NOT_SEALED');
    expect((kiosk.db.prepare('SELECT last_error FROM sync_cursor WHERE session_id = ?').get(session) as { last_error: string }).last_error).toBe('MEDIA_NOT_SEALED');
    kiosk.db.close();
  });
});
