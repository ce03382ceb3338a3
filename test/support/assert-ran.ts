/**
 * `node --import tsx test/support/assert-ran.ts`: CI's check that what it meant to run ran.
 * Reads the summaries written by test/support/summary-reporter.ts for unit+integration
 * (test-results/vitest-summary.json) and e2e (test-results/e2e-summary.json) and fails when
 * - a test file on disk did not run (excluded by a config change, a typo, a crash at import; any
 *   *.test.ts under test/ outside test/fixtures counts, not only the three project folders),
 * - a file ran but passed no test,
 * - any test was skipped or left pending, unless test/allowed-skips.json lists it with a reason,
 * - any test failed or needed a retry.
 * Prints one JSON object last (with its target); exit 1 on a miss.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { RunSummary } from './summary-reporter';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'test-results/vitest-summary.json' },
    e2e: { type: 'string', default: 'test-results/e2e-summary.json' },
    allowed: { type: 'string', default: 'test/allowed-skips.json' },
    root: { type: 'string', default: '.' },
  },
});
const root = path.resolve(values.root);

function testFiles(dir: string): string[] {
  const abs = path.join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) return testFiles(rel);
    return /\.test\.tsx?$/.test(name) ? [rel] : [];
  });
}

function load(file: string): RunSummary | null {
  const p = path.resolve(root, file);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as RunSummary) : null;
}

interface AllowedSkip {
  name: string;
  reason: string;
}
const allowedPath = path.resolve(root, values.allowed);
const allowed = existsSync(allowedPath) ? (JSON.parse(readFileSync(allowedPath, 'utf8')) as AllowedSkip[]) : [];
const badAllowances = allowed.filter((a) => typeof a.name !== 'string' || typeof a.reason !== 'string' || a.reason.trim().length < 10);

const suite = load(values.suite);
const e2e = load(values.e2e);
const expected = [
  { summary: suite, label: 'unit+integration', files: [...testFiles('test/unit'), ...testFiles('test/integration')] },
  { summary: e2e, label: 'e2e', files: testFiles('test/e2e') },
];
// Any other test file under test/ (a new folder no vitest project includes) must have run in one
// of the two runs too: a file nobody runs is a proof that silently stopped.
const known = new Set(expected.flatMap((e) => e.files));
const others = testFiles('test').filter((f) => !known.has(f) && !f.startsWith('test/fixtures/'));

const missingSummaries: string[] = [];
const filesNotRun: string[] = [];
const filesWithoutPass: string[] = [];
const unlistedSkips: string[] = [];
const failedTests: string[] = [];
// Same tolerance as run-e2e (E2E_ALLOWED_RETRIES, default 0): retried tests are always listed.
const ALLOWED_RETRIES = Math.max(0, Number.parseInt(process.env.E2E_ALLOWED_RETRIES ?? '0', 10) || 0);
const retriedTests: string[] = [];
let tests = 0;
let skippedListed = 0;
for (const { summary, label, files } of expected) {
  if (!summary) {
    missingSummaries.push(label);
    continue;
  }
  tests += summary.total;
  const ran = new Set(summary.modules);
  for (const f of files) if (!ran.has(f)) filesNotRun.push(f);
  for (const m of summary.modules) if (!summary.tests.some((t) => t.module === m && t.state === 'passed')) filesWithoutPass.push(m);
  for (const t of summary.tests) {
    if (t.state === 'skipped' || t.state === 'pending') {
      if (allowed.some((a) => a.name === t.name)) skippedListed += 1;
      else unlistedSkips.push(`${t.module}: ${t.name}${t.note ? ` (${t.note})` : ''}`);
    }
    if (t.state === 'failed') failedTests.push(`${t.module}: ${t.name}`);
    if (t.retries > 0) retriedTests.push(`${t.module}: ${t.name} (${t.retries})`);
  }
}
const ranAnywhere = new Set([...(suite?.modules ?? []), ...(e2e?.modules ?? [])]);
for (const f of others) if (!ranAnywhere.has(f)) filesNotRun.push(f);

const report = {
  check: 'what CI meant to run ran',
  tests,
  filesExpected: expected.reduce((n, e) => n + e.files.length, 0) + others.length,
  missingSummaries,
  filesNotRun,
  filesWithoutPass,
  unlistedSkips,
  skippedListed,
  badAllowances: badAllowances.map((a) => a.name),
  failed: failedTests,
  retried: retriedTests,
  target: { missingSummaries: 0, filesNotRun: 0, filesWithoutPass: 0, unlistedSkips: 0, failed: 0, retried: ALLOWED_RETRIES },
};
const pass =
  missingSummaries.length + filesNotRun.length + filesWithoutPass.length + unlistedSkips.length + badAllowances.length + failedTests.length === 0 &&
  retriedTests.length <= ALLOWED_RETRIES;
console.log(JSON.stringify({ ...report, pass }));
process.exit(pass ? 0 : 1);
