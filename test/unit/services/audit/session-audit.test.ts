import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileKeyProtector } from '../../../../main/services/packs/key-protector';
import { SessionKeyring } from '../../../../main/services/storage/crypto/session-keyring';
import type { Db } from '../../../../main/db/connection';
import { iterateChunks, mediaDirOf, readSegment } from '../../../../main/db/queries/media';
import { silentLogger } from '../../../../main/common/logger';
import { auditSession, auditStore } from '../../../../main/services/audit/session-audit';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { AssistanceService } from '../../../../main/services/session/assistance';
import { SEAL_OVERHEAD } from '../../../../main/services/storage/crypto/aead';
import { readRemux, remuxPlainDigest } from '../../../../main/services/storage/remux-file';
import { chunk, makeFixture, must, startedSession } from '../../../support/session-fixture';

/** A session with three recorded chunks on the first video question (index 1). */
async function recorded() {
  const f = makeFixture();
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, '我叫张三。'));
  must(f.service.beginAnswer(sessionId, 1));
  for (let seq = 0; seq < 3; seq++) {
    f.clock.advance(1000);
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(2000, seq + 1) }));
  }
  return { f, sessionId };
}

/** What an attacker with the media folder does: rewrite a chunk's bytes in its segment file. */
function overwriteChunkBytes(db: Db, sessionId: string, seq: number, bytes: Buffer): void {
  const row = db.prepare(`SELECT file, file_offset FROM media_chunks WHERE session_id = ? AND seq = ?`).get(sessionId, seq) as { file: string; file_offset: number };
  const fd = openSync(path.join(mediaDirOf(db), row.file), 'r+');
  try {
    writeSync(fd, bytes, 0, bytes.length, row.file_offset);
  } finally {
    closeSync(fd);
  }
}

