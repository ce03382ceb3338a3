/**
 * The sync engine against a scripted hub (no network): a failing media upload ends the batch but
 * the items before it still go and are confirmed (on a lossy link a batch that needs every upload
 * to succeed at once would rarely progress), order is kept, and the next pass finishes the rest.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HubCallError, type HubClient, type HubItem, type HubItemResult } from '../../../../main/services/sync/hub-client';
import { SyncEngine } from '../../../../main/services/sync/sync-engine';
import { openSyncKiosk } from '../../../support/sync-kiosk';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function scriptedHub(failUploadNumber: number) {
  const received: HubItem[] = [];
  let uploads = 0;
  const hub = {
    sendItems: (items: readonly HubItem[]): Promise<HubItemResult[]> => {
      received.push(...items);
      return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
    },
    upload: (_d: Buffer, _m: unknown, _r: string | null, onUrl: (u: string) => void): Promise<void> => {
      uploads += 1;
      onUrl(`http://hub.invalid/v1/uploads/u${uploads}`);
      return uploads === failUploadNumber ? Promise.reject(new HubCallError('UPLOAD_FAILED', 'dropped')) : Promise.resolve();
    },
  };
  return { hub: hub as unknown as HubClient, received };
}

describe('SyncEngine batches', () => {
  it('sends and confirms the items before a failed upload, keeps the rest in order, and finishes on the next pass', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sync-engine-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(2, 1024);
    const rows = kiosk.db.prepare('SELECT idem_key, kind FROM outbox ORDER BY id').all() as Array<{ idem_key: string; kind: string }>;
    const mediaRows = rows.filter((r) => r.kind === 'media_chunk');
    expect(mediaRows.length).toBeGreaterThanOrEqual(2);
    const secondMediaIndex = rows.findIndex((r) => r.idem_key === mediaRows[1]!.idem_key);

    const { hub, received } = scriptedHub(2);
    const engine = new SyncEngine({ db: kiosk.db, hub, batchSize: 1000 });
    expect(await engine.tick()).toBe('failed');
    expect(received.map((i) => i.key)).toEqual(rows.slice(0, secondMediaIndex).map((r) => r.idem_key));
    expect(engine.state()).toMatchObject({ confirmed: secondMediaIndex, pending: rows.length - secondMediaIndex, lastError: 'UPLOAD_FAILED', phase: 'backing_off' });
    // The failed upload's URL is kept, so the next pass continues it (counted once as resumed).
    expect(await engine.tick()).toBe('idle');
    expect(received.map((i) => i.key)).toEqual(rows.map((r) => r.idem_key));
    expect(engine.state()).toMatchObject({ confirmed: rows.length, pending: 0, resumedUploads: 1, consecutiveFailures: 0 });
    kiosk.db.close();
  });
});
