/**
 * Where the WAL barrier must be awaited (main/db/wal-durability.ts): every IPC answer, every chunk
 * acknowledgement, every batch sent to the hub, and — synchronously — before erasure destroys
 * files. Each test registers a barrier it controls and checks that nothing is acknowledged, sent
 * or destroyed before that barrier says the commits are durable.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../../main/app/composition-root';
import { createMemoryLogger, silentLogger } from '../../../main/common/logger';
import { ok } from '../../../main/common/result';
import { durabilityOf, setDurability, WalBarrier, type DurabilityBarrier } from '../../../main/db/wal-durability';
import { IpcRouter, type Handlers } from '../../../main/ipc/router';
import { SqliteJournal } from '../../../main/services/journal/journal';
import { MemoryKeyProtector } from '../../../main/services/packs/key-protector';
import { eraseSession } from '../../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../../main/services/storage/crypto/session-keyring';
import { SegmentMediaStore } from '../../../main/services/storage/media-store';
import { HubCallError, type HubClient, type HubItem } from '../../../main/services/sync/hub-client';
import { SyncEngine } from '../../../main/services/sync/sync-engine';
import { operations } from '../../../preload/contract/channels';
import { chunk, makeFixture, must, startedSession, tempDbPath } from '../../support/session-fixture';
import { openSyncKiosk } from '../../support/sync-kiosk';

/** Past the demo pack's typed first question, on its first recorded one. */
function videoQuestion(f: ReturnType<typeof makeFixture>): string {
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
  return sessionId;
}

/** A barrier whose flushes wait until the test releases (or fails) them. */
function heldBarrier() {
  const pending: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const syncCalls: string[] = [];
  const barrier: DurabilityBarrier & { onSync?: () => void } = {
    flush: () => new Promise<void>((resolve, reject) => pending.push({ resolve, reject })),
    flushSync: () => {
      syncCalls.push('flushSync');
      barrier.onSync?.();
    },
  };
  return { barrier, pending, syncCalls };
}
const settled = async <T,>(p: Promise<T>): Promise<boolean> => {
  let done = false;
  void p.then(
    () => (done = true),
    () => (done = true),
  );
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  return done;
};

const cores: KioskCore[] = [];
const dirs: string[] = [];
afterEach(() => {
  cores.splice(0).forEach((c) => c.close());
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the IPC router answers only after the barrier', () => {
  const trusted = { transport: 'web' as const, trusted: true, description: 'test' };
  const handlers = (): Handlers => new Proxy({} as Handlers, { get: () => () => ok({ whatever: true }) });

  it('holds the answer until the flush resolves', async () => {
    const { barrier, pending } = heldBarrier();
    const r = new IpcRouter(handlers(), createMemoryLogger(), false, barrier);
    const answer = r.handle(operations.getCurrent.channel, { sessionId: '3f0e3c1a-9b1e-4d2a-8c6f-2b7d9e4a1c50' }, trusted);
    expect(await settled(answer)).toBe(false);
    expect(pending).toHaveLength(1);
    pending[0]!.resolve();
    expect(await answer).toMatchObject({ ok: true });
  });

  it('answers a storage error, not the handler\'s success, when the flush fails', async () => {
    const { barrier, pending } = heldBarrier();
    const r = new IpcRouter(handlers(), createMemoryLogger(), false, barrier);
    const answer = r.handle(operations.getCurrent.channel, { sessionId: '3f0e3c1a-9b1e-4d2a-8c6f-2b7d9e4a1c50' }, trusted);
    await settled(answer);
    pending[0]!.reject(Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }));
    expect(await answer).toMatchObject({ ok: false, error: { code: 'STORAGE_FULL' } });
    const again = r.handle(operations.getCurrent.channel, { sessionId: '3f0e3c1a-9b1e-4d2a-8c6f-2b7d9e4a1c50' }, trusted);
    await settled(again);
    pending[1]!.reject(new Error('something odd'));
    expect(await again).toMatchObject({ ok: false, error: { code: 'JOURNAL_WRITE_FAILED' } });
  });

  it('the kiosk app opens its database in barrier mode and routes through a WalBarrier', () => {
    const core = createKioskCore({ dataDir: path.dirname(tempDbPath()), logger: createMemoryLogger(), appVersion: 'test', shell: 'node', tickMs: 0 });
    cores.push(core);
    expect(core.db.pragma('synchronous', { simple: true })).toBe(1);
    expect(durabilityOf(core.db)).toBeInstanceOf(WalBarrier);
  });
});

