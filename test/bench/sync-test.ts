/**
 * `npm run sync-test -- --json`: simulated kiosks (real kiosk services, separate data dirs) run
 * interviews with media against one hub while a proxy drops 30 % of requests (half before the hub
 * sees them, half after it answered, so acknowledgements are lost too) and the harness SIGKILLs
 * kiosks and the hub at random and restarts them. At the end everything is stopped and an oracle
 * that shares no code with the sync path compares each kiosk's SQLite (read with raw SQL) with
 * the hub's PostgreSQL tables and object files: every journal event, media chunk and outbox item
 * present exactly once with the same hash, every chain recomputed and linked, no open chain flag.
 * Media travels and rests sealed (#13): the harness provisions a test HR key (kiosks wrap session
 * keys for it, the hub holds the private half); the oracle checks each hub object is byte-equal to
 * the kiosk's stored (sealed) bytes and opens it, with its own code written from
 * docs/encryption-at-rest.md, to the plaintext the kiosk recorded (`mediaChunksOpened`).
 *
 * Options: --kiosks 3 --interviews 60 (total) --drop 0.3 --kiosk-kills 6 --hub-kills 2 --json
 * Last line: {"sessions","events","mediaBytes","lost":0,"duplicated":0,"chainBreaks":0,"resumedUploads",…,"pass"}
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { PGlite } from '@electric-sql/pglite';

const { values } = parseArgs({
  options: {
    kiosks: { type: 'string', default: '3' },
    interviews: { type: 'string', default: '60' },
    drop: { type: 'string', default: '0.3' },
    'kiosk-kills': { type: 'string', default: '6' },
    'hub-kills': { type: 'string', default: '2' },
    'chunk-bytes': { type: 'string', default: '16384' },
    'timeout-s': { type: 'string', default: '900' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const KIOSKS = Number(values.kiosks);
const INTERVIEWS = Number(values.interviews);
const DROP = Number(values.drop);
const KIOSK_KILLS = Number(values['kiosk-kills']);
const HUB_KILLS = Number(values['hub-kills']);
const ADMIN_PASSWORD = 'sync-test-admin-password';
const root = mkdtempSync(join(tmpdir(), 'sync-test-'));
const hubData = join(root, 'hub');
// A test HR key pair: kiosks wrap each session key for its public half (media is sealed at rest and
// travels sealed); the hub holds the private half (HUB_HR_PRIVATE_KEY_FILE) and the oracle opens
// every chunk with it, independently.
const hrPair = generateKeyPairSync('x25519');
const hrPrivate = Buffer.from(hrPair.privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
const hrPublic = Buffer.from(hrPair.publicKey.export({ format: 'jwk' }).x ?? '', 'base64url');
const hrKeyFile = join(root, 'hr-private.key');
writeFileSync(hrKeyFile, hrPrivate, { mode: 0o600 });
const log = (m: string) => {
  if (!values.json) console.log(m);
  else process.stderr.write(`${m}\n`);
};

let seed = Number(values.seed) || 1;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => res(p));
    });
  });
}

function lines(child: ChildProcess, on: (o: Record<string, unknown>) => void): void {
  if (!child.stdout) return;
  createInterface({ input: child.stdout }).on('line', (l) => {
    try {
      on(JSON.parse(l) as Record<string, unknown>);
    } catch {
      /* not ours */
    }
  });
}

