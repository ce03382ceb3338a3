import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChunkSealer } from '../../../../main/common/chunk-sealer';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { migrations } from '../../../../main/db/migrations';
import { iterateChunks, mediaDirOf, readSegment } from '../../../../main/db/queries/media';
import { SegmentMediaStore } from '../../../../main/services/storage/media-store';
import { chunk, makeFixture, must, startedSession, tempDbPath, type Fixture } from '../../../support/session-fixture';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

async function videoAnswering(f: Fixture) {
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
  must(f.service.beginAnswer(sessionId, 1));
  return sessionId;
}

async function record(f: Fixture, sessionId: string, n: number, size = 3000) {
  const acks = [];
  for (let seq = 0; seq < n; seq++) {
    f.clock.advance(1000);
    acks.push(must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(size, seq + 1) })));
  }
  return acks;
}

function segmentFile(db: Db, sessionId: string): string {
  const row = db.prepare(`SELECT file FROM media_chunks WHERE session_id = ? LIMIT 1`).get(sessionId) as { file: string };
  return path.join(mediaDirOf(db), row.file);
}

function events(db: Db, sessionId: string, type: string): Array<Record<string, unknown>> {
  return (db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = ? ORDER BY seq`).all(sessionId, type) as Array<{ payload: string }>).map((r) => JSON.parse(r.payload) as Record<string, unknown>);
}

describe('SegmentMediaStore: one append-only file per segment', () => {
  it('appends each chunk to the segment file beside the database; SQLite keeps only its metadata', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    const acks = await record(f, sessionId, 4);
    const file = segmentFile(f.db, sessionId);
    expect(path.dirname(path.dirname(file))).toBe(path.join(path.dirname(f.dbPath), 'media'));
    expect(readFileSync(file)).toEqual(Buffer.concat([1, 2, 3, 4].map((v) => Buffer.from(chunk(3000, v)))));
    const rows = f.db.prepare(`SELECT seq, file_offset, stored_size, data FROM media_chunks WHERE session_id = ? ORDER BY seq`).all(sessionId);
    expect(rows).toEqual([0, 1, 2, 3].map((seq) => ({ seq, file_offset: seq * 3000, stored_size: 3000, data: null })));
    expect(readSegment(f.db, sessionId, 1, 0, 0).map((c) => c.sha256)).toEqual(acks.map((a) => a.sha256));
  });

  it('acknowledges only after the file is durable, while the row is already committed', async () => {
    let release: () => void = () => undefined;
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db, { fdatasync: () => new Promise<void>((r) => (release = r)) }) });
    const sessionId = await videoAnswering(f);
    let acked = false;
    const pending = f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk(100, 1) }).then((r) => {
      acked = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(acked).toBe(false);
    expect(f.db.prepare(`SELECT count(*) AS n FROM media_chunks`).get()).toEqual({ n: 1 });
    release();
    expect((await pending).ok).toBe(true);
    expect(acked).toBe(true);
  });

  it('fails closed when the file\'s fdatasync fails after the row committed: no ack, session interrupted, the chunk journaled as damaged at the next start', async () => {
    let calls = 0;
    const eio = Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' });
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db, { fdatasync: () => (++calls === 3 ? Promise.reject(eio) : Promise.resolve()) }) });
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 2, 1000);
    f.clock.advance(1000);
    const third = await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 2, mimeType: 'video/webm', data: chunk(1000, 3) });
    expect(third).toMatchObject({ ok: false, error: { code: 'JOURNAL_WRITE_FAILED' } });
    expect(f.db.prepare(`SELECT state FROM sessions WHERE id = ?`).get(sessionId)).toEqual({ state: 'interrupted' });
    // Recording stays refused for this session, without touching the file again.
    const after = await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 3, mimeType: 'video/webm', data: chunk(1000, 4) });
    expect(after.ok).toBe(false);
    // The power goes: the unsynced chunk's bytes never reached the disk.
    truncateSync(segmentFile(f.db, sessionId), 2000);
    const g = f.reopen();
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([{ questionIndex: 1, attempt: 0, segment: 0, fromSeq: 2, toSeq: 2, reason: 'missing' }]);
    expect([...iterateChunks(g.db, sessionId)].map((c) => c.intact)).toEqual([true, true, false]);
    // The ticker left the clock to the chunk events; the resume takes it from the last one.
    const carried = events(g.db, sessionId, 'chunk_committed').at(-1)!.elapsedMs as number;
    expect(carried).toBeGreaterThanOrEqual(2000);
    const back = must(g.service.resume('DEMO-2026', undefined));
    expect(back.kind === 'question' && back.question.answerSeconds * 1000 - back.question.answerRemainingMs).toBe(carried);
  });

  it('stores a session\'s chunks one at a time even when they arrive together', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    const all = await Promise.all([0, 1, 2].map((seq) => f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(500, seq + 1) })));
    expect(all.map((r) => r.ok)).toEqual([true, true, true]);
    expect(statSync(segmentFile(f.db, sessionId)).size).toBe(1500);
  });

  it('seals every chunk through the ChunkSealer with its identity as associated data', async () => {
    const xor: ChunkSealer = {
      seal: (b, aad) => Buffer.concat([Buffer.from(aad.length.toString(16).padStart(4, '0')), Buffer.from(b).map((x) => x ^ 0x5a)]),
      open: (b) => Buffer.from(b.subarray(4)).map((x) => x ^ 0x5a),
    };
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db, { sealer: xor }) });
    const sessionId = await videoAnswering(f);
    const acks = await record(f, sessionId, 2, 1000);
    const raw = readFileSync(segmentFile(f.db, sessionId));
    expect(raw.length).toBe(2 * 1004);
    expect(raw.subarray(4, 1004).equals(Buffer.from(chunk(1000, 1)))).toBe(false);
    expect(readSegment(f.db, sessionId, 1, 0, 0, xor).map((c) => sha(c.data))).toEqual(acks.map((a) => a.sha256));
    // Read without the sealer, the bytes do not match their sha256 and are never served.
    expect(() => readSegment(f.db, sessionId, 1, 0, 0)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
  });
});

describe('SegmentMediaStore: recovery at start', () => {
  it('truncates bytes beyond the last committed chunk and removes files no row names', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 3);
    const file = segmentFile(f.db, sessionId);
    writeFileSync(file, Buffer.alloc(777, 1), { flag: 'a' }); // a chunk written, never committed
    const orphan = path.join(path.dirname(file), 'q1-a0-s1.webm');
    writeFileSync(orphan, Buffer.alloc(50, 2));
    const g = f.reopen();
    expect(statSync(file).size).toBe(9000);
    expect(existsSync(orphan)).toBe(false);
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([]);
    expect(readSegment(g.db, sessionId, 1, 0, 0)).toHaveLength(3);
  });

  it('journals a committed chunk whose bytes are missing as media_damaged with the range, once, and never serves it', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 4);
    const file = segmentFile(f.db, sessionId);
    truncateSync(file, 3000 * 2 + 10); // chunks 2 and 3 lost (as if their fsync never happened)
    const g = f.reopen();
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([{ questionIndex: 1, attempt: 0, segment: 0, fromSeq: 2, toSeq: 3, reason: 'missing' }]);
    expect([...iterateChunks(g.db, sessionId)].map((c) => c.intact)).toEqual([true, true, false, false]);
    expect(() => readSegment(g.db, sessionId, 1, 0, 0)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    const h = g.reopen();
    expect(events(h.db, sessionId, 'media_damaged')).toHaveLength(1);
    expect(h.db.prepare(`SELECT count(*) AS n FROM media_chunks WHERE session_id = ?`).get(sessionId)).toEqual({ n: 4 });
  });

  it('re-hashes the last committed chunks and journals wrong bytes as a mismatch', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 3);
    const file = segmentFile(f.db, sessionId);
    const bytes = readFileSync(file);
    bytes[2 * 3000 + 5] = bytes[2 * 3000 + 5]! ^ 0xff;
    writeFileSync(file, bytes);
    const g = f.reopen();
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([{ questionIndex: 1, attempt: 0, segment: 0, fromSeq: 2, toSeq: 2, reason: 'mismatch' }]);
    // The resumed answer records a new segment; the damaged one stays as it is.
    const back = must(g.service.resume('DEMO-2026', undefined));
    expect(back.kind === 'question' && back.question.segment).toBe(1);
  });
});

describe('SegmentMediaStore: recovery of closed sessions after start-up', () => {
  it('leaves a recently written closed session for the ticker: the resume does not wait on it, and its damage is still journaled once', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 3);
    must(f.service.confirmExit(sessionId, 'other', 'left'));
    expect(f.db.prepare(`SELECT state FROM sessions WHERE id = ?`).get(sessionId)).toEqual({ state: 'exited' });
    const file = segmentFile(f.db, sessionId);
    const bytes = readFileSync(file);
    bytes[2 * 3000 + 5] = bytes[2 * 3000 + 5]! ^ 0xff;
    writeFileSync(file, bytes);
    writeFileSync(file, Buffer.alloc(100, 9), { flag: 'a' }); // and bytes that were never committed
    const g = f.reopen();
    // Start-up recovery checked only the open sessions: this one was left for later.
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([]);
    expect(statSync(file).size).toBe(9100);
    g.service.tick();
    expect(events(g.db, sessionId, 'media_damaged')).toEqual([{ questionIndex: 1, attempt: 0, segment: 0, fromSeq: 2, toSeq: 2, reason: 'mismatch' }]);
    expect(statSync(file).size).toBe(9000);
    expect([...iterateChunks(g.db, sessionId)].map((c) => c.intact)).toEqual([true, true, false]);
    g.service.tick();
    expect(events(g.db, sessionId, 'media_damaged')).toHaveLength(1);
  });

  it('recover() without closedLater checks every recent session at once, and with it returns the closed ones as deferred', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 2);
    must(f.service.confirmExit(sessionId, 'other', 'left'));
    const store = new SegmentMediaStore(f.db);
    const later = store.recover(new Set(), f.clock.now(), () => undefined, { closedLater: true });
    expect(later).toMatchObject({ segmentsChecked: 0, chunksRehashed: 0, deferred: [{ session_id: sessionId, question_index: 1, attempt: 0, segment: 0 }] });
    const now = store.recover(new Set(), f.clock.now(), () => undefined);
    expect(now).toMatchObject({ segmentsChecked: 1, chunksRehashed: 2, deferred: [] });
    expect(store.checkSegment(later.deferred[0]!, f.clock.now(), () => undefined)).toEqual({ bytesTruncated: 0, chunksRehashed: 2, damaged: [] });
  });
});

describe('migration 0010: BLOBs move into files', () => {
  function legacyStore(n: number): { dbPath: string; sessionId: string; blobs: Buffer[] } {
    const dbPath = tempDbPath();
    const old = openDatabase(dbPath, { migrations: migrations.filter((m) => m.version < 10) });
    const sessionId = '0f0e0d0c-0000-4000-8000-000000000001';
    old.prepare(
      `INSERT INTO sessions (id, invite_code, candidate_ref, pack_id, pack_hash, locale, state, question_index, resume_count, created_at, updated_at)
       VALUES (?, 'DEMO-1', 'c', 'p', ?, 'zh-CN', 'completed', 1, 0, 0, 0)`,
    ).run(sessionId, 'a'.repeat(64));
    const blobs: Buffer[] = [];
    for (let seq = 0; seq < n; seq++) {
      const data = Buffer.alloc(1000 + seq, seq + 1);
      blobs.push(data);
      old.prepare(`INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at) VALUES (?, 1, 0, 0, ?, 'video/webm', ?, ?, ?, 0)`)
        .run(sessionId, seq, data.length, sha(data), data);
    }
    old.close();
    return { dbPath, sessionId, blobs };
  }

  it('moves every chunk into its segment file, verified, and empties the BLOB column', () => {
    const { dbPath, sessionId, blobs } = legacyStore(5);
    const db = openDatabase(dbPath);
    expect(db.prepare(`SELECT count(*) AS n FROM media_chunks WHERE data IS NOT NULL`).get()).toEqual({ n: 5 });
    const report = new SegmentMediaStore(db).moveLegacyBlobs(1, () => undefined);
    expect(report).toMatchObject({ segments: 1, chunks: 5, mismatches: 0, vacuumed: true });
    expect(db.prepare(`SELECT count(*) AS n FROM media_chunks WHERE data IS NOT NULL`).get()).toEqual({ n: 0 });
    expect(readSegment(db, sessionId, 1, 0, 0).map((c) => c.data)).toEqual(blobs);
    expect(readdirSync(path.join(mediaDirOf(db), sessionId))).toEqual(['q1-a0-s0.legacy.webm']);
    // Append-only still: no other update, no delete.
    expect(() => db.prepare(`UPDATE media_chunks SET sha256 = ? WHERE seq = 0`).run('0'.repeat(64))).toThrow(/append-only/);
    expect(() => db.prepare(`UPDATE media_chunks SET file_offset = 1 WHERE seq = 0`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM media_chunks`).run()).toThrow(/append-only/);
    db.close();
  });

  it('is resumable: interrupted mid-way, the next run finishes and loses nothing', () => {
    const { dbPath, sessionId, blobs } = legacyStore(4);
    const db = openDatabase(dbPath);
    let calls = 0;
    const failing: ChunkSealer = {
      seal: (b) => {
        if (++calls === 3) throw new Error('power cut');
        return b;
      },
      open: (b) => b,
    };
    expect(() => new SegmentMediaStore(db, { sealer: failing }).moveLegacyBlobs(1, () => undefined)).toThrow('power cut');
    expect(db.prepare(`SELECT count(*) AS n FROM media_chunks WHERE data IS NOT NULL`).get()).toEqual({ n: 4 });
    expect(new SegmentMediaStore(db).moveLegacyBlobs(2, () => undefined)).toMatchObject({ chunks: 4 });
    expect(readSegment(db, sessionId, 1, 0, 0).map((c) => c.data)).toEqual(blobs);
    db.close();
  });

  it('moves a chunk whose stored bytes already fail their sha256 as it is, and records it as damaged', () => {
    const { dbPath, sessionId } = legacyStore(3);
    const raw = openDatabase(dbPath, { migrations: migrations.filter((m) => m.version < 10) });
    raw.exec('DROP TRIGGER media_chunks_no_update');
    raw.prepare(`UPDATE media_chunks SET data = ? WHERE seq = 1`).run(Buffer.alloc(1001, 0xee));
    raw.close();
    const db = openDatabase(dbPath);
    const damaged: unknown[] = [];
    expect(new SegmentMediaStore(db).moveLegacyBlobs(1, (r) => damaged.push(r))).toMatchObject({ chunks: 3, mismatches: 1 });
    expect(damaged).toEqual([{ sessionId, questionIndex: 1, attempt: 0, segment: 0, fromSeq: 1, toSeq: 1, reason: 'mismatch' }]);
    expect([...iterateChunks(db, sessionId)].map((c) => c.intact)).toEqual([true, false, true]);
    db.close();
  });
});

