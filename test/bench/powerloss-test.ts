/**
 * `npm run powerloss-test -- --cuts 100 --json`: the crash test (crash-harness.ts, its child and
 * its independent oracle) with the data folder on lossyfs (test/powerloss/lossyfs.py), a FUSE
 * file system that keeps unsynced data in memory. Each cut freezes the recording child at a random
 * instant, drops everything unsynced, SIGKILLs the child and remounts, so the restarted child and
 * the oracle see exactly what was synced. Then a negative control runs the same way on a mount
 * where fsync of the media segment files (`--control media`, the default: the database stays
 * whole, so only the oracle's per-chunk byte check can see the loss) or every fsync
 * (`--control all`) is a no-op that reports success; the control must lose acknowledged data,
 * or the harness could not see a loss. `--control none` (a control as safe as the real run)
 * exists to show that gate failing (test/integration/lossyfs.test.ts).
 * Prints one JSON object as its last line; exits 1 on any loss in the real run or a control that
 * lost nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashTest, type CrashReport } from './crash-harness';
import { LossyMount, lossyUnavailable } from '../powerloss/lossy-mount';

const { values } = parseArgs({
  options: {
    cuts: { type: 'string', default: '100' },
    'control-cuts': { type: 'string', default: '4' },
    control: { type: 'string', default: 'media,barrier' },
    json: { type: 'boolean', default: false },
    'max-cut-delay-ms': { type: 'string', default: '400' },
    'fsync-delay-ms': { type: 'string', default: '0' },
    keep: { type: 'boolean', default: false },
  },
});
const cuts = Number(values.cuts);
const controlCuts = Number(values['control-cuts']);
type ControlKind = 'media' | 'all' | 'none' | 'barrier';
const controlKinds = (values.control ?? 'media,barrier').split(',') as ControlKind[];
if (!Number.isInteger(cuts) || cuts < 1 || !Number.isInteger(controlCuts) || controlCuts < 1 || controlKinds.length === 0 || !controlKinds.every((k) => ['media', 'all', 'none', 'barrier'].includes(k))) {
  process.stderr.write('--cuts and --control-cuts must be positive integers, --control a comma list of media, all, barrier or none\n');
  process.exit(2);
}
const target = { lostAcknowledged: 0, corruptDatabases: 0, brokenChains: 0, resumeFailures: 0, missingEvents: 0, eventMismatches: 0, acknowledged: '>0', cutsDroppingUnsynced: '>0', controlLost: '>0' };
const unavailable = lossyUnavailable();
if (unavailable) {
  // Never a silent pass: without FUSE there is no proof, and the command says so and fails.
  process.stderr.write(`[powerloss-test] cannot run: ${unavailable}\n`);
  console.log(JSON.stringify({ cuts: 0, error: unavailable, target, pass: false }));
  process.exit(1);
}

type Lossiness = 'none' | 'media' | 'all' | 'barrier';

async function run(label: string, n: number, lossiness: Lossiness): Promise<{ report: CrashReport; drops: number; dropsWithUnsynced: number }> {
  const root = mkdtempSync(path.join(os.tmpdir(), `kiosk-powerloss-${label}-`));
  const mount = new LossyMount({ backing: path.join(root, 'disk'), mountpoint: path.join(root, 'mnt'), nosync: lossiness === 'all', nosyncSuffix: lossiness === 'media' ? '.webm' : undefined, fsyncDelayMs: Number(values['fsync-delay-ms']) });
  await mount.mount();
  try {
    const report = await runCrashTest({
      kills: n,
      dataDir: path.join(root, 'mnt', 'data'),
      // The barrier control: the app's synchronous=NORMAL database with its WAL barrier skipped.
      durability: lossiness === 'barrier' ? 'barrier-skipped' : 'barrier',
      maxKillDelayMs: Number(values['max-cut-delay-ms']),
      // Smaller chunks than the crash test's: every segment and the WAL live in the file system's memory.
      minKb: 8,
      maxKb: 96,
      cut: (proc) => mount.cut(proc),
      afterCut: () => mount.remount(),
      onProgress: (i) => {
        if (!values.json || i % 10 === 0) process.stderr.write(`[powerloss-test] ${label}: ${i}/${n} cuts\n`);
      },
    });
    await mount.unmount();
    return { report, drops: mount.drops, dropsWithUnsynced: mount.dropsWithUnsynced };
  } finally {
    await mount.unmount();
    if (!values.keep) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`[powerloss-test] kept ${root}\n`);
  }
}

const started = performance.now();
let real: Awaited<ReturnType<typeof run>>;
const controls: Array<{ kind: ControlKind; result: Awaited<ReturnType<typeof run>> }> = [];
try {
  real = await run('real', cuts, 'none');
  for (const kind of controlKinds) controls.push({ kind, result: await run(`control-${kind}`, controlCuts, kind) });
} catch (e) {
  // A mount that fails, a child that exits by itself: no proof, and the last line says why.
  process.stderr.write(`[powerloss-test] ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  console.log(JSON.stringify({ cuts, error: e instanceof Error ? e.message.slice(0, 500) : String(e), target, pass: false }));
  process.exit(1);
}
const r = real.report;
if (r.mismatchSamples.length > 0) process.stderr.write(`[powerloss-test] mismatch samples: ${r.mismatchSamples.join('\n')}\n`);
const CONTROL_TEXT: Record<ControlKind, string> = {
  media: 'fsync of media segment files is a no-op',
  all: 'every fsync is a no-op',
  barrier: 'the WAL barrier is skipped (synchronous=NORMAL commits never synced before acknowledging)',
  none: 'none (fsync honoured: must fail the gate)',
};
/** What each control lost: every control must lose, or the harness could not see that loss. */
const controlRuns = controls.map(({ kind, result }) => {
  const c = result.report;
  return { kind, control: CONTROL_TEXT[kind], acknowledged: c.acknowledgedChunks, lost: c.lostAcknowledged + c.corruptDatabases + c.missingEvents, corruptDatabases: c.corruptDatabases };
});
const controlLost = Math.min(...controlRuns.map((c) => c.lost));
const summary = {
  cuts,
  acknowledged: r.acknowledgedChunks,
  lostAcknowledged: r.lostAcknowledged,
  corruptDatabases: r.corruptDatabases,
  brokenChains: r.brokenChains,
  resumeFailures: r.resumeMismatches,
  missingEvents: r.missingEvents,
  eventMismatches: r.eventMismatches,
  resumesChecked: r.resumesChecked,
  // Cuts that found unsynced data or names to drop: a cut that found none tested nothing new.
  cutsDroppingUnsynced: real.dropsWithUnsynced,
  cutsBeforeReady: r.killsBeforeReady,
  p95RecoveryMs: r.p95RecoveryMs,
  controlCuts,
  control: controlRuns.map((c) => c.control).join('; '),
  controls: controlRuns,
  controlCorruptDatabases: controlRuns.reduce((n, c) => n + c.corruptDatabases, 0),
  controlAcknowledged: controlRuns.reduce((n, c) => n + c.acknowledged, 0),
  // The smallest loss of any control: each one must have lost something.
  controlLost,
  fsyncDelayMs: Number(values['fsync-delay-ms']),
  durationS: Math.round((performance.now() - started) / 1000),
};
const misses = [
  ...(['lostAcknowledged', 'corruptDatabases', 'brokenChains', 'resumeFailures', 'missingEvents', 'eventMismatches'] as const).filter((k) => summary[k] !== 0),
  ...(summary.acknowledged > 0 ? [] : ['acknowledged']),
  ...(cuts < 4 || summary.resumesChecked > 0 ? [] : ['resumesChecked']),
  ...(real.drops === cuts + 1 ? [] : ['drops']),
  ...(summary.cutsDroppingUnsynced > 0 ? [] : ['cutsDroppingUnsynced']),
  ...(controlLost > 0 ? [] : ['controlLost']),
];
console.log(JSON.stringify({ ...summary, fs: 'lossyfs (strict: data at file fsync, names at folder fsync)', oracle: 'independent', target, misses, pass: misses.length === 0 }));
process.exit(misses.length === 0 ? 0 : 1);