/** What an attacker with the file does: remove the append-only triggers first. */
function unprotect(db: Db): void {
  db.exec('DROP TRIGGER media_chunks_no_update; DROP TRIGGER media_chunks_no_delete;');
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('media rows are append-only', () => {
  it('refuses to update or delete a committed chunk', async () => {
    const { f, sessionId } = await recorded();
    expect(() => f.db.prepare(`UPDATE media_chunks SET data = x'00' WHERE session_id = ?`).run(sessionId)).toThrow(/append-only/);
    expect(() => f.db.prepare(`UPDATE media_chunks SET sha256 = ? WHERE session_id = ?`).run('0'.repeat(64), sessionId)).toThrow(/append-only/);
    expect(() => f.db.prepare(`DELETE FROM media_chunks WHERE session_id = ?`).run(sessionId)).toThrow(/append-only/);
    expect(readSegment(f.db, sessionId, 1, 0, 0)).toHaveLength(3);
  });
});

describe('every media read verifies its sha256', () => {
  it('readSegment refuses a segment with a changed byte; iterateChunks marks it', async () => {
    const { f, sessionId } = await recorded();
    unprotect(f.db);
    overwriteChunkBytes(f.db, sessionId, 1, Buffer.alloc(2000, 9));
    expect(() => readSegment(f.db, sessionId, 1, 0, 0)).toThrow(expect.objectContaining({ code: 'STORAGE_CORRUPT' }));
    expect([...iterateChunks(f.db, sessionId)].map((c) => c.intact)).toEqual([true, false, true]);
  });
});

describe('auditSession', () => {
  it('passes an untouched session: chain, events against rows, bytes against hashes', async () => {
    const { f, sessionId } = await recorded();
    const a = auditSession(f.db, sessionId);
    expect(a).toMatchObject({ ok: true, chunks: 3, chunkEvents: 3, bytes: 6000, sessionRow: true });
    expect(a.journal.ok).toBe(true);
    expect(auditStore(f.db).ok).toBe(true);
  });

  it('finds a recording whose bytes and stored hash were both rewritten: the event keeps the original hash', async () => {
    const { f, sessionId } = await recorded();
    unprotect(f.db);
    const forged = Buffer.alloc(2000, 2);
    forged[100] = 0xff;
    overwriteChunkBytes(f.db, sessionId, 1, forged);
    f.db.prepare(`UPDATE media_chunks SET sha256 = ? WHERE session_id = ? AND seq = 1`).run(sha(forged), sessionId);
    const a = auditSession(f.db, sessionId);
    expect(a.ok).toBe(false);
    expect(a.corruptChunks.count).toBe(0); // self-consistent row…
    expect(a.eventMismatches).toEqual({ count: 1, chunks: ['q1/a0/g0/n1'] }); // …that its event contradicts
    expect(a.journal.ok).toBe(true);
  });

  it('finds a changed byte, a deleted row, a row without an event and a gap', async () => {
    const { f, sessionId } = await recorded();
    unprotect(f.db);
    overwriteChunkBytes(f.db, sessionId, 0, Buffer.alloc(2000, 7));
    f.db.prepare(`DELETE FROM media_chunks WHERE session_id = ? AND seq = 1`).run(sessionId);
    const extra = Buffer.alloc(10, 1);
    f.db
      .prepare(`INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at) VALUES (?, 1, 0, 0, 5, 'video/webm', 10, ?, ?, 0)`)
      .run(sessionId, sha(extra), extra);
    const a = auditSession(f.db, sessionId);
    expect(a.corruptChunks.chunks).toEqual(['q1/a0/g0/n0']);
    expect(a.eventsWithoutRow.chunks).toEqual(['q1/a0/g0/n1']);
    expect(a.rowsWithoutEvent.chunks).toEqual(['q1/a0/g0/n5']);
    expect(a.seqGaps.count).toBeGreaterThan(0);
    expect(a.ok).toBe(false);
  });

  it('finds an edited journal event and a session that does not exist', async () => {
    const { f, sessionId } = await recorded();
    f.db.exec('DROP TRIGGER journal_no_update');
    f.db.prepare(`UPDATE journal SET at = at + 1 WHERE session_id = ? AND seq = 2`).run(sessionId);
    expect(auditSession(f.db, sessionId)).toMatchObject({ ok: false, journal: { ok: false, brokenAt: 2 } });
    expect(auditSession(f.db, 'no-such-session')).toMatchObject({ ok: false, sessionRow: false });
  });
});

describe('auditSession with the data directory: remuxed answers', () => {
  const FULL = 64 * 1024 + SEAL_OVERHEAD;
  const HEADER = 24;

  /** A remux of about 3.5 records, sent in two parts, sealed as it arrives. */
  async function remuxed() {
    const { f, sessionId } = await recorded();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-audit-remux-'));
    const keys = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
    const assistance = new AssistanceService({ db: f.db, journal: new SqliteJournal(f.db), clock: f.clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir, keys });
    const webm = Buffer.alloc(3 * 64 * 1024 + 30_000);
    for (let i = 0; i < webm.length; i++) webm[i] = (i * 31 + (i >> 9)) & 0xff;
    webm.set([0x1a, 0x45, 0xdf, 0xa3], 0);
    const cut = 100_000;
    for (const [part, data] of [webm.subarray(0, cut), webm.subarray(cut)].entries()) {
      const r = await assistance.storeRemux({ sessionId, questionIndex: 1, attempt: 0, segment: 0, sourceChunks: 3, part, parts: 2, durationMs: 3000, data });
      expect(r.ok).toBe(true);
    }
    return { f, sessionId, dataDir, keys, assistance, webm, file: path.join(dataDir, 'recordings', sessionId, 'q1-a0-s0.webm.sealed') };
  }

  it('checks the sealed remuxed file its event names, on disk and opened with the keys', async () => {
    const { f, sessionId, dataDir, keys, webm, file } = await remuxed();
    expect(readFileSync(file).length).toBe(HEADER + 4 * SEAL_OVERHEAD + webm.length);
    const ev = f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'recording_remuxed'`).get(sessionId) as { payload: string };
    expect(JSON.parse(ev.payload)).toMatchObject({ bytes: webm.length, sha256: createHash('sha256').update(webm).digest('hex'), format: 'ik-file/v1', sealedSha256: createHash('sha256').update(readFileSync(file)).digest('hex') });
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: true, remuxFiles: 1, remuxUnreadable: { count: 0 } });
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: true, remuxFiles: 1 }); // no keys: on-disk sha256 only
    expect(auditSession(f.db, sessionId)).toMatchObject({ ok: true, remuxFiles: 0 }); // without the folder: rows only
  });

  it('finds a remuxed file with a changed byte, and one that is gone', async () => {
    const { f, sessionId, dataDir, keys, file } = await remuxed();
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(HEADER + FULL + 100) ^ 0x01, HEADER + FULL + 100);
    writeFileSync(file, bytes);
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: false, remuxMismatches: { count: 1 } });
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: false, remuxMismatches: { count: 1 }, remuxUnreadable: { count: 1, chunks: [`${sessionId}/q1-a0-s0.webm.sealed`] } });
    rmSync(file);
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: false, remuxMissing: { count: 1 } });
  });

  it('finds a remuxed file cut by one record, and one with two records swapped: the reader refuses both', async () => {
    const { f, sessionId, dataDir, keys, file } = await remuxed();
    const original = readFileSync(file);
    const ref = { sessionId, questionIndex: 1, attempt: 0, segment: 0 };
    // Cut: the last record gone, at a record boundary.
    writeFileSync(file, original.subarray(0, HEADER + 3 * FULL));
    expect(() => remuxPlainDigest(file, keys, ref)).toThrow(/record 2 of 3/);
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: false, remuxUnreadable: { count: 1 } });
    // Swapped: records 0 and 1 (same length) change places.
    const swapped = Buffer.concat([original.subarray(0, HEADER), original.subarray(HEADER + FULL, HEADER + 2 * FULL), original.subarray(HEADER, HEADER + FULL), original.subarray(HEADER + 2 * FULL)]);
    expect(swapped.length).toBe(original.length);
    writeFileSync(file, swapped);
    expect(() => remuxPlainDigest(file, keys, ref)).toThrow(/record 0 of 4/);
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: false, remuxUnreadable: { count: 1 } });
    // Put back, it passes again.
    writeFileSync(file, original);
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: true });
  });

  it('seals a plain remux left from before at start-up: the plain file is shredded, the audit follows the new event', async () => {
    const { f, sessionId, dataDir, keys, assistance } = await remuxed();
    // What the kiosk wrote before remuxes were sealed: a plain file and an event without `format`.
    const plain = Buffer.concat([Buffer.from([0x1a, 0x45, 0xdf, 0xa3]), Buffer.from('PLAIN-REMUX 旧的明文录像'.repeat(5000))]);
    const plainFile = path.join(dataDir, 'recordings', sessionId, 'q1-a0-s1.webm');
    writeFileSync(plainFile, plain);
    writeFileSync(path.join(dataDir, 'recordings', sessionId, 'q1-a0-s2.webm.part'), plain.subarray(0, 1000));
    new SqliteJournal(f.db).append(sessionId, 'recording_remuxed', { questionIndex: 1, attempt: 0, segment: 1, sourceChunks: 0, durationMs: 1, bytes: plain.length, sha256: createHash('sha256').update(plain).digest('hex'), file: `${sessionId}/q1-a0-s1.webm` }, f.clock.now());
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: true, remuxFiles: 2 });

    expect(assistance.sealPlainRemuxes()).toEqual({ sealed: 1, shredded: 2 });
    expect(readdirSync(path.dirname(plainFile)).sort()).toEqual(['q1-a0-s0.webm.sealed', 'q1-a0-s1.webm.sealed']);
    const sealedFile = `${plainFile}.sealed`;
    expect(readFileSync(sealedFile).includes(Buffer.from('PLAIN-REMUX'))).toBe(false);
    expect(Buffer.concat([...readRemux(sealedFile, keys, { sessionId, questionIndex: 1, attempt: 0, segment: 1 })]).equals(plain)).toBe(true);
    expect(auditSession(f.db, sessionId, { dataDir, remuxKeys: keys })).toMatchObject({ ok: true, remuxFiles: 2 });
    // Nothing left to do at the next start.
    expect(assistance.sealPlainRemuxes()).toEqual({ sealed: 0, shredded: 0 });
  });
});
