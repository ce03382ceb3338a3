/**
 * The HR endpoint API (docs/hr-endpoint.openapi.yaml) served by the hub under `/hr`: a kiosk's
 * provisioning names `https://<hub>/hr` as its `hrEndpoint.url` and the bearer token HR issued
 * for it as `hrEndpoint.kioskToken`, and its HrEndpointClient works unchanged.
 *
 * - Routes are registered from the document's own operations, checked in the document's order
 *   (404/405, 401, 415, 413, 400, then the operation) with the document's validators (Ajv,
 *   main/services/contract/hr-contract.ts); every answer is `{code, message}` on failure.
 * - Release decisions are main/services/packs/hr-grants.ts (the dev server decides through the
 *   same functions). Invites are hub/invites' (`job_id` is the pack id, `centre` the centre,
 *   `cancelled` is withdrawn). A stage is submitted on the hub's OWN record: the journal the
 *   kiosk syncs (`answer_submitted` for every question of the stage, in a session of that invite
 *   whose chain has no open gap/fork flag), never the release request.
 * - Every decision (granted or refused) is a row of hr_releases and of audit_log, written in one
 *   transaction before the answer leaves.
 * - Requests without a valid kiosk token (the anonymous health and pre-check routes, and failed
 *   authentication) draw from a per-IP token bucket; an empty bucket is `503 UNAVAILABLE` with
 *   `Retry-After`, which the document allows on every operation.
 *
 * HR's side (role-gated like every hub route, see auth/permissions.ts): upload a pack's
 * `.key.json` sidecar, publish a signed day schedule, issue a kiosk's bearer token.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { z } from 'zod';
import type { HubDatabase } from '../db/database';
import { HubError } from '../errors';
import { PERMISSIONS, type Principal } from '../auth/permissions';
import { hrContract, mediaTypeOf, type HrOperation } from '../../main/services/contract/hr-contract';
import { noShowIdempotencyKey, type HrErrorCode, type KioskIncident, type NoShowReport, type UnlockRequest } from '../../main/services/packs/hr-protocol';
import { decideStageRelease, decideUnlock, type HrInviteFacts, type HrKiosk, type HrPackKeys } from '../../main/services/packs/hr-grants';
import type { StageKeyRequest } from '../../main/services/packs/stage-content';
import type { Sealed } from '../../main/services/packs/pack-crypto';
import { unwrapPackKey, wrapKeyId, wrapPackKey, type HrKeys } from './keys';

export const HR_PREFIX = '/hr';
/** Past this many bytes an oversized body is no longer drained but cut (the 413 is already decided). */
const DRAIN_CAP_FACTOR = 4;
const SCHEDULE_MEDIA_TYPE = 'application/vnd.interview-kiosk.schedule+json';
const MAX_SCHEDULE_BYTES = 1024 * 1024;

export interface HrRateLimit {
  /** Bucket size: requests an address may make at once. */
  readonly burst: number;
  /** Refill: requests per second. */
  readonly perSecond: number;
}
export const DEFAULT_HR_RATE_LIMIT: HrRateLimit = { burst: 120, perSecond: 10 };

export interface HrEndpointDeps {
  readonly db: HubDatabase;
  readonly now: () => number;
  /** null: the HR API answers 503 with `offReason` (the hub was started without its keys). */
  readonly keys: HrKeys | null;
  readonly offReason?: string;
  readonly rateLimit?: HrRateLimit;
  readonly parse: <T>(schema: z.ZodType<T>, value: unknown) => T;
  readonly auth: (req: FastifyRequest) => { readonly principal: string; readonly actor: string };
}

const sha256 = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

/** `/v1/centres/{centreId}/schedules/{day}` → `/hr/v1/centres/:centreId/schedules/:day` */
export function hrRouteUrl(documentPath: string): string {
  return HR_PREFIX + documentPath.replace(/\{([A-Za-z0-9_]+)\}/g, ':$1');
}

