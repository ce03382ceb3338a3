import { describe, expect, it } from 'vitest';
import { scanInWorker } from '../../main/services/integrity/worker-scanner';

describe('integrity scan in a worker thread', () => {
  it('returns a full report from the worker, every VM signal listed', async () => {
    const r = await scanInWorker();
    expect(r.platform).toBe(process.platform);
    expect(r.vm.signals.length).toBeGreaterThanOrEqual(3);
    for (const s of r.vm.signals) expect(['detected', 'clear', 'unavailable', 'failed']).toContain(s.status);
  });

  it('rejects, never hangs, when the worker cannot start', async () => {
    await expect(scanInWorker(undefined, '/nonexistent/integrity-worker.cjs')).rejects.toThrow();
  });
});
