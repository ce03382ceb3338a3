import { defineConfig } from 'vitest/config';

/**
 * How many e2e files run at once (E2E_FILE_WORKERS, default 1). Each file drives its own host and
 * Chromium in temporary folders on free ports, and spends most of its time waiting on real clocks
 * (about a quarter of one core), so CI runs two at a time (.ci/run); a developer's run keeps one.
 */
const E2E_WORKERS = Math.min(4, Math.max(1, Number.parseInt(process.env.E2E_FILE_WORKERS ?? '1', 10) || 1));

export default defineConfig({
  test: {
    // Projects run one after another (groupOrder): unit, then integration (real processes and
    // files), then the browser tests.
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.{ts,tsx}'],
          environment: 'node',
          testTimeout: 20_000,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          // Browser timing checks run after everything else, one file at a time unless
          // E2E_FILE_WORKERS says otherwise; a scenario that fails is run once more (reported as
          // a retry, which CI does not tolerate) before it counts as failed.
          fileParallelism: E2E_WORKERS > 1,
          maxWorkers: E2E_WORKERS,
          retry: 1,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
