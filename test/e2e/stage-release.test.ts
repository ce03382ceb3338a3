/**
 * Pack format v2 in the browser (docs/pack-format-v2.md): the demo software-engineer pack re-signed
 * with `--stage-release offline` (demo key, demo unlock code) and served through
 * INTERVIEW_KIOSK_PACKS_DIR. The candidate sees the whole interview's progress (9 questions) from the
 * start; the kiosk holds stage 1's questions only; answering its last question releases stage 2 in
 * the same step (journaled with the envelope's hash, never the key), and the next question, tailored
 * to the résumé, is on screen without a wait.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { answerCurrent, journalEvents, openKiosk, questionCount, toInterview, waitForQuestion, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.log('stage-release e2e skipped: Chromium not found (install Debian chromium or set CHROMIUM_PATH)');

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

describe.skipIf(!hasChromium)('a pack released stage by stage', () => {
  let packsDir = '';
  beforeAll(() => {
    const work = mkdtempSync(path.join(os.tmpdir(), 'kiosk-v2-pack-'));
    packsDir = path.join(work, 'packs');
    mkdirSync(packsDir);
    const demo = JSON.parse(readFileSync('build/provisioning/demo-provisioning.json', 'utf8')) as { demoUnlockCodes: Record<string, string> };
    execFileSync(process.execPath, [
      '--import', 'tsx', 'main/dev/pack-cli.ts', 'sign', 'build/packs/src/software-engineer.pack.json',
      '--key', 'build/provisioning/demo-signing-key.json', '--out', path.join(packsDir, 'software-engineer.ikpack'),
      '--unlock-code', demo.demoUnlockCodes['software-engineer']!, '--stage-release', 'offline',
    ]);
  });
  afterAll(() => {
    if (packsDir) rmSync(path.dirname(packsDir), { recursive: true, force: true });
  });

  it('shows the whole progress, releases stage 2 when stage 1 is answered, and goes straight on', async () => {
    const k = await openKiosk({ env: { INTERVIEW_KIOSK_PACKS_DIR: packsDir } });
    open.push(k);
    const { page } = k;
    await toInterview(page, 'en');
    await waitForQuestion(page, 0);
    expect(await questionCount(page)).toBe(9);
    expect(journalEvents(k, 'stage_content_released')).toHaveLength(0);
    await answerCurrent(page, { text: 'unused', seconds: 1 });
    await waitForQuestion(page, 1);
    expect(await questionCount(page)).toBe(9);
    const released = journalEvents(k, 'stage_content_released');
    expect(released).toHaveLength(1);
    expect(released[0]).toMatchObject({ stageIndex: 1, stageId: 'professional', release: 'offline', envelopeSha256: expect.stringMatching(/^[0-9a-f]{64}$/), questionIndex: 1 });
    expect((released[0]!.variants as { questionId: string; variantId: string }[]).find((v) => v.questionId === 'q2-design')?.variantId).toBe('payments');
    expect(await page.locator('[data-testid="stage-pending"]').count()).toBe(0);
  });
});
