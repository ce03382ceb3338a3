/** `npm run data -- verify` as a real process on a real store written by the session service. */
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/harness';
import { chunk, makeFixture, must, startedSession } from '../support/session-fixture';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/data-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, lines, last: JSON.parse(lines.at(-1) || '{}') as Record<string, unknown> };
}

async function store() {
  const f = makeFixture();
  const { sessionId } = startedSession(f);
  must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
  must(f.service.beginAnswer(sessionId, 1));
  for (let seq = 0; seq < 4; seq++) {
    f.clock.advance(1000);
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(3000, seq + 1) }));
  }
  f.db.close();
  return { dir: path.dirname(f.dbPath), dbPath: f.dbPath, sessionId };
}

describe('npm run data -- verify', () => {
  it('passes an intact store and names its target', async () => {
    const { dir, sessionId } = await store();
    const r = cli(['verify', '--data-dir', dir, '--json']);
    expect(r.status).toBe(0);
    expect(r.last).toMatchObject({ sessions: 1, chunks: 4, brokenChains: 0, eventMismatches: 0, corruptChunks: 0, target: 'every count 0', pass: true });
    expect(cli(['verify', '--data-dir', dir, '--session', sessionId, '--json']).status).toBe(0);
  });

  it('fails when one byte of a recording and its stored hash were changed', async () => {
    const { dir, dbPath, sessionId } = await store();
    const db = new Database(dbPath);
    db.exec('DROP TRIGGER media_chunks_no_update');
    const row = db.prepare(`SELECT file, file_offset, size FROM media_chunks WHERE session_id = ? AND seq = 2`).get(sessionId) as { file: string; file_offset: number; size: number };
    // The bytes live in the segment file now: flip one there and forge the row's hash to match.
    const file = path.join(dir, 'media', row.file);
    const bytes = readFileSync(file);
    const data = Buffer.from(bytes.subarray(row.file_offset, row.file_offset + row.size));
    data.writeUInt8(data.readUInt8(1234) ^ 0x01, 1234);
    data.copy(bytes, row.file_offset);
    writeFileSync(file, bytes);
    db.prepare(`UPDATE media_chunks SET sha256 = ? WHERE session_id = ? AND seq = 2`).run(createHash('sha256').update(data).digest('hex'), sessionId);
    db.close();
    const r = cli(['verify', '--data-dir', dir, '--json']);
    expect(r.status).toBe(1);
    expect(r.last).toMatchObject({ eventMismatches: 1, corruptChunks: 0, pass: false });
    expect(JSON.parse(r.lines[0]!)).toMatchObject({ sessionId, ok: false, problems: [expect.stringContaining('q1/a0/g0/n2')] });
  });

  it('refuses bad usage and a missing store with exit 2, touching nothing', () => {
    expect(cli(['verify', '--data-dir', '/nonexistent-kiosk-dir', '--json'])).toMatchObject({ status: 2, last: { ok: false, code: 'STORE_NOT_FOUND' } });
    expect(cli(['verify', '--session', "x' OR 1=1 --", '--json']).status).toBe(2);
    expect(cli(['wipe', '--json']).status).toBe(2);
    expect(cli(['verify', '--bogus', '--json']).status).toBe(2);
  });
});
