/**
 * The hub's HTTP service (Fastify). Every route is listed in auth/permissions.ts; a request is
 * resolved to one principal (an HR role from a session token, a kiosk from a signed request or an
 * upload token, or anonymous) and refused with 401/403 unless the table allows it. Successful
 * reads of candidate data are written to the audit log before the response leaves.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Server as TusServer } from '@tus/server';
import { z } from 'zod';
import type { HubDatabase } from './db/database';
import { hashPassword, verifyPassword } from './auth/passwords';
import { MAX_SKEW_MS, parseEd25519PublicKey, signingString, verifyKioskSignature } from './auth/kiosk-signature';
import { HR_ROLES, PERMISSIONS, type HrRole, type Principal } from './auth/permissions';
import { ingestItems, itemsRequestSchema } from './ingest';
import { HubError } from './errors';
import { registerInviteRoutes } from './invites/routes';
import { registerAnalyticsRoutes } from './analytics/routes';
import { reminderConfigFromEnv, type ReminderConfig } from './reminders/config';
import type { UploadStore } from './storage/upload-store';
import { checkAgainstJournal, identityOfMediaKey, journalChunkDigests, looksSealed, MediaUnopenableError, mediaSessionKey, openMediaChunk, readSealedObject, sealedChunkOf, SEALED_MEDIA_FORMAT } from './storage/sealed-media';
import { registerConsoleRoutes } from './console/server/routes';
import { registerConsoleStatic } from './console/server/static';
import { resumeSecretFromEnv } from './console/server/resume-code';
import { hrKeyFromEnv, type HrKey } from './console/server/sealed-review';
import { HR_PREFIX, registerHrEndpoint, TokenBuckets, type HrRateLimit } from './hr/routes';
import type { HrKeys } from './hr/keys';

export interface HubOptions {
  readonly db: HubDatabase;
  readonly uploads: UploadStore;
  readonly now?: () => number;
  /** Largest media object accepted (bytes). */
  readonly maxUploadBytes?: number;
  readonly tokenTtlMs?: number;
  /** A request not fully received in this time is closed (default 120 s). */
  readonly requestTimeoutMs?: number;
  /** Reminder offsets and channels (default: reminderConfigFromEnv(process.env)). */
  readonly reminders?: ReminderConfig;
  /** The HR and proctor console (#14): its built files and the centre's resume-code secret. */
  readonly console?: { readonly dir?: string; readonly resumeSecret?: Buffer | null; readonly offlineAfterMs?: number; readonly hrKey?: HrKey | null };
  /**
   * The HR endpoint API under /hr (hub/hr): its signing and key-wrapping keys (hub/hr/keys.ts).
   * Absent or `keys: null`: the routes answer 503 UNAVAILABLE with `offReason`.
   */
  readonly hr?: { readonly keys: HrKeys | null; readonly offReason?: string; readonly rateLimit?: HrRateLimit };
  /**
   * Per-address token bucket for anonymous writes (login, kiosk enrolment, the invite-code routes):
   * guessing passwords, enrolment or invite codes costs time. Default 240 at once, 20 per second.
   */
  readonly anonymousRateLimit?: HrRateLimit;
}

interface Auth {
  readonly principal: Principal;
  readonly actor: string;
  readonly kioskId?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    hubAuth?: Auth;
    rawBody?: Buffer;
  }
}

const HEX64 = /^[0-9a-f]{64}$/;
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');


const isHrEndpointPath = (url: string): boolean => url === HR_PREFIX || url.startsWith(`${HR_PREFIX}/`) || url.startsWith(`${HR_PREFIX}?`);

function routeKey(req: FastifyRequest): string {
  return `${req.method} ${req.routeOptions.url ?? req.url}`;
}

