/**
 * The end-to-end smoke: the real web shell in a child process, Debian Chromium with a fake camera.
 * Check in, answer a typed question, record a video answer, SIGKILL the host mid-answer, restart
 * it, reload, and land on the same question with the committed chunks intact and the remaining
 * time right to within 1 s.
 */
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyJournal } from '../../main/services/journal/journal';
import { chromiumPath, launchBrowser, passPrecheck, startHost, tempDir, type HostHandle } from './harness';

const exe = chromiumPath();
if (!exe) console.warn('[e2e] Chromium not found: install Debian chromium (apt-get install -y chromium); .ci/run does');

describe.skipIf(!exe)('smoke: crash mid-answer and resume in a real browser', () => {
  const dataDir = tempDir('kiosk-smoke-');
  let host: HostHandle | null = null;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;

  afterAll(async () => {
    await browser?.close();
    await host?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resumes at the question being answered with its chunks and remaining time', async () => {
    // Not a pre-check scenario: it goes through every step with short measurements (candidate-kit.ts).
    host = await startHost({ dataDir, env: { KIOSK_DEV_PRECHECK_QUICK: '1' } });
    browser = await launchBrowser({ fakeMedia: true });
    const page = browser.page;
    await page.goto(host.url);
    await page.getByTestId('invite-code').fill('DEMO-2026');
    await page.getByTestId('check-in').click();
    await page.getByTestId('consent-accept').click();
    await passPrecheck(page);

    let typed = 0;
    let killedAt: { questionIndex: string; chunks: number; remainingMs: number } | null = null;
    for (let guard = 0; guard < 12 && !killedAt; guard++) {
      const question = page.getByTestId('question');
      await question.waitFor({ timeout: 30_000 });
      const index = (await question.getAttribute('data-question-index'))!;
      if (await page.getByTestId('answer-text').count()) {
        await page.getByTestId('answer-text').fill('我负责过一个离线优先的录制系统。I led an offline-first recording system.');
        await page.getByTestId('submit-answer').click();
        typed += 1;
        await expect.poll(async () => question.getAttribute('data-question-index').catch(() => index)).not.toBe(index);
        continue;
      }
      if (await page.getByTestId('begin-answer').count()) await page.getByTestId('begin-answer').click();
      const saved = page.getByTestId('saved-chunks');
      const target = typed > 0 ? 3 : 1;
      await expect.poll(async () => Number(await saved.getAttribute('data-chunks')), { timeout: 30_000 }).toBeGreaterThanOrEqual(target);
      if (typed === 0) {
        await page.getByTestId('submit-answer').click();
        await expect.poll(async () => question.getAttribute('data-question-index').catch(() => index)).not.toBe(index);
        continue;
      }
      const chunks = Number(await saved.getAttribute('data-chunks'));
      const remainingMs = Number(await page.getByTestId('answer-remaining').getAttribute('data-remaining-ms'));
      host.proc.kill('SIGKILL');
      await new Promise((r) => host!.proc.once('exit', r));
      killedAt = { questionIndex: index, chunks, remainingMs };
    }
    expect(typed).toBeGreaterThan(0);
    expect(killedAt).not.toBeNull();

    // What the dead host had committed: every acknowledged chunk is on disk.
    const db = new Database(host.dbPath, { readonly: true, fileMustExist: true });
    const committed = (db.prepare(`SELECT count(*) AS n FROM media_chunks WHERE question_index = ?`).get(Number(killedAt!.questionIndex)) as { n: number }).n;
    db.close();
    expect(committed).toBeGreaterThanOrEqual(killedAt!.chunks);

    host = await startHost({ dataDir, env: { KIOSK_DEV_PRECHECK_QUICK: '1' } });
    expect(host.recovered).toBe(1);
    await page.goto(host.url);
    await page.getByTestId('resume-screen').waitFor({ timeout: 20_000 });
    await page.getByTestId('resume-continue').click();
    const question = page.getByTestId('question');
    await question.waitFor({ timeout: 20_000 });
    expect(await question.getAttribute('data-question-index')).toBe(killedAt!.questionIndex);
    const remainingAfter = Number(await page.getByTestId('answer-remaining').getAttribute('data-remaining-ms'));
    expect(Math.abs(remainingAfter - killedAt!.remainingMs)).toBeLessThanOrEqual(1000);
    const chunksAfter = Number(await page.getByTestId('saved-chunks').getAttribute('data-chunks'));
    expect(chunksAfter).toBe(committed);

    // Recording continues in a new segment after the resume.
    await expect.poll(async () => Number(await page.getByTestId('saved-chunks').getAttribute('data-chunks')), { timeout: 30_000 }).toBeGreaterThan(committed);
    await host.kill('SIGTERM');
    const check = new Database(host.dbPath, { readonly: true, fileMustExist: true });
    const sessionId = (check.prepare(`SELECT id FROM sessions`).get() as { id: string }).id;
    expect(verifyJournal(check, sessionId).ok).toBe(true);
    const segments = check.prepare(`SELECT DISTINCT segment FROM media_chunks WHERE question_index = ? ORDER BY segment`).all(Number(killedAt!.questionIndex)) as Array<{ segment: number }>;
    expect(segments.map((s) => s.segment)).toEqual([0, 1]);
    check.close();
    host = null;
  });
});
