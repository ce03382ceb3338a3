/**
 * A proctor sets accommodations on the spot through the kiosk's own screen (issue #20), no retry:
 * a wrong code changes nothing and is journaled; the code the proctor tool gives for this session
 * and exactly these settings applies them, the candidate sees them in plain words, the question's
 * time is 1.5×, and the proctor's name and reason are journaled for HR. The code comes from the
 * proctor CLI run against the kiosk's store, the events from the store, the times from the page.
 */
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { byTestId, openKiosk, readJournal, waitForQuestion, type Kiosk } from './candidate-kit';
import { chromiumPath, precheckInteractiveSteps } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('proctor-accommodations e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

/** The served demo pack: question 1 prepares for 30 s. */
const Q0_PREP_S = 30;

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

function events(k: Kiosk, type: string): Array<Record<string, unknown>> {
  return readJournal(k.dataDir)
    .filter((e) => e.type === type)
    .map((e) => JSON.parse(e.payload) as Record<string, unknown>);
}

function proctorCode(dataDir: string, invite: string, time: number): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', 'accommodation-code', '--invite', invite, '--time', String(time), '--data-dir', dataDir, '--json'], {
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { ok: boolean; accommodationCode?: string };
  expect(r.ok).toBe(true);
  return r.accommodationCode!;
}

describe.skipIf(!hasChromium)('a proctor sets accommodations at the kiosk', () => {
  it('refuses a wrong code without changing anything, applies the right one, and journals who and why', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page } = k;
    await byTestId(page, 'invite-code').waitFor();
    await byTestId(page, 'language-en').check();
    await byTestId(page, 'invite-code').fill('DEMO-2026');
    await byTestId(page, 'check-in').click();
    await byTestId(page, 'consent').waitFor();
    expect(await byTestId(page, 'accommodations').count()).toBe(0);

    await byTestId(page, 'proctor-accommodations').click();
    const dialog = byTestId(page, 'proctor-accommodations-dialog');
    await dialog.waitFor();
    await byTestId(page, 'accp-multiplier').selectOption('1.5');
    await byTestId(page, 'accp-name').fill('Wang Fang');
    await byTestId(page, 'accp-reason').fill('documented need, letter seen');
    await byTestId(page, 'accp-code').fill('AAAAA-AAAAA');
    await byTestId(page, 'accp-apply').click();
    await page.waitForSelector('[data-testid="proctor-accommodations-dialog"] [data-testid="error"][data-code="RESUME_CODE_INVALID"]');
    expect(events(k, 'accommodations_refused')).toHaveLength(1);
    expect(events(k, 'accommodations_set')).toHaveLength(0);

    // The code for these exact settings, from the proctor tool against this kiosk's store.
    await byTestId(page, 'accp-code').fill(proctorCode(k.dataDir, 'DEMO-2026', 1.5));
    await byTestId(page, 'accp-apply').click();
    await dialog.waitFor({ state: 'detached' });
    const notice = await byTestId(page, 'accommodations').innerText();
    expect(notice).toContain('1.5× the usual preparation and answer time');
    expect(notice).toContain('Arranged by the staff at this centre.');
    expect(events(k, 'accommodations_set')).toEqual([
      expect.objectContaining({
        source: 'proctor',
        accommodations: { timeMultiplier: 1.5, restBreakMinutes: 0, textAnswers: false, largeText: false, highContrast: false },
        proctor: 'Wang Fang',
        reason: 'documented need, letter seen',
      }),
    ]);

    // Applied: question 1's preparation time is 1.5× the pack's.
    await byTestId(page, 'consent-accept').click();
    await byTestId(page, 'precheck-flow').waitFor();
    await precheckInteractiveSteps(page);
    await byTestId(page, 'precheck-start').click();
    await page.waitForSelector('[data-testid="camera-state"][data-state="ok"]', { timeout: 30_000 });
    await byTestId(page, 'devices-continue').click();
    await waitForQuestion(page, 0);
    const prep = Number(await byTestId(page, 'prep-remaining').getAttribute('data-remaining-ms'));
    expect(prep).toBeGreaterThan(Q0_PREP_S * 1000 + 5_000);
    expect(prep).toBeLessThanOrEqual(Q0_PREP_S * 1500);
  });
});
