import { defineConfig } from 'vitest/config';

/**
 * `npm run test:mutation -- --tests <glob>` narrows the tests to a subset (comma-separated globs in
 * KIOSK_MUTATION_TESTS), so a scoped run's static mutants do not each run the whole suite. Fewer
 * tests can only kill fewer mutants: a narrowed score is never higher than the full one, and the
 * ledger records the narrowing.
 */
const narrowed = process.env.KIOSK_MUTATION_TESTS?.split(',').filter(Boolean);

/**
 * The tests StrykerJS runs against each mutant: the unit tests that exercise the mutated folders
 * (main/services, main/db, main/ipc, preload/contract). Integration and browser tests spawn real
 * processes and browsers and would multiply a run's time; renderer, shell and lint tests cover no
 * mutated code.
 */
export default defineConfig({
  test: {
    name: 'mutation',
    include: narrowed && narrowed.length > 0 ? narrowed : ['test/unit/**/*.test.{ts,tsx}'],
    exclude: ['test/unit/renderer/**', 'test/unit/app/**', 'test/unit/lint/**', 'test/unit/mutation/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
