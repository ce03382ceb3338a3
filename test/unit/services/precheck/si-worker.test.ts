import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeMachineSources } from '../../../../main/services/precheck/machine-sources';
import { resolveSystemInformation, WorkerSiClient } from '../../../../main/services/precheck/si-worker';

/** A stand-in for systeminformation whose process listing blocks its thread for good. */
function blockingModule(): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kiosk-si-')), 'fake-si.cjs');
  writeFileSync(
    file,
    `module.exports = {
      osInfo: async () => ({ distro: 'FakeOS', release: '1.0' }),
      processes: async () => { for (;;) {} },
    };`,
  );
  return file;
}

describe('systeminformation in a worker thread', () => {
  it('answers from the real module off the main thread', async () => {
    const si = new WorkerSiClient(resolveSystemInformation());
    try {
      const info = (await si.call('osInfo')) as { platform?: string };
      expect(info.platform).toBe(process.platform);
      const names = await new NodeMachineSources(si).processNames();
      expect(names.length).toBeGreaterThan(0);
    } finally {
      await si.close();
    }
  });

  it('keeps the main thread free while a call blocks its thread, and close() ends it', async () => {
    const si = new WorkerSiClient(blockingModule());
    expect(await si.call('osInfo')).toEqual({ distro: 'FakeOS', release: '1.0' });
    const hung = si.call('processNames');
    hung.catch(() => undefined);
    // The main thread still runs timers while the worker spins.
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 50));
    expect(performance.now() - t0).toBeLessThan(500);
    const c0 = performance.now();
    await si.close();
    expect(performance.now() - c0).toBeLessThan(2000);
    await expect(hung).rejects.toThrow(/stopped/);
  });
});
