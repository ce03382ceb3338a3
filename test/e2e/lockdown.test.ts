/**
 * Lockdown in a real browser (the development web shell, where the renderer's lockdown listener
 * does what main's before-input-event does in Electron): blocked shortcuts and focus loss reach
 * the journal, a real Ctrl+V is refused in an answer when the pack blocks the clipboard (and works
 * before check-in, so the browser can paste at all), and a Chinese IME still composes through
 * CDP's Input.imeSetComposition with lockdown active.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { advanceTo, byTestId, openKiosk, readJournal, sessionRow, toInterview, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const exe = chromiumPath();
if (!exe) console.warn('[e2e] Chromium not found: install Debian chromium (apt-get install -y chromium); .ci/run does');

function lockdownEvents(k: Kiosk): Array<Record<string, unknown>> {
  const id = sessionRow(k.dataDir).id;
  return readJournal(k.dataDir)
    .filter((e) => e.session_id === id && e.type === 'lockdown_event')
    .map((e) => JSON.parse(e.payload) as Record<string, unknown>);
}

describe.skipIf(!exe)('lockdown in the browser', () => {
  let k: Kiosk;

  beforeAll(async () => {
    k = await openKiosk();
    const origin = new URL(k.host.url).origin;
    await k.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
  });

  afterAll(async () => {
    await k?.close();
  });

  it('pastes normally before check-in (the browser can paste)', async () => {
    const page = k.page;
    await byTestId(page, 'invite-code').waitFor();
    await page.evaluate(() => navigator.clipboard.writeText('DEMO-2026'));
    await byTestId(page, 'invite-code').click();
    await page.keyboard.press('Control+V');
    await expect.poll(() => byTestId(page, 'invite-code').inputValue()).toBe('DEMO-2026');
    await byTestId(page, 'invite-code').fill('');
  });

  it('enforces Trusted Types on the page: markup from a string is refused, the app still runs', async () => {
    const page = k.page;
    const outcome = await page.evaluate(() => {
      try {
        document.createElement('div').innerHTML = '<img src=x onerror=alert(1)>';
        return 'allowed';
      } catch (e) {
        return e instanceof TypeError ? 'refused' : 'other';
      }
    });
    expect(outcome).toBe('refused');
    expect(await byTestId(page, 'invite-code').count()).toBe(1);
  });

  it('journals blocked shortcuts and refuses a paste into a typed answer, telling the candidate', async () => {
    const page = k.page;
    await toInterview(page, 'zh-CN');
    await advanceTo(page, 'text', '我在上一份工作中负责离线录制。');
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    const answer = byTestId(page, 'answer-text');
    await answer.waitFor();
    await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = 42));

    await answer.click();
    await page.keyboard.press('Control+R');
    await page.keyboard.press('F12');
    await page.keyboard.press('Control+=');
    // Not reloaded: the marker set on this document is still there.
    expect(await page.evaluate(() => (window as unknown as { __marker?: number }).__marker)).toBe(42);
    await expect.poll(() => lockdownEvents(k).filter((e) => e.kind === 'shortcut_blocked').map((e) => e.shortcut)).toEqual(['reload', 'devtools', 'zoom']);

    await page.evaluate(() => navigator.clipboard.writeText('COPIED FROM ELSEWHERE'));
    await answer.click();
    await page.keyboard.press('Control+V');
    await byTestId(page, 'lockdown-notice').waitFor();
    expect(await byTestId(page, 'lockdown-notice').innerText()).toContain('不支持粘贴');
    expect(await answer.inputValue()).not.toContain('COPIED');
    await expect.poll(() => lockdownEvents(k).filter((e) => e.kind === 'paste_blocked').length).toBe(1);
  });

  it('types Chinese through an IME composition with lockdown on', async () => {
    const page = k.page;
    const answer = byTestId(page, 'answer-text');
    await answer.fill('');
    await answer.click();
    const cdp = await page.context().newCDPSession(page);
    for (const step of ['n', 'ni', 'nih', 'niha', 'nihao']) {
      await cdp.send('Input.imeSetComposition', { text: step, selectionStart: step.length, selectionEnd: step.length });
    }
    await cdp.send('Input.insertText', { text: '你好' });
    await cdp.send('Input.imeSetComposition', { text: 'shijie', selectionStart: 6, selectionEnd: 6 });
    await cdp.send('Input.insertText', { text: '世界' });
    await expect.poll(() => answer.inputValue()).toBe('你好世界');
    await page.keyboard.type('，OK');
    await expect.poll(() => answer.inputValue()).toBe('你好世界，OK');
    // Composition produced no lockdown event.
    expect(lockdownEvents(k).filter((e) => e.kind === 'shortcut_blocked')).toHaveLength(3);
  });

  it('journals focus loss and its duration when the candidate switches away', async () => {
    const page = k.page;
    const cdp = await page.context().newCDPSession(page);
    // Playwright emulates permanent focus; switch that off so the page sees real focus changes.
    await cdp.send('Emulation.setFocusEmulationEnabled', { enabled: false });
    const other = await page.context().newPage();
    await other.bringToFront();
    await expect.poll(() => lockdownEvents(k).some((e) => e.kind === 'focus_lost' || e.kind === 'hidden'), { timeout: 10_000 }).toBe(true);
    await page.waitForTimeout(300);
    await page.bringToFront();
    await other.close();
    await expect
      .poll(() => lockdownEvents(k).find((e) => (e.kind === 'focus_regained' || e.kind === 'visible') && typeof e.durationMs === 'number'), { timeout: 10_000 })
      .toMatchObject({ source: 'renderer' });
    const regained = lockdownEvents(k).find((e) => (e.kind === 'focus_regained' || e.kind === 'visible') && typeof e.durationMs === 'number')!;
    expect(regained.durationMs as number).toBeGreaterThanOrEqual(200);
  });
});
