// @ts-check
/**
 * Mutation testing (issue #16): every guarantee must fail a test when the code stops keeping it.
 * Run through `npm run test:mutation` (test/mutation/run-mutation.ts), which adds the equivalent
 * mutants list, the score target and the JSON summary. Temp sandbox and reports live under
 * test-results/ (ignored by git and ESLint).
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
export default {
  testRunner: 'vitest',
  vitest: { configFile: 'test/mutation/vitest.mutation.config.ts' },
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.node.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: 'perTest',
  mutate: [
    'main/services/**/*.ts',
    'main/db/**/*.ts',
    'main/ipc/**/*.ts',
    'preload/contract/**/*.ts',
    // Electron glue: the one file that touches ipcMain; it cannot load without Electron's binary.
    '!main/ipc/electron-transport.ts',
    // Type-only modules produce no runtime mutants worth the checker's time.
    '!**/types.ts',
    // Generated from docs/ (npm run contract:gen): data, not logic, and a unit test compares its
    // text on disk with the document, which an instrumented copy can never match.
    '!**/*.generated.ts',
  ],
  // test/e2e stays in the sandbox: unit tests import its harness (ROOT); vitest.mutation.config.ts
  // runs only test/unit, so no browser test runs against a mutant.
  ignorePatterns: ['dist', 'test-results', '.kiosk-data', 'release', 'coverage', 'native-models', 'test/bench'],
  // One worker: the build machine has two cores shared by several engineers.
  concurrency: 1,
  timeoutMS: 10_000,
  timeoutFactor: 2,
  incremental: true,
  // Local only (test-results/ is ignored): at full scope it is ~10 MB and rewritten by every run,
  // so committing it would conflict on every merge. CI, on a clean clone, runs --changed instead.
  incrementalFile: 'test-results/mutation/stryker-incremental.json',
  tempDirName: 'test-results/stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['json', 'html', 'progress'],
  jsonReporter: { fileName: 'test-results/mutation/mutation.json' },
  htmlReporter: { fileName: 'test-results/mutation/mutation.html' },
  thresholds: { high: 90, low: 85, break: null },
};
