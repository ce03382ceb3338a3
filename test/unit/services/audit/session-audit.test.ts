import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../../../main/db/connection';
import { iterateChunks, mediaDirOf, readSegment } from '../../../../main/db/queries/media';
import { silentLogger } from '../../../../main/common/logger';
import { auditSession, auditStore } from '../../../../main/services/audit/session-audit';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { AssistanceService } from '../../../../main/services/session/assistance';
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
  async function remuxed() {
    const { f, sessionId } = await recorded();
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-audit-remux-'));
    const assistance = new AssistanceService({ db: f.db, journal: new SqliteJournal(f.db), clock: f.clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir });
    const webm = new Uint8Array([0x1a, 0x45, 0xdf, 0xa3, 9, 8, 7, 6]);
    const r = await assistance.storeRemux({ sessionId, questionIndex: 1, attempt: 0, segment: 0, sourceChunks: 3, part: 0, parts: 1, durationMs: 3000, data: webm });
    expect(r.ok).toBe(true);
    return { f, sessionId, dataDir, file: path.join(dataDir, 'recordings', sessionId, 'q1-a0-s0.webm') };
  }

  it('checks the remuxed file its event names', async () => {
    const { f, sessionId, dataDir } = await remuxed();
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: true, remuxFiles: 1 });
    expect(auditSession(f.db, sessionId)).toMatchObject({ ok: true, remuxFiles: 0 }); // without the folder: rows only
  });

  it('finds a remuxed file with a changed byte, and one that is gone', async () => {
    const { f, sessionId, dataDir, file } = await remuxed();
    const bytes = readFileSync(file);
    bytes.writeUInt8(bytes.readUInt8(5) ^ 0xff, 5);
    writeFileSync(file, bytes);
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: false, remuxMismatches: { count: 1 } });
    rmSync(file);
    expect(auditSession(f.db, sessionId, { dataDir })).toMatchObject({ ok: false, remuxMissing: { count: 1 } });
  });
});
