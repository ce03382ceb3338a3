/**
 * Entry of the development web shell: `node --import tsx main/dev/serve.ts [--port N]
 * [--data-dir DIR] [--renderer DIR]`. Prints one JSON line when ready: {"ready":true,"url":…}.
 * A port in use, a bad port or an unusable data folder: one sentence on stderr, exit 1 (2 for usage).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createKioskCore, type KioskCore } from '../app/composition-root';
import { DataDirLockedError } from '../db/data-dir-lock';
import { createConsoleLogger } from '../common/logger';
import { devIntegrity } from './dev-integrity';
import { devInvitePolicy, devPrecheckMeasureMs } from './dev-options';
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

/** One sentence on stderr and a non-zero exit: what a person at the terminal can act on, no stack trace. */
function fail(sentence: string, exitCode = 1): never {
  process.stderr.write(`${sentence}\n`);
  process.exit(exitCode);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`The port "${values.port}" is not a port number: use 0 (any free port) or 1-65535, e.g. KIOSK_PORT=5178 npm start.`, 2);

const logger = createConsoleLogger('kiosk', values.quiet ? 'warn' : 'info');
// Development and tests only: run the host as if this many ms later (e.g. past a resume grace window).
const clockOffsetMs = Number(process.env.KIOSK_DEV_CLOCK_OFFSET_MS ?? '0') || 0;
const invitePolicy = devInvitePolicy();
const integrityScan = devIntegrity();
const precheckMeasureMs = devPrecheckMeasureMs();
let core: KioskCore;
try {
  core = createKioskCore({
    clock: clockOffsetMs !== 0 ? { now: () => Date.now() + clockOffsetMs } : undefined,
    dataDir: path.resolve(values['data-dir']),
    logger,
    appVersion: process.env.npm_package_version ?? '0.0.0-dev',
    shell: 'web-dev',
    ...(invitePolicy ? { invitePolicy } : {}),
    ...(integrityScan ? { integrityScan } : {}),
    ...(precheckMeasureMs ? { precheckMeasureMs } : {}),
  });
} catch (e) {
  if (e instanceof DataDirLockedError) {
    // A second kiosk on the same data folder: say so in one sentence and leave the first alone.
    process.stderr.write(`interview kiosk: ${e.message}\n`);
    process.stdout.write(JSON.stringify({ ready: false, error: e.code, holderPid: e.holder?.pid ?? null, dataDir: e.dataDir }) + '\n');
    process.exit(1);
  }
  fail(`The kiosk could not open its data folder ${path.resolve(values['data-dir'])}: ${e instanceof Error ? e.message : String(e)}`);
}
let host: Awaited<ReturnType<typeof startWebHost>>;
try {
  host = await startWebHost({
    router: core.router,
    events: core.events,
    rendererDir: path.resolve(values.renderer),
    logger,
    port,
  });
} catch (e) {
  core.close();
  const code = typeof e === 'object' && e !== null && 'code' in e ? (e as { code: unknown }).code : undefined;
  if (code === 'EADDRINUSE') fail(`Port ${port} on 127.0.0.1 is already in use (another kiosk or program is listening there): stop it, or start with another port, e.g. KIOSK_PORT=0 npm start for any free port.`);
  if (code === 'EACCES') fail(`Port ${port} on 127.0.0.1 may not be used by this user: choose a port above 1023, e.g. KIOSK_PORT=5178 npm start.`);
  fail(`The development web shell could not start: ${e instanceof Error ? e.message : String(e)}`);
}

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