/** Per-address token buckets; addresses idle long enough to be full again are forgotten. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly limit: HrRateLimit,
    private readonly now: () => number,
    private readonly maxAddresses = 100_000,
  ) {}

  /** Takes one token; answers how many seconds to wait when there is none. */
  take(address: string): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const t = this.now();
    const b = this.buckets.get(address) ?? { tokens: this.limit.burst, at: t };
    b.tokens = Math.min(this.limit.burst, b.tokens + (Math.max(0, t - b.at) / 1000) * this.limit.perSecond);
    b.at = t;
    if (!this.buckets.has(address)) {
      if (this.buckets.size >= this.maxAddresses) this.sweep(t);
      this.buckets.set(address, b);
    }
    if (b.tokens < 1) return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / this.limit.perSecond)) };
    b.tokens -= 1;
    return { ok: true };
  }

  private sweep(t: number): void {
    const full = (this.limit.burst / this.limit.perSecond) * 1000;
    for (const [k, b] of this.buckets) if (t - b.at >= full) this.buckets.delete(k);
    // Still full of busy addresses: forget the oldest half rather than grow without bound.
    if (this.buckets.size >= this.maxAddresses) [...this.buckets.keys()].slice(0, this.maxAddresses / 2).forEach((k) => this.buckets.delete(k));
  }
}

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly type = 'application/json',
    readonly headers: Record<string, string> = {},
  ) {}
}
const refusal = (status: number, code: HrErrorCode, message: string, headers: Record<string, string> = {}): Answer => new Answer(status, { code, message: message.slice(0, 500) }, 'application/json', headers);

