/**
 * `npm run crash-test -- --kills 200 --json`: SIGKILLs a recording process at random instants and
 * checks that nothing acknowledged is lost. Prints one JSON object as its last line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest } from './crash-harness';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'max-kill-delay-ms': { type: 'string', default: '400' },
    keep: { type: 'boolean', default: false },
  },
});
const dataDir = values['data-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'kiosk-crash-'));
const kills = Number(values.kills);
const report = await runCrashTest({
  kills,
  dataDir,
  maxKillDelayMs: Number(values['max-kill-delay-ms']),
  onProgress: (i) => {
    if (!values.json || i % 20 === 0) process.stderr.write(`[crash-test] ${i}/${kills} kills\n`);
  },
});
if (!values.keep && !values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
const { mismatchSamples, ...summary } = report;
if (mismatchSamples.length > 0) process.stderr.write(`[crash-test] mismatch samples: ${mismatchSamples.join('\n')}\n`);
const failed = report.lostAcknowledged + report.corruptDatabases + report.brokenChains + report.resumeMismatches > 0;
console.log(JSON.stringify(summary));
process.exit(failed ? 1 : 0);
