/**
 * A deletion request leaves nothing readable of the session anywhere in the data folder: a known
 * phrase written as a typed answer, as drafts and as media bytes (in SQLite, in a sealed segment
 * file and in a remuxed file) is searched for in every file — database, -wal, -shm, lock files,
 * media — after `npm run data -- delete`, together with the session's wrapped key. The same search
 * finds them before deletion, and after deletions that skip `secure_delete` or the shredding.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../main/common/logger';
import { acquireDataDirLock } from '../../main/db/data-dir-lock';
import { insertDamage } from '../../main/db/queries/media';
import { getSessionKey } from '../../main/db/queries/session-keys';
import { insertAnswer } from '../../main/db/queries/sessions';
import { setTextSealer } from '../../main/db/text-sealing';
import { transact } from '../../main/db/transaction';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal } from '../../main/services/journal/journal';
import { AssistanceService } from '../../main/services/session/assistance';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { eraseSession, type ErasureNegativeControl } from '../../main/services/storage/crypto/erasure';
import { fileKeyring } from '../../main/services/storage/crypto/file-keys';
import { remuxPlainDigest } from '../../main/services/storage/remux-file';
import { chunkAad } from '../../main/services/storage/crypto/identity';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { ROOT } from '../e2e/harness';
import { makeFixture, must, startedSession } from '../support/session-fixture';

const PHRASE = 'ERASE-ME 我在上一家公司主导了支付系统的重构';

function cli(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/data-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const lines = r.stdout.trim().split('\n');
  return { status: r.status, stderr: r.stderr, last: JSON.parse(lines.at(-1) || '{}') as Record<string, unknown> };
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? filesUnder(p) : statSync(p).isFile() ? [p] : [];
  });
}

/** Every file under dir that contains any of the needles, with which. */
function grep(dir: string, needles: Record<string, Buffer>): string[] {
  const hits: string[] = [];
  for (const f of filesUnder(dir)) {
    const bytes = readFileSync(f);
    for (const [name, needle] of Object.entries(needles)) if (bytes.includes(needle)) hits.push(`${name} in ${path.relative(dir, f)}`);
  }
  return hits.sort();
}

/**
 * Every row of every table that names the session (any column whose text or bytes contain its id),
 * as `table: count`, read from the database file after the kiosk and the CLI have closed it.
 */
function rowsNaming(dbPath: string, sessionId: string): Record<string, number> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const id = Buffer.from(sessionId);
    const out: Record<string, number> = {};
    const tables = db.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`).all() as { name: string }[];
    for (const { name } of tables) {
      let n = 0;
      for (const row of db.prepare(`SELECT * FROM "${name.replaceAll('"', '""')}"`).iterate() as Iterable<Record<string, unknown>>) {
        if (Object.values(row).some((v) => (typeof v === 'string' ? v.includes(sessionId) : Buffer.isBuffer(v) ? v.includes(id) : false))) n += 1;
      }
      if (n > 0) out[name] = n;
    }
    return out;
  } finally {
    db.close();
  }
}

