// postinstall: fetch Electron's binary when this machine can, and never fail `npm ci` when it cannot.
//
// Electron 45 ships no install script of its own: its binary is downloaded lazily the first time
// `require('electron')` runs. On a machine with internet we download it here, so `npm ci` leaves a
// working `npm start`; on the offline build machines the download fails fast and `npm start` falls
// back to the development web shell (see README).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

function electronDir() {
  try {
    return path.dirname(require.resolve('electron/package.json'));
  } catch {
    return null;
  }
}

const dir = electronDir();
if (!dir) process.exit(0); // production install (`--omit=dev`): nothing to do
if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) {
  console.log('[interview-kiosk] ELECTRON_SKIP_BINARY_DOWNLOAD is set: not downloading Electron.');
  process.exit(0);
}
const pathTxt = path.join(dir, 'path.txt');
if (existsSync(pathTxt) && existsSync(path.join(dir, 'dist', readFileSync(pathTxt, 'utf8')))) process.exit(0);

const result = spawnSync(process.execPath, [path.join(dir, 'install.js')], {
  stdio: ['ignore', 'ignore', 'pipe'],
  timeout: 180_000,
  env: { ...process.env, ELECTRON_GET_NO_PROGRESS: '1' },
});
if (result.status === 0) {
  console.log('[interview-kiosk] Electron binary installed.');
} else {
  console.log(
    '[interview-kiosk] Electron binary could not be downloaded on this machine; `npm start` will serve the development web shell instead.',
  );
}
