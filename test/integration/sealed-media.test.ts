/**
 * The session keyring sealing the media store's chunks through its `ChunkSealer` seam
 * (main/services/storage/media-store.ts, built on another branch): nothing of a recorded answer
 * or a typed one — nor of its remuxed copy — is readable in any file of the data folder (database,
 * WAL, segment files, recordings), the store reads its chunks back through the sealer, `data verify`
 * opens every chunk and every record of the remux and finds a flipped byte, and a deletion leaves
 * neither key nor sealed bytes.
 *
 * Until the media store is merged this suite is skipped and says so; it needs no change then.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import type { Db } from '../../main/db/connection';
import { getSessionKey } from '../../main/db/queries/session-keys';
import { setTextSealer } from '../../main/db/text-sealing';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal } from '../../main/services/journal/journal';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { AssistanceService } from '../../main/services/session/assistance';
import { readRemux } from '../../main/services/storage/remux-file';
import { SessionKeyring, type ChunkSealer } from '../../main/services/storage/crypto/session-keyring';
import { ROOT } from '../e2e/harness';
import { makeFixture, must, startedSession } from '../support/session-fixture';

const STORE_MODULE = path.join(ROOT, 'main/services/storage/media-store.ts');
const MEDIA_QUERIES = path.join(ROOT, 'main/db/queries/media.ts');
const hasStore = existsSync(STORE_MODULE);
if (!hasStore) console.warn(`[sealed-media] skipped: ${path.relative(ROOT, STORE_MODULE)} (the file-backed media store) is not on this branch yet`);

/** The parts of the media store this test uses, typed here because the module may not exist yet. */
interface StoreModule {
  SegmentMediaStore: new (db: Db, options: { sealer: ChunkSealer }) => object;
}
interface MediaQueries {
  readSegment(db: Db, sessionId: string, questionIndex: number, attempt: number, segment: number, sealer?: ChunkSealer): { data: Uint8Array }[];
}

const PHRASE = 'SEALED-MEDIA 我把订单系统的峰值吞吐提高了三倍';

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}

function grep(dir: string, needles: Record<string, Buffer>): string[] {
  const hits: string[] = [];
  for (const f of filesUnder(dir)) {
    const bytes = readFileSync(f);
    for (const [name, needle] of Object.entries(needles)) if (bytes.includes(needle)) hits.push(`${name} in ${path.relative(dir, f)}`);
  }
  return hits.sort();
}

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/data-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stderr: r.stderr, last: JSON.parse(r.stdout.trim().split('\n').at(-1) || '{}') as Record<string, unknown> };
}