export async function buildHub(opts: HubOptions): Promise<FastifyInstance> {
  const { db } = opts;
  // HR's X25519 key opens sealed answers and media for review (HUB_HR_PRIVATE_KEY_FILE; README "Review").
  const hrKey = opts.console?.hrKey !== undefined ? opts.console.hrKey : hrKeyFromEnv(process.env);
  const now = opts.now ?? Date.now;
  const tokenTtlMs = opts.tokenTtlMs ?? 12 * 3600_000;
  // requestTimeout: a client that stops sending mid-request (a dropped link, a killed kiosk) must not
  // hold a tus upload's lock or a socket forever.
  const app = Fastify({ logger: false, bodyLimit: 8 * 1024 * 1024, exposeHeadRoutes: false, requestTimeout: opts.requestTimeoutMs ?? 120_000 });

  const registered: string[] = [];
  app.addHook('onRoute', (r) => {
    const methods = Array.isArray(r.method) ? r.method : [r.method];
    for (const m of methods) registered.push(`${m} ${r.url}`);
  });

  // JSON bodies are kept raw as well: a kiosk signature covers the exact bytes.
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const buf = body as Buffer;
    req.rawBody = buf;
    if (buf.length === 0) return done(null, {});
    try {
      done(null, JSON.parse(buf.toString('utf8')));
    } catch {
      done(new HubError(400, 'INVALID_JSON', 'body is not JSON'), undefined);
    }
  });
  // tus bodies stream straight to the store: leave them unread.
  app.addContentTypeParser('application/offset+octet-stream', (_req, _payload, done) => done(null));

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof HubError) return reply.code(err.status).send({ error: { code: err.code, message: err.message } });
    const status = (err as { statusCode?: number }).statusCode;
    if (status === 413) return reply.code(413).send({ error: { code: 'BODY_TOO_LARGE', message: 'the request body is too large' } });
    if (status && status >= 400 && status < 500) return reply.code(status).send({ error: { code: 'BAD_REQUEST', message: err instanceof Error ? err.message : String(err) } });
    return reply.code(500).send({ error: { code: 'INTERNAL', message: 'internal error' } });
  });

  async function authenticate(req: FastifyRequest): Promise<Auth> {
    const authz = req.headers.authorization;
    const kioskId = req.headers['x-kiosk-id'];
    if (typeof kioskId === 'string') {
      const ts = req.headers['x-kiosk-timestamp'];
      const nonce = req.headers['x-kiosk-nonce'];
      const sig = req.headers['x-kiosk-signature'];
      if (typeof ts !== 'string' || typeof nonce !== 'string' || typeof sig !== 'string' || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce)) {
        throw new HubError(401, 'SIGNATURE_MISSING', 'signed kiosk headers are incomplete');
      }
      const k = await db.pool.query<{ public_key: string }>('SELECT public_key FROM kiosks WHERE id=$1', [kioskId]);
      const key = k.rows[0]?.public_key;
      if (!key) throw new HubError(401, 'KIOSK_UNKNOWN', 'this kiosk is not enrolled');
      const body = req.rawBody ?? Buffer.alloc(0);
      if (!verifyKioskSignature(key, signingString(req.method, req.url, body, ts, nonce), sig)) {
        throw new HubError(401, 'SIGNATURE_INVALID', 'the request signature does not verify');
      }
      const t = Number(ts);
      if (!Number.isFinite(t) || Math.abs(now() - t) > MAX_SKEW_MS) throw new HubError(401, 'TIMESTAMP_SKEW', 'the request timestamp is too far from the hub clock');
      const ins = await db.pool.query('INSERT INTO kiosk_nonces (kiosk_id, nonce) VALUES ($1,$2) ON CONFLICT DO NOTHING', [kioskId, nonce]);
      if (ins.rowCount !== 1) throw new HubError(401, 'REPLAY', 'this request was already received');
      return { principal: 'kiosk', actor: `kiosk:${kioskId}`, kioskId };
    }
    if (authz?.startsWith('Bearer ')) {
      const token = authz.slice(7).trim();
      if (token.startsWith('upt_')) {
        const r = await db.pool.query<{ kiosk_id: string }>('SELECT kiosk_id FROM upload_tokens WHERE token_hash=$1 AND expires_at > to_timestamp($2 / 1000.0)', [sha256(token), now()]);
        const kid = r.rows[0]?.kiosk_id;
        if (!kid) throw new HubError(401, 'TOKEN_INVALID', 'upload token unknown or expired');
        return { principal: 'kiosk', actor: `kiosk:${kid}`, kioskId: kid };
      }
      const r = await db.pool.query<{ id: string; username: string; role: HrRole }>(
        'SELECT u.id, u.username, u.role FROM hr_tokens t JOIN hr_users u ON u.id = t.user_id WHERE t.token_hash=$1 AND t.expires_at > to_timestamp($2 / 1000.0)',
        [sha256(token), now()],
      );
      const u = r.rows[0];
      if (!u) throw new HubError(401, 'TOKEN_INVALID', 'session token unknown or expired');
      return { principal: u.role, actor: `user:${u.username}` };
    }
    return { principal: 'anonymous', actor: 'anonymous' };
  }

  const anonymousBuckets = new TokenBuckets(opts.anonymousRateLimit ?? { burst: 240, perSecond: 20 }, now);

  app.addHook('preHandler', async (req, reply) => {
    // The HR endpoint API authenticates and answers in its own document's terms (hub/hr/routes.ts
    // checks the same PERMISSIONS table with the kiosk bearer tokens HR issues).
    if (isHrEndpointPath(req.url)) return;
    const perm = PERMISSIONS[routeKey(req)];
    if (!perm) throw new HubError(404, 'NOT_FOUND', 'no such route');
    const auth = await authenticate(req);
    if (auth.principal === 'anonymous' && req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      const took = anonymousBuckets.take(req.ip);
      if (!took.ok) {
        void reply.header('retry-after', String(took.retryAfterSeconds));
        throw new HubError(429, 'TOO_MANY_REQUESTS', 'too many requests from this address; try again later');
      }
    }
    if (!perm.allowed.includes(auth.principal)) {
      if (auth.principal === 'anonymous') throw new HubError(401, 'UNAUTHENTICATED', 'sign in first');
      throw new HubError(403, 'FORBIDDEN', `${auth.principal} may not call ${routeKey(req)}`);
    }
    req.hubAuth = auth;
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const perm = PERMISSIONS[routeKey(req)];
    if (perm?.candidateData && req.hubAuth && reply.statusCode < 300) {
      await db.pool.query('INSERT INTO audit_log (actor, role, action, target) VALUES ($1,$2,$3,$4)', [req.hubAuth.actor, req.hubAuth.principal, routeKey(req), req.url]);
    }
    return payload;
  });

  const auth = (req: FastifyRequest): Auth => {
    if (!req.hubAuth) throw new HubError(401, 'UNAUTHENTICATED', 'sign in first');
    return req.hubAuth;
  };
  const parse = <T>(schema: z.ZodType<T>, value: unknown): T => {
    const r = schema.safeParse(value);
    if (!r.success) throw new HubError(400, 'INVALID_INPUT', r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ').slice(0, 500));
    return r.data;
  };

  app.get('/v1/health', async () => ({ ok: true, db: db.mode, storage: opts.uploads.kind }));

  app.post('/v1/auth/login', async (req) => {
    const b = parse(z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(500) }), req.body);
    const r = await db.pool.query<{ id: string; password_hash: string; role: HrRole }>('SELECT id, password_hash, role FROM hr_users WHERE username=$1', [b.username]);
    const u = r.rows[0];
    // A missing user still costs one scrypt, so timing does not tell which usernames exist.
    const ok = await verifyPassword(b.password, u?.password_hash ?? 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    if (!u || !ok) throw new HubError(401, 'LOGIN_FAILED', 'wrong username or password');
    const token = `hut_${randomBytes(32).toString('base64url')}`;
    await db.pool.query('INSERT INTO hr_tokens (token_hash, user_id, expires_at) VALUES ($1,$2,to_timestamp($3 / 1000.0))', [sha256(token), u.id, now() + tokenTtlMs]);
    return { token, role: u.role, expiresAt: new Date(now() + tokenTtlMs).toISOString() };
  });

  app.post('/v1/auth/logout', async (req) => {
    const token = (req.headers.authorization ?? '').slice(7).trim();
    await db.pool.query('DELETE FROM hr_tokens WHERE token_hash=$1', [sha256(token)]);
    return { ok: true };
  });

  app.post('/v1/users', async (req, reply) => {
    const b = parse(z.object({ username: z.string().regex(/^[A-Za-z0-9._@-]{1,100}$/), password: z.string().min(12).max(500), role: z.enum(HR_ROLES as [HrRole, ...HrRole[]]) }), req.body);
    const id = randomUUID();
    const ins = await db.pool.query('INSERT INTO hr_users (id, username, password_hash, role) VALUES ($1,$2,$3,$4) ON CONFLICT (username) DO NOTHING', [id, b.username, await hashPassword(b.password), b.role]);
    if (ins.rowCount !== 1) throw new HubError(409, 'USERNAME_TAKEN', 'that username exists');
    return reply.code(201).send({ id, username: b.username, role: b.role });
  });

  app.post('/v1/enrolment-codes', async (req, reply) => {
    const b = parse(z.object({ ttlMinutes: z.number().int().min(1).max(7 * 24 * 60).optional() }), req.body ?? {});
    const who = auth(req).actor.replace(/^user:/, '');
    const u = await db.pool.query<{ id: string }>('SELECT id FROM hr_users WHERE username=$1', [who]);
    const code = randomBytes(10).toString('base64url').toUpperCase().replace(/[^A-Z0-9]/g, 'X').slice(0, 12);
    const expires = now() + (b.ttlMinutes ?? 60) * 60_000;
    await db.pool.query('INSERT INTO enrolment_codes (code_hash, created_by, expires_at) VALUES ($1,$2,to_timestamp($3 / 1000.0))', [sha256(code), u.rows[0]?.id, expires]);
    return reply.code(201).send({ code, expiresAt: new Date(expires).toISOString() });
  });

  app.post('/v1/kiosks/enrol', async (req, reply) => {
    const b = parse(z.object({ code: z.string().min(1).max(100), publicKey: z.string().min(1).max(200), name: z.string().min(1).max(200) }), req.body);
    const pub = parseEd25519PublicKey(b.publicKey);
    if (!pub) throw new HubError(400, 'INVALID_PUBLIC_KEY', 'publicKey must be a base64 SPKI Ed25519 key');
    const kioskId = `k_${randomUUID()}`;
    const out = await db.transaction(async (c) => {
      // One statement claims the code: used once, never after it expires.
      const claim = await c.query('UPDATE enrolment_codes SET used_at=now(), kiosk_id=$2 WHERE code_hash=$1 AND used_at IS NULL AND expires_at > to_timestamp($3 / 1000.0)', [sha256(b.code.trim().toUpperCase()), kioskId, now()]);
      if (claim.rowCount !== 1) return null;
      await c.query('INSERT INTO kiosks (id, name, public_key) VALUES ($1,$2,$3)', [kioskId, b.name, pub]);
      return kioskId;
    });
    if (!out) throw new HubError(403, 'ENROLMENT_CODE_INVALID', 'the enrolment code is unknown, used or expired');
    return reply.code(201).send({ kioskId: out });
  });

  app.get('/v1/kiosks', async () => {
    const r = await db.pool.query(`SELECT k.id, k.name, k.enrolled_at, k.last_seen_at,
      (SELECT count(*)::int FROM items i WHERE i.kiosk_id = k.id) AS items,
      (SELECT count(*)::int FROM chain_flags f WHERE f.kiosk_id = k.id AND f.resolved_at IS NULL) AS open_flags
      FROM kiosks k ORDER BY k.enrolled_at`);
    return { kiosks: r.rows };
  });

  app.post('/v1/kiosk/items', async (req) => {
    const b = parse(itemsRequestSchema, req.body);
    const kioskId = auth(req).kioskId ?? '';
    return { results: await ingestItems(db, kioskId, b.items) };
  });

  app.post('/v1/kiosk/upload-token', async (req) => {
    const kioskId = auth(req).kioskId ?? '';
    const token = `upt_${randomBytes(32).toString('base64url')}`;
    const expires = now() + 3600_000;
    await db.pool.query('INSERT INTO upload_tokens (token_hash, kiosk_id, expires_at) VALUES ($1,$2,to_timestamp($3 / 1000.0))', [sha256(token), kioskId, expires]);
    return { token, expiresAt: new Date(expires).toISOString() };
  });

  app.get('/v1/kiosk/sync-state', async (req) => {
    const kioskId = auth(req).kioskId ?? '';
    const r = await db.pool.query<{ items: number; media: number }>(
      'SELECT (SELECT count(*)::int FROM items WHERE kiosk_id=$1) AS items, (SELECT count(*)::int FROM media_objects WHERE kiosk_id=$1) AS media',
      [kioskId],
    );
    return r.rows[0] ?? { items: 0, media: 0 };
  });

  const listQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(100), kind: z.string().max(50).optional() });

  app.get('/v1/sessions', async (req) => {
    const q = parse(listQuery, req.query);
    const r = await db.pool.query('SELECT kiosk_id, session_id, invite_code, state, updated_at FROM hub_sessions ORDER BY updated_at DESC LIMIT $1', [q.limit]);
    return { sessions: r.rows };
  });

  app.get('/v1/sessions/:kioskId/:sessionId', async (req) => {
    const p = parse(z.object({ kioskId: z.string().max(200), sessionId: z.string().max(200) }), req.params);
    const s = await db.pool.query('SELECT kiosk_id, session_id, invite_code, state, body, updated_at FROM hub_sessions WHERE kiosk_id=$1 AND session_id=$2', [p.kioskId, p.sessionId]);
    if (!s.rows[0]) throw new HubError(404, 'NOT_FOUND', 'no such session');
    const items = await db.pool.query("SELECT idem_key, kind, body, received_at FROM items WHERE kiosk_id=$1 AND session_id=$2 AND kind <> 'journal_event' ORDER BY received_at", [p.kioskId, p.sessionId]);
    return { session: s.rows[0], items: items.rows };
  });

  app.get('/v1/sessions/:kioskId/:sessionId/events', async (req) => {
    const p = parse(z.object({ kioskId: z.string().max(200), sessionId: z.string().max(200) }), req.params);
    const r = await db.pool.query('SELECT seq, type, at, payload, prev_hash, hash FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 ORDER BY seq', [p.kioskId, p.sessionId]);
    return { events: r.rows };
  });

  app.get('/v1/items', async (req) => {
    const q = parse(listQuery, req.query);
    const r = q.kind
      ? await db.pool.query("SELECT kiosk_id, idem_key, kind, session_id, body, received_at FROM items WHERE kind=$1 ORDER BY received_at DESC LIMIT $2", [q.kind, q.limit])
      : await db.pool.query("SELECT kiosk_id, idem_key, kind, session_id, body, received_at FROM items WHERE kind <> 'journal_event' ORDER BY received_at DESC LIMIT $1", [q.limit]);
    return { items: r.rows };
  });

  // One media chunk. It rests sealed (#13); by default it is opened here with HR's key (the session
  // key unwrapped from the item's HR wrap) and its plaintext checked against the sha256 the kiosk
  // recorded before a byte is sent. `?form=sealed` serves the stored bytes as they rest (no key
  // needed; x-content-sha256 is then theirs). A bad tag or hash, or no HR key: refused, nothing sent.
  app.get('/v1/media/:kioskId/:key', async (req, reply) => {
    const p = parse(z.object({ kioskId: z.string().max(200), key: z.string().max(300) }), req.params);
    const q = parse(z.object({ form: z.enum(['plain', 'sealed']).default('plain') }), req.query);
    const r = await db.pool.query<{ storage_key: string; size: string; sha256: string; body: Record<string, unknown> | null }>(
      "SELECT o.storage_key, o.size, o.sha256, i.body FROM media_objects o LEFT JOIN items i ON i.kiosk_id = o.kiosk_id AND i.idem_key = o.idem_key AND i.kind = 'media_chunk' WHERE o.kiosk_id=$1 AND o.idem_key=$2",
      [p.kioskId, p.key],
    );
    const o = r.rows[0];
    if (!o) throw new HubError(404, 'NOT_FOUND', 'no such media object');
    const sealedRef = { key: p.key, storageKey: o.storage_key, sealedSize: Number(o.size), sealedSha256: o.sha256 };
    const refuse = (err: unknown): never => {
      if (!(err instanceof MediaUnopenableError)) throw err;
      if (err.reason === 'no_hr_key') throw new HubError(409, 'HR_KEY_MISSING', `${err.message}; nothing is served`);
      if (err.reason === 'no_hr_wrap' || err.reason === 'other_hr_key') throw new HubError(409, 'HR_KEY_UNAVAILABLE', `${err.message}; nothing is served`);
      throw new HubError(422, 'MEDIA_INVALID', `${err.message}; nothing is served`);
    };
    if (q.form === 'sealed') {
      const sealed = await readSealedObject(opts.uploads, sealedRef).catch(refuse);
      return reply.header('content-type', 'application/octet-stream').header('x-content-sha256', o.sha256).header('x-media-format', SEALED_MEDIA_FORMAT).header('cache-control', 'no-store').send(sealed);
    }
    const c = o.body ? sealedChunkOf({ idem_key: p.key, body: o.body, storage_key: o.storage_key, size: o.size, sha256: o.sha256 }) : null;
    if (!c) throw new HubError(422, 'MEDIA_INVALID', 'the media object has no valid sealed chunk item (not announced yet, or it does not match); nothing is served');
    let plain: Buffer;
    try {
      checkAgainstJournal(c, await journalChunkDigests((sql, params) => db.pool.query<{ payload: string }>(sql, params), p.kioskId, String(o.body?.sessionId ?? '')));
      const dataKey = mediaSessionKey(o.body?.sessionKey, String(o.body?.sessionId ?? ''), hrKey);
      try {
        plain = openMediaChunk(dataKey, await readSealedObject(opts.uploads, c), { identity: c.identity, sha256: c.sha256, size: c.size });
      } finally {
        dataKey.fill(0);
      }
    } catch (err) {
      return refuse(err);
    }
    return reply.header('content-type', 'application/octet-stream').header('x-content-sha256', c.sha256).header('cache-control', 'no-store').send(plain);
  });

  app.get('/v1/chain-flags', async (req) => {
    const q = parse(listQuery, req.query);
    const r = await db.pool.query('SELECT id, kiosk_id, session_id, seq, kind, detail, flagged_at, resolved_at FROM chain_flags ORDER BY id DESC LIMIT $1', [q.limit]);
    return { flags: r.rows };
  });

  app.get('/v1/audit-log', async (req) => {
    const q = parse(listQuery, req.query);
    const r = await db.pool.query('SELECT id, at, actor, role, action, target FROM audit_log ORDER BY id DESC LIMIT $1', [q.limit]);
    return { entries: r.rows };
  });

  registerInviteRoutes(app, { db, now, config: opts.reminders ?? reminderConfigFromEnv(process.env), parse, auth });
  registerTus(app, opts);
  registerHrEndpoint(app, {
    db,
    now,
    keys: opts.hr?.keys ?? null,
    offReason: opts.hr?.offReason ?? 'the HR endpoint API is off on this hub: start it with HUB_HR_SIGNING_KEY_FILE and HUB_HR_WRAP_KEY_FILE (docs/hub.md)',
    ...(opts.hr?.rateLimit ? { rateLimit: opts.hr.rateLimit } : {}),
    parse,
    auth,
  });

  // ---- HR and proctor console (#14): its API under /v1/console, its web app at /console/ ----
  registerConsoleRoutes(app, {
    db,
    now,
    parse,
    auth,
    resumeSecret: opts.console?.resumeSecret !== undefined ? opts.console.resumeSecret : resumeSecretFromEnv(process.env),
    // HR's X25519 private key opens sealed answers for review (HUB_HR_PRIVATE_KEY_FILE; README "Review").
    hrKey,
    uploads: opts.uploads,
    ...(opts.console?.offlineAfterMs ? { offlineAfterMs: opts.console.offlineAfterMs } : {}),
  });
  registerConsoleStatic(app, opts.console?.dir ?? fileURLToPath(new URL('../dist/console', import.meta.url)));
  // ---- end of console ----
  // ---- HR analytics (#14): reports, exports and HR's outcome/demographic imports (hub/analytics) ----
  registerAnalyticsRoutes(app, { db, now, auth });
  // ---- end of HR analytics ----

  await app.ready();
  const missing = registered.filter((r) => !PERMISSIONS[r]);
  const unused = Object.keys(PERMISSIONS).filter((k) => !registered.includes(k));
  if (missing.length || unused.length) {
    await app.close();
    throw new Error(`permission table and routes differ: without permission ${missing.join(', ') || '-'}; unused ${unused.join(', ') || '-'}`);
  }
  return app;
}

