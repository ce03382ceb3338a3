/**
 * Voice activity in a real browser (issue #15, audio half): Chromium's fake microphone plays a WAV
 * made here at test time (sox / espeak-ng, in a temp dir, never in git). With a silent microphone
 * the "we can't hear you" hint appears during a spoken answer and is journaled with a speech
 * summary from the Silero model (engine silero_v5, no speech); with speech it does not appear and
 * the summary counts speaking time. The interview goes on either way.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { advanceTo, byTestId, captureScreen, journalEvents, openKiosk, toInterview, type Kiosk } from './candidate-kit';
import { chromiumPath } from './harness';

const hasChromium = chromiumPath() !== null;
const hasTools = ['sox', 'espeak-ng'].every((c) => spawnSync(c, ['--version']).status === 0);
if (!hasChromium) console.warn('[e2e] speech-activity: Chromium not found, skipped (install Debian chromium)');
if (!hasTools) console.warn('[e2e] speech-activity: sox or espeak-ng not found, skipped (apt-get install -y sox espeak-ng)');

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-e2e-audio-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

/**
 * 10 s of short beeps (what Chromium's own fake microphone plays, so the pre-check's microphone
 * step hears something over its floor), then 110 s of digital silence. Whether the answer's stream
 * starts at the top of the file or not, it reaches the silence within 10 s.
 */
function silentWav(): string {
  const beep = path.join(dir, 'beep.wav');
  const beeps = path.join(dir, 'beeps.wav');
  const quiet = path.join(dir, 'quiet.wav');
  const f = path.join(dir, 'silent.wav');
  run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', beep, 'synth', '0.2', 'sine', '1000', 'vol', '0.5', 'pad', '0', '0.8']);
  run('sox', [beep, beeps, 'repeat', '9']);
  run('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', quiet, 'synth', '110', 'sine', '440', 'vol', '0']);
  run('sox', [beeps, quiet, f]);
  return f;
}

/** Two minutes of espeak-ng speech with short pauses, looped. */
function speechWav(): string {
  const raw = path.join(dir, 'speech-raw.wav');
  run('espeak-ng', ['-v', 'en-us', '-s', '160', '-g', '6', '-w', raw, 'In my last project I led a team of four engineers, and we moved the billing system to a new database without any downtime. I planned the migration in three steps and tested each one.']);
  const f = path.join(dir, 'speech.wav');
  run('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', f, 'pad', '0', '0.4', 'repeat', '12']);
  return f;
}

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

describe.skipIf(!hasChromium || !hasTools)('voice activity during spoken answers', () => {
  it('shows "we can\'t hear you" after the pack\'s seconds of silence, journals it, and the answer goes on', { timeout: 180_000 }, async () => {
    const k = await openKiosk({ browser: { fakeAudioFile: silentWav() } });
    open.push(k);
    const page = k.page;
    await toInterview(page, 'zh-CN');
    const idx = await advanceTo(page, 'media', '');
    await byTestId(page, 'begin-answer').click();
    const hint = byTestId(page, 'cant-hear');
    await expect.poll(() => hint.getAttribute('data-showing'), { timeout: 60_000, interval: 250 }).toBe('true');
    expect(await hint.innerText()).toContain('我们听不到您的声音');
    expect(await hint.getAttribute('role')).toBe('status');
    await captureScreen(page, 'audio-01-cant-hear');
    // Recording continues under the hint.
    expect(await byTestId(page, 'saved-chunks').getAttribute('data-recording')).toBe('true');
    await byTestId(page, 'submit-answer').click();
    await expect.poll(() => journalEvents(k, 'speech_summary').length, { timeout: 15_000 }).toBe(1);
    const shown = journalEvents(k, 'cant_hear_shown');
    expect(shown).toHaveLength(1);
    expect(shown[0]).toMatchObject({ questionIndex: idx, seconds: 8 });
    expect(shown[0]!['atMs']).toBeGreaterThanOrEqual(8000);
    console.log(`[e2e] speech-activity: hint at ${String(shown[0]!['atMs'])} ms of the answer`);
    const summary = journalEvents(k, 'speech_summary')[0]!;
    expect(summary).toMatchObject({ questionIndex: idx, engine: 'silero_v5', speakingMs: 0, segments: 0 });
    expect(summary['durationMs']).toBeGreaterThanOrEqual(8000);
    await byTestId(page, 'question').waitFor();
  });

  it('does not show the hint while the candidate speaks, and journals the speaking time', { timeout: 180_000 }, async () => {
    const k = await openKiosk({ browser: { fakeAudioFile: speechWav() } });
    open.push(k);
    const page = k.page;
    await toInterview(page, 'en');
    const idx = await advanceTo(page, 'media', '');
    await byTestId(page, 'begin-answer').click();
    const hint = byTestId(page, 'cant-hear');
    // Longer than the 8 s the silent run needed, sampled all along.
    const seen: string[] = [];
    for (let i = 0; i < 40; i++) {
      seen.push((await hint.getAttribute('data-showing')) ?? 'missing');
      await page.waitForTimeout(250);
    }
    expect(seen.filter((s) => s !== 'false')).toEqual([]);
    await byTestId(page, 'submit-answer').click();
    await expect.poll(() => journalEvents(k, 'speech_summary').length, { timeout: 15_000 }).toBe(1);
    expect(journalEvents(k, 'cant_hear_shown')).toEqual([]);
    const summary = journalEvents(k, 'speech_summary')[0]!;
    expect(summary).toMatchObject({ questionIndex: idx, engine: 'silero_v5' });
    expect(summary['segments']).toBeGreaterThanOrEqual(1);
    expect(Number(summary['speakingMs'])).toBeGreaterThan(Number(summary['durationMs']) * 0.5);
  });
});
