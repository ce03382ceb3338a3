/**
 * The console's API on a real hub (embedded PGlite, or HUB_TEST_DATABASE_URL): what the review
 * routes refuse and that a refusal changes nothing, blind review enforced on the server (payload
 * redacted; a decision marked blind after a named read is refused), the journal append-only in the
 * database itself, resume codes (not resumable, no secret: journaled refusal), alert acknowledgement
 * once, and the board's derived state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe(`console API (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let kiosk: KioskCredential;
  let rec: string;
  let pro: string;
  const S = `S-${randomBytes(3).toString('hex')}`;

  async function ingest(items: unknown[]) {
    const text = JSON.stringify({ items });
    const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(kiosk, 'POST', '/v1/kiosk/items', text, Date.now()), 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(200);
  }
  const count = async (action: string) => (await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM console_journal WHERE action=$1', [action])).rows[0]!.n;

  beforeAll(async () => {
    delete process.env.HUB_RESUME_CODE_SECRET;
    hub = await startTestHub();
    for (const [u, role] of [['rec', 'recruiter'], ['pro', 'proctor']] as const) expect((await hub.api('POST', '/v1/users', hub.adminToken, { username: u, password: `${u}-password-123`, role })).status).toBe(201);
    rec = await hub.login('rec', 'rec-password-123');
    pro = await hub.login('pro', 'pro-password-123');
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    kiosk = await enrolKiosk(hub.url, String(code.json.code), 'K1');
    const at = Date.now();
    const payload = JSON.stringify({ questionCount: 4 });
    const hash = sha(`${'0'.repeat(64)}\n${S}\n1\ninterview_started\n${at}\n${payload}`);
    await ingest([
      { key: `session:${S}:a`, kind: 'session', body: { id: S, inviteCode: 'NO-INVITE', state: 'in_progress', questionIndex: 2, resumeCount: 1 } },
      { key: `ev:${S}:1`, kind: 'journal_event', body: { sessionId: S, seq: 1, type: 'interview_started', at, payload, prevHash: '0'.repeat(64), hash } },
      { key: `score:${S}:0:0`, kind: 'score', body: { sessionId: S, question_index: 0, attempt: 0, question_id: 'Q1', status: 'scored', band: 'borderline', total: 55, result: { competencies: [{ competencyId: 'c1', level: 2, threshold: 0.6, evidence: [] }] } } },
      { key: 'incident:INC-9', kind: 'incident', body: { id: 'INC-9', kind: 'hand_raised', at } },
    ]);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('the board derives question 3 of 4 from the synced session and journal', async () => {
    const b = await hub.api('GET', '/v1/console/board', pro);
    expect(b.status).toBe(200);
    const k = (b.json.kiosks as Array<{ name: string; state: Record<string, unknown>; session: Record<string, unknown> }>).find((x) => x.name === 'K1')!;
    expect(k.state).toMatchObject({ kind: 'question', question: 3, of: 4 });
    expect(k.session).toMatchObject({ sessionId: S, resumeCount: 1 });
    expect(b.json.resumeCodes).toBe('unavailable');
  });

  it('any signed kiosk request is a heartbeat: a kiosk silent past the threshold is offline until it calls again', async () => {
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    const quiet = await enrolKiosk(hub.url, String(code.json.code), 'K-quiet');
    const stateOf = async () => ((await hub.api('GET', '/v1/console/board', pro)).json.kiosks as Array<{ name: string; state: { kind: string } }>).find((x) => x.name === 'K-quiet')!.state.kind;
    expect(await stateOf()).toBe('offline');
    const res = await fetch(`${hub.url}/v1/kiosk/sync-state`, { headers: signedHeaders(quiet, 'GET', '/v1/kiosk/sync-state', '', Date.now()) });
    expect(res.status).toBe(200);
    expect(await stateOf()).toBe('idle');
    await hub.db.pool.query("UPDATE kiosk_nonces SET seen_at = now() - interval '6 minutes' WHERE kiosk_id = $1", [quiet.kioskId]);
    expect(await stateOf()).toBe('offline');
  });

  it('review decisions: refused without a reason, with an unknown competency, a bad level or extra fields; nothing journaled by a refusal', async () => {
    const q = await hub.api('GET', '/v1/console/review', rec);
    const id = (q.json.queue as Array<{ reviewId: string }>)[0]!.reviewId;
    const post = (body: unknown) => hub.api('POST', `/v1/console/review/${id}/decisions`, rec, body);
    const ok = { levels: [{ competencyId: 'c1', level: 3 }], reasonCode: 'rubric_gap', blind: true };
    expect(await hub.api('GET', `/v1/console/review/${id}?blind=1`, rec)).toMatchObject({ status: 200 });
    expect((await post({ ...ok, reasonCode: undefined })).json).toMatchObject({ error: { code: 'REASON_REQUIRED' } });
    expect((await post({ ...ok, reasonCode: '  ' })).json).toMatchObject({ error: { code: 'REASON_REQUIRED' } });
    expect((await post({ ...ok, reasonCode: 'because' })).status).toBe(400);
    expect((await post({ ...ok, levels: [{ competencyId: 'zz', level: 3 }] })).json).toMatchObject({ error: { code: 'UNKNOWN_COMPETENCY' } });
    expect((await post({ ...ok, levels: [{ competencyId: 'c1', level: 6 }] })).status).toBe(400);
    expect((await post({ ...ok, levels: [{ competencyId: 'c1', level: 3 }, { competencyId: 'c1', level: 2 }] })).json).toMatchObject({ error: { code: 'DUPLICATE_COMPETENCY' } });
    expect((await post({ ...ok, extra: 1 })).status).toBe(400);
    expect((await hub.api('POST', `/v1/console/review/r_${'f'.repeat(32)}/decisions`, rec, ok)).status).toBe(404);
    expect((await hub.api('POST', '/v1/console/review/../decisions', rec, ok)).status).toBe(404);
    expect(await count('review_decision')).toBe(0);
    expect((await post(ok)).status).toBe(201);
    expect((await post(ok)).json).toMatchObject({ error: { code: 'REVIEW_NOT_OPEN' } });
  });

  it('a console decision that changes a level counts in the override rate (facts recomputed with the decision)', async () => {
    // The decision above moved c1 from level 2 to 3 on question 0.
    const a = await hub.db.pool.query<{ overrides: number; for_review: boolean }>('SELECT overrides, for_review FROM analytics_answers WHERE session_id=$1 AND question_index=0', [S]);
    expect(a.rows).toEqual([{ overrides: 1, for_review: true }]);
    const c = await hub.db.pool.query<{ competency_id: string; level: number; overridden: boolean }>('SELECT competency_id, level, overridden FROM analytics_competencies WHERE session_id=$1 AND question_index=0', [S]);
    expect(c.rows).toEqual([{ competency_id: 'c1', level: 3, overridden: true }]);
  });

  it('blind review: the payload carries no name or ids; a blind decision after a named read is refused', async () => {
    await ingest([{ key: `score:${S}:1:0`, kind: 'score', body: { sessionId: S, question_index: 1, attempt: 0, question_id: 'Q2', status: 'needs_human_scoring', band: 'below', total: 0, result: { competencies: [{ competencyId: 'c1', level: 0, evidence: [] }] } } }]);
    const q = await hub.api('GET', '/v1/console/review', hub.adminToken);
    const item = (q.json.queue as Array<{ reviewId: string; questionId: string }>).find((x) => x.questionId === 'Q2')!;
    const blind = await hub.api('GET', `/v1/console/review/${item.reviewId}?blind=1`, hub.adminToken);
    expect(JSON.stringify(blind.json)).not.toContain(S);
    expect(JSON.stringify(blind.json)).not.toContain('NO-INVITE');
    expect(blind.json).toMatchObject({ blind: true });
    const named = await hub.api('GET', `/v1/console/review/${item.reviewId}`, hub.adminToken);
    expect(named.json).toMatchObject({ blind: false, source: { sessionId: S }, candidate: { inviteCode: 'NO-INVITE' } });
    const body = { levels: [{ competencyId: 'c1', level: 2 }], reasonCode: 'human_scoring_required' };
    expect((await hub.api('POST', `/v1/console/review/${item.reviewId}/decisions`, hub.adminToken, { ...body, blind: true })).json).toMatchObject({ error: { code: 'BLIND_BROKEN' } });
    expect((await hub.api('POST', `/v1/console/review/${item.reviewId}/decisions`, hub.adminToken, { ...body, blind: false })).status).toBe(201);
  });

  it('recordings: listed in recording order (segment, then chunk number), withheld when blind', async () => {
    const client = new HubClient(kiosk);
    const keys: string[] = [];
    for (const seq of [10, 2]) {
      // Shaped as a sealed chunk (the hub takes nothing else); listing does not open it.
      const data = Buffer.concat([Buffer.from('IKS1', 'latin1'), randomBytes(2000)]);
      const key = `media:${S}:2:0:0:${seq}`;
      const sealedSha256 = createHash('sha256').update(data).digest('hex');
      const identity = `media-chunk:v1:${S}:2:0:0:${seq}`;
      await client.upload(data, { key, sha256: sealedSha256, format: 'IKS1', identity }, null, () => undefined);
      keys.push(key);
      await ingest([
        {
          key,
          kind: 'media_chunk',
          body: { sessionId: S, questionIndex: 2, attempt: 0, segment: 0, seq, mimeType: 'video/webm', size: data.length - 52, sha256: createHash('sha256').update('plain').digest('hex'), format: 'IKS1', identity, sealedSize: data.length, sealedSha256, sessionKey: null },
        },
      ]);
    }
    await ingest([{ key: `score:${S}:2:0`, kind: 'score', body: { sessionId: S, question_index: 2, attempt: 0, question_id: 'Q3', status: 'scored', band: 'borderline', total: 50, result: { competencies: [] } } }]);
    const q = await hub.api('GET', '/v1/console/review', rec);
    const id = (q.json.queue as Array<{ reviewId: string; questionId: string }>).find((x) => x.questionId === 'Q3')!.reviewId;
    const named = await hub.api('GET', `/v1/console/review/${id}`, rec);
    expect((named.json.media as Array<{ seq: number }>).map((m) => m.seq)).toEqual([2, 10]);
    const blind = await hub.api('GET', `/v1/console/review/${id}?blind=1`, rec);
    expect(blind.json).toMatchObject({ mediaWithheld: true });
    expect(blind.json.media).toBeUndefined();
    expect(keys).toHaveLength(2);
  });

  it('the console journal is append-only in the database', async () => {
    await expect(hub.db.pool.query("UPDATE console_journal SET reason = 'x'")).rejects.toThrow(/append-only/);
    await expect(hub.db.pool.query('DELETE FROM console_journal')).rejects.toThrow(/append-only/);
    expect(await count('review_decision')).toBe(2);
  });


  it('resume codes: no secret on this hub → 503 and the request journaled; unknown or finished sessions refused', async () => {
    const r = await hub.api('POST', '/v1/console/resume-codes', pro, { kioskId: kiosk.kioskId, sessionId: S, reason: 'device' });
    expect(r).toMatchObject({ status: 503, json: { error: { code: 'RESUME_CODES_UNAVAILABLE' } } });
    const j = await hub.db.pool.query("SELECT actor, session_id, reason, detail->>'resumeCount' AS rc FROM console_journal WHERE action='resume_code_refused'");
    expect(j.rows).toEqual([{ actor: 'user:pro', session_id: S, reason: 'device', rc: '1' }]);
    expect((await hub.api('POST', '/v1/console/resume-codes', pro, { kioskId: kiosk.kioskId, sessionId: 'nope', reason: 'device' })).status).toBe(404);
    expect((await hub.api('POST', '/v1/console/resume-codes', pro, { kioskId: kiosk.kioskId, sessionId: S, reason: 'because' })).status).toBe(400);
    await ingest([{ key: `session:${S}:b`, kind: 'session', body: { id: S, inviteCode: 'NO-INVITE', state: 'completed', questionIndex: 3, resumeCount: 1 } }]);
    expect((await hub.api('POST', '/v1/console/resume-codes', pro, { kioskId: kiosk.kioskId, sessionId: S, reason: 'device' })).json).toMatchObject({ error: { code: 'SESSION_NOT_RESUMABLE' } });
    expect(await count('resume_code_refused')).toBe(1);
  });

  it('an alert is acknowledged once; an unknown one is refused', async () => {
    expect((await hub.api('POST', '/v1/console/alerts/ack', pro, { kioskId: kiosk.kioskId, key: 'incident:INC-9' })).status).toBe(200);
    expect((await hub.api('POST', '/v1/console/alerts/ack', pro, { kioskId: kiosk.kioskId, key: 'incident:INC-9' })).json).toMatchObject({ error: { code: 'ALREADY_ACKNOWLEDGED' } });
    expect((await hub.api('POST', '/v1/console/alerts/ack', pro, { kioskId: kiosk.kioskId, key: `score:${S}:0:0` })).status).toBe(404);
    expect(await count('alert_acknowledged')).toBe(1);
  });
});