function send(reply: FastifyReply, a: Answer): FastifyReply {
  reply.code(a.status).header('cache-control', 'no-store');
  for (const [k, v] of Object.entries(a.headers)) reply.header(k, v);
  if (a.body === undefined) return reply.send();
  reply.type(a.type);
  return reply.send(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
}

/** Reads the whole body; an oversized one is drained (up to a cap) so the 413 is answered, not reset. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit * DRAIN_CAP_FACTOR) {
      resolve('too_large');
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) parts.push(c);
      else if (size > limit * DRAIN_CAP_FACTOR) {
        req.removeAllListeners('data');
        req.pause();
        resolve('too_large');
      }
    });
    req.on('end', () => resolve(size > limit ? 'too_large' : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

const single = (h: string | string[] | undefined): string | undefined => (Array.isArray(h) ? h[0] : h);

interface PackRow {
  pack_hash: string;
  pack_id: string;
  content_key: Sealed;
  stage_master: Sealed | null;
  stages: { id: string; questionCount: number }[] | null;
}

export function registerHrEndpoint(app: FastifyInstance, deps: HrEndpointDeps): void {
  const { db, now } = deps;
  const contract = hrContract();
  const buckets = new TokenBuckets(deps.rateLimit ?? DEFAULT_HR_RATE_LIMIT, now);

  // ------------------------------------------------------------------ the store

  const kioskOfToken = async (authorization: string | undefined): Promise<HrKiosk | undefined> => {
    // RFC 9110 §11.1: the scheme name is case-insensitive.
    const m = /^bearer +([^\s]{16,512})$/i.exec(authorization ?? '');
    if (!m) return undefined;
    const r = await db.pool.query<{ kiosk_id: string; centre_id: string }>('SELECT kiosk_id, centre_id FROM hr_kiosk_tokens WHERE token_hash=$1 AND revoked_at IS NULL', [sha256(m[1]!)]);
    const k = r.rows[0];
    return k ? { kioskId: k.kiosk_id, centreId: k.centre_id } : undefined;
  };

  const inviteOf = async (c: pg.PoolClient, code: string): Promise<HrInviteFacts | undefined> => {
    const r = await c.query<{ code: string; job_id: string; centre: string; window_start: string; window_end: string; status: string }>(
      'SELECT code, job_id, centre, window_start, window_end, status FROM invites WHERE code=$1',
      [code],
    );
    const i = r.rows[0];
    if (!i) return undefined;
    return { code: i.code, packId: i.job_id, centreId: i.centre, notBefore: Number(i.window_start), notAfter: Number(i.window_end), revoked: i.status === 'cancelled' };
  };

  const packOf = async (c: pg.PoolClient, keys: HrKeys, hash: string): Promise<HrPackKeys | undefined> => {
    const r = await c.query<PackRow>('SELECT pack_hash, pack_id, content_key, stage_master, stages FROM hr_pack_keys WHERE pack_hash=$1', [hash]);
    const p = r.rows[0];
    if (!p) return undefined;
    return {
      packId: p.pack_id,
      packHash: p.pack_hash,
      contentKey: unwrapPackKey(keys.wrapKey, p.pack_hash, 'content', p.content_key),
      ...(p.stage_master && p.stages ? { stageMaster: unwrapPackKey(keys.wrapKey, p.pack_hash, 'stage-master', p.stage_master), stageIds: p.stages.map((s) => s.id) } : {}),
    };
  };

  /**
   * The hub's own record of the stages submitted for an invite: a stage counts when the synced
   * journal of one session of this invite holds `answer_submitted` for every question of that
   * stage and of every stage before it, and that session's chain has no open flag.
   */
  const submittedStagesOf = async (c: pg.PoolClient, inviteCode: string, packHash: string): Promise<Set<string>> => {
    const p = await c.query<{ stages: { id: string; questionCount: number }[] | null }>('SELECT stages FROM hr_pack_keys WHERE pack_hash=$1', [packHash]);
    const stages = p.rows[0]?.stages;
    const out = new Set<string>();
    if (!stages) return out;
    const r = await c.query<{ kiosk_id: string; session_id: string; q: number }>(
      `SELECT DISTINCT s.kiosk_id, s.session_id, ((j.payload::jsonb)->>'questionIndex')::int AS q
         FROM hub_sessions s
         JOIN journal_events j ON j.kiosk_id = s.kiosk_id AND j.session_id = s.session_id
        WHERE s.invite_code = $1 AND j.type = 'answer_submitted'
          AND jsonb_typeof((j.payload::jsonb)->'questionIndex') = 'number'
          AND NOT EXISTS (SELECT 1 FROM chain_flags f WHERE f.kiosk_id = s.kiosk_id AND f.session_id = s.session_id AND f.resolved_at IS NULL)`,
      [inviteCode],
    );
    const bySession = new Map<string, Set<number>>();
    for (const row of r.rows) {
      const k = `${row.kiosk_id}\n${row.session_id}`;
      const set = bySession.get(k) ?? new Set<number>();
      set.add(row.q);
      bySession.set(k, set);
    }
    for (const answered of bySession.values()) {
      let first = 0;
      for (const s of stages) {
        let all = true;
        for (let q = first; q < first + s.questionCount; q++) if (!answered.has(q)) all = false;
        if (!all) break;
        out.add(s.id);
        first += s.questionCount;
      }
    }
    return out;
  };

  const journal = async (c: pg.PoolClient, kiosk: HrKiosk, operation: 'unlock' | 'stage', r: { inviteCode: string; packHash: string }, stageIndex: number | null, outcome: string): Promise<void> => {
    const t = now();
    await c.query('INSERT INTO hr_releases (at, operation, kiosk_id, centre_id, invite_code, pack_hash, stage_index, outcome) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)', [
      t,
      operation,
      kiosk.kioskId,
      kiosk.centreId,
      r.inviteCode,
      r.packHash,
      stageIndex,
      outcome,
    ]);
    await c.query('INSERT INTO audit_log (actor, role, action, target) VALUES ($1,$2,$3,$4)', [
      `hr-kiosk:${kiosk.kioskId}`,
      'kiosk',
      `hr:${operation === 'unlock' ? 'unlockPack' : 'releaseStage'} ${outcome}`,
      `invite:${r.inviteCode} pack:${r.packHash}${stageIndex !== null ? ` stage:${stageIndex}` : ''}`,
    ]);
  };

  // ------------------------------------------------------------------ operations

  const unlock = (keys: HrKeys, r: UnlockRequest, kiosk: HrKiosk): Promise<Answer> =>
    db.transaction(async (c) => {
      const d = decideUnlock(r, kiosk, await inviteOf(c, r.inviteCode), await packOf(c, keys, r.packHash), keys.signingKey, now());
      await journal(c, kiosk, 'unlock', r, null, d.ok ? 'granted' : d.code);
      return d.ok ? new Answer(200, d.response) : refusal(d.status, d.code, d.message);
    });

  const releaseStage = (keys: HrKeys, r: StageKeyRequest, kiosk: HrKiosk): Promise<Answer> =>
    db.transaction(async (c) => {
      const submitted = await submittedStagesOf(c, r.inviteCode, r.packHash);
      const d = decideStageRelease(r, kiosk, await inviteOf(c, r.inviteCode), await packOf(c, keys, r.packHash), submitted, keys.signingKey, now());
      await journal(c, kiosk, 'stage', r, r.stageIndex, d.ok ? 'granted' : d.code);
      return d.ok ? new Answer(200, d.response) : refusal(d.status, d.code, d.message);
    });

  const reportNoShows = (report: NoShowReport, key: string, raw: Buffer, kiosk: HrKiosk): Promise<Answer> => {
    const codes = report.events.map((e) => e.inviteCode);
    if (new Set(codes).size !== codes.length) return Promise.resolve(refusal(400, 'BAD_REQUEST', 'the same invite code twice in one batch'));
    if (key !== noShowIdempotencyKey(codes)) return Promise.resolve(refusal(400, 'IDEMPOTENCY_KEY_MISMATCH', 'Idempotency-Key is not the SHA-256 of the sorted, comma-joined invite codes'));
    const bodyHash = sha256(raw);
    return db.transaction(async (c) => {
      const t = now();
      const ins = await c.query('INSERT INTO hr_no_show_batches (idem_key, body_sha256, codes, kiosk_id, received_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (idem_key) DO NOTHING', [key, bodyHash, JSON.stringify(codes), kiosk.kioskId, t]);
      if (ins.rowCount !== 1) {
        const before = await c.query<{ body_sha256: string }>('SELECT body_sha256 FROM hr_no_show_batches WHERE idem_key=$1', [key]);
        return before.rows[0]?.body_sha256 === bodyHash ? new Answer(200, { accepted: codes }) : refusal(409, 'IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different body');
      }
      for (const e of report.events) {
        await c.query('INSERT INTO hr_no_shows (invite_code, kiosk_id, centre_id, event, received_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (invite_code) DO NOTHING', [e.inviteCode, kiosk.kioskId, kiosk.centreId, JSON.stringify(e), t]);
      }
      return new Answer(200, { accepted: codes });
    });
  };

  const reportIncident = (incident: KioskIncident, raw: Buffer, kiosk: HrKiosk): Promise<Answer> =>
    db.transaction(async (c) => {
      const bodyHash = sha256(raw);
      const ins = await c.query('INSERT INTO hr_kiosk_incidents (incident_id, body_sha256, kiosk_id, body, received_at) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (incident_id) DO NOTHING', [
        incident.incidentId,
        bodyHash,
        kiosk.kioskId,
        JSON.stringify(incident),
        now(),
      ]);
      if (ins.rowCount !== 1) {
        const before = await c.query<{ body_sha256: string }>('SELECT body_sha256 FROM hr_kiosk_incidents WHERE incident_id=$1', [incident.incidentId]);
        if (before.rows[0]?.body_sha256 !== bodyHash) return refusal(409, 'IDEMPOTENCY_CONFLICT', 'this incident id was recorded with a different body');
      }
      return new Answer(200, { recorded: incident.incidentId });
    });

  const getSchedule = async (params: Readonly<Record<string, string>>, kiosk: HrKiosk): Promise<Answer> => {
    if (params.centreId !== kiosk.centreId) return refusal(403, 'NOT_THIS_CENTRE', 'another centre');
    const r = await db.pool.query<{ body: string }>('SELECT body FROM hr_schedules WHERE centre_id=$1 AND day=$2', [params.centreId, params.day]);
    const text = r.rows[0]?.body;
    if (text === undefined) return refusal(404, 'NOT_FOUND', 'no schedule for that day');
    return new Answer(200, text, SCHEDULE_MEDIA_TYPE);
  };

  // ------------------------------------------------------------------ transport

  const off = (): Answer => refusal(503, 'UNAVAILABLE', deps.offReason ?? 'the HR endpoint API is not configured on this hub');

  const handle = async (req: FastifyRequest, op: HrOperation, params: Readonly<Record<string, string>>): Promise<Answer> => {
    // The anonymous operations never look a token up: a health check must not fail with the database.
    const kiosk = op.secured ? await kioskOfToken(single(req.headers.authorization)) : undefined;
    const principal: Principal = kiosk ? 'kiosk' : 'anonymous';
    if (!kiosk) {
      const took = buckets.take(req.ip);
      if (!took.ok) return refusal(503, 'UNAVAILABLE', 'too many requests from this address', { 'retry-after': String(took.retryAfterSeconds) });
    }
    const perm = PERMISSIONS[`${op.method} ${hrRouteUrl(op.path)}`];
    if (!perm) throw new Error(`no permission entry for ${op.operationId}`);
    if (!perm.allowed.includes(principal)) return refusal(401, 'UNAUTHORIZED', 'missing or unknown kiosk token');
    const keys = deps.keys;
    if (!keys) return off();
    let raw: Buffer = Buffer.alloc(0);
    let body: unknown = undefined;
    if (op.requestMediaType) {
      if (mediaTypeOf(single(req.headers['content-type'])) !== op.requestMediaType) return refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `the body must be ${op.requestMediaType}`);
      const read = await readBody(req.raw, op.maxBodyBytes ?? 64 * 1024);
      if (read === 'too_large') return refusal(413, 'TOO_LARGE', `the body is over ${op.maxBodyBytes} bytes`, { connection: 'close' });
      raw = read;
      if (op.requestMediaType === 'application/json') {
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          return refusal(400, 'BAD_REQUEST', 'the body is not JSON');
        }
        const bad = contract.checkRequestBody(op.operationId, body);
        if (bad) return refusal(400, 'BAD_REQUEST', bad);
      }
    }
    const badParam = contract.checkParams(op.operationId, params) ?? contract.checkHeaders(op.operationId, req.headers);
    if (badParam) return refusal(400, 'BAD_REQUEST', badParam);

    switch (op.operationId) {
      case 'health':
      case 'healthHead':
        return new Answer(200, op.operationId === 'health' ? { ok: true, time: new Date(now()).toISOString() } : undefined);
      case 'unlockPack':
        return unlock(keys, body as UnlockRequest, kiosk!);
      case 'releaseStage':
        return releaseStage(keys, body as StageKeyRequest, kiosk!);
      case 'getSchedule':
        return getSchedule(params, kiosk!);
      case 'reportNoShows':
        return reportNoShows(body as NoShowReport, single(req.headers['idempotency-key']) ?? '', raw, kiosk!);
      case 'reportKioskIncident':
        return reportIncident(body as KioskIncident, raw, kiosk!);
      case 'precheckTime':
        return new Answer(200, { now: now() });
      case 'precheckLatency':
        return new Answer(204, undefined);
      case 'precheckUpload':
        return new Answer(200, { bytes: raw.length });
      default:
        throw new Error(`operation ${op.operationId} is not implemented`);
    }
  };

  void app.register(
    async (hr) => {
      // Bodies are read by `handle` itself, after authentication and the media-type check, with
      // each operation's own size bound; Fastify's parsers never see them.
      hr.removeAllContentTypeParsers();
      hr.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
      hr.setErrorHandler((err, req, reply) => {
        // A failure of the hub is a 500 (documented), never a refusal the kiosk would believe.
        req.log.error(err);
        if (reply.sent) return;
        void send(reply, refusal(500, 'INTERNAL', 'the HR endpoint failed'));
      });
      hr.setNotFoundHandler(async (req, reply) => {
        const took = buckets.take(req.ip);
        if (!took.ok) return send(reply, refusal(503, 'UNAVAILABLE', 'too many requests from this address', { 'retry-after': String(took.retryAfterSeconds) }));
        const path = new URL(req.url, 'http://hub').pathname.slice(HR_PREFIX.length);
        const m = contract.match(req.method, path);
        if (m.kind === 'method_not_allowed') return send(reply, refusal(405, 'METHOD_NOT_ALLOWED', `allowed: ${m.allow.join(', ')}`, { allow: m.allow.join(', ') }));
        return send(reply, refusal(404, 'NOT_FOUND', 'no such path'));
      });
      for (const op of contract.operations) {
        const url = hrRouteUrl(op.path).slice(HR_PREFIX.length);
        hr.route({
          method: op.method,
          url,
          handler: async (req, reply) => {
            // Parameters as the document's matcher decodes them (a malformed escape is a 404 there).
            const path = new URL(req.url, 'http://hub').pathname.slice(HR_PREFIX.length);
            const m = contract.match(req.method, path);
            if (m.kind !== 'operation' || m.operation.operationId !== op.operationId) return send(reply, refusal(404, 'NOT_FOUND', 'no such path'));
            const answer = await handle(req, op, m.params);
            // Refused before its body was read (401, 415, 503): close rather than read the rest.
            if (op.requestMediaType && !req.raw.readableEnded && !req.raw.destroyed) reply.header('connection', 'close');
            return send(reply, answer);
          },
        });
      }
    },
    { prefix: HR_PREFIX },
  );

  // ------------------------------------------------------------------ HR's side

  const { parse, auth } = deps;
  const needKeys = (): HrKeys => {
    if (!deps.keys) throw new HubError(503, 'HR_ENDPOINT_OFF', deps.offReason ?? 'the HR endpoint API is not configured on this hub');
    return deps.keys;
  };
  const b64key = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, 'base64 of 32 bytes');
  const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/);
  const packItemId = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/);
  const sidecarSchema = z
    .object({
      kind: z.literal('interview-kiosk-content-key'),
      packId: packItemId,
      version: z.string().regex(/^(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})\.(0|[1-9][0-9]{0,5})$/),
      packHash: z.string().regex(/^[0-9a-f]{64}$/),
      contentKey: b64key,
      unlockCode: z.string().max(100).nullable().optional(),
      stageMasterKey: b64key.optional(),
      stages: z.array(z.object({ id: packItemId, questionCount: z.number().int().min(1).max(50) }).strict()).min(2).max(10).optional(),
    })
    .strict()
    .superRefine((v, ctx) => {
      if ((v.stageMasterKey === undefined) !== (v.stages === undefined)) ctx.addIssue({ code: 'custom', path: ['stages'], message: 'a stage master key needs the outline stages (the sidecar of `npm run pack -- sign` has both)' });
      if (v.stages && new Set(v.stages.map((s) => s.id)).size !== v.stages.length) ctx.addIssue({ code: 'custom', path: ['stages'], message: 'stage ids repeat' });
    });

  app.post('/v1/hr-endpoint/pack-keys', { bodyLimit: 16 * 1024 }, async (req, reply) => {
    const keys = needKeys();
    const b = parse(sidecarSchema, req.body);
    const a = auth(req);
    const content = Buffer.from(b.contentKey, 'base64');
    const master = b.stageMasterKey ? Buffer.from(b.stageMasterKey, 'base64') : undefined;
    const out = await db.transaction(async (c) => {
      const prior = await packOf(c, keys, b.packHash).catch(() => 'unreadable' as const);
      if (prior === 'unreadable') throw new HubError(409, 'PACK_KEY_UNREADABLE', 'a key for this pack is stored under another wrapping key');
      if (prior) {
        const same = prior.packId === b.packId && prior.contentKey.equals(content) && (prior.stageMaster?.equals(master ?? Buffer.alloc(0)) ?? master === undefined);
        if (!same) throw new HubError(409, 'PACK_KEY_CONFLICT', 'another key is already stored for this pack hash');
        return 'unchanged' as const;
      }
      await c.query('INSERT INTO hr_pack_keys (pack_hash, pack_id, version, content_key, stage_master, stages, wrap_key_id, uploaded_by, uploaded_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)', [
        b.packHash,
        b.packId,
        b.version,
        JSON.stringify(wrapPackKey(keys.wrapKey, b.packHash, 'content', content)),
        master ? JSON.stringify(wrapPackKey(keys.wrapKey, b.packHash, 'stage-master', master)) : null,
        b.stages ? JSON.stringify(b.stages) : null,
        wrapKeyId(keys.wrapKey),
        a.actor,
        now(),
      ]);
      await c.query('INSERT INTO audit_log (actor, role, action, target) VALUES ($1,$2,$3,$4)', [a.actor, a.principal, 'hr:pack-key uploaded', `pack:${b.packId}@${b.version} ${b.packHash}${master ? ' stage-master' : ''}`]);
      return 'stored' as const;
    });
    content.fill(0);
    master?.fill(0);
    return reply.code(out === 'stored' ? 201 : 200).send({ packId: b.packId, version: b.version, packHash: b.packHash, stageRelease: master ? 'hr' : null, status: out });
  });

  app.get('/v1/hr-endpoint/pack-keys', async () => {
    const r = await db.pool.query<{ pack_hash: string; pack_id: string; version: string; stages: unknown; uploaded_by: string; uploaded_at: string }>(
      'SELECT pack_hash, pack_id, version, stages, uploaded_by, uploaded_at FROM hr_pack_keys ORDER BY uploaded_at DESC, pack_hash LIMIT 1000',
    );
    return { packs: r.rows.map((p) => ({ packHash: p.pack_hash, packId: p.pack_id, version: p.version, stages: p.stages, uploadedBy: p.uploaded_by, uploadedAt: new Date(Number(p.uploaded_at)).toISOString() })) };
  });

  app.post('/v1/hr-endpoint/schedules', { bodyLimit: MAX_SCHEDULE_BYTES * 2 }, async (req, reply) => {
    needKeys();
    const b = parse(z.object({ schedule: z.string().min(1).max(MAX_SCHEDULE_BYTES) }).strict(), req.body);
    let env: unknown;
    try {
      env = JSON.parse(b.schedule);
    } catch {
      throw new HubError(400, 'SCHEDULE_INVALID', 'the schedule file is not JSON');
    }
    // The kiosk verifies the signature; the hub checks what it must to file it: the envelope's
    // shape (as the document serves it) and the centre and day its payload names.
    const bad = contract.checkResponse('getSchedule', 200, SCHEDULE_MEDIA_TYPE, env);
    const payload = (env as { payload?: { centreId?: unknown; day?: unknown } } | null)?.payload;
    const centre = name.safeParse(payload?.centreId);
    const day = z.iso.date().safeParse(payload?.day);
    if (bad || !centre.success || !day.success) throw new HubError(400, 'SCHEDULE_INVALID', `not a signed day schedule (.ikschedule)${bad ? `: ${bad}` : ': payload.centreId and payload.day are required'}`);
    const a = auth(req);
    const hash = sha256(b.schedule);
    await db.transaction(async (c) => {
      await c.query(
        `INSERT INTO hr_schedules (centre_id, day, body, sha256, published_by, published_at) VALUES ($1,$2,$3,$4,$5,$6)
         ON CONFLICT (centre_id, day) DO UPDATE SET body=EXCLUDED.body, sha256=EXCLUDED.sha256, published_by=EXCLUDED.published_by, published_at=EXCLUDED.published_at`,
        [centre.data, day.data, b.schedule, hash, a.actor, now()],
      );
      await c.query('INSERT INTO audit_log (actor, role, action, target) VALUES ($1,$2,$3,$4)', [a.actor, a.principal, 'hr:schedule published', `centre:${centre.data} day:${day.data} sha256:${hash}`]);
    });
    return reply.code(201).send({ centreId: centre.data, day: day.data, sha256: hash });
  });

  app.get('/v1/hr-endpoint/schedules', async () => {
    const r = await db.pool.query<{ centre_id: string; day: string; sha256: string; published_by: string; published_at: string }>(
      'SELECT centre_id, day, sha256, published_by, published_at FROM hr_schedules ORDER BY day DESC, centre_id LIMIT 1000',
    );
    return { schedules: r.rows.map((s) => ({ centreId: s.centre_id, day: s.day, sha256: s.sha256, publishedBy: s.published_by, publishedAt: new Date(Number(s.published_at)).toISOString() })) };
  });

  app.post('/v1/hr-endpoint/kiosk-tokens', { bodyLimit: 4096 }, async (req, reply) => {
    const b = parse(z.object({ kioskId: name, centreId: name }).strict(), req.body);
    const a = auth(req);
    const token = `hrk_${randomBytes(32).toString('base64url')}`;
    const t = now();
    await db.transaction(async (c) => {
      // One live token per kiosk: issuing a new one withdraws the old (a lost or leaked token).
      await c.query('UPDATE hr_kiosk_tokens SET revoked_at=$2 WHERE kiosk_id=$1 AND revoked_at IS NULL', [b.kioskId, t]);
      await c.query('INSERT INTO hr_kiosk_tokens (token_hash, kiosk_id, centre_id, issued_by, issued_at) VALUES ($1,$2,$3,$4,$5)', [sha256(token), b.kioskId, b.centreId, a.actor, t]);
      await c.query('INSERT INTO audit_log (actor, role, action, target) VALUES ($1,$2,$3,$4)', [a.actor, a.principal, 'hr:kiosk-token issued', `kiosk:${b.kioskId} centre:${b.centreId}`]);
    });
    return reply.code(201).send({ kioskId: b.kioskId, centreId: b.centreId, token });
  });

  app.get('/v1/hr-endpoint/releases', async (req) => {
    const q = parse(z.object({ limit: z.coerce.number().int().min(1).max(1000).default(200) }), req.query);
    const r = await db.pool.query('SELECT id, at, operation, kiosk_id, centre_id, invite_code, pack_hash, stage_index, outcome FROM hr_releases ORDER BY id DESC LIMIT $1', [q.limit]);
    return { releases: r.rows.map((x: Record<string, unknown>) => ({ ...x, at: new Date(Number(x.at)).toISOString() })) };
  });
}
