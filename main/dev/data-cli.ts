/**
 * `npm run data -- verify [--data-dir DIR] [--session ID] [--json]`: audits everything the kiosk's
 * store holds for one session or for all of them — the journal's hash chain, every media row
 * against its `chunk_committed` event (key, sha256, size), every chunk's bytes against its sha256,
 * that each segment's chunks run from seq 0 without gaps, and every remuxed answer file a
 * `recording_remuxed` event names (present, same size and sha256 on disk; with the data folder's
 * file key a sealed one is also opened record by record and its plaintext compared with the event).
 * Read-only: the kiosk may be running.
 *
 * With `--json` each session is one JSON line and the last line is the summary with its target
 * (every count zero, every chain intact). Exit 0 when the store meets it, 1 when it does not,
 * 2 on a usage error or a store that cannot be opened.
 *
 * `npm run data -- delete --session ID [--data-dir DIR] [--json]`: a candidate's deletion request.
 * Shreds the session's data key, removes its media files and the rows holding its media and
 * answer texts (`secure_delete`), journals `deleted` (hashes and counts only) and truncates the
 * WAL (main/services/storage/crypto/erasure.ts). Needs the data folder to itself: refused while
 * the kiosk runs. Last line one JSON object; exit 0 when erased (or already erased), 1 when refused.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase, openDatabaseReadOnly } from '../db/connection';
import { acquireDataDirLock } from '../db/data-dir-lock';
import { createConsoleLogger } from '../common/logger';
import { systemClock } from '../common/clock';
import { auditStore, type SessionAudit } from '../services/audit/session-audit';
import { fileKeyring } from '../services/storage/crypto/file-keys';
import { SqliteJournal } from '../services/journal/journal';
import { MemoryKeyProtector } from '../services/packs/key-protector';
import { eraseSession } from '../services/storage/crypto/erasure';
import { SessionKeyring } from '../services/storage/crypto/session-keyring';

const USAGE = 'usage: npm run data -- verify [--data-dir DIR] [--session ID] [--json]\n       npm run data -- delete --session ID [--data-dir DIR] [--json]';
const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;

function fail(code: string, message: string, json: boolean): never {
  if (json) console.log(JSON.stringify({ ok: false, code, message }));
  else console.error(message);
  process.exit(2);
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      'data-dir': { type: 'string', default: '.kiosk-data' },
      session: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
}
try {
  parsed = parse();
} catch (e) {
  fail('USAGE', `${e instanceof Error ? e.message : String(e)}\n${USAGE}`, process.argv.includes('--json'));
}
const { values, positionals } = parsed;
const json = values.json;
if (positionals.length !== 1 || (positionals[0] !== 'verify' && positionals[0] !== 'delete')) fail('USAGE', USAGE, json);
const command = positionals[0];
if (command === 'delete' && values.session === undefined) fail('USAGE', `delete needs --session ID\n${USAGE}`, json);
if (values.session !== undefined && !SESSION_ID.test(values.session)) fail('USAGE', 'a session id is 1-100 letters, digits, - or _', json);
// The kiosk's database file name (main/app/composition-root.ts, databasePath), kept here so this
// read-only tool does not load the application's object graph.
const dataDir = path.resolve(values['data-dir']);
const file = path.join(dataDir, 'interview-kiosk.sqlite');
if (!existsSync(file)) fail('STORE_NOT_FOUND', `no interview database at ${file}`, json);

if (command === 'delete') {
  runDelete(values.session!);
  process.exit(process.exitCode ?? 0);
}

function runDelete(sessionId: string): void {
  let lock: ReturnType<typeof acquireDataDirLock>;
  try {
    lock = acquireDataDirLock(dataDir);
  } catch (e) {
    fail('DATA_DIR_LOCKED', `the kiosk is using ${dataDir}; stop it first (${e instanceof Error ? e.message : String(e)})`, json);
  }
  try {
    const logger = createConsoleLogger('data', 'warn');
    const wdb = openDatabase(file, { logger });
    try {
      // Deletion destroys keys and never unwraps one, so no keystore is needed here.
      const keyring = new SessionKeyring({ db: wdb, protector: new MemoryKeyProtector(), clock: systemClock, logger: createConsoleLogger('data', 'error') });
      const r = eraseSession({ db: wdb, keyring, journal: new SqliteJournal(wdb), clock: systemClock, logger, dataDir }, sessionId, 'request');
      const out = r.ok ? { command: 'data delete', ok: true, ...r.value, target: 'key shredded, rows and files removed, journal verifiable' } : { command: 'data delete', ok: false, ...r.error };
      if (json) console.log(JSON.stringify(out));
      else console.log(r.ok ? `Erased ${sessionId}: key shredded, ${r.value.rows.chunks} chunks, ${r.value.rows.answers} answers, ${r.value.rows.drafts} drafts, ${r.value.files} files${r.value.alreadyErased ? ' (already erased)' : ''}.` : `Refused: ${r.error.code}: ${r.error.message}`);
      process.exitCode = r.ok ? 0 : 1;
    } finally {
      wdb.close();
    }
  } finally {
    lock.release();
  }
}

let db: ReturnType<typeof openDatabaseReadOnly>;
try {
  db = openDatabaseReadOnly(file);
} catch (e) {
  fail('STORE_UNREADABLE', e instanceof Error ? e.message : String(e), json);
}

const problems = (s: SessionAudit): string[] => [
  ...(s.sessionRow ? [] : ['no session row']),
  ...(s.journal.ok ? [] : [`journal broken at event ${s.journal.brokenAt} (${s.journal.reason})`]),
  ...([
    ['corruptChunks', 'chunks whose bytes fail their sha256'],
    ['rowsWithoutEvent', 'media rows without a chunk event'],
    ['eventMismatches', 'media rows that differ from their chunk event'],
    ['eventsWithoutRow', 'chunk events whose media row is missing'],
    ['malformedEvents', 'malformed or repeated chunk events'],
    ['seqGaps', 'gaps in a segment'],
    ['remuxMissing', 'remuxed files missing'],
    ['remuxMismatches', 'remuxed files that differ from their event'],
    ['remuxUnreadable', 'sealed remuxed files the verifying reader refused'],
  ] as const)
    .filter(([k]) => s[k].count > 0)
    .map(([k, what]) => `${s[k].count} ${what}: ${s[k].chunks.join(', ')}`),
];

try {
  const keyring = fileKeyring(db, dataDir);
  // Without the file key (a kiosk on the OS keystore) sealed remuxes are checked by their on-disk sha256 only.
  const audit = auditStore(db, values.session, { dataDir, ...(keyring ? { sealer: keyring.chunkSealer(), remuxKeys: keyring } : {}) });
  const sum = (k: 'corruptChunks' | 'rowsWithoutEvent' | 'eventMismatches' | 'eventsWithoutRow' | 'malformedEvents' | 'seqGaps' | 'remuxMissing' | 'remuxMismatches' | 'remuxUnreadable') =>
    audit.sessions.reduce((n, s) => n + s[k].count, 0);
  const summary = {
    command: 'data verify',
    sessions: audit.sessions.length,
    chunks: audit.sessions.reduce((n, s) => n + s.chunks, 0),
    bytes: audit.sessions.reduce((n, s) => n + s.bytes, 0),
    events: audit.sessions.reduce((n, s) => n + s.journal.length, 0),
    brokenChains: audit.sessions.filter((s) => !s.journal.ok).length,
    missingSessions: audit.sessions.filter((s) => !s.sessionRow).length,
    corruptChunks: sum('corruptChunks'),
    rowsWithoutEvent: sum('rowsWithoutEvent'),
    eventMismatches: sum('eventMismatches'),
    eventsWithoutRow: sum('eventsWithoutRow'),
    malformedEvents: sum('malformedEvents'),
    seqGaps: sum('seqGaps'),
    remuxFiles: audit.sessions.reduce((n, s) => n + s.remuxFiles, 0),
    remuxMissing: sum('remuxMissing'),
    remuxMismatches: sum('remuxMismatches'),
    remuxUnreadable: sum('remuxUnreadable'),
    remuxesOpened: keyring !== undefined,
    target: 'every count 0',
    pass: audit.ok,
  };
  if (json) {
    for (const s of audit.sessions) console.log(JSON.stringify({ sessionId: s.sessionId, ok: s.ok, chunks: s.chunks, events: s.journal.length, problems: problems(s) }));
    console.log(JSON.stringify(summary));
  } else {
    for (const s of audit.sessions) {
      const p = problems(s);
      console.log(`${s.ok ? 'OK  ' : 'FAIL'} ${s.sessionId}: ${s.journal.length} events, ${s.chunks} chunks (${s.bytes} bytes)`);
      for (const line of p) console.log(`     ${line}`);
    }
    console.log(audit.ok ? `All ${audit.sessions.length} sessions verified.` : `${audit.sessions.filter((s) => !s.ok).length} of ${audit.sessions.length} sessions failed verification.`);
  }
  process.exitCode = audit.ok ? 0 : 1;
} finally {
  db.close();
}
