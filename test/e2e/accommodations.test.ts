/**
 * Accommodations and the fair clock in the browser (issue #20), no retry: an invite with 1.5× time
 * gets and is held to 1.5×; a rest break stops the clock and is journaled; Help open for 5 s costs
 * no answer time and counts against the question's allowance; an English candidate's "welcome
 * back" is English after a restart and after leaving and re-entering the code; a keyboard-only
 * candidate with accommodations completes the interview. Times are read from the page and events
 * from the kiosk's store, never from the code under test.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { acceptConsent, byTestId, journalEvents, keyTo, openKiosk, passDevices, questionCount, remainingMs, waitForChunks, waitForQuestion, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('accommodations e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

/** The served demo pack (software engineer): question 1 is a video (prep 30 s, answer 120 s); stage 2 opens with question 2 (prep 60 s). */
const Q0_PREP_S = 30;
const Q0_ANSWER_S = 120;
const Q1_PREP_S = 60;

let open: Kiosk[] = [];
async function kiosk(): Promise<Kiosk> {
  const k = await openKiosk();
  open.push(k);
  return k;
}
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

const events = journalEvents;

const remaining = remainingMs;

async function checkInWith(page: Page, code: string, lang: 'zh-CN' | 'en'): Promise<void> {
  await byTestId(page, 'invite-code').waitFor();
  await byTestId(page, `language-${lang}`).check();
  await byTestId(page, 'invite-code').fill(code);
  await byTestId(page, 'check-in').click();
  await byTestId(page, 'consent').waitFor();
}

async function throughDevices(page: Page): Promise<void> {
  await acceptConsent(page);
  await passDevices(page);
}

