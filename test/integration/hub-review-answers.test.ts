/**
 * #14 review of what the candidate said: a kiosk (the real SessionService, keyring with HR's
 * X25519 public key, sealed media store, scoring service) records a typed answer and a video
 * answer, scores them, and syncs to a real hub. With HR's private key (HUB_HR_PRIVATE_KEY_FILE)
 * the review route opens the typed answer and the rubric; without it the review says the text is
 * sealed; a role without permission is refused; a sealed text altered on the hub is refused with
 * a clear error and nothing served; the recording plays back byte for byte (with Range) and a
 * changed chunk is refused, with the scored transcript beside it. Every read is in the audit log and
 * nothing opened is stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { setTextSealer } from '../../main/db/text-sealing';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { JiebaSegmenter } from '../../main/services/packs/resume-tags';
import { scoreSubmittedAnswer } from '../../main/services/scoring/scoring-service';
import { SegmentMediaStore } from '../../main/services/storage/media-store';
import { generateHrKeyPair } from '../../main/services/storage/crypto/hr-wrap';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';
import { makeFixture, must, startedSession } from '../support/session-fixture';

const SPOKEN = 'I measured p99 latency before and after; the worker pool cut it from ninety to thirty milliseconds.';
const TYPED = 'I led the migration of our payment database; downtime fell from two hours to ten minutes because we rehearsed it three times.';
const HR = generateHrKeyPair();

interface Recorded {
  sessionId: string;
  chunks: Buffer[];
  close(): void;
}

/**
 * A kiosk session: question 0 typed, question 1 recorded (3 chunks) with a transcript, both
 * scored — in English in a zh-CN session, so both go to a human.
 */
async function recordedSession(keyDir: string): Promise<Recorded & { sync(hub: TestHub): Promise<void> }> {
  let keyring: SessionKeyring | undefined;
  const f = makeFixture({
    // The keyring wraps each session key for the kiosk (a file key here) and for HR's public key.
    media: (db) => {
      keyring = new SessionKeyring({ db, protector: new FileKeyProtector(keyDir), clock: { now: () => Date.now() }, logger: silentLogger, hr: { publicKey: HR.publicKey } });
      return new SegmentMediaStore(db, { sealer: keyring.chunkSealer() });
    },
  });
  setTextSealer(f.db, keyring);
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, TYPED));
  must(f.service.beginAnswer(sessionId, 1));
  const chunks = [0, 1, 2].map((i) => Buffer.alloc(3000 + i * 500, 0x41 + i));
  for (const [seq, c] of chunks.entries()) {
    f.clock.advance(1000);
    must(await Promise.resolve(f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: new Uint8Array(c) })));
  }
  must(f.service.submitAnswer(sessionId, 1, 0));
  const deps = { db: f.db, journal: new SqliteJournal(f.db), clock: f.clock, segmenter: await JiebaSegmenter.shared(), packFor: () => ({ pack: f.pack.pack, locale: 'zh-CN' as const }), transcripts: { transcript: (_s: string, q: number) => (q === 1 ? SPOKEN : undefined) } };
  must(await scoreSubmittedAnswer(deps, sessionId, 0, 0));
  must(await scoreSubmittedAnswer(deps, sessionId, 1, 0));
  return {
    sessionId,
    chunks,
    close: () => f.db.close(),
    async sync(hub: TestHub) {
      const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
      const cred = await enrolKiosk(hub.url, String(code.json.code), 'review-kiosk');
      // Everything again for another hub (as a kiosk re-pointed at a new one would).
      f.db.exec('UPDATE outbox SET confirmed_at = NULL; DELETE FROM sync_cursor; DELETE FROM sync_uploads');
      const engine = new SyncEngine({ db: f.db, hub: new HubClient(cred), sealer: keyring!.chunkSealer() });
      for (let i = 0; i < 50 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
      expect(engine.state().pending).toBe(0);
    },
  };
}

