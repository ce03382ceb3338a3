/**
 * Accessibility proof (issue #20): walks every candidate screen and state, in both languages, with
 * the keyboard only, on the dev web shell in Debian Chromium, and checks each state with
 *  - axe-core (every violation counts, whatever its impact);
 *  - checks of its own from Chromium's accessibility tree (CDP Accessibility.getFullAXTree):
 *    an interactive role without a name is an unnamed control;
 *  - focus: after every transition, focus must not be left on <body>;
 *  - announcements: recording started/stopped and the device states must reach a polite live region
 *    (the announcer's text is read from the page, not from the code that wrote it);
 *  - emulated forced colours: the timer bar, progress bar and recording light keep a visible
 *    colour different from the canvas; and a 200 % zoom (a 640×400 CSS-pixel viewport) must show
 *    the countdown while Submit is in view;
 *  - after a restart, welcome back is in the language the candidate chose.
 *
 *   node --import tsx test/a11y/run-a11y.ts [--json]
 *
 * Prints ONE JSON line last: {"screens":…,"axeViolations":0,"unnamedControls":0,"focusLostToBody":0,
 * "unannouncedStatus":0,"forcedColorsHidden":0,"zoomCountdownHidden":0,"keyboardComplete":true,"target":…};
 * exits 1 when any count is non-zero or the keyboard walk did not complete.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumPath, launchBrowser, ROOT, startHost, tempDir, type HostHandle } from '../e2e/harness';

type Lang = 'zh-CN' | 'en';
const AXE_SOURCE = readFileSync(path.join(ROOT, 'node_modules/axe-core/axe.min.js'), 'utf8');
const INTERACTIVE = new Set(['button', 'link', 'textbox', 'checkbox', 'radio', 'combobox', 'slider', 'spinbutton', 'switch', 'tab', 'menuitem', 'searchbox', 'listbox', 'option']);

const totals = { screens: 0, axeViolations: 0, unnamedControls: 0, focusLostToBody: 0, unannouncedStatus: 0, forcedColorsHidden: 0, zoomCountdownHidden: 0, wrongLanguage: 0, keyboardComplete: true };
const problems: string[] = [];
const json = process.argv.includes('--json');
function note(s: string): void {
  problems.push(s);
  if (!json) console.log(`  ✗ ${s}`);
}

const by = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

/** Presses Tab until the element with this test id has focus, then the key; false if unreachable. */
async function keyTo(page: Page, testId: string, key = 'Enter', maxTabs = 60): Promise<boolean> {
  await by(page, testId).first().waitFor({ timeout: 30_000 });
  for (let i = 0; i < maxTabs; i++) {
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? null);
    if (focused === testId) {
      await page.keyboard.press(key);
      return true;
    }
    await page.keyboard.press('Tab');
  }
  return false;
}

/** Keyboard first; a control the keyboard cannot reach fails keyboardComplete (then is clicked so the walk goes on). */
async function press(page: Page, testId: string, where: string, key = 'Enter'): Promise<void> {
  if (await keyTo(page, testId, key)) return;
  totals.keyboardComplete = false;
  note(`${where}: ${testId} not reachable with Tab`);
  await by(page, testId).first().click();
}

async function focusCheck(page: Page, where: string): Promise<void> {
  await page.waitForTimeout(250);
  const onBody = await page.evaluate(() => document.activeElement === null || document.activeElement === document.body);
  if (onBody) {
    totals.focusLostToBody += 1;
    note(`${where}: focus left on <body>`);
  }
}

async function announced(page: Page, where: string, pattern: RegExp): Promise<void> {
  const ok = await page
    .waitForFunction((src) => [...document.querySelectorAll('[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"]')].some((e) => !e.closest('[inert]') && new RegExp(src).test(e.textContent ?? '')), pattern.source, { timeout: 5_000 })
    .then(() => true)
    .catch(() => false);
  if (!ok) {
    totals.unannouncedStatus += 1;
    note(`${where}: nothing matching ${pattern} in a live region`);
  }
}