// ---- hub process ---------------------------------------------------------------------------
const hubPort = await freePort();
const hubUrl = `http://127.0.0.1:${hubPort}`;
let hub = null as ChildProcess | null;
async function startHub(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', resolve('hub/main.ts')], {
    env: { ...process.env, HUB_DATA_DIR: hubData, HUB_PORT: String(hubPort), HUB_ADMIN_PASSWORD: ADMIN_PASSWORD, HUB_HR_PRIVATE_KEY_FILE: hrKeyFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr?.on('data', (d: Buffer) => log(`[hub] ${d.toString().trim()}`));
  hub = child;
  await new Promise<void>((res, rej) => {
    const t = setTimeout(() => rej(new Error('hub did not start in 60 s')), 60_000);
    lines(child, (o) => {
      if (typeof o.url === 'string') {
        clearTimeout(t);
        res();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(t);
      rej(new Error(`hub exited with ${code} while starting`));
    });
  });
}

// ---- lossy proxy ---------------------------------------------------------------------------
let forwarded = 0;
let droppedBefore = 0;
let droppedAfter = 0;
const proxy = http.createServer((req, res) => {
  const r = rnd();
  if (r < DROP / 2) {
    droppedBefore++;
    req.resume();
    req.socket.destroy();
    return;
  }
  const dropAfter = r < DROP;
  const up = http.request({ host: '127.0.0.1', port: hubPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
    if (dropAfter) {
      droppedAfter++;
      ur.resume();
      ur.on('end', () => req.socket.destroy());
      return;
    }
    forwarded++;
    res.writeHead(ur.statusCode ?? 502, ur.headers);
    ur.pipe(res);
  });
  up.on('error', () => req.socket.destroy());
  // A kiosk gone mid-request (killed, or its socket dropped above) takes the hub side down too.
  res.on('close', () => {
    if (!res.writableFinished) up.destroy();
  });
  req.pipe(up);
});
proxy.keepAliveTimeout = 1;
const proxyPort = await freePort();
await new Promise<void>((r) => proxy.listen(proxyPort, '127.0.0.1', r));
const proxyUrl = `http://127.0.0.1:${proxyPort}`;

// ---- kiosks --------------------------------------------------------------------------------
interface KioskProc {
  readonly index: number;
  readonly dir: string;
  readonly interviews: number;
  child: ChildProcess | null;
  drained: boolean;
  kioskId: string | null;
  code: string | null;
}
let resumedUploads = 0;
const kiosks: KioskProc[] = [];

async function api(method: string, path: string, token: string | null, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${hubUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

function startKiosk(k: KioskProc): void {
  k.drained = false;
  const args = ['--import', 'tsx', resolve('test/bench/sync-kiosk-child.ts'), '--data-dir', k.dir, '--hub-url', hubUrl, '--proxy-url', proxyUrl, '--interviews', String(k.interviews), '--chunk-bytes', String(values['chunk-bytes']), '--hr-public', hrPublic.toString('base64')];
  if (k.code) args.push('--code', k.code);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stderr?.on('data', (d: Buffer) => log(`[kiosk ${k.index}] ${d.toString().trim().slice(0, 500)}`));
  lines(child, (o) => {
    if (o.t === 'ready') k.kioskId = String(o.kioskId);
    if (o.t === 'resumedUpload') resumedUploads++;
    if (o.t === 'drained') k.drained = true;
    if (o.t === 'error') log(`[kiosk ${k.index}] error ${String(o.message)}`);
  });
  child.once('exit', (code, signal) => {
    if (k.child === child) {
      k.child = null;
      if (signal !== 'SIGKILL' && signal !== 'SIGTERM') log(`[kiosk ${k.index}] exited ${code} ${signal}; restarting`);
      if (!stopping) setTimeout(() => !stopping && !k.child && startKiosk(k), 300);
    }
  });
  k.child = child;
}

let stopping = false;
const t0 = Date.now();
let kioskKills = 0;
let hubKills = 0;
await startHub();
const token = String((await api('POST', '/v1/auth/login', null, { username: 'admin', password: ADMIN_PASSWORD })).token);
for (let i = 0; i < KIOSKS; i++) {
  const code = String((await api('POST', '/v1/enrolment-codes', token, {})).code);
  const per = Math.floor(INTERVIEWS / KIOSKS) + (i < INTERVIEWS % KIOSKS ? 1 : 0);
  const k: KioskProc = { index: i, dir: join(root, `kiosk-${i}`), interviews: per, child: null, drained: false, kioskId: null, code };
  kiosks.push(k);
  startKiosk(k);
}

// ---- chaos ---------------------------------------------------------------------------------
const deadline = t0 + Number(values['timeout-s']) * 1000;
let timedOut = false;
while (!kiosks.every((k) => k.drained && k.child)) {
  if (Date.now() > deadline) {
    timedOut = true;
    break;
  }
  await sleep(250 + rnd() * 750);
  const allReady = kiosks.every((k) => k.kioskId);
  if (!allReady) continue;
  // Kills come at random moments; once a kiosk has finished (the run is nearing its end) the ones
  // still due come at once, so a short run (CI's) still has every kill it asked for mid-sync.
  const due = kiosks.some((k) => k.drained);
  const r = due && kioskKills < KIOSK_KILLS ? 0 : due && hubKills < HUB_KILLS ? 1 : rnd();
  if (kioskKills < KIOSK_KILLS && r < 0.25) {
    const live = kiosks.filter((k) => k.child && !k.drained);
    const k = due && live.length > 0 ? live[Math.floor(rnd() * live.length)]! : kiosks[Math.floor(rnd() * kiosks.length)]!;
    if (k.child && !k.drained) {
      k.child.kill('SIGKILL');
      k.code = null;
      kioskKills++;
      log(`SIGKILL kiosk ${k.index} (${kioskKills}/${KIOSK_KILLS})`);
    }
  } else if (hubKills < HUB_KILLS && r > 0.9 && hub) {
    hub.kill('SIGKILL');
    hubKills++;
    log(`SIGKILL hub (${hubKills}/${HUB_KILLS})`);
    await new Promise((res) => hub?.once('exit', res));
    await sleep(300);
    await startHub();
  }
}

stopping = true;
for (const k of kiosks) k.child?.kill('SIGTERM');
hub?.kill('SIGTERM');
await new Promise((res) => (hub?.exitCode !== null ? res(null) : hub?.once('exit', res)));
await sleep(300);
proxy.close();

// ---- the oracle ----------------------------------------------------------------------------
const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');
const lite = await PGlite.create({ dataDir: join(hubData, 'pg') });
const q = async <T,>(sql: string, params: unknown[] = []) => (await lite.query<T>(sql, params)).rows;

let sessions = 0;
let events = 0;
let mediaBytes = 0;
let lost = 0;
let duplicated = 0;
let chainBreaks = 0;
const details: string[] = [];
const note = (m: string) => details.length < 20 && details.push(m);

let mediaOpened = 0;
let unopened = 0;
let plainOnHub = 0;

function readRange(path: string, offset: number, length: number): Buffer | null {
  try {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      return n === length ? b : null;
    } finally {
      closeSync(fd);
    }
  } catch {
    return null;
  }
}

// The recipient side of docs/encryption-at-rest.md, written here from the document (no kiosk or hub code).
function oracleUnwrap(wrapped: Buffer, sessionId: string): Buffer | null {
  if (wrapped.length !== 84 || wrapped.subarray(0, 4).toString('latin1') !== 'IKH1') return null;
  const eph = wrapped.subarray(4, 36);
  try {
    const priv = createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: hrPrivate.toString('base64url'), x: hrPublic.toString('base64url') }, format: 'jwk' });
    const pub = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: Buffer.from(eph).toString('base64url') }, format: 'jwk' });
    const shared = diffieHellman({ privateKey: priv, publicKey: pub });
    const info = Buffer.from(`interview-kiosk/session-key/v1\n${sessionId}`, 'utf8');
    const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([eph, hrPublic]), info, 44));
    const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    d.setAAD(info);
    d.setAuthTag(wrapped.subarray(36, 52));
    return Buffer.concat([d.update(wrapped.subarray(52)), d.final()]);
  } catch {
    return null;
  }
}

