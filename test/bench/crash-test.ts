/**
 * `npm run crash-test -- --kills 200 --json`: SIGKILLs a recording process at random instants and
 * checks that nothing acknowledged is lost. Prints one JSON object as its last line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest } from './crash-harness';
import { CRASH_FAULTS, isCrashFault } from './crash-faults';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    'max-kill-delay-ms': { type: 'string', default: '400' },
    keep: { type: 'boolean', default: false },
    fault: { type: 'string', default: 'none' },
    // The child's database mode (crash-child.ts): the app's `barrier` by default, `full` to compare.
    durability: { type: 'string', default: 'barrier' },
  },
});
const durability = values.durability === 'full' ? 'full' : 'barrier';
const fault = values.fault ?? 'none';
if (!isCrashFault(fault)) {
  process.stderr.write(`unknown --fault ${fault}; one of ${CRASH_FAULTS.join(', ')}\n`);
  process.exit(2);
}
const dataDir = values['data-dir'] ?? mkdtempSync(path.join(os.tmpdir(), 'kiosk-crash-'));
const kills = Number(values.kills);
const report = await runCrashTest({
  kills,
  dataDir,
  maxKillDelayMs: Number(values['max-kill-delay-ms']),
  fault,
  durability,
  onProgress: (i) => {
    if (!values.json || i % 20 === 0) process.stderr.write(`[crash-test] ${i}/${kills} kills\n`);
  },
});
if (!values.keep && !values['data-dir']) rmSync(dataDir, { recursive: true, force: true });
const { mismatchSamples, ...summary } = report;
if (mismatchSamples.length > 0) process.stderr.write(`[crash-test] mismatch samples: ${mismatchSamples.join('\n')}\n`);
// Every count below must be zero; a run that acknowledged nothing or checked no resume proves nothing.
const zero = ['lostAcknowledged', 'corruptDatabases', 'brokenChains', 'missingEvents', 'eventMismatches', 'mediaRowsWithoutEvent', 'damagedChunks', 'resumeMismatches'] as const;
// Recovery includes the full quick_check of the database, the media recovery and the resume.
const RECOVERY_P95_MS = 500;
const misses = [
  ...zero.filter((k) => report[k] !== 0),
  ...(report.acknowledgedChunks > 0 ? [] : ['acknowledgedChunks']),
  ...(kills < 4 || report.resumesChecked > 0 ? [] : ['resumesChecked']),
  ...(report.p95RecoveryMs < RECOVERY_P95_MS ? [] : ['p95RecoveryMs']),
];
const target = { ...Object.fromEntries(zero.map((k) => [k, 0])), acknowledgedChunks: '>0', resumesChecked: '>0', p95RecoveryMs: `<${RECOVERY_P95_MS}`, quickCheck: 'full' };
console.log(JSON.stringify({ ...summary, fault, oracle: 'independent', target, misses, pass: misses.length === 0 }));
process.exit(misses.length === 0 ? 0 : 1);
