/**
 * The kiosk's idle heartbeat for the proctor board: with nothing to send, the sync engine makes a
 * signed no-op call at most once per interval; a batch it sent counts as contact; a failing
 * heartbeat is not a sync failure; 0 turns it off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HubClient, HubItem, HubItemResult } from '../../../main/services/sync/hub-client';
import { SyncEngine } from '../../../main/services/sync/sync-engine';
import { openSyncKiosk } from '../../support/sync-kiosk';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function hubWithHeartbeat(fail = false) {
  const calls = { heartbeats: 0, batches: 0 };
  const hub = {
    heartbeat: () => {
      calls.heartbeats += 1;
      return fail ? Promise.reject(new Error('offline')) : Promise.resolve();
    },
    sendItems: (items: readonly HubItem[]): Promise<HubItemResult[]> => {
      calls.batches += 1;
      return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
    },
    upload: (_d: Buffer, _m: unknown, _r: string | null, onUrl: (u: string) => void): Promise<void> => {
      onUrl('http://hub.invalid/v1/uploads/u');
      return Promise.resolve();
    },
  };
  return { hub: hub as unknown as HubClient, calls };
}

function kiosk() {
  const dir = mkdtempSync(join(tmpdir(), 'heartbeat-'));
  dirs.push(dir);
  return openSyncKiosk(dir);
}

describe('sync engine idle heartbeat', () => {
  it('idle: one heartbeat at once, none again inside the interval, the next after it', async () => {
    const k = kiosk();
    let t = 1_000_000;
    const { hub, calls } = hubWithHeartbeat();
    const engine = new SyncEngine({ db: k.db, hub, sealer: k.chunkSealer, now: () => t, heartbeatMs: 60_000 });
    expect(await engine.tick()).toBe('idle');
    expect(calls.heartbeats).toBe(1);
    t += 59_999;
    await engine.tick();
    expect(calls.heartbeats).toBe(1);
    t += 1;
    await engine.tick();
    expect(calls.heartbeats).toBe(2);
  });

  it('a batch sent is contact: no heartbeat until the interval has passed since it', async () => {
    const k = kiosk();
    await k.interview(1, 256);
    let t = 2_000_000;
    const { hub, calls } = hubWithHeartbeat();
    const engine = new SyncEngine({ db: k.db, hub, sealer: k.chunkSealer, now: () => t, heartbeatMs: 60_000, batchSize: 1000 });
    while ((await engine.tick()) === 'more') t += 1;
    expect(calls.batches).toBeGreaterThan(0);
    t += 1000;
    expect(await engine.tick()).toBe('idle');
    expect(calls.heartbeats).toBe(0);
    t += 60_000;
    await engine.tick();
    expect(calls.heartbeats).toBe(1);
  });

  it('a failing heartbeat is not a sync failure; 0 turns heartbeats off', async () => {
    const k = kiosk();
    const failing = hubWithHeartbeat(true);
    const engine = new SyncEngine({ db: k.db, hub: failing.hub, now: () => 5, heartbeatMs: 60_000 });
    expect(await engine.tick()).toBe('idle');
    expect(failing.calls.heartbeats).toBe(1);
    expect(engine.state()).toMatchObject({ consecutiveFailures: 0, lastError: null });
    const off = hubWithHeartbeat();
    const quiet = new SyncEngine({ db: k.db, hub: off.hub, now: () => 5, heartbeatMs: 0 });
    await quiet.tick();
    expect(off.calls.heartbeats).toBe(0);
  });
});
