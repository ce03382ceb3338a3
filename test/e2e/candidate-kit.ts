/**
 * Helpers for the candidate-experience scenarios: start a host and a browser, drive the screens,
 * take a screenshot of each screen in both languages, run axe-core on it, and record metrics the
 * e2e runner (test/e2e/run-e2e.ts) sums up.
 */
import Database from 'better-sqlite3';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { launchBrowser, precheckInteractiveSteps, ROOT, startHost, tempDir, type BrowserOptions, type HostHandle } from './harness';

export const RESULTS = path.join(ROOT, 'test-results');
export const SCREENS = path.join(RESULTS, 'screens');
export const METRICS = path.join(RESULTS, 'e2e-metrics.jsonl');
const AXE_SOURCE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');

export type Lang = 'zh-CN' | 'en';

export function metric(record: Record<string, unknown>): void {
  mkdirSync(RESULTS, { recursive: true });
  appendFileSync(METRICS, JSON.stringify({ at: Date.now(), ...record }) + '\n');
}

export interface Kiosk {
  host: HostHandle;
  page: Page;
  dataDir: string;
  close(): Promise<void>;
  restartHost(env?: NodeJS.ProcessEnv): Promise<void>;
}

/** Collects long main-thread tasks from the start of every page load. */
const LONGTASK_INIT = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration }); })
      .observe({ type: 'longtask', buffered: true });
  } catch {}
