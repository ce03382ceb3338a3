/**
 * The candidate experience end to end: the real web shell in a child process, Debian Chromium
 * with a fake camera and microphone, every screen photographed and checked by axe-core in both
 * languages. Run through `npm run test:e2e -- --json`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PROCTOR_SECRET } from '../../main/app/composition-root';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { openExitNote } from '../../main/db/text-sealing';
import { fileKeyring, useFileKeys } from '../../main/services/storage/crypto/file-keys';
import { readRemux } from '../../main/services/storage/remux-file';
import {
  acceptConsent,
  answerCurrent,
  byTestId,
  captureScreen,
  checkIn,
  longTasks,
  metric,
  openKiosk,
  passDevices,
  perfEntries,
  questionIndex,
  readJournal,
  sessionRow,
  waitForChunks,
  waitForQuestion,
  advanceTo,
  toInterview,
  keyTo,
  lastAnswerWasRecorded,
  questionCount,
  type Kiosk,
  type Lang,
} from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
const GRACE_MS = 600_000;

let open: Kiosk[] = [];
async function kiosk(opts?: Parameters<typeof openKiosk>[0]): Promise<Kiosk> {
  const k = await openKiosk(opts);
  open.push(k);
  return k;
}
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

/**
 * Proxies the page's IPC WebSocket and holds main's answer to `channel` until a heartbeat sent
 * after it has been answered by main; then delivers the held answer first and the heartbeat's
 * answer right after it — the order a loaded machine produces now and then. Returns what the
 * page sent after the stale answer reached it.
 */
async function staleHeartbeatAfter(page: Page, channel: string): Promise<{ delivered: () => boolean; sentAfter: string[] }> {
  const seen = { delivered: false, sentAfter: [] as string[] };
  await page.routeWebSocket(/\/ipc\?/, (ws) => {
    const server = ws.connectToServer();
    let heldId: number | null = null;
    let heldAnswer: string | null = null;
    const beatsAfter = new Set<number>();
    ws.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id?: number; channel?: string };
      if (seen.delivered) seen.sentAfter.push(String(msg.channel));
      if (msg.channel === channel && heldId === null) heldId = msg.id ?? null;
      else if (heldId !== null && heldAnswer !== '' && msg.channel === 'kiosk:page:heartbeat' && typeof msg.id === 'number') beatsAfter.add(msg.id);
      server.send(m);
    });
    server.onMessage((m) => {
      const msg = JSON.parse(String(m)) as { id?: number };
      if (msg.id !== undefined && msg.id === heldId && heldAnswer === null) {
        heldAnswer = String(m);
        return;
      }
      if (heldAnswer && msg.id !== undefined && beatsAfter.has(msg.id)) {
        ws.send(heldAnswer);
        ws.send(m);
        heldAnswer = '';
        seen.delivered = true;
        return;
      }
      ws.send(m);
    });
  });
  return { delivered: () => seen.delivered, sentAfter: seen.sentAfter };
}

const TEXT: Record<Lang, string> = {
  'zh-CN': '我最近在一家物流公司负责调度系统的后端开发，主导了订单分配模块的重构。',
  en: 'Most recently I led the rewrite of the order-dispatch backend at a logistics company.',
};

/** Walks the whole demo interview; with `capture`, every screen is photographed and axe-checked. */
async function fullInterview(k: Kiosk, lang: Lang, capture: boolean): Promise<void> {
  const { page } = k;
  await byTestId(page, 'invite-code').waitFor();
  const interactive = await perfEntries(page, 'kiosk:interactive');
  metric({ kind: 'perf', name: 'first-interactive-ms', lang, value: interactive[0]?.startTime ?? null });
  // Behaviour, not wall-clock: the page marks itself interactive exactly once. The time is reported
  // in the metrics (first-interactive-ms); a single threshold failed CI on busy 2-core machines.
  expect(interactive).toHaveLength(1);
  expect(Number.isFinite(interactive[0]?.startTime)).toBe(true);

  await checkIn(page, lang, 'DEMO-2026', capture);
  await acceptConsent(page, capture);
  await passDevices(page, capture);

  let recordingWindow: { from: number; to: number } | null = null;
  const total = await questionCount(page);
  for (let i = 0; i < total; i++) {
    await waitForQuestion(page, i);
    const name = capture ? `04-question-${i + 1}` : undefined;
    if (capture && i === 0) await captureScreen(page, '04-question-1-stage-intro');
    const from = await page.evaluate(() => performance.now());
    await answerCurrent(page, { text: TEXT[lang], seconds: 3, capture: name });
    const to = await page.evaluate(() => performance.now());
    if (recordingWindow === null && (await lastAnswerWasRecorded(k.dataDir))) recordingWindow = { from, to };
  }
  await byTestId(page, 'done').waitFor();
  await expect(byTestId(page, 'receipt-id').innerText()).resolves.toMatch(/RCP-[0-9A-F]{10}/);
  await expect(byTestId(page, 'answered-count').innerText()).resolves.toBe(String(total));
  if (capture) await captureScreen(page, '05-done');

  const next = await perfEntries(page, 'kiosk:next-question');
  metric({ kind: 'perf', name: 'next-question-ms', lang, values: next.map((e) => Math.round(e.duration)) });
  expect(next.length).toBeGreaterThan(0);
  for (const e of next) expect(e.duration).toBeLessThan(100);

  const tasks = await longTasks(page);
  const during = recordingWindow ? tasks.filter((t) => t.start >= recordingWindow!.from && t.start <= recordingWindow!.to) : [];
  const maxDuring = Math.max(0, ...during.map((t) => t.duration));
  metric({ kind: 'perf', name: 'longest-task-while-recording-ms', lang, value: Math.round(maxDuring) });
  expect(maxDuring).toBeLessThan(200);
}

