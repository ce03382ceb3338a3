import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCrashTest } from '../bench/crash-harness';
import { tempDir } from '../e2e/harness';

describe('crash recovery with real processes', () => {
  it('loses no acknowledged chunk, keeps the database and the chain intact, and resumes right after SIGKILLs', async () => {
    const dir = tempDir('kiosk-crash-it-');
    try {
      const report = await runCrashTest({ kills: 12, dataDir: dir, maxKillDelayMs: 300 });
      expect(report.acknowledgedChunks).toBeGreaterThan(20);
      expect(report.resumesChecked).toBeGreaterThan(5);
      expect(report).toMatchObject({ lostAcknowledged: 0, corruptDatabases: 0, brokenChains: 0, missingEvents: 0, eventMismatches: 0, mediaRowsWithoutEvent: 0, resumeMismatches: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
