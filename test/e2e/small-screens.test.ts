/**
 * Issue 17, small screens: every screen fits 1280×720 and 1366×768 with its primary action and
 * "Leave interview" on screen and not covered, and the page itself never scrolls (content scrolls
 * inside its region). Screenshots: test-results/screens/<lang>/small-<w>x<h>-<screen>.png.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { advanceTo, answerCurrent, byTestId, checkIn, currentLang, metric, openKiosk, SCREENS, setLang, toInterview, waitForChunks, type Kiosk } from './candidate-kit';
import { chromiumPath, precheckInteractiveSteps } from './harness';

const hasChromium = chromiumPath() !== null;
const SIZES = [
  [1280, 720],
  [1366, 768],
] as const;

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

interface Fit {
  pageScrolls: boolean;
  primary: string;
  exit: string;
}

/** Where an element is: 'ok' when fully inside the viewport and the topmost thing at its centre. */
async function measure(page: Page, primary: string, exit: boolean): Promise<Fit> {
  return page.evaluate(
    ({ primary, exit }) => {
      const where = (id: string): string => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        if (!el) return 'missing';
        const b = el.getBoundingClientRect();
        if (b.width === 0 || b.height === 0) return 'hidden';
        if (b.top < 0 || b.left < 0 || b.bottom > innerHeight + 0.5 || b.right > innerWidth + 0.5) return `off-screen (top ${Math.round(b.top)}, bottom ${Math.round(b.bottom)} of ${innerHeight})`;
        const hit = document.elementFromPoint(b.left + b.width / 2, b.top + b.height / 2);
        return hit && (hit === el || el.contains(hit)) ? 'ok' : `covered by <${hit?.tagName.toLowerCase()} class="${hit?.getAttribute('class') ?? ''}">`;
      };
      const se = document.scrollingElement!;
      return { pageScrolls: se.scrollHeight > innerHeight + 1 || se.scrollWidth > innerWidth + 1, primary: where(primary), exit: exit ? where('exit-open') : 'ok' };
    },
    { primary, exit },
  );
}

/** Checks the current screen at both sizes in both languages (photographing each), then restores size and language. */
async function fits(page: Page, screen: string, primary: string, opts: { exit: boolean }): Promise<void> {
  const start = await currentLang(page);
  for (const lang of [start, start === 'zh-CN' ? 'en' : 'zh-CN'] as const) {
    await setLang(page, lang);
    const dir = path.join(SCREENS, lang);
    mkdirSync(dir, { recursive: true });
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      // A screen or an action just shown takes no pointer input for a moment (double-click guard).
      await page.waitForFunction(() => !document.querySelector('[data-arming], button.arming'));
      await page.waitForTimeout(250);
      const fit = await measure(page, primary, opts.exit);
      await page.screenshot({ path: path.join(dir, `small-${width}x${height}-${screen}.png`), animations: 'disabled', caret: 'hide' });
      metric({ kind: 'screenshot', screen: `small-${width}x${height}-${screen}`, lang });
      metric({ kind: 'small-screen', screen, lang, width, height, ...fit });
      expect(fit, `${screen} at ${width}×${height} (${lang})`).toEqual({ pageScrolls: false, primary: 'ok', exit: 'ok' });
    }
  }
  await setLang(page, start);
  await page.setViewportSize({ width: 1280, height: 800 });
}

describe.skipIf(!hasChromium)('small screens (1280×720, 1366×768)', () => {
  it('every screen of the way in, a video question, its dialogs and welcome back keep the action and the exit on screen', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page } = k;
    await byTestId(page, 'invite-code').waitFor();
    await fits(page, 'welcome', 'check-in', { exit: false });

    await byTestId(page, 'help-open').click();
    await byTestId(page, 'help-dialog').waitFor();
    await fits(page, 'help', 'raise-hand', { exit: false });
    await byTestId(page, 'help-close').click();

    await checkIn(page, 'zh-CN');
    await fits(page, 'consent', 'consent-accept', { exit: true });
    await byTestId(page, 'consent-accept').click();

    await byTestId(page, 'precheck-microphone').waitFor({ timeout: 30_000 });
    await fits(page, 'precheck-microphone', 'precheck-mic-start', { exit: true });
    await precheckInteractiveSteps(page);
    await fits(page, 'precheck-report', 'precheck-start', { exit: true });
    await byTestId(page, 'precheck-start').click();

    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await fits(page, 'devices', 'devices-continue', { exit: true });
    await byTestId(page, 'devices-continue').click();

    await byTestId(page, 'question').waitFor();
    expect(await byTestId(page, 'question').getAttribute('data-mode')).toBe('video');
    await fits(page, 'question-preparing', 'begin-answer', { exit: true });
    await byTestId(page, 'begin-answer').click();
    await waitForChunks(page, 1);
    await fits(page, 'question-recording', 'submit-answer', { exit: true });

    await byTestId(page, 'retake').click();
    await byTestId(page, 'retake-confirm').waitFor();
    await fits(page, 'retake-confirm', 'retake-confirm-no', { exit: false });
    await byTestId(page, 'retake-confirm-no').click();

    await byTestId(page, 'exit-open').click();
    await byTestId(page, 'exit-dialog').waitFor();
    await byTestId(page, 'exit-consequences').locator('li').first().waitFor();
    await fits(page, 'exit-dialog', 'exit-confirm', { exit: false });
    await fits(page, 'exit-dialog-stay', 'exit-stay', { exit: false });
    await byTestId(page, 'exit-stay').click();

    // A crash mid-answer: the kiosk opens on welcome back, with the exit offered there too.
    k.host.proc.kill('SIGKILL');
    await k.restartHost();
    await byTestId(page, 'resume-screen').waitFor();
    await fits(page, 'resume', 'resume-continue', { exit: true });
    await byTestId(page, 'exit-open').click();
    await byTestId(page, 'exit-reason-time').check();
    await byTestId(page, 'exit-confirm').click();
    await byTestId(page, 'exit-receipt').waitFor();
    await fits(page, 'exit-receipt', 'incident-id', { exit: false });
  });

  it('a written answer and the end of the interview fit too', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page } = k;
    await toInterview(page, 'zh-CN');
    await advanceTo(page, 'text', '练习');
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    await byTestId(page, 'answer-text').fill('我最近在一家物流公司负责调度系统的后端开发，主导了订单分配模块的重构。');
    await fits(page, 'question-typing', 'submit-answer', { exit: true });
    for (let guard = 0; guard < 12 && (await byTestId(page, 'done').count()) === 0; guard++) {
      await answerCurrent(page, { text: '好的。', seconds: 1 });
    }
    await byTestId(page, 'done').waitFor();
    await fits(page, 'done', 'receipt-id', { exit: false });
  });

  it('the at-home system check and its report fit too', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page } = k;
    await byTestId(page, 'system-check-open').click();
    await byTestId(page, 'precheck-flow').waitFor();
    await precheckInteractiveSteps(page);
    await fits(page, 'system-check-report', 'system-check-save', { exit: false });
    await checkInLater(page);
  });
});

/** Back to the first screen from the system check (the way a candidate would). */
async function checkInLater(page: Page): Promise<void> {
  await byTestId(page, 'system-check-back').click();
  await byTestId(page, 'invite-code').waitFor();
  await checkIn(page, 'en');
}
