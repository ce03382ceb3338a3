/**
 * `npm run precheck -- [--json] [--endpoint URL | --local-server [--fault F]] [--data-dir DIR]`
 *
 * Runs the pre-check's non-interactive checks on this machine with the installed pack's policy,
 * exactly as the kiosk does (systeminformation in a worker thread, per-check time limits), and
 * prints each check with its status, value, threshold and remediation key. With `--json` each
 * check is one JSON line and the last line is `{"overall":…,"durationMs":…}`.
 *
 * The network checks measure the HR endpoint: `--endpoint`, else KIOSK_PRECHECK_ENDPOINT, else the
 * pack's `hrEndpoint`. `--local-server` starts the loopback test server (main/dev/network-test-
 * server.ts) and measures that, optionally with a fault (unreachable, slow, dropping).
 * Camera frames, the microphone level and the speakers need a person and a page: they run in the
 * app's pre-check screen, not here.
 *
 * Exit code: with `--expect OUTCOME` (READY, READY_WITH_WARNINGS or NOT_READY) it is 0 exactly
 * when the overall result equals OUTCOME, so CI can assert what a machine must give; without it,
 * 0 unless the result is NOT_READY. No flag or variable changes a check's result or skips a
 * blocking check: the command cannot be talked into READY. The last JSON line carries the
 * expectation and `pass`.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { CheckResult, PrecheckProgressEvent } from '../../preload/contract/precheck';
import { systemClock } from '../common/clock';
import { createConsoleLogger, silentLogger } from '../common/logger';
import { err } from '../common/result';
import { demoPack } from '../services/packs/pack-provider';
import { nodeMachineSession } from '../services/precheck/machine-sources';
import { PrecheckService } from '../services/precheck/precheck-service';
import { overallOf } from '../services/precheck/runner';
import { FAULTS, startNetworkTestServer, type NetworkFault, type NetworkTestServer } from './network-test-server';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    endpoint: { type: 'string' },
    'local-server': { type: 'boolean', default: false },
    fault: { type: 'string', default: 'none' },
    'data-dir': { type: 'string', default: '.kiosk-data' },
    verbose: { type: 'boolean', default: false },
    expect: { type: 'string' },
  },
});

const OUTCOMES = ['READY', 'READY_WITH_WARNINGS', 'NOT_READY'] as const;
type Outcome = (typeof OUTCOMES)[number];
const expected = values.expect;
if (expected !== undefined && !(OUTCOMES as readonly string[]).includes(expected)) {
  process.stderr.write(`unknown --expect ${expected}; one of ${OUTCOMES.join(', ')}\n`);
  process.exit(2);
}
/** Whether the run met its target: the expected outcome, or by default any outcome but NOT_READY. */
function meets(overall: Outcome): boolean {
  return expected === undefined ? overall !== 'NOT_READY' : overall === expected;
}

const started = performance.now();
const out = (line: string): void => void process.stdout.write(line + '\n');

let server: NetworkTestServer | null = null;
if (values['local-server']) {
  const fault = values.fault as NetworkFault;
  if (!(fault in FAULTS)) {
    process.stderr.write(`unknown fault ${fault}; one of ${Object.keys(FAULTS).join(', ')}\n`);
    process.exit(2);
  }
  server = await startNetworkTestServer({ fault });
}
const pack = demoPack();
const endpoint = server?.url ?? values.endpoint ?? process.env.KIOSK_PRECHECK_ENDPOINT ?? pack.pack.hrEndpoint?.url ?? null;

const service = new PrecheckService({
  clock: systemClock,
  logger: values.verbose ? createConsoleLogger('precheck-cli', 'debug') : silentLogger,
  appVersion: process.env.npm_package_version ?? '0.0.0-dev',
  dataDir: path.resolve(values['data-dir']),
  machine: () => nodeMachineSession(null),
  sessions: {
    precheckPack: () => err('SESSION_NOT_FOUND', 'the command line runs the at-home check only'),
    recordPrecheckRun: () => err('SESSION_NOT_FOUND', 'the command line runs the at-home check only'),
  },
  endpoint: () => endpoint,
  homePack: pack,
  emit: values.json ? undefined : (e: PrecheckProgressEvent) => {
    if (e.phase === 'done') process.stderr.write(`  [${e.done}/${e.total}] ${e.checkId} ${e.status}\n`);
  },
});

const runId = crypto.randomUUID();
const run = await service.run({ runId, mode: 'home' });
if (!run.ok) {
  process.stderr.write(`pre-check failed to run: ${run.error.message}\n`);
  await server?.close();
  process.exit(1);
}
// Nobody is at the keyboard: the page-measured checks are not part of this report.
const report = service.finish({ runId, mode: 'home', camera: null, microphone: null, speakers: null });
if (!report.ok) {
  process.stderr.write(`pre-check failed: ${report.error.message}\n`);
  process.exit(1);
}
const interactive = new Set(['camera.frames', 'camera.image', 'microphone.level', 'speakers']);
const checks = report.value.checks.filter((c) => !interactive.has(c.id));
const overall = overallOf(checks);
const durationMs = Math.round(performance.now() - started);

if (values.json) {
  for (const c of checks) {
    out(JSON.stringify({ id: c.id, status: c.status, value: c.value, unit: c.unit ?? null, threshold: c.threshold, remediationKey: c.remediationKey, blocking: c.blocking, durationMs: c.durationMs, detail: c.detail }));
  }
  out(JSON.stringify({ overall, durationMs, expect: expected ?? 'READY|READY_WITH_WARNINGS', pass: meets(overall) }));
} else {
  out(`Pre-check on this machine (${endpoint ? `network: ${endpoint}` : 'no HR endpoint configured'})`);
  for (const c of checks) {
    const mark = c.status === 'pass' ? 'PASS' : c.status === 'warn' ? 'WARN' : 'FAIL';
    const value = c.value === null ? '—' : `${String(c.value)}${c.unit ? ' ' + c.unit : ''}`;
    out(`${mark}  ${c.id.padEnd(19)} ${value.padEnd(34)} ${thresholdText(c).padEnd(22)} ${c.blocking ? 'blocking' : '        '}  ${c.remediationKey ?? ''}`);
    out(`      ${c.detail}`);
  }
  out(`Overall: ${overall} in ${durationMs} ms (camera frames, microphone level and speakers are tested in the app)`);
  if (!meets(overall)) out(`Expected ${expected ?? 'READY or READY_WITH_WARNINGS'}.`);
}
await server?.close();
process.exit(meets(overall) ? 0 : 1);

function thresholdText(c: CheckResult): string {
  const t = c.threshold;
  if (!t) return '';
  const unit = t.unit ? ` ${t.unit}` : '';
  switch (t.op) {
    case '>=':
    case '<=':
      return `${t.op} ${String(t.fail)}${t.warn !== undefined ? ` (ideal ${String(t.warn)})` : ''}${unit}`;
    case '=':
      return `= ${String(t.expect)}`;
    case 'none':
      return `policy: ${String(t.expect)}`;
  }
}
