/**
 * The HR and proctor console (#14) in Debian Chromium against a real hub (Fastify on embedded
 * PGlite, or HUB_TEST_DATABASE_URL), seeded only through the hub's routes: an enrolled kiosk's
 * signed ingest (a session mid-interview, its journal, a raised hand, a borderline and a
 * needs-human-scoring answer) and HR's invite route. Each role signs in and sees only its screens
 * while the server refuses the rest; the proctor issues a resume code the kiosk's own verifier
 * accepts; a recruiter reviews blind and is refused without a reason code; a second reviewer
 * follows; every analytics table is exported; every screen is captured in both languages with
 * axe-core run on it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { sealMessage } from '../../main/services/storage/crypto/aead';
import { chunkAad } from '../../main/common/chunk-sealer';
import { generateHrKeyPair, recipientKeyId, wrapForHr } from '../../main/services/storage/crypto/hr-wrap';
import { textAad } from '../../main/services/storage/crypto/identity';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { HUB_HOOK_TIMEOUT_MS, startTestHub, type TestHub } from '../support/hub-harness';
import { launchBrowser } from './harness';
import { byTestId, captureScreen, setLang } from './candidate-kit';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const GENESIS = '0'.repeat(64);
const SECRET = randomBytes(32);
const SESSION = `S-${randomBytes(4).toString('hex')}`;

function events(sessionId: string, specs: Array<{ type: string; payload: object }>): Array<Record<string, unknown>> {
  let prev = GENESIS;
  return specs.map((s, i) => {
    const seq = i + 1;
    const at = Date.now() - 60_000 + seq;
    const payload = JSON.stringify(s.payload);
    const hash = sha(`${prev}\n${sessionId}\n${seq}\n${s.type}\n${at}\n${payload}`);
    const e = { sessionId, seq, type: s.type, at, payload, prevHash: prev, hash };
    prev = hash;
    return e;
  });
}

// The candidate names herself in the answer: blind review masks the name inside the words too.
const ANSWER = '我是张三，我负责了数据库迁移，把停机时间从两小时缩短到十分钟。';
const OWN = [ANSWER.indexOf('负责'), ANSWER.indexOf('负责') + 2] as const;
const QTY = [ANSWER.indexOf('从两小时'), ANSWER.indexOf('十分钟') + 3] as const;
const HR = generateHrKeyPair();
const DATA_KEY = randomBytes(32);
const RUBRIC = {
  v: 1,
  packId: 'e2e-pack',
  packVersion: '1.0.0',
  questionId: 'Q1',
  prompt: { 'zh-CN': '请讲一次你负责到底的项目。', en: 'Tell us about a project you owned end to end.' },
  trimmed: 'none',
  competencies: [
    { id: 'ownership', name: { 'zh-CN': '担当', en: 'Ownership' }, weight: 0.5, threshold: 60, indicators: [1, 3, 5].map((level) => ({ level, description: { 'zh-CN': `担当 ${level} 级：描述`, en: `Ownership level ${level}: descriptor` }, evidence: { 'zh-CN': level === 3 ? ['负责'] : [], en: level === 3 ? ['owned'] : [] } })) },
    { id: 'impact', name: { 'zh-CN': '成效', en: 'Impact' }, weight: 0.5, threshold: 60, indicators: [{ level: 2, description: { 'zh-CN': '成效 2 级：有数字', en: 'Impact level 2: gives numbers' }, evidence: { 'zh-CN': [], en: [] } }] },
  ],
};

/** What a kiosk's score carries for review (main/db/queries/outbox.ts), sealed the kiosk's way for HR's key. */
function reviewMaterial(questionIndex: number, mode: 'text' | 'video') {
  const sealed = (kind: 'answer' | 'review_rubric', text: string) => {
    const b = sealMessage(DATA_KEY, Buffer.from(text, 'utf8'), textAad(kind, SESSION, questionIndex, 0));
    return { state: 'sealed', format: 'IKS1', identity: textAad(kind, SESSION, questionIndex, 0).toString('ascii'), sealed: b.toString('base64'), bytes: b.length };
  };
  return {
    v: 1,
    mode,
    answer: mode === 'text' ? sealed('answer', ANSWER) : null,
    rubric: sealed('review_rubric', JSON.stringify({ ...RUBRIC, questionId: `Q${questionIndex + 1}` })),
    transcript: null,
    sessionKey: { hrWrapped: wrapForHr(DATA_KEY, HR.publicKey, SESSION).toString('base64'), hrKeyId: recipientKeyId(HR.publicKey) },
  };
}

