// `npm start`: the kiosk in Electron on the built-in demo interview. Where Electron's binary is
// missing (it cannot be downloaded on offline build machines) it says so in one sentence and serves
// the development web shell instead: in a Chromium app window when a display exists, otherwise it
// prints the address to open.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');

function electronBinary() {
  try {
    const dir = path.dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const bin = path.join(dir, 'dist', rel);
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

function forwardSignals(child) {
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code) => process.exit(code ?? 0));
}

const electron = electronBinary();
if (electron) {
  const args = [root, ...process.argv.slice(2)];
  forwardSignals(spawn(electron, args, { stdio: 'inherit', cwd: root }));
} else {
  console.log(
    "Electron's binary is not installed on this machine (it could not be downloaded here), so the kiosk runs in the development web shell instead.",
  );
  const host = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/dev/serve.ts', '--port', process.env.KIOSK_PORT ?? '0', '--data-dir', process.env.KIOSK_DATA_DIR ?? '.kiosk-data'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  forwardSignals(host);
  const rl = createInterface({ input: host.stdout });
  rl.on('line', (line) => {
    let msg;
    try {
      msg = JSON.parse(line);
    } catch {
      console.log(line);
      return;
    }
    if (!msg.ready) return;
    const chromium = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
    const display = process.env.DISPLAY || process.env.WAYLAND_DISPLAY;
    console.log(`Demo interview ready. Invite code: DEMO-2026. Open: ${msg.url}`);
    if (chromium && display && !process.env.CI) {
      const profile = mkdtempSync(path.join(os.tmpdir(), 'kiosk-app-window-'));
      spawn(chromium, [`--app=${msg.url}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-component-update'], {
        stdio: 'ignore',
        detached: true,
      }).unref();
    }
  });
}
