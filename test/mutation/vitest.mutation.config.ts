import { defineConfig } from 'vitest/config';

/**
 * The tests StrykerJS runs against each mutant: the unit tests that exercise the mutated folders
 * (main/services, main/db, main/ipc, preload/contract). Integration and browser tests spawn real
 * processes and browsers and would multiply a run's time; renderer, shell and lint tests cover no
 * mutated code.
 */
export default defineConfig({
  test: {
    name: 'mutation',
    include: ['test/unit/**/*.test.{ts,tsx}'],
    exclude: ['test/unit/renderer/**', 'test/unit/app/**', 'test/unit/lint/**', 'test/unit/mutation/**', '**/node_modules/**'],
    environment: 'node',
    testTimeout: 20_000,
  },
});