function score(questionIndex: number, band: string, status: string) {
  const text = ANSWER;
  return {
    session_id: SESSION,
    sessionId: SESSION,
    question_index: questionIndex,
    attempt: 0,
    question_id: `Q${questionIndex + 1}`,
    status,
    scorer_version: 'test-1',
    engine: 'rubric',
    model_sha256: null,
    total: band === 'borderline' ? 58.5 : 0,
    band,
    computed_at: Date.now(),
    review: reviewMaterial(questionIndex, questionIndex === 1 ? 'video' : 'text'),
    result: {
      questionId: `Q${questionIndex + 1}`,
      status,
      band,
      total: 58.5,
      needsReview: status === 'needs_human_scoring',
      reasons: [{ code: 'near_threshold' }],
      competencies: [
        { competencyId: 'ownership', level: 3, score: 0.58, threshold: 0.6, weight: 1, band, evidence: [{ start: OWN[0], end: OWN[1], text: text.slice(...OWN), kind: 'indicator_phrase', level: 3, matched: '负责' }], whyNotHigher: [] },
        { competencyId: 'impact', level: 2, score: 0.4, threshold: 0.6, weight: 1, band, evidence: [{ start: QTY[0], end: QTY[1], text: text.slice(...QTY), kind: 'quantity' }], whyNotHigher: [] },
      ],
    },
  };
}

