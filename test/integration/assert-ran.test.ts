/** CI's "what it meant to run ran" check, on fabricated summaries in a scratch tree. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RanTest, RunSummary } from '../support/summary-reporter';
import { ROOT, tempDir } from '../e2e/harness';

const t = (module: string, name: string, state: RanTest['state'] = 'passed', retries = 0): RanTest => ({ module, name, project: 'x', state, note: state === 'skipped' ? 'why' : null, retries });

function summary(tests: RanTest[]): RunSummary {
  return {
    total: tests.length,
    passed: tests.filter((x) => x.state === 'passed').length,
    failed: tests.filter((x) => x.state === 'failed').length,
    skipped: tests.filter((x) => x.state === 'skipped').length,
    retries: tests.reduce((n, x) => n + x.retries, 0),
    modules: [...new Set(tests.map((x) => x.module))].sort(),
    tests,
  };
}

function check(suite: RanTest[], e2e: RanTest[], allowed: Array<{ name: string; reason: string }> = [], extraFiles: string[] = []) {
  const root = tempDir('kiosk-assert-ran-');
  for (const f of ['test/unit/a.test.ts', 'test/integration/b.test.ts', 'test/e2e/c.test.ts', 'test/fixtures/ignored.test.ts', ...extraFiles]) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), '');
  }
  mkdirSync(path.join(root, 'test-results'), { recursive: true });
  writeFileSync(path.join(root, 'test-results/vitest-summary.json'), JSON.stringify(summary(suite)));
  writeFileSync(path.join(root, 'test-results/e2e-summary.json'), JSON.stringify(summary(e2e)));
  writeFileSync(path.join(root, 'test/allowed-skips.json'), JSON.stringify(allowed));
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/assert-ran.ts'), '--root', root], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, E2E_ALLOWED_RETRIES: '0' } });
  return { status: r.status, last: JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, unknown> };
}

const good = [t('test/unit/a.test.ts', 'a1'), t('test/integration/b.test.ts', 'b1')];
const goodE2e = [t('test/e2e/c.test.ts', 'c1')];

describe('assert-ran', () => {
  it('passes when every file ran and every test passed first time', () => {
    expect(check(good, goodE2e)).toMatchObject({ status: 0, last: { pass: true, tests: 3 } });
  });

  it('fails when a test file on disk did not run', () => {
    expect(check([good[0]!], goodE2e)).toMatchObject({ status: 1, last: { filesNotRun: ['test/integration/b.test.ts'] } });
  });

  it('fails when a test file in a folder no project includes never ran', () => {
    expect(check(good, goodE2e, [], ['test/property/p.test.ts'])).toMatchObject({ status: 1, last: { filesNotRun: ['test/property/p.test.ts'] } });
    expect(check([...good, t('test/property/p.test.ts', 'p1')], goodE2e, [], ['test/property/p.test.ts']).status).toBe(0);
  });

  it('fails on a skipped test unless it is listed with a reason', () => {
    const skipped = [...good, t('test/unit/a.test.ts', 'needs root', 'skipped')];
    expect(check(skipped, goodE2e)).toMatchObject({ status: 1, last: { unlistedSkips: ['test/unit/a.test.ts: needs root (why)'] } });
    expect(check(skipped, goodE2e, [{ name: 'needs root', reason: 'this CI image has no FUSE device' }])).toMatchObject({ status: 0, last: { skippedListed: 1 } });
    expect(check(skipped, goodE2e, [{ name: 'needs root', reason: '' }]).status).toBe(1);
  });

  it('fails when an e2e scenario needed a retry, or when e2e ran nothing', () => {
    expect(check(good, [t('test/e2e/c.test.ts', 'c1', 'passed', 1)])).toMatchObject({ status: 1, last: { retried: ['test/e2e/c.test.ts: c1 (1)'] } });
    expect(check(good, [])).toMatchObject({ status: 1, last: { filesNotRun: ['test/e2e/c.test.ts'] } });
  });

  it('fails when a file ran but passed nothing', () => {
    expect(check([...good, t('test/unit/z.test.ts', 'z', 'skipped')], goodE2e, [{ name: 'z', reason: 'listed for this check only' }])).toMatchObject({
      status: 1,
      last: { filesWithoutPass: ['test/unit/z.test.ts'] },
    });
  });
});
