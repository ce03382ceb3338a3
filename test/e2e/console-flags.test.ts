/**
 * Live flags on the proctor board (issue #15) in Debian Chromium against a real hub, seeded only
 * through an enrolled kiosk's signed ingest: a session mid-answer with a camera flag and a
 * "can't hear" hint open, and one before its interview with an ID number waiting for the proctor.
 * The proctor sees each open flag with its age, without sound, on a board that passes axe in both
 * languages; when the kiosk syncs the flag's end, the next refresh of the board drops it.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HUB_HOOK_TIMEOUT_MS, startTestHub, type TestHub } from '../support/hub-harness';
import { byTestId, captureScreen, setLang } from './candidate-kit';
import { launchBrowser } from './harness';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const GENESIS = '0'.repeat(64);

/** A chained journal for one session, continuing from `from` (its last seq and hash). */
function chain(sessionId: string, specs: Array<{ type: string; at: number; payload: object }>, from = { seq: 0, hash: GENESIS }) {
  let prev = from.hash;
  return specs.map((s, i) => {
    const seq = from.seq + i + 1;
    const payload = JSON.stringify(s.payload);
    const hash = sha(`${prev}\n${sessionId}\n${seq}\n${s.type}\n${s.at}\n${payload}`);
    const e = { sessionId, seq, type: s.type, at: s.at, payload, prevHash: prev, hash };
    prev = hash;
    return e;
  });
}

describe('live flags on the proctor board', () => {
  let hub: TestHub;
  let a: KioskCredential;
  let bk: KioskCredential;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const LIVE = 'S-live-0001';
  const CHECKIN = 'S-checkin-0001';
  let liveEvents: ReturnType<typeof chain> = [];

  async function ingest(k: KioskCredential, items: unknown[]): Promise<void> {
    const text = JSON.stringify({ items });
    const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(k, 'POST', '/v1/kiosk/items', text, Date.now()), 'content-type': 'application/json' }, body: text });
    expect(res.status).toBe(200);
    const r = (await res.json()) as { results: Array<{ status: string }> };
    expect(r.results.map((x) => x.status)).toEqual(Array(items.length).fill('stored'));
  }
  const asItems = (sessionId: string, evs: ReturnType<typeof chain>) => evs.map((e) => ({ key: `ev:${sessionId}:${String(e.seq)}`, kind: 'journal_event', body: e }));

  beforeAll(async () => {
    const script = '../../build/scripts/build-console.mjs';
    const { buildConsole } = (await import(script)) as { buildConsole: (o: { ifStale: boolean }) => Promise<unknown> };
    await buildConsole({ ifStale: true });
    hub = await startTestHub();
    expect((await hub.api('POST', '/v1/users', hub.adminToken, { username: 'pro', password: 'console-pro-password', role: 'proctor' })).status).toBe(201);
    a = await enrolKiosk(hub.url, String((await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {})).json.code), 'Kiosk A-01');
    bk = await enrolKiosk(hub.url, String((await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {})).json.code), 'Kiosk B-02');
    const t0 = Date.now() - 90_000;
    liveEvents = chain(LIVE, [
      { type: 'interview_started', at: t0, payload: { questionCount: 3 } },
      { type: 'question_started', at: t0 + 1, payload: { questionIndex: 1 } },
      // Nobody in view since 40 s ago (held 5 s before it became a flag); the microphone silent since 20 s ago.
      { type: 'vision_flag', at: Date.now() - 35_000, payload: { status: 'started', kind: 'no_face', questionIndex: 1, attempt: 0, confidence: 0.9, heldMs: 5000, startedAt: Date.now() - 40_000 } },
      { type: 'cant_hear_shown', at: Date.now() - 20_000, payload: { questionIndex: 1, attempt: 0, atMs: 8000, engine: 'silero_v5', seconds: 8 } },
    ]);
    await ingest(a, [
      { key: `session:${LIVE}:1`, kind: 'session', body: { id: LIVE, inviteCode: 'DEMO-2026', state: 'in_progress', questionIndex: 1, resumeCount: 0, interruption: null, candidateRef: 'cand-1' } },
      ...asItems(LIVE, liveEvents),
    ]);
    const pending = chain(CHECKIN, [
      { type: 'checked_in', at: Date.now() - 120_000, payload: { packId: 'software-engineer' } },
      { type: 'identity_offered', at: Date.now() - 70_000, payload: { mode: 'required', methods: ['photo', 'id_number'], skippable: false } },
      { type: 'identity_id_entered', at: Date.now() - 60_000, payload: { ordinal: 1, docType: 'prc_resident_id', masked: '****002X' } },
    ]);
    await ingest(bk, [
      { key: `session:${CHECKIN}:1`, kind: 'session', body: { id: CHECKIN, inviteCode: 'DEMO-2027', state: 'prechecked', questionIndex: 0, resumeCount: 0, interruption: null, candidateRef: 'cand-2' } },
      ...asItems(CHECKIN, pending),
    ]);
    browser = await launchBrowser({ fakeMedia: false });
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await browser?.close();
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('shows each open flag with its age, quietly, and drops a flag once its end has synced', async () => {
    const page = browser.page;
    await page.goto(`${hub.url}/console/`);
    await page.evaluate(() => sessionStorage.clear());
    await page.reload();
    await byTestId(page, 'login-username').fill('pro');
    await byTestId(page, 'login-password').fill('console-pro-password');
    await byTestId(page, 'login-submit').click();
    await byTestId(page, 'screen-board').waitFor();
    await setLang(page, 'en');

    const rowOf = (name: string) => page.locator('[data-testid="kiosk-row"]', { has: page.locator('th', { hasText: name }) });
    const kinds = async (name: string) => rowOf(name).locator('[data-testid="kiosk-flag"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));
    await expect.poll(() => kinds('Kiosk A-01'), { timeout: 15_000 }).toEqual(['no_face', 'cant_hear']);
    expect(await kinds('Kiosk B-02')).toEqual(['identity_pending']);
    const noFace = rowOf('Kiosk A-01').locator('[data-kind="no_face"]');
    expect(await noFace.innerText()).toMatch(/^⚑ No face in view for \d+ s$/);
    // Its age counts from when the condition began (40 s before seeding), not from when it synced.
    expect(Number(await noFace.getAttribute('data-age-ms'))).toBeGreaterThanOrEqual(40_000);
    expect(await rowOf('Kiosk B-02').locator('[data-kind="identity_pending"]').innerText()).toContain('ID number waiting for the proctor');
    await expect(byTestId(page, 'flags-waiting').innerText()).resolves.toBe('3 open flag(s) for a person to look at');
    // Sound-free: the board plays nothing.
    expect(await page.locator('audio, video').count()).toBe(0);
    await captureScreen(page, 'console-board-flags');

    // The kiosk syncs the end of the no-face flag: the next refresh (every 5 s) drops it, the age goes on for the other.
    const last = liveEvents[liveEvents.length - 1]!;
    const end = chain(LIVE, [{ type: 'vision_flag', at: Date.now(), payload: { status: 'ended', kind: 'no_face', questionIndex: 1, attempt: 0, confidence: 0.9, durationMs: 40_000, frames: 80, reason: 'cleared' } }], { seq: last.seq, hash: last.hash });
    await ingest(a, asItems(LIVE, end));
    await expect.poll(() => kinds('Kiosk A-01'), { timeout: 15_000 }).toEqual(['cant_hear']);
    await expect(byTestId(page, 'flags-waiting').innerText()).resolves.toBe('2 open flag(s) for a person to look at');
    await setLang(page, 'zh-CN');
  });
});