describe(`review: sealed answers and recordings on the hub (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let bare: TestHub;
  let kiosk: Awaited<ReturnType<typeof recordedSession>>;
  let keyDir: string;

  beforeAll(async () => {
    keyDir = mkdtempSync(path.join(tmpdir(), 'hr-key-'));
    const keyFile = path.join(keyDir, 'hr-x25519.key');
    writeFileSync(keyFile, HR.privateKey.toString('base64') + '\n', { mode: 0o600 });
    process.env.HUB_HR_PRIVATE_KEY_FILE = keyFile;
    try {
      hub = await startTestHub();
    } finally {
      delete process.env.HUB_HR_PRIVATE_KEY_FILE;
    }
    bare = await startTestHub({ console: { hrKey: null } });
    kiosk = await recordedSession(keyDir);
    await kiosk.sync(hub);
    await kiosk.sync(bare);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    kiosk?.close();
    await hub?.close();
    await bare?.close();
    rmSync(keyDir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  async function queue(h: TestHub, token = h.adminToken) {
    const q = await h.api('GET', '/v1/console/review', token);
    expect(q.status).toBe(200);
    return q.json.queue as Array<{ reviewId: string; questionId: string; reason: string }>;
  }
  async function reviewOf(h: TestHub, questionIndex: number): Promise<string> {
    for (const e of await queue(h)) {
      const d = await h.api('GET', `/v1/console/review/${e.reviewId}?blind=1`, h.adminToken);
      if (d.json.questionIndex === questionIndex) return e.reviewId;
    }
    throw new Error(`question ${questionIndex} is not in the review queue`);
  }

  it('the kiosk synced ciphertext only: the typed answer is nowhere in the hub database', async () => {
    const items = await hub.db.pool.query<{ body: string }>("SELECT body::text AS body FROM items WHERE kind='score'");
    expect(items.rows.length).toBe(2);
    const all = items.rows.map((r) => r.body).join('\n');
    expect(all).not.toContain('payment database');
    expect(all).toMatch(/"state": ?"sealed"/);
    expect(all).toContain('"hrWrapped"');
  });

  it('with HR’s key: the reviewer gets the typed answer, the rubric and the evidence offsets point into it; the read is audited and nothing opened is stored', async () => {
    const id = await reviewOf(hub, 0);
    const r = await hub.api('GET', `/v1/console/review/${id}/answer`, hub.adminToken);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ mode: 'text', hrKey: 'available', answer: { state: 'opened', text: TYPED }, rubric: { state: 'opened' }, transcript: { state: 'not_synced' } });
    const rubric = (r.json.rubric as { rubric: { questionId: string; competencies: Array<{ id: string; indicators: unknown[] }> } }).rubric;
    const detail = await hub.api('GET', `/v1/console/review/${id}`, hub.adminToken);
    expect(rubric.questionId).toBe(detail.json.questionId);
    const comps = detail.json.competencies as Array<{ competencyId: string; evidence: Array<{ start: number; end: number; text: string }> }>;
    expect(rubric.competencies.map((c) => c.id).sort()).toEqual(comps.map((c) => c.competencyId).sort());
    for (const e of comps.flatMap((c) => c.evidence).filter((e) => e.end > e.start)) expect(TYPED.slice(e.start, e.end)).toBe(e.text);
    const audit = await hub.db.pool.query<{ target: string }>("SELECT target FROM audit_log WHERE action='GET /v1/console/review/:reviewId/answer'");
    expect(audit.rows.map((a) => a.target)).toContain(`/v1/console/review/${id}/answer`);
    const dump = await hub.db.pool.query<{ t: string }>(
      "SELECT coalesce(string_agg(body::text, ''), '') || coalesce((SELECT string_agg(detail::text, '') FROM console_journal), '') AS t FROM items",
    );
    expect(dump.rows[0]!.t).not.toContain('payment database');
  });

  it('without HR’s key the review says the text is sealed and shows none of it', async () => {
    const id = await reviewOf(bare, 0);
    const r = await bare.api('GET', `/v1/console/review/${id}/answer`, bare.adminToken);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ hrKey: 'missing', answer: { state: 'no_hr_key' }, rubric: { state: 'no_hr_key' } });
    expect(JSON.stringify(r.json)).not.toContain('payment');
  });

  it('without HR’s key the recording is refused and says so; nothing of it is played', async () => {
    const id = await reviewOf(bare, 1);
    const res = await fetch(`${bare.url}/v1/console/review/${id}/recording/0`, { headers: { authorization: `Bearer ${bare.adminToken}` } });
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'HR_KEY_MISSING' } });
    expect(text).toMatch(/HR private key/);
    for (const c of kiosk.chunks) expect(text.includes(c.subarray(0, 64).toString('latin1'))).toBe(false);
  });

  it('a role that may not see answers is refused (403) on the answer and the recording', async () => {
    const id = await reviewOf(hub, 1);
    for (const role of ['proctor', 'auditor'] as const) {
      expect((await hub.api('POST', '/v1/users', hub.adminToken, { username: `rv-${role}`, password: `${role}-password-long`, role })).status).toBe(201);
      const token = await hub.login(`rv-${role}`, `${role}-password-long`);
      expect((await hub.api('GET', `/v1/console/review/${id}/answer`, token)).status).toBe(403);
      expect((await hub.api('GET', `/v1/console/review/${id}/recording/0`, token)).status).toBe(403);
    }
  });

  it('a sealed answer altered on the hub is refused with a clear error and nothing of it is served', async () => {
    const id = await reviewOf(hub, 0);
    const subj = await hub.db.pool.query<{ kiosk_id: string; idem_key: string }>('SELECT kiosk_id, idem_key FROM review_subjects WHERE review_id=$1', [id]);
    const { kiosk_id: k, idem_key: key } = subj.rows[0]!;
    const orig = await hub.db.pool.query<{ sealed: string }>("SELECT body->'review'->'answer'->>'sealed' AS sealed FROM items WHERE kiosk_id=$1 AND idem_key=$2", [k, key]);
    const bytes = Buffer.from(orig.rows[0]!.sealed, 'base64');
    bytes[bytes.length - 3]! ^= 0x01;
    try {
      await hub.db.pool.query("UPDATE items SET body = jsonb_set(body::jsonb, '{review,answer,sealed}', to_jsonb($3::text))::jsonb WHERE kiosk_id=$1 AND idem_key=$2", [k, key, bytes.toString('base64')]);
      const r = await hub.api('GET', `/v1/console/review/${id}/answer`, hub.adminToken);
      expect(r.status).toBe(422);
      expect(r.json).toMatchObject({ error: { code: 'SEALED_TEXT_INVALID' } });
      expect(JSON.stringify(r.json)).not.toMatch(/payment|rubric/);
    } finally {
      await hub.db.pool.query("UPDATE items SET body = jsonb_set(body::jsonb, '{review,answer,sealed}', to_jsonb($3::text))::jsonb WHERE kiosk_id=$1 AND idem_key=$2", [k, key, orig.rows[0]!.sealed]);
    }
    expect((await hub.api('GET', `/v1/console/review/${id}/answer`, hub.adminToken)).status).toBe(200);
  });

  it('the recorded answer plays back byte for byte from object storage, with Range, audited; a changed chunk is refused before any byte', async () => {
    const id = await reviewOf(hub, 1);
    const whole = Buffer.concat(kiosk.chunks);
    const get = (headers: Record<string, string> = {}) => fetch(`${hub.url}/v1/console/review/${id}/recording/0`, { headers: { authorization: `Bearer ${hub.adminToken}`, ...headers } });
    const full = await get();
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('video/webm');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Buffer.from(await full.arrayBuffer()).equals(whole)).toBe(true);
    const part = await get({ range: 'bytes=2990-3010' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 2990-3010/${whole.length}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(whole.subarray(2990, 3011))).toBe(true);
    expect((await get({ range: `bytes=${whole.length}-` })).status).toBe(416);
    // Beside it, the transcript the scorer read, opened with HR's key.
    const a = await hub.api('GET', `/v1/console/review/${id}/answer`, hub.adminToken);
    expect(a.json).toMatchObject({ mode: 'video', answer: { state: 'not_synced' }, transcript: { state: 'opened', text: SPOKEN }, rubric: { state: 'opened' } });
    const dump = await hub.db.pool.query<{ t: string }>("SELECT coalesce(string_agg(body::text, ''), '') AS t FROM items");
    expect(dump.rows[0]!.t).not.toContain('worker pool');
    // A chunk changed in object storage: refused, nothing served.
    const obj = await hub.db.pool.query<{ storage_key: string }>("SELECT o.storage_key FROM media_objects o WHERE o.idem_key LIKE $1 ORDER BY o.idem_key DESC LIMIT 1", [`media:${kiosk.sessionId}:1:0:0:1`]);
    const file = path.join(hub.dir, 'objects', obj.rows[0]!.storage_key);
    const { readFileSync } = await import('node:fs');
    const before = readFileSync(file);
    const changed = Buffer.from(before);
    changed[10]! ^= 0xff;
    writeFileSync(file, changed);
    try {
      const bad = await get();
      expect(bad.status).toBe(422);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('RECORDING_INVALID');
    } finally {
      writeFileSync(file, before);
    }
    const audit = await hub.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE action='GET /v1/console/review/:reviewId/recording/:segment'");
    expect(audit.rows[0]!.n).toBeGreaterThanOrEqual(2);
  });

  it('after reading the words unmasked or playing the recording, a blind decision is refused', async () => {
    const id = await reviewOf(hub, 1);
    const comps = (await hub.api('GET', `/v1/console/review/${id}?blind=1`, hub.adminToken)).json.competencies as Array<{ competencyId: string }>;
    const body = { levels: [{ competencyId: comps[0]!.competencyId, level: 3 }], reasonCode: 'human_scoring_required', blind: true };
    const r = await hub.api('POST', `/v1/console/review/${id}/decisions`, hub.adminToken, body);
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ error: { code: 'BLIND_BROKEN' } });
  });
});