/** One screen state: axe, the accessibility tree, forced colours. */
async function check(page: Page, screen: string, lang: Lang): Promise<void> {
  totals.screens += 1;
  const where = `${screen} (${lang})`;
  if (!json) console.log(`- ${where}`);
  // Entry animations (fades) settle first, so colours are measured as the candidate sees them.
  await page.waitForTimeout(400);
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const violations = (await page.evaluate(async () => {
    const w = window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => `${v.id}/${v.impact} ×${v.nodes.length}: ${(v.nodes as Array<{ target: string[]; failureSummary?: string }>).slice(0, 3).map((n) => `${n.target.join(' ')} ${(n.failureSummary ?? '').split('\n').slice(1, 2).join('')}`).join(' | ')}`);
  })) as string[];
  totals.axeViolations += violations.length;
  for (const v of violations) note(`${where}: axe ${v}`);

  const cdp = await page.context().newCDPSession(page);
  const tree = (await cdp.send('Accessibility.getFullAXTree')) as { nodes: Array<{ ignored: boolean; role?: { value?: string }; name?: { value?: string } }> };
  await cdp.detach();
  const unnamed = tree.nodes.filter((n) => !n.ignored && INTERACTIVE.has(String(n.role?.value)) && !String(n.name?.value ?? '').trim());
  totals.unnamedControls += unnamed.length;
  for (const n of unnamed) note(`${where}: unnamed ${n.role?.value}`);

  await page.emulateMedia({ forcedColors: 'active' });
  const hidden = (await page.evaluate(() => {
    const canvas = getComputedStyle(document.body).backgroundColor;
    const out: string[] = [];
    for (const sel of ['.timer-fill', '.progress-fill', '.rec-dot', '.timer-track', '.progress-track']) {
      for (const e of document.querySelectorAll<HTMLElement>(sel)) {
        const cs = getComputedStyle(e);
        const bg = cs.backgroundColor;
        const border = parseFloat(cs.borderTopWidth) > 0 && cs.borderTopColor !== canvas && cs.borderTopStyle !== 'none';
        const painted = bg !== 'rgba(0, 0, 0, 0)' && bg !== 'transparent' && bg !== canvas;
        if (e.offsetWidth === 0 || e.offsetHeight === 0 || !(painted || border)) out.push(sel);
      }
    }
    return out;
  })) as string[];
  await page.emulateMedia({ forcedColors: 'none' });
  totals.forcedColorsHidden += hidden.length;
  for (const h of hidden) note(`${where}: ${h} invisible in forced colours`);
}

/** 200 % zoom: with Submit scrolled into view, the countdown must be in view too. */
async function zoomCheck(page: Page, where: string): Promise<void> {
  const size = page.viewportSize() ?? { width: 1280, height: 800 };
  await page.setViewportSize({ width: Math.round(size.width / 2), height: Math.round(size.height / 2) });
  await page.waitForTimeout(200);
  await by(page, 'submit-answer').scrollIntoViewIfNeeded();
  // A string, not a function: tsx's helpers (__name) do not exist in the page.
  const found = (await page.evaluate(`(() => {
    const t = document.querySelector('[role="timer"]');
    const s = document.querySelector('[data-testid="submit-answer"]');
    if (!t || !s) return 'no timer or no Submit';
    const rt = t.getBoundingClientRect();
    const rs = s.getBoundingClientRect();
    const ok = [rt, rs].every((r) => r.bottom > 0 && r.top < innerHeight && r.height > 0);
    return ok ? '' : 'timer ' + Math.round(rt.top) + '..' + Math.round(rt.bottom) + ', submit ' + Math.round(rs.top) + '..' + Math.round(rs.bottom) + ', viewport ' + innerHeight;
  })()`)) as string;
  const visible = found === '';
  await page.setViewportSize(size);
  if (!visible) {
    totals.zoomCountdownHidden += 1;
    note(`${where}: countdown out of view with Submit at 200 % (${found})`);
  }
}

/**
 * The audit checks what each pre-check step shows and announces, not how long it measures: the
 * web shell's short device measurements (KIOSK_DEV_PRECHECK_QUICK) save about 8 s a walk.
 */
const QUICK_PRECHECK: NodeJS.ProcessEnv = { KIOSK_DEV_PRECHECK_QUICK: '1' };