function oracleOpen(dataKey: Buffer, sealed: Buffer, identity: string): Buffer | null {
  if (sealed.length < 52 || sealed.subarray(0, 4).toString('latin1') !== 'IKS1') return null;
  const aad = Buffer.from(identity, 'utf8');
  const okm = Buffer.from(hkdfSync('sha256', dataKey, sealed.subarray(4, 36), Buffer.concat([Buffer.from('interview-kiosk/seal/v1\n', 'utf8'), aad]), 44));
  try {
    const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(36, 52));
    return Buffer.concat([d.update(sealed.subarray(52)), d.final()]);
  } catch {
    return null;
  }
}

for (const k of kiosks) {
  const db = new Database(join(k.dir, 'interview-kiosk.sqlite'), { readonly: true });
  const kid = k.kioskId ?? '';
  const kSessions = db.prepare('SELECT id, state FROM sessions').all() as Array<{ id: string; state: string }>;
  sessions += kSessions.length;
  const kEvents = db.prepare('SELECT session_id, seq, hash FROM journal ORDER BY session_id, seq').all() as Array<{ session_id: string; seq: number; hash: string }>;
  events += kEvents.length;
  const hEvents = await q<{ session_id: string; seq: number; type: string; at: string; payload: string; prev_hash: string; hash: string }>(
    'SELECT session_id, seq, type, at, payload, prev_hash, hash FROM journal_events WHERE kiosk_id = $1 ORDER BY session_id, seq',
    [kid],
  );
  const hMap = new Map(hEvents.map((e) => [`${e.session_id}:${e.seq}`, e]));
  for (const e of kEvents) {
    const h = hMap.get(`${e.session_id}:${e.seq}`);
    if (!h || h.hash !== e.hash) {
      lost++;
      note(`event ${kid} ${e.session_id}:${e.seq} ${h ? 'differs' : 'missing'} on hub`);
    }
  }
  const kEventKeys = new Set(kEvents.map((e) => `${e.session_id}:${e.seq}`));
  for (const e of hEvents) {
    if (kEventKeys.has(`${e.session_id}:${e.seq}`)) continue;
    duplicated++;
    note(`hub event ${e.session_id}:${e.seq} not on kiosk`);
  }
  // Each hub session's chain, recomputed here from the documented formula.
  const bySession = new Map<string, typeof hEvents>();
  for (const e of hEvents) bySession.set(e.session_id, [...(bySession.get(e.session_id) ?? []), e]);
  for (const [sid, list] of bySession) {
    let prev = '0'.repeat(64);
    list.forEach((e, i) => {
      const ok = e.seq === i + 1 && e.prev_hash === prev && sha(`${prev}\n${sid}\n${e.seq}\n${e.type}\n${e.at}\n${e.payload}`) === e.hash;
      if (!ok) {
        chainBreaks++;
        note(`chain ${sid} breaks at ${e.seq}`);
      }
      prev = e.hash;
    });
  }
  // Media: every kiosk chunk is an object on the hub byte-equal to what the kiosk stores (sealed),
  // and opens — with the test HR key, by the documented format, written here — to a plaintext
  // whose sha256 and size are the kiosk's row's.
  const kMedia = db
    .prepare("SELECT 'media:' || session_id || ':' || question_index || ':' || attempt || ':' || segment || ':' || seq AS key, session_id, question_index, attempt, segment, seq, sha256, size, file, file_offset, stored_size, data FROM media_chunks")
    .all() as Array<{ key: string; session_id: string; question_index: number; attempt: number; segment: number; seq: number; sha256: string; size: number; file: string | null; file_offset: number | null; stored_size: number | null; data: Buffer | null }>;
  const hMedia = await q<{ idem_key: string; storage_key: string; sha256: string; size: string }>('SELECT idem_key, storage_key, sha256, size FROM media_objects WHERE kiosk_id = $1', [kid]);
  const hm = new Map(hMedia.map((m) => [m.idem_key, m]));
  const hBodies = new Map((await q<{ idem_key: string; body: Record<string, unknown> }>("SELECT idem_key, body FROM items WHERE kiosk_id = $1 AND kind = 'media_chunk'", [kid])).map((i) => [i.idem_key, i.body]));
  const kWraps = new Map((db.prepare('SELECT session_id, hr_wrapped FROM session_keys').all() as Array<{ session_id: string; hr_wrapped: Buffer | null }>).map((r) => [r.session_id, r.hr_wrapped]));
  for (const m of kMedia) {
    const h = hm.get(m.key);
    if (!h) {
      lost++;
      note(`media ${m.key} missing on hub`);
      continue;
    }
    const stored = m.file !== null && m.file_offset !== null && m.stored_size !== null ? readRange(join(k.dir, 'media', m.file), m.file_offset, m.stored_size) : m.data;
    let hubBytes: Buffer | null = null;
    try {
      hubBytes = readFileSync(join(hubData, 'objects', h.storage_key));
    } catch {
      hubBytes = null;
    }
    if (!stored || !hubBytes || !hubBytes.equals(stored) || h.sha256 !== sha(stored) || Number(h.size) !== stored.length) {
      lost++;
      note(`media ${m.key} bytes on hub differ from the kiosk's stored bytes`);
      continue;
    }
    if (hubBytes.subarray(0, 4).toString('latin1') !== 'IKS1') {
      plainOnHub++;
      note(`media ${m.key} rests unsealed on the hub`);
      continue;
    }
    // The wrap the hub received with the item, the same as the kiosk's.
    const wrapB64 = ((hBodies.get(m.key)?.sessionKey ?? null) as { hrWrapped?: string } | null)?.hrWrapped;
    const kWrap = kWraps.get(m.session_id);
    if (!wrapB64 || !kWrap || !Buffer.from(wrapB64, 'base64').equals(kWrap)) {
      unopened++;
      note(`media ${m.key}: the hub has no HR wrap of its session key matching the kiosk's`);
      continue;
    }
    const dataKey = oracleUnwrap(Buffer.from(wrapB64, 'base64'), m.session_id);
    const plain = dataKey ? oracleOpen(dataKey, hubBytes, `media-chunk:v1:${m.session_id}:${m.question_index}:${m.attempt}:${m.segment}:${m.seq}`) : null;
    if (!plain || plain.length !== m.size || sha(plain) !== m.sha256) {
      unopened++;
      note(`media ${m.key} does not open to the kiosk's plaintext with the HR key`);
      continue;
    }
    mediaBytes += plain.length;
    mediaOpened++;
  }
  if (hMedia.length > kMedia.length) {
    duplicated += hMedia.length - kMedia.length;
    note(`hub has ${hMedia.length - kMedia.length} extra media objects`);
  }
  // Every item the kiosk owes once (the hub's key is unique; count both ways) and confirmed: its
  // outbox rows, and — spelled out here from the tables, not through the kiosk's code — one item per
  // journal event, per media chunk, per pre-check and reschedule event, confirmed when the
  // session's cursor is past the event.
  const kOutbox = db.prepare('SELECT idem_key, confirmed_at FROM outbox').all() as Array<{ idem_key: string; confirmed_at: number | null }>;
  const cursors = new Map((db.prepare('SELECT session_id, confirmed_seq FROM sync_cursor').all() as Array<{ session_id: string; confirmed_seq: number }>).map((c) => [c.session_id, c.confirmed_seq]));
  for (const e of db.prepare('SELECT session_id, seq, type FROM journal').all() as Array<{ session_id: string; seq: number; type: string }>) {
    const confirmed_at = (cursors.get(e.session_id) ?? 0) >= e.seq ? 1 : null;
    kOutbox.push({ idem_key: `ev:${e.session_id}:${e.seq}`, confirmed_at });
    if (e.type === 'precheck_recorded') kOutbox.push({ idem_key: `precheck_run:${e.session_id}:${e.seq}`, confirmed_at });
    if (e.type === 'reschedule_requested') kOutbox.push({ idem_key: `reschedule_request:${e.session_id}:${e.seq}`, confirmed_at });
  }
  for (const m of db.prepare('SELECT session_id, question_index, attempt, segment, seq FROM media_chunks').all() as Array<{ session_id: string; question_index: number; attempt: number; segment: number; seq: number }>) {
    kOutbox.push({ idem_key: `media:${m.session_id}:${m.question_index}:${m.attempt}:${m.segment}:${m.seq}`, confirmed_at: null });
  }
  // A media item is confirmed with the event that names it (its chunk_committed event).
  const chunkEvents = db.prepare("SELECT session_id, seq, payload FROM journal WHERE type = 'chunk_committed'").all() as Array<{ session_id: string; seq: number; payload: string }>;
  const mediaConfirmed = new Set(
    chunkEvents
      .filter((e) => (cursors.get(e.session_id) ?? 0) >= e.seq)
      .map((e) => {
        const p = JSON.parse(e.payload) as { questionIndex: number; attempt: number; segment: number; seq: number };
        return `media:${e.session_id}:${p.questionIndex}:${p.attempt}:${p.segment}:${p.seq}`;
      }),
  );
  for (const o of kOutbox) if (o.idem_key.startsWith('media:') && mediaConfirmed.has(o.idem_key)) o.confirmed_at = 1;
  const hItems = await q<{ idem_key: string }>('SELECT idem_key FROM items WHERE kiosk_id = $1', [kid]);
  const hKeys = new Set(hItems.map((i) => i.idem_key));
  for (const o of kOutbox) {
    if (hKeys.has(o.idem_key)) continue;
    lost++;
    note(`item ${o.idem_key} missing on hub`);
  }
  const kKeys = new Set(kOutbox.map((o) => o.idem_key));
  for (const i of hItems) {
    if (kKeys.has(i.idem_key)) continue;
    duplicated++;
    note(`hub item ${i.idem_key} not owed by the kiosk`);
  }
  if (hItems.length !== hKeys.size) duplicated += hItems.length - hKeys.size;
  const unconfirmed = kOutbox.filter((o) => o.confirmed_at === null).length;
  if (unconfirmed) {
    lost += unconfirmed;
    note(`${unconfirmed} outbox items never confirmed on kiosk ${k.index}`);
  }
  const finished = kSessions.filter((s) => s.state === 'completed' || s.state === 'exited').length;
  if (finished < k.interviews) note(`kiosk ${k.index} finished ${finished}/${k.interviews}`);
  db.close();
}
const openFlags = await q<{ n: number }>('SELECT count(*)::int AS n FROM chain_flags WHERE resolved_at IS NULL');
chainBreaks += openFlags[0]?.n ?? 0;
if (openFlags[0]?.n) note(`${openFlags[0].n} open chain flags on the hub`);
await lite.close();
if (!values.keep) rmSync(root, { recursive: true, force: true });