`;

/**
 * These scenarios are not about the pre-check: they go through every step of it, with the device
 * measurements shortened (main/dev/dev-options.ts), which saves about 9 s a scenario. The
 * pre-check's own scenarios (precheck.test.ts) start their host without it and measure in full.
 */
const QUICK_PRECHECK: NodeJS.ProcessEnv = { KIOSK_DEV_PRECHECK_QUICK: '1' };

export async function openKiosk(opts: { browser?: BrowserOptions; env?: NodeJS.ProcessEnv; dataDir?: string } = {}): Promise<Kiosk> {
  const dataDir = opts.dataDir ?? tempDir('kiosk-cand-');
  let host = await startHost({ dataDir, env: { ...QUICK_PRECHECK, ...opts.env } });
  const browser = await launchBrowser(opts.browser);
  await browser.context.addInitScript(LONGTASK_INIT);
  const page = browser.page;
  page.setDefaultTimeout(20_000);
  await page.goto(host.url);
  const kiosk: Kiosk = {
    get host() {
      return host;
    },
    page,
    dataDir,
    async close() {
      await browser.close().catch(() => undefined);
      await host.kill('SIGTERM');
    },
    async restartHost(env?: NodeJS.ProcessEnv) {
      await host.kill('SIGTERM');
      host = await startHost({ dataDir, env: { ...QUICK_PRECHECK, ...env } });
      await page.goto(host.url);
    },
  } as Kiosk;
  return kiosk;
}

export function byTestId(page: Page, id: string) {
  return page.locator(`[data-testid="${id}"]`);
}

export async function currentLang(page: Page): Promise<Lang> {
  return (await page.evaluate(() => document.documentElement.lang)) === 'en' ? 'en' : 'zh-CN';
}

/** Switches the interface language with the top-bar toggle (keeps focus where it was). */
export async function setLang(page: Page, lang: Lang): Promise<void> {
  if ((await currentLang(page)) === lang) return;
  await page.evaluate(() => (document.querySelector('[data-testid="language-toggle"]') as HTMLButtonElement).click());
  await page.waitForFunction((l) => document.documentElement.lang === l, lang);
}

/** Runs axe-core on the page; fails the scenario on any serious or critical violation. */
export async function axe(page: Page, screen: string): Promise<void> {
  const has = await page.evaluate(() => 'axe' in window);
  if (!has) await page.evaluate(AXE_SOURCE);
  const result = (await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; help: string; nodes: Array<{ target: string[] }> }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  })) as Array<{ id: string; impact: string; help: string; targets: string[] }>;
  const bad = result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const lang = await currentLang(page);
  metric({ kind: 'axe', screen, lang, serious: bad.length, minor: result.length - bad.length, violations: bad });
  expect(bad, `axe on ${screen} (${lang})`).toEqual([]);
}

let shotSeq = 0;

async function shootOne(page: Page, name: string): Promise<void> {
  const lang = await currentLang(page);
  const dir = path.join(SCREENS, lang);
  mkdirSync(dir, { recursive: true });
  // Let entry animations settle so screenshots are stable.
  await page.waitForTimeout(350);
  await page.screenshot({ path: path.join(dir, `${name}.png`), fullPage: true, animations: 'disabled', caret: 'hide' });
  shotSeq += 1;
  metric({ kind: 'screenshot', screen: name, lang });
}

/**
 * A screenshot and an axe run of the current screen in both languages, ending in the language
 * it started in.
 */
export async function captureScreen(page: Page, name: string): Promise<void> {
  const start = await currentLang(page);
  const other: Lang = start === 'zh-CN' ? 'en' : 'zh-CN';
  await shootOne(page, name);
  await axe(page, name);
  await setLang(page, other);
  await shootOne(page, name);
  await axe(page, name);
  await setLang(page, start);
}

// ------------------------------------------------------------------ the flow

export async function checkIn(page: Page, lang: Lang, code = 'DEMO-2026', capture = false): Promise<void> {
  await byTestId(page, 'invite-code').waitFor();
  await byTestId(page, `language-${lang}`).check();
  await byTestId(page, 'invite-code').fill(code);
  if (capture) await captureScreen(page, '01-welcome');
  await byTestId(page, 'check-in').click();
  await byTestId(page, 'consent').waitFor();
}

export async function acceptConsent(page: Page, capture = false): Promise<void> {
  if (capture) await captureScreen(page, '02-consent');
  await byTestId(page, 'consent-accept').click();
  await byTestId(page, 'precheck-flow').waitFor();
}

/** The pre-check (microphone, speaker tone), then the camera preview and practice, then the interview. */
export async function passDevices(page: Page, capture = false): Promise<void> {
  await precheckInteractiveSteps(page);
  if (capture) await captureScreen(page, '03-precheck-report');
  await byTestId(page, 'precheck-start').click();
  await page.waitForSelector('[data-testid="camera-state"][data-state="ok"]', { timeout: 30_000 });
  if (capture) await captureScreen(page, '03-devices');
  await byTestId(page, 'devices-continue').click();
  await byTestId(page, 'question').waitFor();
}

export async function questionIndex(page: Page): Promise<number> {
  return Number(await byTestId(page, 'question').getAttribute('data-question-index'));
}

export async function questionMode(page: Page): Promise<string> {
  return (await page.locator('[data-testid="question"] .mode-tag').innerText()).trim();
}

export async function waitForQuestion(page: Page, index: number): Promise<void> {
  await page.waitForSelector(`[data-testid="question"][data-question-index="${index}"]`);
}

/** Waits until at least `n` chunks of the open answer are committed in main. */
export async function waitForChunks(page: Page, n: number): Promise<void> {
  await page.waitForFunction(
    (min) => Number(document.querySelector('[data-testid="saved-chunks"]')?.getAttribute('data-chunks') ?? 0) >= min,
    n,
    { timeout: 30_000 },
  );
}

export async function isTextQuestion(page: Page): Promise<boolean> {
  return (await byTestId(page, 'answer-text').count()) > 0 || (await page.locator('[data-testid="question"][data-phase="answering"] textarea').count()) > 0;
}

/** Answers the open question: typed text, or ~`seconds` of recording. */
export async function answerCurrent(page: Page, opts: { text: string; seconds?: number; capture?: string }): Promise<void> {
  const idx = await questionIndex(page);
  if ((await byTestId(page, 'begin-answer').count()) > 0) {
    if (opts.capture) await captureScreen(page, `${opts.capture}-preparing`);
    await byTestId(page, 'begin-answer').click();
  }
  await page.waitForSelector('[data-testid="question"][data-phase="answering"]');
  if ((await byTestId(page, 'answer-text').count()) > 0) {
    await byTestId(page, 'answer-text').fill(opts.text);
    if (opts.capture) await captureScreen(page, `${opts.capture}-typing`);
  } else {
    await waitForChunks(page, opts.seconds ?? 2);
    if (opts.capture) await captureScreen(page, `${opts.capture}-recording`);
  }
  await byTestId(page, 'submit-answer').click();
  await page.waitForFunction(
    (i) => {
      const q = document.querySelector('[data-testid="question"]');
      return !q || Number(q.getAttribute('data-question-index')) !== i;
    },
    idx,
    { timeout: 30_000 },
  );
}

// ------------------------------------------------------------------ looking into the kiosk's store

export function readJournal(dataDir: string): Array<{ session_id: string; seq: number; type: string; payload: string }> {
  const db = new Database(path.join(dataDir, 'interview-kiosk.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT session_id, seq, type, payload FROM journal ORDER BY session_id, seq').all() as Array<{ session_id: string; seq: number; type: string; payload: string }>;
  } finally {
    db.close();
  }
}

/** The payloads of the kiosk's journal events of one type, in journal order, read from its store. */
export function journalEvents(k: { dataDir: string }, type: string): Array<Record<string, unknown>> {
  return readJournal(k.dataDir)
    .filter((e) => e.type === type)
    .map((e) => JSON.parse(e.payload) as Record<string, unknown>);
}

/** A countdown's remaining milliseconds as the page shows it (`data-remaining-ms`). */
export async function remainingMs(page: Page, testId: string): Promise<number> {
  return Number(await byTestId(page, testId).getAttribute('data-remaining-ms'));
}

export function sessionRow(dataDir: string, inviteCode = 'DEMO-2026'): { id: string; resume_count: number; state: string } {
  const db = new Database(path.join(dataDir, 'interview-kiosk.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare('SELECT id, resume_count, state FROM sessions WHERE invite_code = ?').get(inviteCode) as { id: string; resume_count: number; state: string };
  } finally {
    db.close();
  }
}

export async function longTasks(page: Page): Promise<Array<{ start: number; duration: number }>> {
  return page.evaluate(() => (window as unknown as { __longTasks: Array<{ start: number; duration: number }> }).__longTasks ?? []);
}

export async function perfEntries(page: Page, name: string): Promise<Array<{ startTime: number; duration: number }>> {
  return page.evaluate((n) => performance.getEntriesByName(n).map((e) => ({ startTime: e.startTime, duration: e.duration })), name);
}

export { shotSeq };

export async function questionCount(page: Page): Promise<number> {
  return Number(await byTestId(page, 'question').getAttribute('data-question-count'));
}

/** Whether the most recently submitted answer was recorded (video or audio) rather than typed. */
export async function lastAnswerWasRecorded(dataDir: string): Promise<boolean> {
  const last = readJournal(dataDir).filter((e) => e.type === 'answer_submitted').at(-1);
  return last ? (JSON.parse(last.payload) as { mode: string }).mode !== 'text' : false;
}

/** Answers questions until the open one is of the wanted kind (typed or recorded). */
export async function advanceTo(page: Page, kind: 'text' | 'media', text: string): Promise<number> {
  for (let guard = 0; guard < 12; guard++) {
    await byTestId(page, 'question').waitFor();
    const modeIsText = (await byTestId(page, 'question').getAttribute('data-mode')) === 'text';
    if ((kind === 'text') === modeIsText) return questionIndex(page);
    await answerCurrent(page, { text, seconds: 1 });
  }
  throw new Error(`no ${kind} question found`);
}

/** Presses Tab until the element with this test id has focus, then the given key. */
export async function keyTo(page: Page, testId: string, key = 'Enter', maxTabs = 40): Promise<void> {
  await byTestId(page, testId).waitFor();
  for (let i = 0; i < maxTabs; i++) {
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    if (focused === testId) {
      await page.keyboard.press(key);
      return;
    }
    await page.keyboard.press('Tab');
  }
  throw new Error(`could not reach ${testId} with the keyboard`);
}

/** Check-in, consent and the pre-check with the camera preview: the first question is on screen. */
export async function toInterview(page: Page, lang: Lang): Promise<void> {
  await checkIn(page, lang);
  await acceptConsent(page);
  await passDevices(page);
}
