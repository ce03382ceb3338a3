/**
 * `npm run integrity:scan -- --json [--expect-vm]`: one integrity scan of this machine, every
 * signal it checked with its status and evidence, and the findings. Exits non-zero when a check
 * it meant to run failed, and with `--expect-vm` when no VM signal fired (CI runs on VMs).
 * Also measures the event loop's delay while the scan runs (`eventLoopMaxMs`, `eventLoopP50Ms`) next
 * to an idle stretch of the same length (`idleEventLoopMaxMs`), to tell the scan from machine load.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { scanIntegrity } from '../services/integrity/scan';
import { NodeIntegritySources } from '../services/integrity/sources';
import { scanInWorker } from '../services/integrity/worker-scanner';

const { values } = parseArgs({
  options: { json: { type: 'boolean', default: false }, 'expect-vm': { type: 'boolean', default: false }, 'in-process': { type: 'boolean', default: false } },
});
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
// As the kiosk runs it: in a worker thread (--in-process to compare with the main thread doing it).
const report = values['in-process'] ? await scanIntegrity(new NodeIntegritySources()) : await scanInWorker();
loop.disable();
const eventLoopMaxMs = Math.round((loop.max / 1e6) * 10) / 10;
const eventLoopP50Ms = Math.round((loop.percentile(50) / 1e6) * 10) / 10;
// The same measurement over an idle stretch of the same length, side by side: on a loaded machine
// the scheduler alone delays the loop, and that is not the scan's doing.
const idle = monitorEventLoopDelay({ resolution: 5 });
idle.enable();
await new Promise((r) => setTimeout(r, Math.max(200, report.durationMs)));
idle.disable();
const idleEventLoopMaxMs = Math.round((idle.max / 1e6) * 10) / 10;
const vmMissing = values['expect-vm'] && !report.vm.detected;
const pass = report.failedChecks.length === 0 && !vmMissing;
if (!values.json) {
  for (const s of report.vm.signals) process.stderr.write(`vm.${s.id}: ${s.status} (${s.evidence})\n`);
  for (const f of report.findings) process.stderr.write(`finding ${f.kind} [${f.severity} → ${f.action}]: ${f.evidence}\n`);
}
process.stdout.write(
  JSON.stringify({
    ...report,
    vm: { detected: report.vm.detected, detectedBy: report.vm.detectedBy, signals: report.vm.signals },
    eventLoopMaxMs,
    eventLoopP50Ms,
    idleEventLoopMaxMs,
    ranIn: values['in-process'] ? 'main thread' : 'worker thread',
    ...(values['expect-vm'] ? { expectVm: true } : {}),
    pass,
  }) + '\n',
);
process.exit(pass ? 0 : 1);
