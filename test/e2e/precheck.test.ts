/**
 * The pre-check end to end: the real development web shell (a child process) measuring a loopback
 * HR endpoint, Debian Chromium with a fake camera and microphone. It passes with the fake camera;
 * with camera permission denied it stops the interview and shows the fix; the at-home system check
 * saves its report as JSON and HTML.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startNetworkTestServer, type NetworkTestServer } from '../../main/dev/network-test-server';
import { chromiumPath, launchBrowser, precheckInteractiveSteps, startHost, tempDir, type HostHandle } from './harness';

const hasChromium = chromiumPath() !== null;
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let server: NetworkTestServer;
let host: HostHandle;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startNetworkTestServer();
});
afterEach(async () => {
  while (closers.length) await closers.pop()!();
});
afterAll(async () => {
  await server?.close();
});

/** A fresh kiosk (its own data directory, so no earlier interview is offered for resuming) and a browser. */
async function open(opts: Parameters<typeof launchBrowser>[0] = {}): Promise<Page> {
  host = await startHost({ dataDir: tempDir('kiosk-precheck-e2e-'), env: { KIOSK_PRECHECK_ENDPOINT: server.url } });
  const h = host;
  closers.push(() => h.kill());
  const b = await launchBrowser(opts);
  closers.push(b.close);
  await b.page.goto(host.url);
  return b.page;
}

const byTestId = (page: Page, id: string) => page.locator(`[data-testid="${id}"]`);

async function toPrecheck(page: Page, code: string): Promise<void> {
  await byTestId(page, 'invite-code').fill(code);
  await byTestId(page, 'check-in').click();
  await byTestId(page, 'consent-accept').click();
  await byTestId(page, 'precheck-flow').waitFor();
}

/** Goes through the interactive steps: microphone (if it opened), then the speaker tone. */
const throughInteractiveSteps = precheckInteractiveSteps;

async function seriousAxeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  return page.evaluate(async () => {
    const w = window as unknown as { axe: { run(d: Document, o: object): Promise<{ violations: Array<{ id: string; impact: string }> }> } };
    const r = await w.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
  });
}

function journal(sessionType: string): Array<{ type: string; payload: Record<string, unknown> }> {
  const db = new Database(host.dbPath, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare(`SELECT type, payload FROM journal WHERE type = ? ORDER BY at, seq`).all(sessionType) as Array<{ type: string; payload: string }>).map((r) => ({
      type: r.type,
      payload: JSON.parse(r.payload) as Record<string, unknown>,
    }));
  } finally {
    db.close();
  }
}

describe.skipIf(!hasChromium)('pre-check in Chromium', () => {
  it('passes with the fake camera and microphone, journals the run and starts the interview', async () => {
    const page = await open();
    await toPrecheck(page, 'DEMO-PC01');
    // The automatic checks are shown one by one as main reports them.
    await page.locator('[data-testid="auto-network.reachable"][data-state="pass"]').waitFor({ timeout: 15_000 });
    await throughInteractiveSteps(page);
    const overall = await byTestId(page, 'precheck-overall').getAttribute('data-overall');
    expect(overall).not.toBe('NOT_READY');
    for (const id of ['camera.present', 'camera.frames', 'camera.image', 'microphone.present', 'microphone.level', 'speakers', 'network.reachable', 'network.upload']) {
      expect(await byTestId(page, `check-${id}`).last().getAttribute('data-status'), id).toBe('pass');
    }
    expect(await seriousAxeViolations(page)).toEqual([]);
    const recorded = journal('precheck_recorded').at(-1)!;
    expect(recorded.payload).toMatchObject({ overall });
    await byTestId(page, 'precheck-start').click();
    // The camera preview and practice question come between the pre-check and the interview.
    await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
    await byTestId(page, 'devices-continue').click();
    await byTestId(page, 'question').waitFor({ timeout: 15_000 });
  });

  it('fails with camera permission denied, shows the fix, offers a retry and takes a reschedule request', async () => {
    const page = await open({ denyPermissions: true });
    await toPrecheck(page, 'DEMO-PC02');
    await page.locator('[data-testid="precheck-camera"] [role="alert"]').waitFor({ timeout: 20_000 });
    await throughInteractiveSteps(page);
    expect(await byTestId(page, 'precheck-overall').getAttribute('data-overall')).toBe('NOT_READY');
    const camera = byTestId(page, 'check-camera.present').first();
    expect(await camera.getAttribute('data-status')).toBe('fail');
    expect(await camera.getAttribute('data-blocking')).toBe('true');
    const fix = byTestId(page, 'fix-camera.present');
    await fix.waitFor();
    expect(await fix.innerText()).toContain('摄像头权限被拒绝');
    expect(await byTestId(page, 'precheck-start').count()).toBe(0);
    expect(await byTestId(page, 'precheck-retry').isVisible()).toBe(true);
    expect(await seriousAxeViolations(page)).toEqual([]);
    expect(journal('precheck_recorded').at(-1)!.payload).toMatchObject({ overall: 'NOT_READY', blockingFailures: expect.arrayContaining(['camera.present']) });

    await byTestId(page, 'reschedule-open').click();
    await page.locator('input[name="reschedule-reason"][value="device"]').check();
    await byTestId(page, 'reschedule-text').fill('摄像头无法使用，需要换一台电脑');
    await byTestId(page, 'reschedule-send').click();
    await byTestId(page, 'reschedule-done').waitFor();
    expect(journal('reschedule_requested').at(-1)!.payload).toMatchObject({ reason: 'device', text: '摄像头无法使用，需要换一台电脑' });
  });

  it('runs the at-home system check without an invite code and saves the report as JSON and HTML', async () => {
    const page = await open({ locale: 'en' });
    await byTestId(page, 'system-check-open').click();
    await byTestId(page, 'precheck-flow').waitFor();
    await throughInteractiveSteps(page);
    const downloads: Array<{ name: string; text: string }> = [];
    page.on('download', (d) => {
      void (async () => {
        const p = await d.path();
        downloads.push({ name: d.suggestedFilename(), text: readFileSync(p, 'utf8') });
      })();
    });
    await byTestId(page, 'system-check-save').click();
    await byTestId(page, 'system-check-saved').waitFor();
    await expect.poll(() => downloads.length, { timeout: 10_000 }).toBe(2);
    const json = downloads.find((d) => d.name.endsWith('.json'))!;
    const html = downloads.find((d) => d.name.endsWith('.html'))!;
    const doc = JSON.parse(json.text) as { kind: string; overall: string; checks: Array<{ id: string; status: string; remediation: string | null }> };
    expect(doc.kind).toBe('interview-kiosk-system-check');
    expect(doc.checks).toHaveLength(21);
    expect(doc.checks.find((c) => c.id === 'camera.frames')?.status).toBe('pass');
    expect(html.text).toContain(`data-overall="${doc.overall}"`);
    expect(html.text).toMatch(/<html lang="(en|zh-CN)">/);
    await byTestId(page, 'system-check-back').click();
    await byTestId(page, 'invite-code').waitFor();
  });
});
