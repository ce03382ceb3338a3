/**
 * An offline test centre: no HR endpoint can release the questions, so check-in asks for the
 * proctor's unlock code; a wrong code is refused, the right one opens the interview.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chromiumPath, launchBrowser, ROOT, startHost, tempDir, type HostHandle } from './harness';

const exe = chromiumPath();

describe.skipIf(!exe)('offline unlock at check-in', () => {
  let host: HostHandle | null = null;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;
  afterAll(async () => {
    await browser?.close();
    await host?.kill();
  });

  it('asks for the unlock code, refuses a wrong one and accepts the right one', async () => {
    const dir = tempDir('kiosk-unlock-');
    const demo = JSON.parse(readFileSync(path.join(ROOT, 'build', 'provisioning', 'demo-provisioning.json'), 'utf8')) as Record<string, unknown>;
    const codes = demo.demoUnlockCodes as Record<string, string>;
    // The same demo trust, but no HR endpoint and no automatic demo unlock: an offline centre.
    const { demoUnlockCodes: _codes, hrEndpoint: _hr, ...offline } = demo;
    const provisioning = path.join(dir, 'provisioning.json');
    writeFileSync(provisioning, JSON.stringify(offline));
    host = await startHost({ dataDir: path.join(dir, 'data'), env: { INTERVIEW_KIOSK_PROVISIONING: provisioning } });
    browser = await launchBrowser();
    const page = browser.page;
    await page.goto(host.url);
    await page.getByTestId('invite-code').fill('DEMO-2026');
    await page.getByTestId('check-in').click();
    await page.getByTestId('unlock-code').waitFor();
    await page.getByTestId('unlock-code').fill('AAAA-BBBB-CCCC-DDDD-EEEE');
    await page.getByTestId('check-in').click();
    await expect.poll(async () => page.getByTestId('error').innerText()).toMatch(/解锁码|unlock code/i);
    expect(await page.getByTestId('consent').count()).toBe(0);
    await page.getByTestId('unlock-code').fill(codes['software-engineer']!);
    await page.getByTestId('check-in').click();
    await page.getByTestId('consent').waitFor();
  });
});