/** tus resumable uploads; the kiosk's identity is set by the preHandler, never by the client. */
function registerTus(app: FastifyInstance, opts: HubOptions): void {
  const KIOSK_HEADER = 'x-hub-authenticated-kiosk';
  const tus = new TusServer({
    path: '/v1/uploads',
    datastore: opts.uploads.datastore,
    relativeLocation: true,
    maxSize: opts.maxUploadBytes ?? 512 * 1024 * 1024,
    async onUploadCreate(req, upload) {
      const kioskId = req.headers.get(KIOSK_HEADER);
      const md = upload.metadata ?? {};
      if (!kioskId || !md.key || !md.sha256 || !HEX64.test(md.sha256) || md.key.length > 300) {
        throw { status_code: 400, body: 'metadata needs key and sha256 (hex)\n' };
      }
      // Media travels and rests sealed (#13): the hub takes only the kiosk's stored (sealed) form,
      // bound to the chunk its key names; it never holds plaintext media.
      if (md.format !== SEALED_MEDIA_FORMAT) throw { status_code: 415, body: 'MEDIA_NOT_SEALED: upload the chunk as stored, sealed (format IKS1)\n' };
      if (md.key.startsWith('media:') && md.identity !== identityOfMediaKey(md.key)) throw { status_code: 400, body: 'MEDIA_IDENTITY_MISMATCH: identity must be the chunk the key names\n' };
      // An identity photo (#15) is bound to its ordinal the same way.
      const photo = /^identity-photo:[A-Za-z0-9_-]{1,100}:(\d{1,6})$/.exec(md.key);
      if (md.key.startsWith('identity-photo:') && (!photo || md.identity !== `ik-identity/v1|photo|${photo[1]}`)) {
        throw { status_code: 400, body: 'MEDIA_IDENTITY_MISMATCH: identity must be the photo the key names\n' };
      }
      return { metadata: { ...md, kiosk: kioskId } };
    },
    async onIncomingRequest(req, uploadId) {
      if (req.method === 'POST' || req.method === 'OPTIONS') return;
      const kioskId = req.headers.get(KIOSK_HEADER);
      const up = await opts.uploads.datastore.getUpload(uploadId).catch(() => null);
      if (up && up.metadata?.kiosk !== kioskId) throw { status_code: 403, body: 'not your upload\n' };
    },
    async onUploadFinish(_req, upload) {
      const md = upload.metadata ?? {};
      const stream = await opts.uploads.readStaged(upload.id);
      const h = createHash('sha256');
      let size = 0;
      let head = Buffer.alloc(0);
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        h.update(chunk);
        if (head.length < 4) head = Buffer.concat([head, chunk.subarray(0, 4 - head.length)]);
        size += chunk.length;
      }
      const digest = h.digest('hex');
      // The sealed bytes' sha256, checked on arrival: a mismatch is refused (the kiosk retries).
      if (digest !== md.sha256 || size !== upload.size) {
        await opts.uploads.datastore.remove(upload.id).catch(() => undefined);
        throw { status_code: 460, body: `HASH_MISMATCH: received ${digest}\n` };
      }
      if (!looksSealed(head, size)) {
        await opts.uploads.datastore.remove(upload.id).catch(() => undefined);
        throw { status_code: 415, body: 'MEDIA_NOT_SEALED: the bytes are not a sealed chunk\n' };
      }
      const location = await opts.uploads.finalize(upload.id, `media/${md.kiosk ?? 'unknown'}/${upload.id}`, size);
      await opts.db.pool.query('INSERT INTO media_objects (kiosk_id, idem_key, storage_key, size, sha256) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING', [
        md.kiosk,
        md.key,
        location,
        size,
        digest,
      ]);
      return {};
    },
  });
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    // The tus server reads rawHeaders: drop any client-sent copy there and in headers, then set ours.
    const raw = req.raw.rawHeaders;
    const kept: string[] = [];
    for (let i = 0; i + 1 < raw.length; i += 2) if (raw[i]!.toLowerCase() !== KIOSK_HEADER) kept.push(raw[i]!, raw[i + 1]!);
    delete req.raw.headers[KIOSK_HEADER];
    if (req.hubAuth?.kioskId) {
      kept.push(KIOSK_HEADER, req.hubAuth.kioskId);
      req.raw.headers[KIOSK_HEADER] = req.hubAuth.kioskId;
    }
    raw.splice(0, raw.length, ...kept);
    reply.hijack();
    await tus.handle(req.raw, reply.raw);
  };
  app.route({ method: ['POST', 'OPTIONS'], url: '/v1/uploads', handler });
  app.route({ method: ['HEAD', 'PATCH', 'OPTIONS'], url: '/v1/uploads/:id', handler });
}