describe('a chunk is acknowledged only when its commit is durable too', () => {
  it('waits for the barrier as well as the segment file, and fails closed when the barrier fails', async () => {
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db) });
    const { barrier, pending } = heldBarrier();
    setDurability(f.db, barrier);
    const sessionId = videoQuestion(f);
    const v = must(f.service.beginAnswer(sessionId, 1));
    const req = { sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, mimeType: 'video/webm', data: chunk(2000) };
    const ack = f.service.appendChunk({ ...req, seq: 0 });
    expect(await settled(ack)).toBe(false);
    pending[0]!.resolve();
    expect(await ack).toMatchObject({ ok: true, value: { seq: 0 } });
    const second = f.service.appendChunk({ ...req, seq: 1, data: chunk(2000, 9) });
    await settled(second);
    pending[1]!.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
    expect(await second).toMatchObject({ ok: false });
  });
});

describe('erasure destroys files only after its record is durable', () => {
  it('calls the barrier synchronously after committing the erasure and before any file goes', async () => {
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db) });
    const sessionId = videoQuestion(f);
    const v = must(f.service.beginAnswer(sessionId, 1));
    must(await f.service.appendChunk({ sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, seq: 0, mimeType: 'video/webm', data: chunk(3000) }));
    must(f.service.confirmExit(sessionId, 'other', 'test'));
    const dataDir = path.dirname(f.dbPath);
    const mediaDir = path.join(dataDir, 'media', sessionId);
    expect(readdirSync(mediaDir).length).toBeGreaterThan(0);
    const { barrier, syncCalls } = heldBarrier();
    const seen: Array<{ filesThere: boolean; erasureRow: boolean; inTransaction: boolean }> = [];
    barrier.onSync = () =>
      seen.push({
        filesThere: existsSync(mediaDir) && readdirSync(mediaDir).length > 0,
        erasureRow: f.db.prepare('SELECT 1 FROM session_erasures WHERE session_id = ?').get(sessionId) !== undefined,
        inTransaction: f.db.inTransaction,
      });
    setDurability(f.db, barrier);
    const keyring = new SessionKeyring({ db: f.db, protector: new MemoryKeyProtector(), clock: f.clock, logger: silentLogger });
    must(eraseSession({ db: f.db, keyring, journal: new SqliteJournal(f.db), clock: f.clock, logger: silentLogger, dataDir }, sessionId, 'request'));
    expect(syncCalls.length).toBeGreaterThanOrEqual(1);
    expect(seen[0]).toEqual({ filesThere: true, erasureRow: true, inTransaction: false });
    expect(existsSync(mediaDir) && readdirSync(mediaDir).length > 0).toBe(false);
  });
});

describe('the hub hears of nothing before it is durable here', () => {
  it('a failing barrier fails the pass before anything is sent', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sync-barrier-'));
    dirs.push(dir);
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(1, 512);
    const sent: HubItem[] = [];
    const hub = {
      sendItems: (items: readonly HubItem[]) => {
        sent.push(...items);
        return Promise.resolve(items.map((i) => ({ key: i.key, status: 'stored' as const })));
      },
      upload: () => Promise.reject(new HubCallError('UPLOAD_FAILED', 'not in this test')),
    } as unknown as HubClient;
    const { barrier, pending } = heldBarrier();
    setDurability(kiosk.db, barrier);
    const engine = new SyncEngine({ db: kiosk.db, hub, sealer: kiosk.chunkSealer, batchSize: 1000 });
    const pass = engine.tick();
    expect(await settled(pass)).toBe(false);
    expect(sent).toHaveLength(0);
    pending[0]!.reject(Object.assign(new Error('EIO'), { code: 'EIO' }));
    expect(await pass).toBe('failed');
    expect(sent).toHaveLength(0);
  });
});
