/**
 * #12 "pause_and_alert does not actually pause": a prohibited remote-control program appears
 * during an answer (injected into the real integrity monitor through the dev shell's process
 * list, KIOSK_DEV_INTEGRITY_PROCESSES_FILE), the pack's policy says pause_and_alert, and the
 * interview pauses: the candidate sees a calm "please wait" screen, the clock stands still, a
 * wrong code changes nothing, and the proctor's code continues the answer with the time paused
 * not charged. Everything is read from the page and from the kiosk's journal.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_PROCTOR_SECRET } from '../../main/app/composition-root';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { byTestId, journalEvents, openKiosk, sessionRow, toInterview, type Kiosk } from './candidate-kit';
import { chromiumPath, tempDir } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('proctor-pause e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

const events = journalEvents;

describe.skipIf(!hasChromium)('a proctor alert pauses the interview', () => {
  it('pauses on a remote-control program, shows the calm screen, and continues on the proctor code with nothing charged', async () => {
    const processes = path.join(tempDir('kiosk-procs-'), 'processes.json');
    writeFileSync(processes, '[]');
    const k = await openKiosk({ env: { KIOSK_DEV_INTEGRITY_PROCESSES_FILE: processes, KIOSK_DEV_INTEGRITY_INTERVAL_MS: '300' } });
    open.push(k);
    const { page } = k;
    await toInterview(page, 'zh-CN');
    if ((await byTestId(page, 'begin-answer').count()) > 0) await byTestId(page, 'begin-answer').click();
    await byTestId(page, 'answer-remaining').waitFor();
    const total = Number(await byTestId(page, 'answer-remaining').getAttribute('data-total-ms'));

    // The program starts: the monitor finds it, the policy says pause_and_alert.
    writeFileSync(processes, JSON.stringify(['systemd', 'anydesk']));
    await byTestId(page, 'proctor-pause').waitFor({ timeout: 30_000 });
    await expect(byTestId(page, 'proctor-pause').innerText()).resolves.toContain('请稍候，监考老师正在处理');
    expect(await byTestId(page, 'answer-remaining').count()).toBe(0);
    const paused = events(k, 'proctor_paused');
    expect(paused).toEqual([expect.objectContaining({ by: 'integrity', kind: 'remote_control_app', questionIndex: 0 })]);
    expect(events(k, 'integrity_finding')).toEqual(expect.arrayContaining([expect.objectContaining({ status: 'found', kind: 'remote_control_app', action: 'pause_and_alert' })]));

    // The screen shows the time left as main holds it, and it stands still while the proctor comes.
    const shown = Number(await byTestId(page, 'proctor-pause-time').getAttribute('data-remaining-ms'));
    expect(Math.abs(shown - (total - Number(paused[0]!.elapsedMs)))).toBeLessThanOrEqual(1);
    await page.waitForTimeout(3_000); // the proctor walks over: that is the scenario, not a wait for the kiosk
    expect(Number(await byTestId(page, 'proctor-pause-time').getAttribute('data-remaining-ms'))).toBe(shown);

    // A wrong code changes nothing; the program is closed; the proctor's code continues.
    await byTestId(page, 'proctor-code').fill('AAAA-BBBB');
    await byTestId(page, 'proctor-continue').click();
    await expect.poll(() => events(k, 'proctor_pause_refused').length, { timeout: 15_000 }).toBe(1);
    await byTestId(page, 'proctor-pause').waitFor();
    writeFileSync(processes, JSON.stringify(['systemd']));
    const row = sessionRow(k.dataDir);
    await byTestId(page, 'proctor-code').fill(new HmacResumeCodes(DEMO_PROCTOR_SECRET).codeFor(row.id, row.resume_count));
    const clickedAt = Date.now();
    await byTestId(page, 'proctor-continue').click();
    await byTestId(page, 'answer-remaining').waitFor({ timeout: 30_000 });
    const after = Number(await byTestId(page, 'answer-remaining').getAttribute('data-remaining-ms'));
    const sinceClick = Date.now() - clickedAt;

    const lifted = events(k, 'proctor_pause_lifted');
    expect(lifted).toEqual([expect.objectContaining({ by: 'proctor_code', questionIndex: 0, chargedMs: 0 })]);
    // Main restarted the clock exactly where it stopped it; the page shows that, less at most the time since the click.
    expect(lifted[0]!.elapsedMs).toBe(paused[0]!.elapsedMs);
    expect(Number(lifted[0]!.pausedMs)).toBeGreaterThanOrEqual(3_000);
    expect(after).toBeLessThanOrEqual(shown + 1);
    expect(shown - after).toBeLessThanOrEqual(sinceClick + 1);
    expect(sessionRow(k.dataDir)).toMatchObject({ resume_count: 0, state: 'in_progress' });
  });
});
