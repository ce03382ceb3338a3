/**
 * Camera flags end to end (issue #15): Debian Chromium's fake camera plays a Y4M file built here from
 * the vision bench's frames (face for 4 s, nobody for 7 s, two faces for 4 s, looping). During a
 * video answer the candidate hint appears, main journals a no_face flag with its duration and a
 * multiple_faces flag, and the interview goes on to the next question.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildImage, magick } from '../bench/vision-frames';
import { IMAGE_SET } from '../bench/vision-image-set';
import { writeY4m } from '../support/y4m';
import { chromiumPath, launchBrowser, passPrecheck, startHost, tempDir, type HostHandle } from './harness';

const exe = chromiumPath();
if (!exe) console.warn('[e2e] Chromium not found: install Debian chromium (apt-get install -y chromium); .ci/run does');

describe.skipIf(!exe)('vision: fake camera with a face leaving and a second face', () => {
  const dataDir = tempDir('kiosk-vision-');
  const mediaDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-vision-y4m-'));
  let host: HostHandle | null = null;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | null = null;

  afterAll(async () => {
    await browser?.close();
    await host?.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(mediaDir, { recursive: true, force: true });
  });

  it('shows the hint, journals no_face with its duration and multiple_faces, and the interview goes on', async () => {
    const bin = magick();
    const frame = (id: string) => readFileSync(buildImage(bin, IMAGE_SET.find((i) => i.id === id)!, mediaDir));
    // 15 fps: the pre-check refuses a camera under 10 fps. ~100 MB in a temp folder.
    const fps = 15;
    const y4m = path.join(mediaDir, 'camera.y4m');
    writeY4m(y4m, 640, 480, fps, [
      { rgb: frame('frontal-0'), frames: 4 * fps },
      { rgb: frame('empty-plain'), frames: 7 * fps },
      { rgb: frame('two-0'), frames: 4 * fps },
    ]);

    host = await startHost({ dataDir, env: { KIOSK_DEV_PRECHECK_QUICK: '1' } });
    browser = await launchBrowser({ fakeMedia: true, fakeVideoFile: y4m });
    const page = browser.page;
    if (process.env.VISION_E2E_DEBUG) {
      page.on('console', (m) => console.log('[page]', m.type(), m.text().slice(0, 300)));
      page.on('pageerror', (e) => console.log('[pageerror]', e.message));
      page.on('worker', (w) => console.log('[worker]', w.url()));
      page.on('requestfailed', (r) => console.log('[requestfailed]', r.url(), r.failure()?.errorText));
      page.on('response', (r) => { if (r.status() >= 400) console.log('[http]', r.status(), r.url()); });
    }
    await page.goto(host.url);
    await page.getByTestId('invite-code').fill('DEMO-2026');
    await page.getByTestId('check-in').click();
    await page.getByTestId('consent-accept').click();
    await passPrecheck(page);

    const db = new Database(host.dbPath, { readonly: true, fileMustExist: true });
    const flags = () => (db.prepare(`SELECT payload FROM journal WHERE type = 'vision_flag' ORDER BY seq`).all() as { payload: string }[]).map((r) => JSON.parse(r.payload) as { status: string; kind: string; durationMs?: number; questionIndex: number });
    try {
      for (let guard = 0; guard < 12; guard++) {
        const question = page.getByTestId('question');
        await question.waitFor({ timeout: 30_000 });
        const index = (await question.getAttribute('data-question-index'))!;
        if (await page.getByTestId('answer-text').count()) {
          await page.getByTestId('answer-text').fill('我负责过一个离线优先的录制系统。I led an offline-first recording system.');
          await page.getByTestId('submit-answer').click();
          await expect.poll(async () => question.getAttribute('data-question-index').catch(() => index)).not.toBe(index);
          continue;
        }
        if (await page.getByTestId('begin-answer').count()) await page.getByTestId('begin-answer').click();
        // An audio answer: submit it and move on.
        if (!(await page.locator('video.self-view').count())) {
          await page.getByTestId('submit-answer').click();
          await expect.poll(async () => question.getAttribute('data-question-index').catch(() => index)).not.toBe(index);
          continue;
        }
        // A video answer: the hint appears while nobody is in the picture.
        await page.getByTestId('vision-hint').waitFor({ timeout: 60_000 });
        expect(await page.getByTestId('vision-hint').textContent()).toBe('请保持面部在画面中');
        await expect.poll(() => flags().some((f) => f.kind === 'no_face' && f.status === 'ended'), { timeout: 60_000, interval: 500 }).toBe(true);
        await expect.poll(() => flags().some((f) => f.kind === 'multiple_faces' && f.status === 'started'), { timeout: 60_000, interval: 500 }).toBe(true);
        const noFace = flags().find((f) => f.kind === 'no_face' && f.status === 'ended')!;
        // Nobody for 7 s in the file: at least the 5 s policy, at most 7 s plus two frames' slack.
        expect(noFace.durationMs).toBeGreaterThanOrEqual(5000);
        expect(noFace.durationMs).toBeLessThanOrEqual(9000);
        expect(noFace.questionIndex).toBe(Number(index));
        // The interview goes on: the answer submits and the next question opens.
        await page.getByTestId('submit-answer').click();
        await expect.poll(async () => question.getAttribute('data-question-index').catch(() => index), { timeout: 30_000 }).not.toBe(index);
        return;
      }
      throw new Error('no video question reached');
    } finally {
      db.close();
    }
  });
});