async function walk(lang: Lang): Promise<void> {
  const dataDir = tempDir('kiosk-a11y-');
  let host: HostHandle = await startHost({ dataDir, env: QUICK_PRECHECK });
  const browser = await launchBrowser();
  const page = browser.page;
  page.setDefaultTimeout(30_000);
  try {
    await page.goto(host.url);
    await by(page, 'invite-code').waitFor();
    // The language radios are one Tab stop (the checked one); an arrow key picks English.
    if (lang === 'en') {
      await press(page, 'language-zh-CN', 'welcome', 'ArrowRight');
      await page.waitForFunction(() => document.documentElement.lang === 'en');
    }
    await check(page, 'welcome', lang);
    await press(page, 'invite-code', 'welcome', 'End');
    await page.keyboard.type('DEMO-ACC1');
    await page.keyboard.press('Enter');
    await by(page, 'consent').waitFor();
    await focusCheck(page, `consent (${lang})`);
    await check(page, 'consent+accommodations', lang);
    // The staff-only accommodations dialog, by keyboard: open, audit, close with Escape.
    await press(page, 'proctor-accommodations', 'consent');
    await by(page, 'proctor-accommodations-dialog').waitFor();
    await focusCheck(page, `proctor accommodations dialog (${lang})`);
    await check(page, 'proctor-accommodations-dialog', lang);
    await page.keyboard.press('Escape');
    await by(page, 'proctor-accommodations-dialog').waitFor({ state: 'detached' });
    await focusCheck(page, `proctor accommodations closed (${lang})`);
    await press(page, 'consent-accept', 'consent');
    await by(page, 'precheck-microphone').waitFor();
    await focusCheck(page, `precheck microphone (${lang})`);
    await check(page, 'precheck-microphone', lang);
    const mic = (await by(page, 'precheck-mic-continue').count()) > 0 ? 'precheck-mic-continue' : 'precheck-mic-start';
    await press(page, mic, 'precheck microphone');
    await by(page, 'precheck-play-tone').waitFor();
    await focusCheck(page, `precheck speakers (${lang})`);
    await check(page, 'precheck-speakers', lang);
    await press(page, 'precheck-play-tone', 'precheck speakers');
    await press(page, 'precheck-heard-yes', 'precheck speakers');
    await by(page, 'precheck-overall').waitFor();
    await focusCheck(page, `precheck report (${lang})`);
    await check(page, 'precheck-report', lang);
    await press(page, 'precheck-start', 'precheck report');
    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor();
    await announced(page, `devices (${lang})`, lang === 'en' ? /Camera:/ : /摄像头：/);
    await check(page, 'devices', lang);
    await press(page, 'devices-continue', 'devices');
    await page.locator('[data-testid="question"][data-question-index="0"]').waitFor();
    await focusCheck(page, `question 1 (${lang})`);
    await check(page, 'question-preparing', lang);

    // Help and Leave while the clock is on: each says what happens to the clock.
    await press(page, 'help-open', 'question');
    await by(page, 'help-dialog').waitFor();
    await focusCheck(page, `help dialog (${lang})`);
    await check(page, 'help-dialog', lang);
    await page.keyboard.press('Escape');
    await by(page, 'help-dialog').waitFor({ state: 'detached' });
    await focusCheck(page, `help closed (${lang})`);
    await press(page, 'exit-open', 'question');
    await by(page, 'exit-consequences').waitFor();
    await focusCheck(page, `leave dialog (${lang})`);
    await check(page, 'leave-dialog', lang);
    await page.keyboard.press('Escape');
    await by(page, 'exit-consequences').waitFor({ state: 'detached' });
    await focusCheck(page, `leave closed (${lang})`);

    // Recording: announced when it starts and stops; the light survives forced colours.
    await press(page, 'begin-answer', 'question 1');
    await page.locator('[data-testid="saved-chunks"][data-recording="true"]').waitFor();
    await announced(page, `recording started (${lang})`, lang === 'en' ? /Recording started/ : /已开始录制/);
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="saved-chunks"]')?.getAttribute('data-chunks')) >= 1);
    await check(page, 'question-recording', lang);
    await zoomCheck(page, `question-recording (${lang})`);
    await press(page, 'submit-answer', 'question 1');

    // The next stage opens with the rest break (DEMO-ACC1 has one).
    await by(page, 'rest-break').waitFor();
    await focusCheck(page, `rest break (${lang})`);
    await check(page, 'rest-break', lang);
    await press(page, 'rest-continue', 'rest break');
    await page.locator('[data-testid="question"][data-question-index="1"]').waitFor();
    await focusCheck(page, `after the rest break (${lang})`);

    // Record through to the first typed question.
    for (let i = 1; i < 12; i++) {
      await page.locator(`[data-testid="question"][data-question-index="${i}"]`).waitFor();
      if ((await by(page, 'question').getAttribute('data-mode')) === 'text') break;
      if ((await by(page, 'begin-answer').count()) > 0) await press(page, 'begin-answer', `question ${i + 1}`);
      await page.waitForFunction(() => Number(document.querySelector('[data-testid="saved-chunks"]')?.getAttribute('data-chunks')) >= 1);
      await press(page, 'submit-answer', `question ${i + 1}`);
      await announced(page, `recording stopped (${lang})`, lang === 'en' ? /Recording stopped/ : /录制已停止/);
    }
    await focusCheck(page, `typed question (${lang})`);
    await check(page, 'question-text', lang);
    await press(page, 'answer-text', 'typed question', 'End');
    await page.keyboard.type(lang === 'en' ? 'Typed with the keyboard.' : '用键盘输入的回答。');
    await zoomCheck(page, `question-text (${lang})`);

    // A restart: welcome back must be in the session's language, and checked like any screen.
    await host.kill('SIGTERM');
    host = await startHost({ dataDir, env: QUICK_PRECHECK });
    await page.goto(host.url);
    await by(page, 'resume-screen').waitFor();
    const resumeLang = await page.evaluate(() => document.documentElement.lang);
    if (resumeLang !== lang) {
      totals.wrongLanguage += 1;
      note(`resume (${lang}): shown in ${resumeLang}`);
    }
    await check(page, 'resume', lang);
    await press(page, 'resume-continue', 'resume');
    await by(page, 'question').waitFor();
    await focusCheck(page, `after resume (${lang})`);

    // Leaving: the receipt is a screen of its own.
    await press(page, 'exit-open', 'question');
    // A radio group is one Tab stop: its first option takes focus, Space picks it.
    const firstReason = await page.locator('input[name="exit-reason"]').first().getAttribute('data-testid');
    await press(page, firstReason ?? 'exit-reason-personal', 'leave dialog', 'Space');
    await press(page, 'exit-confirm', 'leave dialog');
    await by(page, 'exit-receipt').waitFor();
    await focusCheck(page, `exit receipt (${lang})`);
    await check(page, 'exit-receipt', lang);
  } finally {
    await browser.close().catch(() => undefined);
    await host.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const target = 'every screen and state in zh-CN and en: 0 axe violations, 0 unnamed controls, focus never on <body>, status announced, timer/progress/recording visible in forced colours, countdown in view at 200 %, keyboard-only walk completes';
  if (!chromiumPath()) {
    console.log(JSON.stringify({ ...totals, screens: 0, keyboardComplete: false, skipped: 'Chromium not found', target }));
    process.exit(1);
  }
  for (const lang of ['zh-CN', 'en'] as const) {
    try {
      await walk(lang);
    } catch (e) {
      totals.keyboardComplete = false;
      note(`walk (${lang}) stopped: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  const pass =
    totals.screens > 0 && totals.axeViolations === 0 && totals.unnamedControls === 0 && totals.focusLostToBody === 0 && totals.unannouncedStatus === 0 && totals.forcedColorsHidden === 0 && totals.zoomCountdownHidden === 0 && totals.wrongLanguage === 0 && totals.keyboardComplete;
  if (json && problems.length > 0) for (const p of problems) console.log(`# ${p}`);
  console.log(JSON.stringify({ ...totals, pass, target }));
  process.exit(pass ? 0 : 1);
}

void main();