describe('HR and proctor console', () => {
  let hub: TestHub;
  let kiosk: KioskCredential;
  // One Chromium for every role (each signs in afresh): launching one per test cost ~2 s each.
  let b: Awaited<ReturnType<typeof launchBrowser>>;
  const pw = (role: string) => `console-${role}-password`;
  const keyDir = mkdtempSync(join(tmpdir(), 'console-hr-key-'));
  let webm = Buffer.alloc(0);

  async function signedItems(items: unknown[]): Promise<Array<{ status: string }>> {
    const text = JSON.stringify({ items });
    const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(kiosk, 'POST', '/v1/kiosk/items', text, Date.now()), 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(200);
    return ((await res.json()) as { results: Array<{ status: string }> }).results;
  }

  beforeAll(async () => {
    // The console as `npm run hub` would serve it (built here when dist/console is stale).
    const script = '../../build/scripts/build-console.mjs';
    const { buildConsole } = (await import(script)) as { buildConsole: (o: { ifStale: boolean }) => Promise<unknown> };
    await buildConsole({ ifStale: true });
    process.env.HUB_RESUME_CODE_SECRET = SECRET.toString('base64');
    // HR's private key, as an operator configures it (README "Review: sealed answers").
    writeFileSync(join(keyDir, 'hr.key'), HR.privateKey.toString('base64'), { mode: 0o600 });
    process.env.HUB_HR_PRIVATE_KEY_FILE = join(keyDir, 'hr.key');
    hub = await startTestHub();
    delete process.env.HUB_RESUME_CODE_SECRET;
    delete process.env.HUB_HR_PRIVATE_KEY_FILE;
    for (const [u, role] of [['rec', 'recruiter'], ['rec2', 'recruiter'], ['pro', 'proctor'], ['aud', 'auditor']] as const) {
      expect((await hub.api('POST', '/v1/users', hub.adminToken, { username: u, password: pw(u), role })).status).toBe(201);
    }
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    kiosk = await enrolKiosk(hub.url, String(code.json.code), 'Kiosk A-01');
    const invite = await hub.api('POST', '/v1/invites', hub.adminToken, {
      candidateName: '张三', email: 'zhang@example.com', channel: 'email', jobId: 'JOB-1', centre: 'SH-1', location: 'centre',
      windowStart: new Date(Date.now() - 20 * 60_000).toISOString(), windowEnd: new Date(Date.now() + 40 * 60_000).toISOString(),
    });
    expect(invite.status).toBe(201);
    const inviteCode = String((invite.json.invite as { code: string }).code);
    const later = await hub.api('POST', '/v1/invites', hub.adminToken, {
      candidateName: 'Li Si', email: 'li@example.com', channel: 'email', jobId: 'JOB-1', centre: 'SH-1', location: 'centre',
      windowStart: new Date(Date.now() + 60 * 60_000).toISOString(), windowEnd: new Date(Date.now() + 120 * 60_000).toISOString(),
    });
    expect(later.status).toBe(201);
    const ev = events(SESSION, [
      { type: 'interview_started', payload: { questionCount: 3 } },
      { type: 'question_started', payload: { questionIndex: 0 } },
      { type: 'hand_raised', payload: { incidentId: 'INC-1', screen: 'question' } },
    ]);
    const results = await signedItems([
      { key: `session:${SESSION}:1`, kind: 'session', body: { id: SESSION, inviteCode, state: 'interrupted', questionIndex: 1, resumeCount: 0, interruption: 'crash', candidateRef: 'cand-77' } },
      ...ev.map((e) => ({ key: `ev:${SESSION}:${String(e.seq)}`, kind: 'journal_event', body: e })),
      { key: 'incident:INC-1', kind: 'incident', body: { id: 'INC-1', session_id: SESSION, sessionId: SESSION, kind: 'hand_raised', at: Date.now() - 30_000, body: { screen: 'question' } } },
      { key: `score:${SESSION}:0:0`, kind: 'score', body: score(0, 'borderline', 'scored') },
      { key: `score:${SESSION}:1:0`, kind: 'score', body: score(1, 'below', 'needs_human_scoring') },
      { key: `score:${SESSION}:2:0`, kind: 'score', body: score(2, 'pass', 'scored') },
    ]);
    expect(results.map((r) => r.status)).toEqual(Array(results.length).fill('stored'));
    b = await launchBrowser({ fakeMedia: false });
    // A real WebM recorded in this Chromium (a canvas, 0.8 s), uploaded as the kiosk uploads an
    // answer's chunks: two tus uploads verified by sha256, then their media_chunk items.
    await b.page.goto(`${hub.url}/console/`);
    webm = Buffer.from(
      await b.page.evaluate(async () => {
        const c = document.createElement('canvas');
        c.width = 160;
        c.height = 120;
        const ctx = c.getContext('2d')!;
        const rec = new MediaRecorder(c.captureStream(10), { mimeType: 'video/webm;codecs=vp8' });
        const parts: Blob[] = [];
        rec.ondataavailable = (e) => parts.push(e.data);
        let i = 0;
        const paint = setInterval(() => {
          ctx.fillStyle = i++ % 2 ? '#1a56b8' : '#f0c000';
          ctx.fillRect(0, 0, 160, 120);
        }, 50);
        const stopped = new Promise((r) => (rec.onstop = r));
        rec.start();
        await new Promise((r) => setTimeout(r, 800));
        rec.stop();
        await stopped;
        clearInterval(paint);
        return Array.from(new Uint8Array(await new Blob(parts).arrayBuffer()));
      }),
    );
    expect(webm.length).toBeGreaterThan(200);
    const half = Math.floor(webm.length / 2);
    const client = new HubClient(kiosk);
    // Sealed as the kiosk stores them (#13): the hub keeps them sealed and opens them with HR's key to play.
    const sessionKey = { hrWrapped: wrapForHr(DATA_KEY, HR.publicKey, SESSION).toString('base64'), hrKeyId: recipientKeyId(HR.publicKey) };
    const media = [webm.subarray(0, half), webm.subarray(half)].map((data, seq) => {
      const identity = chunkAad(SESSION, 1, 0, 0, seq);
      const sealed = sealMessage(DATA_KEY, data, Buffer.from(identity, 'utf8'));
      return { data, sealed, seq, identity, key: `media:${SESSION}:1:0:0:${seq}`, sha256: createHash('sha256').update(data).digest('hex'), sealedSha256: createHash('sha256').update(sealed).digest('hex') };
    });
    for (const m of media) await client.upload(m.sealed, { key: m.key, sha256: m.sealedSha256, format: 'IKS1', identity: m.identity }, null, () => undefined);
    const mediaItems = await signedItems(
      media.map((m) => ({
        key: m.key,
        kind: 'media_chunk',
        body: { sessionId: SESSION, questionIndex: 1, attempt: 0, segment: 0, seq: m.seq, mimeType: 'video/webm', size: m.data.length, sha256: m.sha256, format: 'IKS1', identity: m.identity, sealedSize: m.sealed.length, sealedSha256: m.sealedSha256, sessionKey },
      })),
    );
    expect(mediaItems.map((r) => r.status)).toEqual(['stored', 'stored']);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await b?.close();
    await hub?.close();
    rmSync(keyDir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  async function freshConsole(page: Page): Promise<void> {
    await page.goto(`${hub.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
  }
  async function signIn(page: Page, user: string, password: string): Promise<string> {
    await freshConsole(page);
    await byTestId(page, 'login-form').waitFor();
    await byTestId(page, 'login-username').fill(user);
    await byTestId(page, 'login-password').fill(password);
    await byTestId(page, 'login-submit').click();
    await byTestId(page, 'sign-out').waitFor();
    return page.evaluate(() => sessionStorage.getItem('console.token') ?? '');
  }
  const navOf = async (page: Page) => (await page.locator('[data-testid^="nav-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-testid')))).map((s) => String(s).slice(4));
  const status = async (token: string, method: string, path: string, body?: unknown) =>
    (await fetch(`${hub.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) })).status;

  it('serves the console with a strict CSP and refuses paths outside it', async () => {
    const res = await fetch(`${hub.url}/console/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(await res.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const bad of ['/console/../package.json', '/console/%2e%2e/%2e%2e/package.json', '/console/.built', '/console/assets/nope.js']) expect((await fetch(`${hub.url}${bad}`)).status, bad).toBeGreaterThanOrEqual(400);
  });

  it('the login screen, and a wrong password refused', async () => {
    {
      await freshConsole(b.page);
      await byTestId(b.page, 'login-form').waitFor();
      await captureScreen(b.page, 'console-login');
      await byTestId(b.page, 'login-username').fill('pro');
      await byTestId(b.page, 'login-password').fill('wrong-password-here');
      await byTestId(b.page, 'login-submit').click();
      await byTestId(b.page, 'login-error').waitFor();
    }
  });

  it('proctor: only the board; sees the kiosk interrupted, the raised hand and today’s schedule with the late candidate; issues a resume code the kiosk accepts', async () => {
    {
      const token = await signIn(b.page, 'pro', pw('pro'));
      expect(await navOf(b.page)).toEqual(['board']);
      for (const [m, p] of [['GET', '/v1/console/review'], ['GET', '/v1/console/journal'], ['GET', '/v1/analytics/exits'], ['GET', '/v1/items']] as const) expect(await status(token, m, p), p).toBe(403);
      await setLang(b.page, 'en');
      const row = byTestId(b.page, 'kiosk-row').first();
      await expect.poll(() => row.getAttribute('data-state')).toBe('interrupted');
      await byTestId(b.page, 'alerts-waiting').waitFor();
      expect(await byTestId(b.page, 'schedule-row').count()).toBeGreaterThanOrEqual(1);
      expect(await b.page.locator('[data-testid="schedule-row"][data-status="late"]').count()).toBe(1);
      await captureScreen(b.page, 'console-board');
      await byTestId(b.page, 'resume-open').click();
      await byTestId(b.page, 'resume-reason').selectOption('crash');
      await byTestId(b.page, 'resume-issue').click();
      const text = (await byTestId(b.page, 'resume-code').textContent()) ?? '';
      const code = /([0-9A-Z]{5}-[0-9A-Z]{5})/.exec(text)?.[1] ?? '';
      expect(new HmacResumeCodes(SECRET).verify(SESSION, 0, code)).toBe(true);
      expect(new HmacResumeCodes(SECRET).verify(SESSION, 1, code)).toBe(false);
      await captureScreen(b.page, 'console-resume-code');
      await byTestId(b.page, 'alert-ack').first().click();
      await expect.poll(() => byTestId(b.page, 'alerts-waiting').count()).toBe(0);
      const j = await hub.db.pool.query<{ actor: string; action: string; session_id: string; reason: string }>("SELECT actor, action, session_id, reason FROM console_journal WHERE action IN ('resume_code_issued','alert_acknowledged') ORDER BY id");
      expect(j.rows).toEqual([
        { actor: 'user:pro', action: 'resume_code_issued', session_id: SESSION, reason: 'crash' },
        { actor: 'user:pro', action: 'alert_acknowledged', session_id: null, reason: 'acknowledged' },
      ]);
      await setLang(b.page, 'zh-CN');
    }
  });

  it('recruiter: review and analytics only; reviews a borderline answer blind, refused without a reason code, recorded with one; a second reviewer follows', async () => {
    {
      const token = await signIn(b.page, 'rec', pw('rec'));
      expect(await navOf(b.page)).toEqual(['review', 'analytics']);
      for (const [m, p] of [['GET', '/v1/console/board'], ['GET', '/v1/console/journal']] as const) expect(await status(token, m, p), p).toBe(403);
      expect(await status(token, 'POST', '/v1/console/resume-codes', { kioskId: kiosk.kioskId, sessionId: SESSION, reason: 'crash' })).toBe(403);
      await b.page.goto(`${hub.url}/console/#/review`);
      await byTestId(b.page, 'review-table').waitFor();
      // Queue: the needs-human-scoring answer before the borderline one; the passing answer is not there.
      expect(await b.page.locator('[data-testid="review-row"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')))).toEqual(['needs_human_scoring', 'borderline']);
      await captureScreen(b.page, 'console-review-queue');
      await b.page.locator('[data-testid="review-row"][data-reason="borderline"] [data-testid="review-open"]').click();
      await b.page.locator('[data-testid="screen-review-detail"][data-blind="true"]').waitFor();
      expect(await byTestId(b.page, 'review-candidate').count()).toBe(0);
      expect(await b.page.content()).not.toContain('张三');
      // The typed answer, opened on the hub with HR's key, with the scorer's evidence marked; the rubric beside it.
      await byTestId(b.page, 'answer-text').waitFor();
      expect(await byTestId(b.page, 'answer-text').textContent()).toBe(ANSWER.replace('张三', '██'));
      expect(await b.page.content()).not.toContain('张三');
      expect(await b.page.locator('[data-testid="answer-text"] mark').allTextContents()).toEqual([ANSWER.slice(...OWN), ANSWER.slice(...QTY)]);
      await byTestId(b.page, 'rubric').waitFor();
      expect(await b.page.locator('[data-testid="rubric"] li[data-evidence="true"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-level')))).toEqual(['3']);
      await captureScreen(b.page, 'console-review-detail');
      await byTestId(b.page, 'level-ownership').selectOption('4');
      await byTestId(b.page, 'review-submit').click();
      await expect.poll(() => byTestId(b.page, 'review-message').textContent()).toMatch(/reason code|理由代码/);
      expect((await hub.db.pool.query("SELECT count(*)::int AS n FROM console_journal WHERE action='review_decision'")).rows[0].n).toBe(0);
      await byTestId(b.page, 'review-reason').selectOption('evidence_missed');
      await byTestId(b.page, 'review-submit').click();
      await byTestId(b.page, 'review-history').waitFor();
      const d = await hub.db.pool.query<{ actor: string; reason: string; detail: { round: number; blind: boolean; levels: unknown[] } }>("SELECT actor, reason, detail FROM console_journal WHERE action='review_decision'");
      expect(d.rows).toEqual([{ actor: 'user:rec', reason: 'evidence_missed', detail: { round: 1, blind: true, note: null, levels: [{ competencyId: 'ownership', from: 3, to: 4 }, { competencyId: 'impact', from: 2, to: 2 }] } }]);
      // The same reviewer cannot record the second review; another can, once it is requested.
      await byTestId(b.page, 'second-reason').fill('evidence is thin');
      await byTestId(b.page, 'second-request').click();
      await expect.poll(() => byTestId(b.page, 'review-message').textContent()).toMatch(/second review|二次复核/);
      const reviewId = (await hub.db.pool.query<{ review_id: string }>("SELECT review_id FROM console_journal WHERE action='review_decision'")).rows[0]!.review_id;
      const body = { levels: [{ competencyId: 'ownership', level: 3 }], reasonCode: 'rubric_gap', blind: true };
      expect(await status(token, 'POST', `/v1/console/review/${reviewId}/decisions`, body)).toBe(409);
      const rec2 = await hub.login('rec2', pw('rec2'));
      expect(await status(rec2, 'GET', `/v1/console/review/${reviewId}?blind=1`)).toBe(200);
      expect(await status(rec2, 'POST', `/v1/console/review/${reviewId}/decisions`, { ...body, reasonCode: undefined })).toBe(400);
      expect(await status(rec2, 'POST', `/v1/console/review/${reviewId}/decisions`, body)).toBe(201);
      expect(await status(rec2, 'POST', `/v1/console/review/${reviewId}/decisions`, body)).toBe(409);
    }
  });

  it('recruiter, not blind: the recorded answer plays from object storage through the verified route', async () => {
    {
      await signIn(b.page, 'rec', pw('rec'));
      await b.page.goto(`${hub.url}/console/#/review`);
      await byTestId(b.page, 'review-table').waitFor();
      await byTestId(b.page, 'review-blind').uncheck();
      await b.page.locator('[data-testid="review-row"][data-reason="needs_human_scoring"] [data-testid="review-open"]').click();
      await b.page.locator('[data-testid="screen-review-detail"][data-blind="false"]').waitFor();
      await byTestId(b.page, 'transcript-state').waitFor();
      await byTestId(b.page, 'rubric').waitFor();
      await byTestId(b.page, 'recording-play').click();
      await byTestId(b.page, 'recording').waitFor();
      // Chromium parsed the WebM the hub streamed: its metadata loaded (duration and size known).
      await expect.poll(() => byTestId(b.page, 'recording').evaluate((v) => (v as HTMLVideoElement).readyState)).toBeGreaterThanOrEqual(1);
      expect(await byTestId(b.page, 'recording').evaluate((v) => (v as HTMLVideoElement).videoWidth)).toBe(160);
      const audit = await hub.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM audit_log WHERE actor='user:rec' AND action='GET /v1/console/review/:reviewId/recording/:segment'");
      expect(audit.rows[0]!.n).toBeGreaterThanOrEqual(1);
      await captureScreen(b.page, 'console-review-recording');
    }
  });

  it('auditor: analytics and the journal; hr_admin: every screen; each analytics table exports as CSV and XLSX', async () => {
    {
      const audToken = await signIn(b.page, 'aud', pw('aud'));
      expect(await navOf(b.page)).toEqual(['analytics', 'journal']);
      for (const [m, p] of [['GET', '/v1/console/board'], ['GET', '/v1/console/review']] as const) expect(await status(audToken, m, p), p).toBe(403);
      await b.page.goto(`${hub.url}/console/#/journal`);
      await byTestId(b.page, 'journal-table').waitFor();
      expect(await byTestId(b.page, 'journal-row').count()).toBeGreaterThanOrEqual(4);
      await captureScreen(b.page, 'console-journal');
      await byTestId(b.page, 'sign-out').click();
      await signIn(b.page, 'admin', 'correct horse battery staple');
      expect(await navOf(b.page)).toEqual(['board', 'review', 'analytics', 'journal']);
      await b.page.goto(`${hub.url}/console/#/analytics`);
      await byTestId(b.page, 'screen-analytics').waitFor();
      const list = (await (await fetch(`${hub.url}/v1/analytics`, { headers: { authorization: `Bearer ${hub.adminToken}` } })).json()) as { reports: Array<{ name: string }> };
      expect(list.reports.length).toBeGreaterThan(0);
      for (const r of list.reports) await byTestId(b.page, `report-${r.name}`).locator('table, p').first().waitFor();
      await captureScreen(b.page, 'console-analytics');
      // Every table through the export route (what the buttons call), with its content checked...
      for (const r of list.reports) {
        for (const format of ['csv', 'xlsx'] as const) {
          const res = await fetch(`${hub.url}/v1/analytics/${r.name}/export?format=${format}`, { headers: { authorization: `Bearer ${hub.adminToken}` } });
          const bytes = Buffer.from(await res.arrayBuffer());
          expect(res.status, `${r.name}.${format}: ${res.status === 200 ? '' : bytes.toString('utf8').slice(0, 200)}`).toBe(200);
          if (format === 'csv') expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), r.name).toBe(true);
          else expect(bytes.subarray(0, 2).toString('latin1'), r.name).toBe('PK');
        }
      }
      // ...and the buttons themselves, one CSV and one XLSX, as files the browser saves. (Eighteen
      // downloads a tenth of a second apart lost one now and then in headless Chromium.)
      const first = list.reports[0]!.name;
      const last = list.reports.at(-1)!.name;
      for (const [name, format] of [[first, 'csv'], [last, 'xlsx']] as const) {
        const button = byTestId(b.page, `export-${name}-${format}`);
        await button.waitFor({ state: 'visible' });
        const [download] = await Promise.all([b.page.waitForEvent('download'), button.click()]);
        const bytes = readFileSync(await download.path());
        expect(download.suggestedFilename()).toMatch(new RegExp(`\\.${format}$`));
        if (format === 'csv') expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])), name).toBe(true);
        else expect(bytes.subarray(0, 2).toString('latin1'), name).toBe('PK');
      }
    }
  });
});
