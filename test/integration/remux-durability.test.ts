/**
 * The remuxed answer file is named by a `recording_remuxed` journal row, so it must be durable
 * (fsynced, renamed, directory fsynced) before that row commits. Checks the order of the calls
 * on a real database and real files.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { silentLogger } from '../../main/common/logger';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal, type Journal } from '../../main/services/journal/journal';
import { AssistanceService } from '../../main/services/session/assistance';
import { readRemux } from '../../main/services/storage/remux-file';
import { makeFixture } from '../support/session-fixture';

const order: string[] = [];
vi.mock('../../main/services/storage/durable-file', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../main/services/storage/durable-file')>();
  return {
    ...real,
    placeDurably: (tmp: string, final: string) => {
      real.placeDurably(tmp, final);
      order.push(`placed ${path.basename(final)}`);
    },
    writeFileDurably: (final: string, data: string | Uint8Array) => {
      real.writeFileDurably(final, data);
      order.push(`placed ${path.basename(final)}`);
    },
  };
});

describe('remuxed answers and diagnostic bundles', () => {
  it('are durable before the journal row that names them', async () => {
    const f = makeFixture();
    const s = f.service.checkIn('DEMO-2026', 'en');
    if (!s.ok) throw new Error(s.error.message);
    const sessionId = s.value.sessionId;
    const journal: Journal = new Proxy(new SqliteJournal(f.db), {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (prop === 'append' && typeof v === 'function') {
          return (...args: unknown[]) => {
            order.push(`journal ${String(args[1])}`);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        }
        return v;
      },
    });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-remux-'));
    const keys = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
    const svc = new AssistanceService({ db: f.db, journal, clock: f.clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir, keys });
    const data = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 1, 2, 3]);
    const r = await svc.storeRemux({ sessionId, questionIndex: 0, attempt: 0, segment: 0, sourceChunks: 0, part: 0, parts: 1, durationMs: 1000, data });
    expect(r).toMatchObject({ ok: true, value: { complete: true, bytes: data.byteLength } });
    const file = path.join(dataDir, 'recordings', sessionId, 'q0-a0-s0.webm.sealed');
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    // Sealed on disk, the recorded bytes through the verifying reader.
    expect(readFileSync(file).includes(Buffer.from(data))).toBe(false);
    expect(new Uint8Array(Buffer.concat([...readRemux(file, keys, { sessionId, questionIndex: 0, attempt: 0, segment: 0 })]))).toEqual(data);
    expect(order).toEqual(['placed q0-a0-s0.webm.sealed', 'journal recording_remuxed']);

    order.length = 0;
    const d = svc.saveDiagnostics(sessionId, 'question', {
      userAgent: 'test',
      language: 'en',
      viewport: { width: 1280, height: 720 },
      camera: 'ok',
      microphone: 'ok',
      online: true,
      longTasksOver200ms: 0,
      recentErrors: [],
    });
    if (d.ok) {
      expect(order[0]).toBe(`placed ${d.value.fileName}`);
      expect(order[1]).toBe('journal diagnostics_saved');
    } else {
      throw new Error(`diagnostics failed: ${d.error.code} ${d.error.message}`);
    }
  });
});
