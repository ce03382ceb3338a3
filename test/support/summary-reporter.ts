/**
 * A vitest reporter that writes what actually ran, so CI can assert it: every test with its
 * module, state, skip note and retry count. The JSON reporter has no retries and no skip notes.
 * Output: $KIOSK_TEST_SUMMARY, default test-results/vitest-summary.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

export interface RanTest {
  readonly module: string;
  readonly name: string;
  readonly project: string;
  readonly state: 'passed' | 'failed' | 'skipped' | 'pending';
  readonly note: string | null;
  readonly retries: number;
}

export interface RunSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly retries: number;
  readonly modules: readonly string[];
  readonly tests: readonly RanTest[];
}

/** The counts of a list of tests that ran (also used to merge two runs' summaries). */
export function summarise(tests: readonly RanTest[]): RunSummary {
  return {
    total: tests.length,
    passed: tests.filter((t) => t.state === 'passed').length,
    failed: tests.filter((t) => t.state === 'failed').length,
    skipped: tests.filter((t) => t.state === 'skipped' || t.state === 'pending').length,
    retries: tests.reduce((n, t) => n + t.retries, 0),
    modules: [...new Set(tests.map((t) => t.module))].sort(),
    tests,
  };
}

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const root = process.cwd();
    const tests: RanTest[] = [];
    for (const m of testModules) {
      const module = path.relative(root, m.moduleId).split(path.sep).join('/');
      for (const t of m.children.allTests()) {
        const r = t.result();
        tests.push({
          module,
          name: t.fullName,
          project: m.project.name,
          state: r.state,
          note: r.state === 'skipped' ? (r.note ?? null) : null,
          retries: t.diagnostic()?.retryCount ?? 0,
        });
      }
    }
    const summary = summarise(tests);
    const out = process.env.KIOSK_TEST_SUMMARY ?? path.join('test-results', 'vitest-summary.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(summary, null, 1));
  }
}
