/**
 * The fair clock's cap in the browser, and a proctor setting accommodations at the kiosk (issue
 * #20), no retry. The cap: a pack whose policy allows 3 s of Help per question (the demo pack,
 * re-signed here with the demo key and that one change) charges a candidate who keeps Help open
 * ~7 s for the time past 3 s, journals `clock_pause_capped`, and the dialog then says the
 * allowance is used up. The proctor: a wrong code changes nothing and is journaled; the code the
 * proctor tool gives for this session and exactly these settings applies them, the candidate sees
 * them in plain words, the question's time is 1.5×, and the proctor's name and reason are
 * journaled for HR. The code comes from the proctor CLI run against the kiosk's store, the events
 * from the store, the times from the page.
 *
 * (Original scope:) A proctor sets accommodations on the spot through the kiosk's own screen:
 * a wrong code changes nothing and is journaled; the code the proctor tool gives for this session
 * and exactly these settings applies them, the candidate sees them in plain words, the question's
 * time is 1.5×, and the proctor's name and reason are journaled for HR. The code comes from the
 * proctor CLI run against the kiosk's store, the events from the store, the times from the page.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { acceptConsent, byTestId, journalEvents, openKiosk, passDevices, remainingMs, waitForQuestion, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('proctor-accommodations e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

/** The served demo pack: question 1 prepares for 30 s. */
const Q0_PREP_S = 30;

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

const events = journalEvents;

function proctorCode(dataDir: string, invite: string, time: number): string {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', 'accommodation-code', '--invite', invite, '--time', String(time), '--data-dir', dataDir, '--json'], {
    encoding: 'utf8',
  });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { ok: boolean; accommodationCode?: string };
  expect(r.ok).toBe(true);
  return r.accommodationCode!;
}

async function throughDevices(page: Kiosk['page']): Promise<void> {
  await acceptConsent(page);
  await passDevices(page);
}

const remaining = remainingMs;

describe.skipIf(!hasChromium)('the fair clock cap', () => {
  let packsDir = '';
  beforeAll(() => {
    // The demo software-engineer pack with one change, a 3-second Help allowance per question,
    // signed with the public demo key and the demo unlock code the demo provisioning knows.
    const work = mkdtempSync(path.join(os.tmpdir(), 'kiosk-cap-pack-'));
    packsDir = path.join(work, 'packs');
    mkdirSync(packsDir);
    const pack = JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')) as { policy: Record<string, unknown> };
    pack.policy.fairClock = { dialogsStopClock: true, dialogPauseCapSeconds: 3 };
    writeFileSync(path.join(work, 'se.pack.json'), JSON.stringify(pack));
    const demo = JSON.parse(readFileSync('build/provisioning/demo-provisioning.json', 'utf8')) as { demoUnlockCodes: Record<string, string> };
    execFileSync(process.execPath, [
      '--import', 'tsx', 'main/dev/pack-cli.ts', 'sign', path.join(work, 'se.pack.json'),
      '--key', 'build/provisioning/demo-signing-key.json', '--out', path.join(packsDir, 'software-engineer.ikpack'),
      '--unlock-code', demo.demoUnlockCodes['software-engineer']!, '--stage-release', 'none',
    ]);
  });
  afterAll(() => {
    if (packsDir) rmSync(path.dirname(packsDir), { recursive: true, force: true });
  });

  it('charges Help time past the allowance, journals the cap, and then says the allowance is used up', async () => {
    const k = await openKiosk({ env: { INTERVIEW_KIOSK_PACKS_DIR: packsDir } });
    open.push(k);
    const { page } = k;
    await byTestId(page, 'invite-code').waitFor();
    await byTestId(page, 'language-en').check();
    await byTestId(page, 'invite-code').fill('DEMO-2026');
    await byTestId(page, 'check-in').click();
    await byTestId(page, 'consent').waitFor();
    await throughDevices(page);
    await waitForQuestion(page, 0);
    await byTestId(page, 'begin-answer').click();
    await byTestId(page, 'answer-remaining').waitFor();
    await page.waitForTimeout(1_000);
    const before = await remaining(page, 'answer-remaining');
    const openedAt = Date.now();
    await byTestId(page, 'help-open').click();
    const note = byTestId(page, 'help-clock-paused');
    await note.waitFor();
    expect(await note.innerText()).toMatch(/paused \(up to 3 more seconds/);
    await expect.poll(() => events(k, 'clock_pause_capped').length, { timeout: 10_000 }).toBe(1);
    await page.waitForTimeout(3_000);
    await byTestId(page, 'help-close').click();
    await byTestId(page, 'help-dialog').waitFor({ state: 'detached' });
    const openMs = Date.now() - openedAt;
    // The cap ended the pause while the dialog was open, so closing it resumes nothing.
    expect(events(k, 'clock_resumed')).toHaveLength(0);
    const after = await remaining(page, 'answer-remaining');
    // Charged: everything past the 3 s allowance (the page's countdown, read before and after).
    const charged = before - after;
    expect(openMs).toBeGreaterThan(6_000);
    expect(charged).toBeGreaterThanOrEqual(openMs - 3_000 - 2_000);
    expect(charged).toBeLessThanOrEqual(openMs - 3_000 + 2_000);
    expect(events(k, 'clock_pause_capped')[0]).toMatchObject({ dialog: 'help', questionIndex: 0, allowanceMs: 3_000 });
    // Used up: the next visit says the clock keeps running, and it does.
    await byTestId(page, 'help-open').click();
    await byTestId(page, 'help-dialog').waitFor();
    await expect.poll(async () => byTestId(page, 'help-dialog').innerText(), { timeout: 5_000 }).toMatch(/used up/i);
    await byTestId(page, 'help-close').click();
  });
});

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
    await throughDevices(page);
    await waitForQuestion(page, 0);
    const prep = await remaining(page, 'prep-remaining');
    expect(prep).toBeGreaterThan(Q0_PREP_S * 1000 + 5_000);
    expect(prep).toBeLessThanOrEqual(Q0_PREP_S * 1500);
  });
});