/**
 * Waits for the background remux of every answered video segment, then checks the stored files:
 * sealed on disk (no WebM header in the clear), and seekable once opened through the verifying
 * reader with the data folder's file key (the web shell's key protector).
 */
async function expectSeekableRecordings(k: Kiosk, atLeast: number): Promise<void> {
  const dir = () => {
    const root = path.join(k.dataDir, 'recordings');
    if (!existsSync(root)) return [] as string[];
    return readdirSync(root).flatMap((s) => readdirSync(path.join(root, s)).filter((f) => f.endsWith('.webm.sealed')).map((f) => path.join(root, s, f)));
  };
  const deadline = Date.now() + 90_000;
  while (dir().length < atLeast && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
  const files = dir();
  expect(files.length).toBeGreaterThanOrEqual(atLeast);
  const db = new Database(path.join(k.dataDir, 'interview-kiosk.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const keys = fileKeyring(db, k.dataDir);
    expect(keys, 'the web shell keeps its session keys under the data folder\'s file key').toBeDefined();
    for (const f of files) {
      const m = /^q(\d+)-a(\d+)-s(\d+)\.webm\.sealed$/.exec(path.basename(f));
      expect(m, path.basename(f)).not.toBeNull();
      const sealed = readFileSync(f);
      expect(sealed.includes(Buffer.from([0x1a, 0x45, 0xdf, 0xa3])), `${path.basename(f)} has no WebM header in the clear`).toBe(false);
      const bytes = Buffer.concat([...readRemux(f, keys!, { sessionId: path.basename(path.dirname(f)), questionIndex: Number(m![1]), attempt: Number(m![2]), segment: Number(m![3]) })]);
      // Matroska Cues (1C 53 BB 6B) make the file seekable; Duration (44 89) is written in Info.
      expect(bytes.includes(Buffer.from([0x1c, 0x53, 0xbb, 0x6b])), `${path.basename(f)} has cues`).toBe(true);
      expect(bytes.includes(Buffer.from([0x44, 0x89])), `${path.basename(f)} has a duration`).toBe(true);
    }
  } finally {
    db.close();
  }
  const remuxed = readJournal(k.dataDir).filter((e) => e.type === 'recording_remuxed');
  expect(remuxed.length).toBeGreaterThanOrEqual(atLeast);
  metric({ kind: 'remux', files: files.length });
}

describe.skipIf(!hasChromium)('candidate experience', () => {
  it('completes the full demo interview in zh-CN (every screen photographed and axe-checked in both languages)', async () => {
    const k = await kiosk();
    await fullInterview(k, 'zh-CN', true);
    await expectSeekableRecordings(k, 3);
  });

  it('completes the full demo interview in en', async () => {
    const k = await kiosk({ browser: { locale: 'en-US' } });
    await fullInterview(k, 'en', false);
    const journal = readJournal(k.dataDir);
    expect(journal.some((e) => e.type === 'interview_completed')).toBe(true);
  });

  it('exits with a reason and hands back a receipt with the incident id and the resume deadline', async () => {
    const k = await kiosk();
    const { page } = k;
    // The race that made this scenario flaky, made certain: a heartbeat that reaches main after
    // the exit committed is answered "exited", and its answer reaches the page after the receipt.
    // The page must keep the receipt (it used to replace it with "welcome back").
    const stale = await staleHeartbeatAfter(page, 'kiosk:exit:confirm');
    await page.reload();
    await toInterview(page, 'zh-CN');
    await byTestId(page, 'exit-open').click();
    await byTestId(page, 'exit-consequences').waitFor();
    await captureScreen(page, '06-exit-confirm');
    await byTestId(page, 'exit-reason-network').check();
    await byTestId(page, 'exit-text').fill('家里的网络一直掉线');
    await byTestId(page, 'exit-confirm').click();
    await byTestId(page, 'exit-receipt').waitFor();
    await expect(byTestId(page, 'incident-id').innerText()).resolves.toMatch(/INC-\d{8}-[0-9A-F]{8}/);
    await captureScreen(page, '07-exit-receipt');
    const exit = readJournal(k.dataDir).find((e) => e.type === 'exit_confirmed');
    // The note is sealed under the session key (erasure shreds it); it opens with the kiosk's key.
    expect(exit && JSON.parse(exit.payload)).toMatchObject({ reason: 'network', text: null, textSealed: expect.any(String) });
    expect(exit!.payload).not.toContain('家里的网络一直掉线');
    {
      const db = new Database(path.join(k.dataDir, 'interview-kiosk.sqlite'), { readonly: true });
      try {
        expect(useFileKeys(db, k.dataDir)).toBe(true);
        expect(openExitNote(db, exit!.session_id, JSON.parse(exit!.payload) as Record<string, unknown>)).toBe('家里的网络一直掉线');
      } finally {
        db.close();
      }
    }
    // The stale heartbeat's answer reached the page after the receipt's. Two page tasks later
    // (the proxy's messages and evaluate share one channel to the page, in order) the page has
    // acted on it if it was going to: it asked for nothing and still shows the receipt.
    expect(stale.delivered()).toBe(true);
    await page.evaluate(() => new Promise((r) => setTimeout(() => setTimeout(r, 0), 0)));
    expect(stale.sentAfter).toEqual([]);
    await expect(byTestId(page, 'exit-receipt').isVisible()).resolves.toBe(true);
    expect(await byTestId(page, 'resume-screen').count()).toBe(0);
  });

  it('survives a host crash mid-answer and resumes at the same question', async () => {
    const k = await kiosk();
    const { page } = k;
    await toInterview(page, 'en');
    const index = await advanceTo(page, 'media', TEXT.en);
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    await waitForChunks(page, 2);
    k.host.proc.kill('SIGKILL');
    await new Promise((r) => k.host.proc.once('exit', r));
    await k.restartHost();
    await byTestId(page, 'resume-screen').waitFor();
    await captureScreen(page, '08-welcome-back');
    await byTestId(page, 'resume-continue').click();
    await waitForQuestion(page, index);
    expect(Number(await byTestId(page, 'saved-chunks').getAttribute('data-chunks'))).toBeGreaterThanOrEqual(2);
    expect(readJournal(k.dataDir).some((e) => e.type === 'crash_detected')).toBe(true);
  });

  it('after the grace window asks for the proctor code: refuses a wrong one, accepts the right one', async () => {
    const k = await kiosk();
    const { page } = k;
    await toInterview(page, 'zh-CN');
    const index = await advanceTo(page, 'media', TEXT['zh-CN']);
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    await waitForChunks(page, 1);
    k.host.proc.kill('SIGKILL');
    await new Promise((r) => k.host.proc.once('exit', r));
    // The kiosk comes back eleven minutes later: past the pack's ten-minute grace window.
    await k.restartHost({ KIOSK_DEV_CLOCK_OFFSET_MS: String(GRACE_MS + 60_000) });
    await byTestId(page, 'resume-screen').waitFor();
    await byTestId(page, 'resume-code').waitFor();
    await captureScreen(page, '09-resume-code');
    await byTestId(page, 'resume-code').fill('ABCDE-FGHJK');
    await byTestId(page, 'resume-continue').click();
    await byTestId(page, 'error').waitFor();
    expect(sessionRow(k.dataDir).state).toBe('interrupted');
    const row = sessionRow(k.dataDir);
    const code = new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor(row.id, row.resume_count);
    await byTestId(page, 'resume-code').fill(code);
    await byTestId(page, 'resume-continue').click();
    await waitForQuestion(page, index);
    expect(sessionRow(k.dataDir).state).toBe('in_progress');
    const refused = readJournal(k.dataDir).filter((e) => e.type === 'resume_refused');
    expect(refused.map((e) => JSON.parse(e.payload).code)).toContain('RESUME_CODE_INVALID');
  });

  it('can be completed with the keyboard alone', async () => {
    const k = await kiosk({ browser: { locale: 'en-US' } });
    const { page } = k;
    await byTestId(page, 'invite-code').waitFor();
    await keyTo(page, 'invite-code', 'End');
    await page.keyboard.type('DEMO-2026');
    await page.keyboard.press('Enter');
    await keyTo(page, 'consent-accept');
    await byTestId(page, 'precheck-microphone').waitFor({ timeout: 30_000 });
    const micButton = (await byTestId(page, 'precheck-mic-continue').count()) > 0 ? 'precheck-mic-continue' : 'precheck-mic-start';
    await keyTo(page, micButton);
    await keyTo(page, 'precheck-play-tone');
    await keyTo(page, 'precheck-heard-yes');
    await keyTo(page, 'precheck-start');
    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await keyTo(page, 'devices-continue');
    const total = await questionCount(page);
    for (let i = 0; i < total; i++) {
      await waitForQuestion(page, i);
      if ((await byTestId(page, 'question').getAttribute('data-mode')) === 'text') {
        await keyTo(page, 'answer-text', 'End');
        await page.keyboard.type('Typed with the keyboard only.');
        await keyTo(page, 'submit-answer');
      } else {
        if ((await byTestId(page, 'begin-answer').count()) > 0) await keyTo(page, 'begin-answer');
        await waitForChunks(page, 1);
        await keyTo(page, 'submit-answer');
      }
    }
    await byTestId(page, 'done').waitFor();
    expect(await lastAnswerWasRecorded(k.dataDir)).toBeTypeOf('boolean');
  });

  it('never submits on Enter while an IME is composing a typed answer', async () => {
    const k = await kiosk();
    const { page } = k;
    await toInterview(page, 'zh-CN');
    const index = await advanceTo(page, 'text', TEXT['zh-CN']);
    const box = byTestId(page, 'answer-text');
    await box.click();
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="answer-text"]') as HTMLTextAreaElement;
      el.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true, data: '' }));
      el.dispatchEvent(new CompositionEvent('compositionupdate', { bubbles: true, data: 'ni' }));
      for (const ctrlKey of [false, true]) {
        el.dispatchEvent(new KeyboardEvent('keydown', { bubbles: true, cancelable: true, key: 'Enter', ctrlKey, isComposing: true, keyCode: 229 } as KeyboardEventInit));
      }
    });
    await page.waitForTimeout(600);
    expect(await questionIndex(page)).toBe(index);
    await page.evaluate(() => {
      const el = document.querySelector('[data-testid="answer-text"]') as HTMLTextAreaElement;
      el.dispatchEvent(new CompositionEvent('compositionend', { bubbles: true, data: '你好' }));
    });
    await page.keyboard.insertText('你好，我做过五年后端开发。');
    await expect(byTestId(page, 'char-count').innerText()).resolves.toMatch(/1[0-9]/);
    await page.keyboard.press('Control+Enter');
    await page.waitForFunction((i) => Number(document.querySelector('[data-testid="question"]')?.getAttribute('data-question-index') ?? -1) !== i, index);
  });

  it('pauses the answer when the camera is lost mid-answer and continues when it is back', async () => {
    const k = await kiosk();
    const { page } = k;
    await toInterview(page, 'zh-CN');
    const index = await advanceTo(page, 'media', TEXT['zh-CN']);
    if ((await byTestId(page, 'question').getAttribute('data-mode')) !== 'video') await answerCurrent(page, { text: TEXT['zh-CN'], seconds: 1 });
    const videoIndex = await advanceTo(page, 'media', TEXT['zh-CN']);
    expect(videoIndex).toBeGreaterThanOrEqual(index);
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    await waitForChunks(page, 1);
    await page.evaluate(() => {
      for (const v of Array.from(document.querySelectorAll('video'))) {
        const s = v.srcObject as MediaStream | null;
        s?.getVideoTracks().forEach((t) => t.stop());
      }
    });
    await byTestId(page, 'device-lost').waitFor({ timeout: 10_000 });
    await captureScreen(page, '10-camera-lost');
    const before = Number(await byTestId(page, 'answer-remaining').getAttribute('data-remaining-ms'));
    await page.waitForTimeout(2000);
    const paused = Number(await byTestId(page, 'answer-remaining').getAttribute('data-remaining-ms'));
    expect(Math.abs(before - paused)).toBeLessThan(600);
    // The kiosk retries the device by itself every two seconds; the button only hurries it.
    await byTestId(page, 'device-retry').click({ timeout: 2_000 }).catch(() => undefined);
    await byTestId(page, 'device-lost').waitFor({ state: 'detached', timeout: 15_000 });
    const journal = readJournal(k.dataDir).map((e) => e.type);
    expect(journal).toContain('device_lost');
    expect(journal).toContain('device_restored');
  });
});
