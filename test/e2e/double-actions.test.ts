/**
 * Issue 17, double actions: a double-click (two clicks ~140 ms apart at one place, the second
 * with detail 2, as a browser delivers it) on every primary action acts once. Two consecutive
 * screens shared the label "开始面试", so a double-click on the pre-check report skipped the camera
 * preview and practice question; retake discarded a recording on one click.
 */
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { byTestId, openKiosk, readJournal, waitForChunks, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

/** Waits until the button can act, then double-clicks it the way a person does. */
async function doubleClick(page: Page, testId: string): Promise<void> {
  await page.waitForFunction((id) => {
    const b = document.querySelector<HTMLButtonElement>(`[data-testid="${id}"]`);
    return b !== null && !b.disabled && !b.closest('[data-arming]') && !b.classList.contains('arming');
  }, testId);
  const box = (await byTestId(page, testId).boundingBox())!;
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down({ clickCount: 1 });
  await page.mouse.up({ clickCount: 1 });
  await page.waitForTimeout(140);
  await page.mouse.down({ clickCount: 2 });
  await page.mouse.up({ clickCount: 2 });
}

const count = (dataDir: string, type: string) => readJournal(dataDir).filter((e) => e.type === type).length;

describe.skipIf(!hasChromium)('double actions', () => {
  it('a double-click on every primary action of the way in and of a question acts once', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page, dataDir } = k;
    const settle = () => page.waitForTimeout(1200);

    await byTestId(page, 'invite-code').fill('DEMO-2026');
    await doubleClick(page, 'check-in');
    await byTestId(page, 'consent').waitFor();

    await doubleClick(page, 'consent-accept');
    await byTestId(page, 'precheck-flow').waitFor();
    await settle();
    expect(count(dataDir, 'consent_given')).toBe(1);

    await byTestId(page, 'precheck-microphone').waitFor({ timeout: 30_000 });
    await byTestId(page, 'precheck-mic-start').click();
    await byTestId(page, 'precheck-play-tone').click({ timeout: 30_000 });
    await doubleClick(page, 'precheck-heard-yes');
    await byTestId(page, 'precheck-overall').waitFor({ timeout: 15_000 });
    await settle();
    expect(count(dataDir, 'precheck_recorded')).toBe(1);
    expect(await byTestId(page, 'error').count()).toBe(0);

    // The report's start and the camera preview's start sat at one place: the preview must stay.
    await doubleClick(page, 'precheck-start');
    await byTestId(page, 'devices').waitFor();
    await settle();
    expect(await byTestId(page, 'devices').count()).toBe(1);
    expect(count(dataDir, 'interview_started')).toBe(0);

    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await doubleClick(page, 'devices-continue');
    await byTestId(page, 'question').waitFor();
    await settle();
    expect(await byTestId(page, 'question').getAttribute('data-phase')).toBe('preparing');
    expect(count(dataDir, 'answer_begun')).toBe(0);

    await doubleClick(page, 'begin-answer');
    await page.locator('[data-testid="question"][data-phase="answering"]').waitFor();
    await settle();
    expect(await byTestId(page, 'question').getAttribute('data-question-index')).toBe('0');
    expect(count(dataDir, 'answer_submitted')).toBe(0);

    // Retake discards a recording: it asks first, and a double-click only opens the question.
    await waitForChunks(page, 1);
    await doubleClick(page, 'retake');
    await byTestId(page, 'retake-confirm').waitFor();
    await settle();
    expect(count(dataDir, 'answer_retake')).toBe(0);
    await byTestId(page, 'retake-confirm-no').click();
    await byTestId(page, 'retake-confirm').waitFor({ state: 'detached' });

    await doubleClick(page, 'submit-answer');
    await page.locator('[data-testid="question"][data-question-index="1"]').waitFor({ timeout: 30_000 });
    await settle();
    expect(await byTestId(page, 'question').getAttribute('data-question-index')).toBe('1');
    expect(await byTestId(page, 'question').getAttribute('data-phase')).toBe('preparing');
    expect(count(dataDir, 'answer_submitted')).toBe(1);
  });

  it('a confirmed retake still works, once', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page, dataDir } = k;
    await byTestId(page, 'invite-code').fill('DEMO-2027');
    await byTestId(page, 'check-in').click();
    await byTestId(page, 'consent-accept').click();
    await byTestId(page, 'precheck-microphone').waitFor({ timeout: 30_000 });
    await byTestId(page, 'precheck-mic-start').click();
    await byTestId(page, 'precheck-play-tone').click({ timeout: 30_000 });
    await byTestId(page, 'precheck-heard-yes').click();
    await byTestId(page, 'precheck-start').click({ timeout: 15_000 });
    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await byTestId(page, 'devices-continue').click();
    await byTestId(page, 'begin-answer').click();
    await waitForChunks(page, 1);
    await byTestId(page, 'retake').click();
    await doubleClick(page, 'retake-confirm-yes');
    await expect.poll(() => count(dataDir, 'answer_retake'), { timeout: 15_000 }).toBe(1);
    await byTestId(page, 'question').waitFor();
    await page.waitForTimeout(1200);
    expect(count(dataDir, 'answer_retake')).toBe(1);
    expect(count(dataDir, 'answer_submitted')).toBe(0);
  });
});
