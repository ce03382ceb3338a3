/**
 * End-to-end harness: the real development web shell in a child process (killable for real) and
 * Debian's Chromium driven by playwright-core with a fake camera and microphone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

export function chromiumPath(): string | null {
  // An explicit CHROMIUM_PATH is the only candidate: a wrong one means no browser, not a fallback.
  const explicit = process.env.CHROMIUM_PATH;
  if (explicit) return existsSync(explicit) ? explicit : null;
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean) as string[];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export interface HostHandle {
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  readonly dbPath: string;
  readonly startupMs: number;
  readonly recovered: number;
  readonly proc: ChildProcess;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function tempDir(prefix = 'kiosk-e2e-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Starts `main/dev/serve.ts` and resolves on its ready line. */
export async function startHost(opts: { dataDir: string; port?: number; env?: NodeJS.ProcessEnv }): Promise<HostHandle> {
  if (!existsSync(path.join(ROOT, 'dist', 'renderer', 'index.html'))) {
    throw new Error('dist/renderer is missing: run `npm run build` first (npm test does)');
  }
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/dev/serve.ts', '--data-dir', opts.dataDir, '--port', String(opts.port ?? 0), '--quiet'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
  );
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    const timer = setTimeout(() => reject(new Error(`host did not start in 30 s: ${stderr}`)), 30_000);
    rl.on('line', (line) => {
      try {
        const msg = JSON.parse(line) as Record<string, unknown>;
        if (msg.ready) {
          clearTimeout(timer);
          resolve(msg);
        }
      } catch {
        // not our line
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`host exited with ${code}: ${stderr}`));
    });
  });
  return {
    url: String(ready.url),
    port: Number(ready.port),
    pid: Number(ready.pid),
    dbPath: String(ready.dbPath),
    startupMs: Number(ready.startupMs),
    recovered: Number(ready.recovered),
    proc,
    kill: (signal: NodeJS.Signals = 'SIGTERM') =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}

export interface BrowserOptions {
  /** Grant camera and microphone with Chromium's fake devices (default true). */
  readonly fakeMedia?: boolean;
  /** Refuse every permission prompt (camera permission denied). */
  readonly denyPermissions?: boolean;
  readonly fakeVideoFile?: string;
  readonly fakeAudioFile?: string;
  readonly locale?: string;
}

export async function launchBrowser(opts: BrowserOptions = {}): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const exe = chromiumPath();
  if (!exe) throw new Error('Chromium not found: install Debian chromium (apt-get install -y chromium) or set CHROMIUM_PATH');
  const args = [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-quic',
    '--no-first-run',
    '--autoplay-policy=no-user-gesture-required',
  ];
  if (opts.fakeMedia !== false) args.push('--use-fake-device-for-media-stream');
  if (opts.denyPermissions) args.push('--deny-permission-prompts');
  else if (opts.fakeMedia !== false) args.push('--use-fake-ui-for-media-stream');
  if (opts.fakeVideoFile) args.push(`--use-file-for-fake-video-capture=${opts.fakeVideoFile}`);
  if (opts.fakeAudioFile) args.push(`--use-file-for-fake-audio-capture=${opts.fakeAudioFile}`);
  const context = await chromium.launchPersistentContext(tempDir('kiosk-chromium-'), {
    executablePath: exe,
    headless: true,
    args,
    locale: opts.locale ?? 'zh-CN',
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page, close: () => context.close() };
}

/** The pre-check's interactive steps with Chromium's fake devices: microphone, then the speaker tone. */
export async function precheckInteractiveSteps(page: Page): Promise<void> {
  const byId = (id: string) => page.locator(`[data-testid="${id}"]`);
  await byId('precheck-microphone').waitFor({ timeout: 30_000 });
  const cont = byId('precheck-mic-continue');
  const start = byId('precheck-mic-start');
  await Promise.race([cont.waitFor(), start.waitFor()]);
  if (await cont.isVisible()) {
    await cont.click();
  } else {
    await start.click();
    await page.locator('[data-testid="precheck-microphone"][data-phase="speak"]').waitFor();
  }
  await byId('precheck-play-tone').click({ timeout: 15_000 });
  await byId('precheck-heard-yes').click({ timeout: 10_000 });
  await byId('precheck-overall').waitFor({ timeout: 15_000 });
}

/**
 * Goes through the kiosk pre-check (its interactive steps), then the camera preview with its
 * practice question, and starts the interview.
 */
export async function passPrecheck(page: Page): Promise<void> {
  const byId = (id: string) => page.locator(`[data-testid="${id}"]`);
  await byId('precheck-flow').waitFor({ timeout: 30_000 });
  await precheckInteractiveSteps(page);
  await byId('precheck-start').click({ timeout: 30_000 });
  await page.locator('[data-testid="camera-state"][data-state="ok"]').waitFor({ timeout: 30_000 });
  await byId('devices-continue').click();
}
