/**
 * Issue 17: invite codes as people type them (a Chinese IME's full-width characters, spaces),
 * wrong codes throttled per kiosk with a record the proctor lists and clears, and a hand raised
 * on the welcome screen stored with one incident number shared with the diagnostics.
 */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { byTestId, openKiosk, readJournal, setLang, type Kiosk } from './candidate-kit';
import { chromiumPath, ROOT } from './harness';

const hasChromium = chromiumPath() !== null;
/** A 10-minute first wait (kiosk and proctor tool alike): "the next try must wait" does not depend on machine speed. */
const SLOW = '600000';
let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

async function tryCode(page: Page, code: string): Promise<string | null> {
  await byTestId(page, 'invite-code').fill(code);
  // The previous answer's banner is marked, so only a new one counts as this try's answer.
  await page.evaluate(() => document.querySelector('[data-testid="error"]')?.setAttribute('data-seen', ''));
  await byTestId(page, 'check-in').click();
  await page.waitForFunction(() => document.querySelector('[data-testid="consent"]') || document.querySelector('[data-testid="error"]:not([data-seen])'));
  if ((await byTestId(page, 'consent').count()) > 0) return null;
  return page.locator('[data-testid="error"]:not([data-seen])').getAttribute('data-code');
}

function proctor(dataDir: string, ...args: string[]): { status: number | null; json: Record<string, unknown> } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/proctor-cli.ts', ...args, '--data-dir', dataDir, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, KIOSK_DEV_INVITE_BASE_DELAY_MS: SLOW },
  });
  const last = r.stdout.trim().split('\n').at(-1) ?? '{}';
  return { status: r.status, json: JSON.parse(last) as Record<string, unknown> };
}

function table<T>(dataDir: string, sql: string): T[] {
  const db = new Database(path.join(dataDir, 'interview-kiosk.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all() as T[];
  } finally {
    db.close();
  }
}

describe.skipIf(!hasChromium)('check-in and help before check-in', () => {
  it('accepts a full-width code typed with a Chinese IME', async () => {
    const k = await openKiosk();
    open.push(k);
    expect(await tryCode(k.page, 'ＤＥＭＯ－２０２６')).toBeNull();
    expect(readJournal(k.dataDir).filter((e) => e.type === 'checked_in')).toHaveLength(1);
  });

  it('accepts a code typed with a space and in lower case', async () => {
    const k = await openKiosk();
    open.push(k);
    expect(await tryCode(k.page, 'demo 2031')).toBeNull();
    expect(table<{ invite_code: string }>(k.dataDir, 'SELECT invite_code FROM sessions')).toEqual([{ invite_code: 'DEMO-2031' }]);
  });

  it('throttles wrong codes, records them, and the proctor sees and clears the wait', async () => {
    const k = await openKiosk({ env: { KIOSK_DEV_INVITE_BASE_DELAY_MS: SLOW } });
    open.push(k);
    const { page, dataDir } = k;
    const codes: Array<string | null> = [];
    for (const wrong of ['NOPE-0001', 'NOPE-0002', 'NOPE-0003', 'DEMO-2026']) codes.push(await tryCode(page, wrong));
    // Three wrong codes are answered at once; the next try (even the right code) must wait.
    expect(codes).toEqual(['INVITE_NOT_FOUND', 'INVITE_NOT_FOUND', 'INVITE_NOT_FOUND', 'INVITE_THROTTLED']);
    expect(await byTestId(page, 'error').innerText()).toContain('请稍等片刻');
    await setLang(page, 'en');
    expect(await byTestId(page, 'error').innerText()).toContain('Please wait a moment');
    expect(table<{ outcome: string; code: string }>(dataDir, 'SELECT outcome, code FROM invite_attempts ORDER BY id')).toEqual([
      { outcome: 'wrong', code: 'NOPE-0001' },
      { outcome: 'wrong', code: 'NOPE-0002' },
      { outcome: 'wrong', code: 'NOPE-0003' },
    ]);
    const listed = proctor(dataDir, 'invite-attempts');
    expect(listed.status).toBe(0);
    expect(listed.json).toMatchObject({ ok: true, state: 'waiting', wrongInARow: 3 });
    const cleared = proctor(dataDir, 'invite-clear', '--by', 'proctor-e2e');
    expect(cleared.json).toMatchObject({ ok: true, clearedBy: 'proctor-e2e', before: 'waiting', state: 'open' });
    expect(await tryCode(page, 'DEMO-2026')).toBeNull();
  });

  it('stores a hand raised on the welcome screen, and the diagnostics share its number', async () => {
    const k = await openKiosk();
    open.push(k);
    const { page, dataDir } = k;
    await byTestId(page, 'invite-code').waitFor();
    await byTestId(page, 'help-open').click();
    await byTestId(page, 'raise-hand').click();
    await byTestId(page, 'raise-hand-done').waitFor();
    const shown = (await byTestId(page, 'help-incident').innerText()).trim();
    expect(shown).toMatch(/^INC-\d{8}-[0-9A-F]{8}$/);
    await byTestId(page, 'save-diagnostics').click();
    await byTestId(page, 'diagnostics-done').waitFor();
    expect((await byTestId(page, 'help-incident').innerText()).trim()).toBe(shown);
    expect(table<{ id: string; kind: string; screen: string }>(dataDir, 'SELECT id, kind, screen FROM kiosk_incidents ORDER BY seq')).toEqual([
      { id: shown, kind: 'hand_raised', screen: 'welcome' },
      { id: shown, kind: 'diagnostics', screen: 'welcome' },
    ]);
    const listed = proctor(dataDir, 'incidents');
    expect(listed.json).toMatchObject({ ok: true, incidents: expect.arrayContaining([expect.objectContaining({ id: shown, kind: 'hand_raised' })]) });
  });
});