describe.skipIf(!hasStore)('media chunks sealed by the session keyring in the media store', () => {
  it('keeps no plaintext of a recorded or typed answer in any file, reads back through the sealer, and erases cleanly', async () => {
    const { SegmentMediaStore } = (await import(STORE_MODULE)) as StoreModule;
    const { readSegment } = (await import(MEDIA_QUERIES)) as MediaQueries;
    let keyring: SessionKeyring | undefined;
    const clock = new ManualClock();
    const options = {
      clock,
      // `as never`: the fixture's option is typed with the store's class, which this file cannot name.
      media: (db: Db) => {
        keyring = new SessionKeyring({ db, protector: new FileKeyProtector(path.dirname(db.name)), clock, logger: silentLogger });
        setTextSealer(db, keyring);
        return new SegmentMediaStore(db, { sealer: keyring.chunkSealer() }) as never;
      },
    };
    const f = makeFixture(options);
    const dataDir = path.dirname(f.dbPath);
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, PHRASE + '（文字）'));
    must(f.service.beginAnswer(sessionId, 1));
    const media = Buffer.concat([Buffer.from(PHRASE), Buffer.alloc(3000, 7)]);
    for (let seq = 0; seq < 3; seq++) {
      f.clock.advance(1000);
      must(await Promise.resolve(f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: new Uint8Array(media) })));
    }
    const sealer = keyring!.chunkSealer();
    const chunks = readSegment(f.db, sessionId, 1, 0, 0, sealer);
    expect(chunks.map((c) => Buffer.from(c.data).equals(media))).toEqual([true, true, true]);
    // Without the key the store serves nothing.
    expect(() => readSegment(f.db, sessionId, 1, 0, 0)).toThrow();
    const segmentFiles = filesUnder(path.join(dataDir, 'media'));
    expect(segmentFiles.length).toBe(1);
    const sealedHead = readFileSync(segmentFiles[0]!).subarray(0, 64);
    // The seekable copy of the answer, remuxed by the renderer and sent in parts: the phrase at its
    // start and across the sealed file's first record boundary (64 KiB).
    const remux = Buffer.alloc(150_000, 3);
    Buffer.from(PHRASE).copy(remux, 10);
    Buffer.from(PHRASE).copy(remux, 64 * 1024 - 20);
    const assistance = new AssistanceService({ db: f.db, journal: new SqliteJournal(f.db), clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir, keys: keyring! });
    for (const [part, data] of [remux.subarray(0, 70_000), remux.subarray(70_000)].entries()) {
      must(await assistance.storeRemux({ sessionId, questionIndex: 1, attempt: 0, segment: 0, sourceChunks: 3, part, parts: 2, durationMs: 3000, data }));
    }
    const remuxFile = path.join(dataDir, 'recordings', sessionId, 'q1-a0-s0.webm.sealed');
    const remuxHead = readFileSync(remuxFile).subarray(24, 88);
    const wrapped = getSessionKey(f.db, sessionId)!.kiosk_wrapped;
    const needles = { phrase: Buffer.from(PHRASE), phraseUtf16: Buffer.from(PHRASE, 'utf16le') };
    // At rest while the kiosk runs and after it stops: the phrase is in no file at all.
    expect(grep(dataDir, needles)).toEqual([]);
    // The remux reads back whole through the verifying reader.
    expect(Buffer.concat([...readRemux(remuxFile, keyring!, { sessionId, questionIndex: 1, attempt: 0, segment: 0 })]).equals(remux)).toBe(true);
    // The candidate leaves (and then asks for deletion); the kiosk stops.
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'privacy'));
    f.db.close();
    expect(grep(dataDir, needles)).toEqual([]);

    // The data tool verifies sealed chunks and the sealed remux through the folder's file key
    // (every chunk and every record opened and hashed).
    expect(cli(['verify', '--data-dir', dataDir, '--json']).last).toMatchObject({ sessions: 1, chunks: 3, remuxFiles: 1, remuxMismatches: 0, remuxUnreadable: 0, remuxesOpened: true, pass: true });
    // A flipped byte in the sealed remux: the reader refuses it and data verify says so.
    const sealedRemux = readFileSync(remuxFile);
    const flipped = Buffer.from(sealedRemux);
    flipped[24 + 64 * 1024 + 52 + 7]! ^= 0x80;
    writeFileSync(remuxFile, flipped);
    const bad = cli(['verify', '--data-dir', dataDir, '--json']);
    expect(bad.status).toBe(1);
    expect(bad.last).toMatchObject({ remuxMismatches: 1, remuxUnreadable: 1, pass: false });
    writeFileSync(remuxFile, sealedRemux);
    const r = cli(['delete', '--session', sessionId, '--data-dir', dataDir, '--json']);
    expect(r.status, JSON.stringify(r.last)).toBe(0);
    expect(r.last).toMatchObject({ ok: true, keyShredded: true, files: 2, rows: { answers: 1, chunks: 3 } });
    expect(existsSync(remuxFile)).toBe(false);
    expect(grep(dataDir, { ...needles, wrappedKey: wrapped, sealedSegment: sealedHead, sealedRemux: remuxHead })).toEqual([]);
    expect(cli(['verify', '--data-dir', dataDir, '--json']).last).toMatchObject({ chunks: 0, pass: true });
  });
});
