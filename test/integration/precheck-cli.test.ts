/** `npm run precheck -- --json` on this machine, as a real child process. */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CheckResult } from '../../preload/contract/precheck';
import { ROOT } from '../e2e/harness';

function runCli(args: string[]) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/precheck-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { ...r, wallMs: performance.now() - t0, lines: r.stdout.trim().split('\n') };
}

describe('precheck command line', () => {
  it('prints every non-interactive check and the overall line, within 10 s, without crashing on a camera-less VM', () => {
    const r = runCli(['--json']);
    const last = JSON.parse(r.lines.at(-1)!) as { overall: string; durationMs: number };
    // Without --expect the command misses its target (exit 1) exactly when the machine is not ready.
    expect(r.status).toBe(last.overall === 'NOT_READY' ? 1 : 0);
    expect(['READY', 'READY_WITH_WARNINGS', 'NOT_READY']).toContain(last.overall);
    expect(last.durationMs).toBeLessThan(10_000);
    const checks = r.lines.slice(0, -1).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(checks.map((c) => c.id)).toEqual([
      'os', 'cpu', 'memory', 'disk', 'displays', 'camera.present', 'microphone.present',
      'network.reachable', 'network.latency', 'network.upload', 'network.jitter', 'network.loss', 'network.clock',
      'vm', 'remote_desktop', 'processes', 'power',
    ]);
    for (const c of checks) {
      expect(c).toHaveProperty('threshold');
      expect(c).toHaveProperty('remediationKey');
      expect(CheckResult.shape.status.safeParse(c.status).success).toBe(true);
      if (c.status !== 'pass') expect(c.remediationKey).toMatch(/^precheck\.fix\./);
    }
    const camera = checks.find((c) => c.id === 'camera.present')!;
    // This machine has no camera: the check must say so (or say it cannot tell), not crash.
    expect(camera.status).not.toBe('pass');
  });

  it('measures the loopback test server when asked, faults included', () => {
    const ok = runCli(['--json', '--local-server']);
    const byId = new Map(ok.lines.slice(0, -1).map((l) => { const c = JSON.parse(l) as { id: string; status: string }; return [c.id, c.status]; }));
    expect(byId.get('network.reachable')).toBe('pass');
    expect(byId.get('network.upload')).toBe('pass');
    const down = runCli(['--json', '--local-server', '--fault', 'unreachable']);
    const reach = down.lines.map((l) => JSON.parse(l) as { id?: string; status?: string }).find((c) => c.id === 'network.reachable');
    expect(reach?.status).toBe('fail');
  });
});