describe.skipIf(!hasChromium)('accommodations and the fair clock', () => {
  it('gives a 1.5× invite 1.5× the time, says so before question 1, and takes a journaled rest break with the clock stopped', async () => {
    const k = await kiosk();
    const { page } = k;
    await checkInWith(page, 'DEMO-ACC1', 'en');
    // In plain words before the first question, and applied (larger text).
    const notice = await byTestId(page, 'accommodations').innerText();
    expect(notice).toContain('1.5× the usual preparation and answer time');
    expect(notice).toContain('rest break of up to 1 minute');
    expect(await page.evaluate(() => document.documentElement.dataset.textSize)).toBe('large');
    await throughDevices(page);

    await waitForQuestion(page, 0);
    await byTestId(page, 'extra-time').waitFor();
    const prep0 = await remaining(page, 'prep-remaining');
    expect(prep0).toBeGreaterThan(Q0_PREP_S * 1000 + 5_000);
    expect(prep0).toBeLessThanOrEqual(Q0_PREP_S * 1500);
    await byTestId(page, 'begin-answer').click();
    await byTestId(page, 'answer-remaining').waitFor();
    const first = await remaining(page, 'answer-remaining');
    expect(first).toBeGreaterThan(Q0_ANSWER_S * 1000 + 40_000);
    expect(first).toBeLessThanOrEqual(Q0_ANSWER_S * 1500);
    await waitForChunks(page, 1);
    // Held to it: main's own view after a reload says 1.5× minus the time spent, not 1×.
    await page.waitForTimeout(2_000);
    await page.reload();
    const resumeOrQuestion = page.locator('[data-testid="resume-screen"], [data-testid="question"]');
    await resumeOrQuestion.first().waitFor({ timeout: 30_000 });
    if ((await byTestId(page, 'resume-screen').count()) > 0) await byTestId(page, 'resume-continue').click();
    await byTestId(page, 'answer-remaining').waitFor();
    const afterReload = await remaining(page, 'answer-remaining');
    expect(afterReload).toBeGreaterThan(Q0_ANSWER_S * 1000 + 20_000);
    expect(afterReload).toBeLessThan(first);
    await waitForChunks(page, 1);

    // The next stage begins with a rest break: the question is hidden and the clock stands still.
    await byTestId(page, 'submit-answer').click();
    await byTestId(page, 'rest-break').waitFor();
    expect(await byTestId(page, 'question').count()).toBe(0);
    await page.waitForTimeout(3_000);
    await byTestId(page, 'rest-continue').click();
    await waitForQuestion(page, 1);
    const prep = await remaining(page, 'prep-remaining');
    expect(prep).toBeGreaterThan(Q1_PREP_S * 1500 - 1_500);
    expect(prep).toBeLessThanOrEqual(Q1_PREP_S * 1500);
    const started = events(k, 'rest_break_started');
    const ended = events(k, 'rest_break_ended');
    expect(started).toEqual([{ questionIndex: 1, stageIndex: 1, maxMs: 60_000 }]);
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ questionIndex: 1, by: 'candidate' });
    expect(Number(ended[0]!.restedMs)).toBeGreaterThanOrEqual(2_500);
    expect(events(k, 'accommodations_set')).toEqual([
      { source: 'invite', accommodations: { timeMultiplier: 1.5, restBreakMinutes: 1, textAnswers: false, largeText: true, highContrast: false } },
    ]);
  });

  it('charges nothing for Help open 5 s, says so in the dialog, and counts it against the allowance', async () => {
    const k = await kiosk();
    const { page } = k;
    await checkInWith(page, 'DEMO-2026', 'en');
    await throughDevices(page);
    await waitForQuestion(page, 0);
    await byTestId(page, 'begin-answer').click();
    await byTestId(page, 'answer-remaining').waitFor();
    await page.waitForTimeout(1_000);
    const before = await remaining(page, 'answer-remaining');
    await byTestId(page, 'help-open').click();
    const note = byTestId(page, 'help-clock-paused');
    await note.waitFor();
    expect(await note.getAttribute('data-clock')).toBe('paused');
    expect(await note.innerText()).toMatch(/paused \(up to 120 more seconds/);
    await page.waitForTimeout(5_000);
    await byTestId(page, 'help-close').click();
    await expect.poll(() => events(k, 'clock_resumed').length, { timeout: 5_000 }).toBe(1);
    const after = await remaining(page, 'answer-remaining');
    expect(Math.abs(after - before)).toBeLessThanOrEqual(1_000);
    expect(Number(events(k, 'clock_resumed')[0]?.pausedMs)).toBeGreaterThanOrEqual(4_500);
    // The cap holds across visits: the allowance left is what the first visit did not use.
    await byTestId(page, 'help-open').click();
    await note.waitFor();
    const secondsLeft = Number(/(\d+) more seconds/.exec(await note.innerText())?.[1]);
    expect(secondsLeft).toBeLessThanOrEqual(116);
    expect(secondsLeft).toBeGreaterThanOrEqual(110);
    await byTestId(page, 'help-close').click();
  });

  it("speaks an English candidate's language on welcome back, after a restart and after leaving and re-entering the code", async () => {
    const k = await kiosk();
    const { page } = k;
    await checkInWith(page, 'DEMO-2026', 'en');
    await throughDevices(page);
    await waitForQuestion(page, 0);
    await k.restartHost();
    await byTestId(page, 'resume-screen').waitFor({ timeout: 30_000 });
    expect(await page.locator('#resume-h').innerText()).toBe('Welcome back');
    expect(await page.evaluate(() => [document.documentElement.lang, document.title])).toEqual(['en', 'Interview Kiosk']);
    await byTestId(page, 'resume-continue').click();
    await waitForQuestion(page, 0);

    // Leave, then come back on a freshly loaded kiosk (which starts in Chinese) with the code.
    await byTestId(page, 'exit-open').click();
    await byTestId(page, 'exit-reason-personal').check();
    await byTestId(page, 'exit-confirm').click();
    await byTestId(page, 'exit-receipt').waitFor();
    await page.reload();
    await byTestId(page, 'invite-code').waitFor();
    expect(await page.evaluate(() => document.title)).toBe('面试终端');
    await byTestId(page, 'invite-code').fill('DEMO-2026');
    await byTestId(page, 'check-in').click();
    await byTestId(page, 'resume-screen').waitFor();
    expect(await page.locator('#resume-h').innerText()).toBe('Welcome back');
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('en');
  });

  it('lets a keyboard-only candidate with accommodations complete the interview, rest break included', async () => {
    const k = await kiosk();
    const { page } = k;
    await byTestId(page, 'invite-code').waitFor();
    await keyTo(page, 'invite-code', 'End');
    await page.keyboard.type('DEMO-ACC1');
    await page.keyboard.press('Enter');
    await byTestId(page, 'accommodations').waitFor();
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
      await page.waitForSelector(`[data-testid="question"][data-question-index="${i}"], [data-testid="rest-break"][data-question-index="${i}"]`);
      if ((await byTestId(page, 'rest-break').count()) > 0) await keyTo(page, 'rest-continue');
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
    expect(events(k, 'rest_break_ended').length).toBeGreaterThanOrEqual(1);
    expect(events(k, 'interview_completed')).toHaveLength(1);
  });
});