describe('SegmentMediaStore: bounds and mixed damage', () => {
  const openMediaFds = (dir: string): number =>
    readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(dir + path.sep);
      } catch {
        return false;
      }
    }).length;

  it.runIf(existsSync('/proc/self/fd'))('keeps at most maxOpenFiles segment files open once their syncs are done, and still writes to a closed one', async () => {
    const f = makeFixture();
    const dir = path.join(path.dirname(f.dbPath), 'media-bound');
    const store = new SegmentMediaStore(f.db, { dir, maxOpenFiles: 2 });
    for (let segment = 0; segment < 5; segment++) {
      const staged = store.stage({ session_id: 's-bound', question_index: 0, attempt: 0, segment, seq: 0 }, chunk(64, segment + 1));
      staged.commit();
      await staged.durable;
    }
    expect(openMediaFds(dir)).toBeLessThanOrEqual(2);
    expect(openMediaFds(dir)).toBeGreaterThan(0);
    // Segment 0 was closed: appending to it again reopens it (one more file open, then one closed).
    const again = store.stage({ session_id: 's-bound', question_index: 0, attempt: 0, segment: 0, seq: 1 }, chunk(64, 9));
    again.commit();
    await again.durable;
    expect(openMediaFds(dir)).toBeLessThanOrEqual(2);
    await store.close();
  });

  it('journals a wrong chunk and a missing one in the same segment, each once with its own reason', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    await record(f, sessionId, 4);
    const file = segmentFile(f.db, sessionId);
    const bytes = readFileSync(file);
    bytes[2 * 3000 + 5] = bytes[2 * 3000 + 5]! ^ 0xff; // chunk 2 altered (within the re-hashed tail)
    writeFileSync(file, bytes.subarray(0, 3000 * 3 + 10)); // chunk 3 cut short
    const g = f.reopen();
    const damaged = events(g.db, sessionId, 'media_damaged');
    expect(damaged).toEqual(
      expect.arrayContaining([
        { questionIndex: 1, attempt: 0, segment: 0, fromSeq: 2, toSeq: 2, reason: 'mismatch' },
        { questionIndex: 1, attempt: 0, segment: 0, fromSeq: 3, toSeq: 3, reason: 'missing' },
      ]),
    );
    expect(damaged).toHaveLength(2);
    expect([...iterateChunks(g.db, sessionId)].map((c) => c.intact)).toEqual([true, true, false, false]);
  });
});
