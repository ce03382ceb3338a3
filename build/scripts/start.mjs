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

/**
 * Passes Ctrl+C and SIGTERM on, and ends with the child: a child stopped by the person (a forwarded
 * signal) ends quietly; one that dies on its own says so in one sentence and exits non-zero.
 */
function forwardSignals(child, what) {
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      stopping = true;
      child.kill(sig);
    });
  }
  child.on('exit', (code, signal) => process.exit(exitStatus(what, code, signal, stopping)));
}

function exitStatus(what, code, signal, stopping) {
  if (stopping) return 0;
  if (signal) {
    console.error(`${what} stopped unexpectedly (killed by ${signal}). Start it again with npm start; the interview resumes where it stopped.`);
    return 1;
  }
  if (code !== 0) {
    // The child has already said why in one sentence (port in use, data folder unusable).
    console.error(`${what} stopped with exit code ${code}.`);
    return code ?? 1;
  }
  return 0;
}

const electron = electronBinary();
if (electron) {
  const args = [root, ...process.argv.slice(2)];
  forwardSignals(spawn(electron, args, { stdio: 'inherit', cwd: root }), 'The kiosk');
} else {
  console.log(
    "Electron's binary is not installed on this machine (it could not be downloaded here), so the kiosk runs in the development web shell instead.",
  );
  const host = spawn(
    process.execPath,
    ['--import', 'tsx', 'main/dev/serve.ts', '--port', process.env.KIOSK_PORT ?? '0', '--data-dir', process.env.KIOSK_DATA_DIR ?? '.kiosk-data'],
    { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  forwardSignals(host, "The kiosk's development server");
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
    console.log('Seeing it needs a Chromium-based browser and CJK fonts (Debian: apt-get install chromium fonts-noto-cjk). If this server stops, start it again and reload the page.');
    if (chromium && display && !process.env.CI) {
      const profile = mkdtempSync(path.join(os.tmpdir(), 'kiosk-app-window-'));
      spawn(chromium, [`--app=${msg.url}`, `--user-data-dir=${profile}`, '--no-first-run', '--disable-background-networking', '--disable-component-update'], {
        stdio: 'ignore',
        detached: true,
      }).unref();
    }
  });
}