/** A stopped session whose typed answer, drafts and media all carry PHRASE. */
async function recordedStore() {
  const f = makeFixture();
  const dataDir = path.dirname(f.dbPath);
  const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(dataDir), clock: f.clock, logger: silentLogger });
  setTextSealer(f.db, keyring);
  const { sessionId } = startedSession(f);
  must(f.service.attachPage(sessionId, 'page-1', 'tab-1'));
  for (const tail of ['', '，并把', '，并把延迟降了一半']) {
    f.clock.advance(3000);
    must(f.service.saveDraft(sessionId, 0, 0, 'page-1', PHRASE + tail));
  }
  must(f.service.submitAnswer(sessionId, 0, 0, PHRASE + '。'));
  must(f.service.beginAnswer(sessionId, 1));
  const media = Buffer.concat([Buffer.from(PHRASE), Buffer.alloc(2000, 1)]);
  for (let seq = 0; seq < 3; seq++) {
    f.clock.advance(1000);
    // Promise.resolve: appendChunk is synchronous today and asynchronous with the file-backed media store.
    must(await Promise.resolve(f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: new Uint8Array(media) })));
  }
  // The seekable copy of the answer, sealed as the kiosk stores it.
  const assistance = new AssistanceService({ db: f.db, journal: new SqliteJournal(f.db), clock: f.clock, environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, dataDir, keys: keyring });
  must(await assistance.storeRemux({ sessionId, questionIndex: 1, attempt: 0, segment: 0, sourceChunks: 3, part: 0, parts: 1, durationMs: 3000, data: new Uint8Array(Buffer.concat([media, media])) }));
  // A chunk recovery found damaged: its key and the reason, append-only until the session is erased.
  transact(f.db, () => insertDamage(f.db, { session_id: sessionId, question_index: 1, attempt: 0, segment: 0, seq: 2 }, 'mismatch', f.clock.now()));
  // A chunk sealed as the media store seals it (written to a file below).
  const sealed = transact(f.db, () => keyring.chunkSealer().seal(media, chunkAad({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0 })));
  // A typed answer stored before sealing existed (plain text in the row).
  setTextSealer(f.db, undefined);
  insertAnswer(f.db, { session_id: sessionId, question_index: 7, attempt: 0, mode: 'text', text: `${PHRASE} (legacy)`, chunk_count: 0, elapsed_ms: 1, submitted_at: f.clock.now() });
  const wrapped = getSessionKey(f.db, sessionId)!.kiosk_wrapped;
  const dataKey = Buffer.from(keyring.dataKey(sessionId, false)!);
  // A restart finds the session in_progress and interrupts it, as after a crash; then the kiosk stops.
  const g = f.reopen();
  g.db.close();
  // Written once the kiosk has stopped (the media store's start-up recovery removes files no row
  // names): a sealed segment file, and a remuxed answer as kiosks wrote them before sealing (plain WebM).
  mkdirSync(path.join(dataDir, 'media', sessionId), { recursive: true });
  writeFileSync(path.join(dataDir, 'media', sessionId, 'q1-a0-s0.seg'), sealed);
  mkdirSync(path.join(dataDir, 'recordings', sessionId), { recursive: true });
  writeFileSync(path.join(dataDir, 'recordings', sessionId, 'q1-a0-s0.webm'), media);
  const needles = { phrase: Buffer.from(PHRASE), phraseUtf16: Buffer.from(PHRASE, 'utf16le'), wrappedKey: wrapped, dataKey, sealedSegment: Buffer.from(sealed).subarray(0, 64) };
  return { dataDir, dbPath: f.dbPath, sessionId, needles, clock: f.clock };
}

function eraseInProcess(s: Awaited<ReturnType<typeof recordedStore>>, control: ErasureNegativeControl) {
  const f = makeFixture({ dbPath: s.dbPath, clock: s.clock });
  const keyring = new SessionKeyring({ db: f.db, protector: new FileKeyProtector(s.dataDir), clock: f.clock, logger: silentLogger });
  const r = must(eraseSession({ db: f.db, keyring, journal: new SqliteJournal(f.db), clock: f.clock, logger: silentLogger, dataDir: s.dataDir }, s.sessionId, 'request', control));
  f.db.close();
  return r;
}

