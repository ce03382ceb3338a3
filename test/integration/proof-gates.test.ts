/**
 * Every proof command misses its target loudly: exit 1, and a last JSON line that names the
 * target and the miss. Each command is run once as shipped (it passes here) and once with a
 * deliberate fault it offers for this purpose (it must fail).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/harness';

interface Run {
  status: number | null;
  last: Record<string, unknown>;
  stderr: string;
}

function run(script: string, args: string[], node: string[] = []): Run {
  const r = spawnSync(process.execPath, [...node, '--import', 'tsx', script, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 110_000 });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, last: JSON.parse(lines.at(-1) ?? '{}') as Record<string, unknown>, stderr: r.stderr };
}

describe('proof commands exit non-zero on a miss, with the target in their JSON', () => {
  it('bench:soak meets its memory target as shipped and misses it with a leak of 64 KB per chunk', () => {
    const ok = run('test/bench/soak-bench.ts', ['--json', '--minutes', '10'], ['--expose-gc']);
    expect(ok.last).toMatchObject({ target: { rssGrowthMb: 24 }, pass: true, misses: [] });
    expect(ok.status).toBe(0);
    const leak = run('test/bench/soak-bench.ts', ['--json', '--minutes', '10', '--leak-kb', '64'], ['--expose-gc']);
    expect(leak.last).toMatchObject({ pass: false, misses: ['rssGrowthMb'] });
    expect(leak.status).toBe(1);
  });

  it('bench:soak misses holdsAtLeastSlow when the slowed fsyncs run on the loop (the old, synchronous design)', () => {
    const r = run('test/bench/soak-bench.ts', ['--json', '--minutes', '3', '--inline-slow'], ['--expose-gc']);
    expect(r.last).toMatchObject({ durability: 'barrier', pass: false });
    expect(r.last.misses).toContain('holdsAtLeastSlow');
    expect(r.last.holdsAtLeastSlow as number).toBeGreaterThanOrEqual(0.9 * (r.last.slowedFsyncCount as number));
    expect(r.status).toBe(1);
  });

  it('bench:soak fails when memory could not be collected before reading it', () => {
    const r = run('test/bench/soak-bench.ts', ['--json', '--minutes', '3']);
    expect(r.last).toMatchObject({ gcExposed: false, pass: false });
    expect(r.last.misses).toContain('gcExposed');
    expect(r.status).toBe(1);
  });

  it('bench:journal names its gate and the stated target, and misses the gate when each commit costs 1 ms more', () => {
    const slow = run('test/bench/journal-bench.ts', ['--json', '--chunks', '100', '--inject-ms', '1']);
    expect(slow.last).toMatchObject({ target: { overFloorP50: 1.5, p99OverFloor: 2.5 }, statedTarget: { p50Ratio: 1.25, p99Ratio: 2 }, pass: false });
    expect(slow.last.misses).toContain('overFloorP50');
    // Write amplification of the segment-file store is measured and gated (/proc/self/io).
    expect(slow.last).toMatchObject({ target: { writeAmplification: 1.2 } });
    expect(typeof slow.last.writeAmplification).toBe('number');
    expect(slow.status).toBe(1);
    // Both raw baselines are reported, and the ratios use the cheaper one.
    const l = slow.last as Record<string, number>;
    expect(l.rawFsyncP50Ms).toBeGreaterThan(0);
    expect(l.rawInPlaceP50Ms).toBeGreaterThan(0);
    // The printed times are rounded to 0.01 ms, so recompute the ratio within a relative tolerance;
    // against the dearer baseline it would be off by their difference (tens of percent here).
    const cheaper = l.p50Ms! / Math.min(l.rawFsyncP50Ms!, l.rawInPlaceP50Ms!);
    expect(Math.abs(l.p50Ratio! - cheaper) / cheaper).toBeLessThan(0.08);
  });

  it('bench:journal misses its p99 gate when the session logic costs 10 ms more per chunk', () => {
    // 10 ms: far above the floor's own p99 even on a busy machine (up to ~2.6 ms seen at load 10).
    const slow = run('test/bench/journal-bench.ts', ['--json', '--chunks', '100', '--amp-chunks', '50', '--inject-ms', '10']);
    expect(slow.last.misses).toContain('p99OverFloor');
    expect(slow.last.p99OverFloor as number).toBeGreaterThan(2.5);
    expect(slow.status).toBe(1);
  });

  it('bench:journal misses writeAmplification when each media byte is written once more', () => {
    const r = run('test/bench/journal-bench.ts', ['--json', '--chunks', '50', '--amp-chunks', '100', '--inject-amp-copies', '1']);
    expect(r.last).toMatchObject({ target: { writeAmplification: 1.2 }, injectedAmpCopies: 1, pass: false });
    expect(r.last.misses).toContain('writeAmplification');
    expect(r.last.writeAmplification as number).toBeGreaterThan(1.9);
    expect(r.status).toBe(1);
  });

  it('bench:chunk-phases splits a chunk into phases, and misses its gate when the session logic costs 10 ms more per chunk', () => {
    // 10 ms: far above what a busy neighbour adds to the floor's own p99 (up to ~2.6 ms seen at load 10).
    const slow = run('test/bench/chunk-phases.ts', ['--json', '--chunks', '100', '--inject-ms', '10']);
    expect(slow.last).toMatchObject({ target: { ownOverFloorOwnP99: 3 }, injectedMs: 10, pass: false, misses: ['ownOverFloorOwnP99'] });
    expect(slow.status).toBe(1);
    const l = slow.last as { service: Record<string, { p50: number; p99: number }>; floor: Record<string, unknown>; floorP99Ms: number; p99OverFloor: number };
    // Every phase is reported for both series; the injected work lands in the service's own phase.
    for (const p of ['validate', 'write', 'rows', 'commit', 'durableWait', 'ack', 'total']) {
      expect(l.service[p]).toBeDefined();
      expect(l.floor[p]).toBeDefined();
    }
    expect(l.service.validate!.p50).toBeGreaterThanOrEqual(10);
    expect(l.floorP99Ms).toBeGreaterThan(0);
    expect(l.p99OverFloor).toBeGreaterThan(0);
  });

  it('bench:pack gates on the median, and misses a budget nothing can meet', () => {
    const r = run('test/bench/pack-bench.ts', ['--json', '--questions', '20', '--runs', '5', '--budget-ms', '0.001']);
    expect(r.last).toMatchObject({ target: { 'loadVerifyMs.p50': 0.001 }, pass: false });
    expect(r.status).toBe(1);
  });
});

describe('the end-to-end runner never passes on zero scenarios in CI', () => {
  const e2e = (ci: string) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'test/e2e/run-e2e.ts', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, CI: ci, CHROMIUM_PATH: '/nonexistent/chromium', E2E_ALLOWED_RETRIES: '0' },
    });

  it('fails with scenarios:0 when Chromium is missing under CI=true', () => {
    const r = e2e('true');
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ scenarios: 0, reason: 'no chromium', ci: true, pass: false });
  });

  it('skips with the reason printed on a developer machine without Chromium', () => {
    const r = e2e('');
    expect(r.status).toBe(0);
    expect(r.stderr).toContain('Chromium not found');
    expect(JSON.parse(r.stdout.trim().split('\n').at(-1)!)).toMatchObject({ scenarios: 0, ci: false });
  });
});

describe('the pre-check command line cannot be forced to READY', () => {
  const hasCamera = existsSync('/dev') && readdirSync('/dev').some((n) => n.startsWith('video'));

  it.skipIf(hasCamera)('exits 1 with --expect READY on a machine without a camera, whatever else it is given (skipped when /dev/video* exists: this machine could be ready)', () => {
    for (const extra of [[], ['--local-server'], ['--endpoint', 'http://127.0.0.1:9/']]) {
      const r = run('main/dev/precheck-cli.ts', ['--json', '--expect', 'READY', ...extra]);
      expect(r.last.overall).toBe('NOT_READY');
      expect(r.last).toMatchObject({ expect: 'READY', pass: false });
      expect(r.status).toBe(1);
    }
    const asExpected = run('main/dev/precheck-cli.ts', ['--json', '--expect', 'NOT_READY']);
    expect(asExpected.last).toMatchObject({ overall: 'NOT_READY', pass: true });
    expect(asExpected.status).toBe(0);
  });

  it('refuses an unknown expectation instead of ignoring it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/precheck-cli.ts', '--json', '--expect', 'ready'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
  });
});