const finishedAll = !timedOut;
const pass = finishedAll && lost === 0 && duplicated === 0 && chainBreaks === 0 && unopened === 0 && plainOnHub === 0 && mediaOpened > 0 && sessions >= INTERVIEWS && kioskKills === KIOSK_KILLS && hubKills === HUB_KILLS;
if (!values.json) for (const d of details) console.log(`  ${d}`);
for (const d of details) process.stderr.write(`${d}\n`);
console.log(
  JSON.stringify({
    kiosks: KIOSKS,
    interviews: INTERVIEWS,
    sessions,
    events,
    mediaBytes,
    mediaChunksOpened: mediaOpened,
    mediaUnopened: unopened,
    mediaPlainOnHub: plainOnHub,
    lost: lost,
    duplicated,
    chainBreaks,
    resumedUploads,
    kioskKills,
    hubKills,
    dropRate: DROP,
    requestsDropped: droppedBefore + droppedAfter,
    responsesDropped: droppedAfter,
    requestsForwarded: forwarded,
    timedOut,
    durationMs: Date.now() - t0,
    seed: Number(values.seed),
    target: { lost: 0, duplicated: 0, chainBreaks: 0, mediaUnopened: 0, mediaPlainOnHub: 0, sessionsAtLeast: INTERVIEWS, kioskKills: KIOSK_KILLS, hubKills: HUB_KILLS },
    oracle: 'independent',
    pass,
  }),
);
process.exit(pass ? 0 : 1);