describe('deleting a session (candidate request)', () => {
  it('leaves no trace of the answer, the media or the key in any file, and the journal still verifies', async () => {
    const s = await recordedStore();
    // The search sees everything before deletion: plaintext media in SQLite, the remux, the legacy row, the wrapped key.
    const before = grep(s.dataDir, s.needles);
    expect(before).toEqual(expect.arrayContaining(['phrase in interview-kiosk.sqlite', `phrase in recordings/${s.sessionId}/q1-a0-s0.webm`, 'wrappedKey in interview-kiosk.sqlite', `sealedSegment in media/${s.sessionId}/q1-a0-s0.seg`]));
    expect(before.filter((h) => h.startsWith('dataKey'))).toEqual([]);

    expect(before.filter((h) => h.includes('.webm.sealed'))).toEqual([]);
    expect(rowsNaming(s.dbPath, s.sessionId)).toMatchObject({ media_damage: 1, media_chunks: 3, answers: 2, session_keys: 1 });

    // A copy of the sealed remux taken before the deletion (a backup, a clone of the disk).
    const ref = { sessionId: s.sessionId, questionIndex: 1, attempt: 0, segment: 0 };
    const copy = path.join(mkdtempSync(path.join(os.tmpdir(), 'kiosk-remux-copy-')), 'copy.sealed');
    copyFileSync(path.join(s.dataDir, 'recordings', s.sessionId, 'q1-a0-s0.webm.sealed'), copy);
    const opened = (): number => {
      const db = new Database(s.dbPath, { readonly: true });
      try {
        return remuxPlainDigest(copy, fileKeyring(db, s.dataDir)!, ref).bytes;
      } finally {
        db.close();
      }
    };
    expect(opened()).toBe(4000 + 2 * Buffer.byteLength(PHRASE));

    const r = cli(['delete', '--session', s.sessionId, '--data-dir', s.dataDir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.last).toMatchObject({ ok: true, sessionId: s.sessionId, keyShredded: true, alreadyErased: false, walTruncated: true, rows: { answers: 2, chunks: 3, damage: 1 } });
    // Crypto-shredding: the copy no longer opens with anything left on this kiosk.
    expect(opened).toThrow(/sealed file does not open/);
    // The media store's segment file, the sealed remux, and the two files written after the stop.
    expect(r.last.files).toBe(4);
    expect(readdirSync(path.join(s.dataDir, 'recordings'))).toEqual([]);

    // No row anywhere names the session except these, which hold ids, states, times, counts and
    // hashes: the session row, its progress rows, which pack variant each question showed, the
    // erasure record, the outbox's session snapshots and the journal (whose chain must stay
    // verifiable; its `deleted` event keeps hashes and counts). No key, no content, no damage record.
    const left = rowsNaming(s.dbPath, s.sessionId);
    expect(Object.keys(left).sort()).toEqual(['journal', 'outbox', 'question_progress', 'session_erasures', 'session_variants', 'sessions']);
    const db = new Database(s.dbPath, { readonly: true });
    try {
      const deleted = db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'deleted'`).all(s.sessionId) as { payload: string }[];
      expect(deleted).toHaveLength(1);
      expect(JSON.parse(deleted[0]!.payload)).toMatchObject({ reason: 'request', keyShredded: true, chunks: 3, damage: 1, files: 4, contentDigest: expect.stringMatching(/^[0-9a-f]{64}$/) });
    } finally {
      db.close();
    }

    expect(grep(s.dataDir, s.needles)).toEqual([]);
    expect(statSync(`${s.dbPath}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);

    const v = cli(['verify', '--data-dir', s.dataDir, '--json']);
    expect(v.status).toBe(0);
    expect(v.last).toMatchObject({ sessions: 1, chunks: 0, brokenChains: 0, eventsWithoutRow: 0, pass: true });
    // Asking again changes nothing and says so.
    expect(cli(['delete', '--session', s.sessionId, '--data-dir', s.dataDir, '--json'])).toMatchObject({ status: 0, last: { ok: true, alreadyErased: true } });
  });

  it('negative control: without secure_delete the deleted plaintext is still in the database file', async () => {
    const s = await recordedStore();
    const r = eraseInProcess(s, 'no-secure-delete');
    expect(r.walTruncated).toBe(true);
    expect(grep(s.dataDir, s.needles)).toContain('phrase in interview-kiosk.sqlite');
  });

  it('negative control: without shredding the wrapped session key is still on disk', async () => {
    const s = await recordedStore();
    eraseInProcess(s, 'keep-key');
    expect(grep(s.dataDir, s.needles)).toContain('wrappedKey in interview-kiosk.sqlite');
  });

  it('refuses an unknown session, a malformed id, and a data folder in use by a kiosk', async () => {
    const s = await recordedStore();
    expect(cli(['delete', '--session', 'nope', '--data-dir', s.dataDir, '--json'])).toMatchObject({ status: 1, last: { ok: false, code: 'SESSION_NOT_FOUND' } });
    expect(cli(['delete', '--session', "x' OR 1=1", '--data-dir', s.dataDir, '--json']).status).toBe(2);
    expect(cli(['delete', '--data-dir', s.dataDir, '--json']).status).toBe(2);
    const lock = acquireDataDirLock(s.dataDir);
    try {
      expect(cli(['delete', '--session', s.sessionId, '--data-dir', s.dataDir, '--json'])).toMatchObject({ status: 2, last: { ok: false, code: 'DATA_DIR_LOCKED' } });
    } finally {
      lock.release();
    }
    expect(grep(s.dataDir, s.needles)).toContain('phrase in interview-kiosk.sqlite');
  });
});
