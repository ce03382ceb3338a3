/**
 * The crash harness's oracle can fail: run against deliberately broken variants of the product
 * (test/bench/crash-faults.ts), each break shows up as a non-zero count — the counts that the
 * clean product keeps at zero (test/integration/crash-recovery.test.ts).
 */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCrashTest, type CrashReport } from '../bench/crash-harness';
import type { CrashFault } from '../bench/crash-faults';
import { tempDir } from '../e2e/harness';

async function run(fault: CrashFault): Promise<CrashReport> {
  const dir = tempDir(`kiosk-crash-oracle-${fault}-`);
  try {
    return await runCrashTest({ kills: 6, dataDir: dir, maxKillDelayMs: 300, fault });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('crash harness oracle', () => {
  it('counts acknowledged chunks whose chunk_committed event was never written', async () => {
    const r = await run('skip-chunk-event');
    expect(r.acknowledgedChunks).toBeGreaterThan(0);
    expect(r.missingEvents).toBe(r.acknowledgedChunks);
    expect(r.mediaRowsWithoutEvent).toBeGreaterThanOrEqual(r.acknowledgedChunks);
  });

  it('counts events that name a different sha256 than the acknowledged bytes', async () => {
    const r = await run('wrong-event-hash');
    expect(r.eventMismatches).toBe(r.acknowledgedChunks);
    expect(r.missingEvents).toBe(0);
  });

  it('checks the resumed clock against its own record, not the clock stored in the database', async () => {
    // The event says 0 ms; the database is self-consistent; only the harness's record disagrees.
    const r = await run('wrong-event-clock');
    expect(r.resumeMismatches).toBeGreaterThan(0);
  });

  it('reads the media bytes from the segment files itself: a flipped byte is a lost chunk, though row and event agree', async () => {
    const r = await run('flip-media-byte');
    expect(r.acknowledgedChunks).toBeGreaterThan(2);
    expect(r.lostAcknowledged).toBeGreaterThan(0);
    expect(r.eventMismatches).toBe(0);
  });

  it('finds an event edited after it was committed with its own chain verifier', async () => {
    const r = await run('edit-event');
    expect(r.brokenChains).toBeGreaterThan(0);
  });
});
