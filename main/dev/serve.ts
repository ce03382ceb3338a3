/**
 * Entry of the development web shell: `node --import tsx main/dev/serve.ts [--port N]
 * [--data-dir DIR] [--renderer DIR]`. Prints one JSON line when ready: {"ready":true,"url":…}.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createKioskCore, type KioskCore } from '../app/composition-root';
import { DataDirLockedError } from '../db/data-dir-lock';
import { createConsoleLogger } from '../common/logger';
import { startWebHost } from './web-host';

const startedAt = performance.now();
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    'data-dir': { type: 'string', default: '.kiosk-data' },
    renderer: { type: 'string', default: 'dist/renderer' },
    quiet: { type: 'boolean', default: false },
  },
});

const logger = createConsoleLogger('kiosk', values.quiet ? 'warn' : 'info');
// Development and tests only: run the host as if this many ms later (e.g. past a resume grace window).
const clockOffsetMs = Number(process.env.KIOSK_DEV_CLOCK_OFFSET_MS ?? '0') || 0;
let core: KioskCore;
try {
  core = createKioskCore({
    clock: clockOffsetMs !== 0 ? { now: () => Date.now() + clockOffsetMs } : undefined,
    dataDir: path.resolve(values['data-dir']),
    logger,
    appVersion: process.env.npm_package_version ?? '0.0.0-dev',
    shell: 'web-dev',
  });
} catch (e) {
  if (!(e instanceof DataDirLockedError)) throw e;
  // A second kiosk on the same data folder: say so in one sentence and leave the first alone.
  process.stderr.write(`interview kiosk: ${e.message}\n`);
  process.stdout.write(JSON.stringify({ ready: false, error: e.code, holderPid: e.holder?.pid ?? null, dataDir: e.dataDir }) + '\n');
  process.exit(1);
}
const host = await startWebHost({
  router: core.router,
  events: core.events,
  rendererDir: path.resolve(values.renderer),
  logger,
  port: Number(values.port),
});

process.stdout.write(
  JSON.stringify({
    ready: true,
    url: host.url,
    port: host.port,
    pid: process.pid,
    dbPath: core.dbPath,
    recovered: core.recovered.length,
    startupMs: Math.round(performance.now() - startedAt),
  }) + '\n',
);

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  await host.close();
  core.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
