/**
 * `npm run integrity:scan -- --json [--expect-vm]`: one integrity scan of this machine, every
 * signal it checked with its status and evidence, and the findings. Exits non-zero when a check
 * it meant to run failed, and with `--expect-vm` when no VM signal fired (CI runs on VMs).
 * Also measures how long the scan held the event loop (`eventLoopMaxMs`): it must stay responsive.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { scanIntegrity } from '../services/integrity/scan';
import { NodeIntegritySources } from '../services/integrity/sources';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'expect-vm': { type: 'boolean', default: false } } });
const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
const report = await scanIntegrity(new NodeIntegritySources());
loop.disable();
const eventLoopMaxMs = Math.round((loop.max / 1e6) * 10) / 10;
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
    ...(values['expect-vm'] ? { expectVm: true } : {}),
    pass,
  }) + '\n',
);
process.exit(pass ? 0 : 1);
