/**
 * A real implementation of docs/hr-endpoint.openapi.yaml for tests and the demo. It listens on
 * 127.0.0.1 only (refuses any other address) and keeps its state in memory. In production the hub
 * serves the same API under /hr (hub/hr, PostgreSQL); both decide releases through
 * main/services/packs/hr-grants.ts, so this server only keeps its records and test hooks.
 *
 *   node --import tsx main/dev/hr-endpoint-server.ts --demo [--port 8787]
 *
 * serves the demo packs (content keys from build/provisioning/*.key.json), accepts every DEMO-XXXX
 * invite for the demo centre, and prints one JSON line when ready.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../common/clock';
import { hrContract, mediaTypeOf, type HrOperation } from '../services/contract/hr-contract';
import type { SigningKeyPair } from '../services/packs/pack-crypto';
import { noShowIdempotencyKey, type HrErrorCode, type KioskIncident, type NoShowReport, type UnlockRequest } from '../services/packs/hr-protocol';
import { decideStageRelease, decideUnlock, type HrInviteFacts, type HrKiosk, type HrPackKeys } from '../services/packs/hr-grants';
import type { StageKeyRequest } from '../services/packs/stage-content';

export const LOOPBACK = '127.0.0.1';
/** Past this many bytes an oversized body is no longer drained but cut (the 413 is already decided). */
const DRAIN_CAP_FACTOR = 4;

export type HrInvite = HrInviteFacts;

/** What a test wants an operation to do instead of its normal answer (after the request was validated). */
export type HrIntercept = 'throw' | { readonly status: number; readonly code: HrErrorCode; readonly message: string; readonly retryAfter?: number };

export interface HrEndpointOptions {
  /** The HR Ed25519 key whose public half kiosks trust for unlock answers. */
  readonly signingKey: SigningKeyPair;
  /** Bearer token → the kiosk it identifies. */
  readonly kiosks: Readonly<Record<string, { kioskId: string; centreId: string }>>;
  /**
   * Content keys by pack hash (the `.key.json` sidecars `pack sign` writes); a pack sealed stage by
   * stage with `release: "hr"` also has its stage master key and the outline's stage ids.
   */
  readonly packs: readonly { packId: string; packHash: string; contentKey: Buffer; stageMaster?: Buffer; stageIds?: readonly string[] }[];
  /** Known invites; `inviteRule` may accept more (the demo's DEMO-XXXX codes). */
  readonly invites?: readonly HrInvite[];
  readonly inviteRule?: (code: string) => HrInvite | undefined;
  /** Signed schedule files by `${centreId}/${day}`. */
  readonly schedules?: Readonly<Record<string, string>>;
  /** Test hook: faults (500 by throwing, 503, refusals) decided per validated request. */
  readonly intercept?: (operationId: string, headers: http.IncomingHttpHeaders, body: unknown) => HrIntercept | undefined;
  readonly clock?: Clock;
  readonly port?: number;
  readonly host?: string;
}

export interface NoShowBatchRecord {
  readonly key: string;
  readonly codes: readonly string[];
  readonly status: number;
}

export interface HrEndpointServer {
  readonly url: string;
  readonly port: number;
  /** No-show events recorded, in order (each invite code once). */
  readonly noShows: unknown[];
  /** Every no-show batch that reached the operation (valid JSON with events), with the answer's status. */
  readonly noShowBatches: NoShowBatchRecord[];
  /** Unlock requests answered, for assertions. */
  readonly unlocks: { inviteCode: string; kioskId: string; outcome: 'granted' | HrErrorCode }[];
  /** Kiosk incidents recorded (each id once). */
  readonly incidents: KioskIncident[];
  /** Stage releases answered, for assertions. */
  readonly stageReleases: { inviteCode: string; kioskId: string; stageIndex: number; outcome: 'granted' | HrErrorCode }[];
  /**
   * This endpoint's own record of submitted stages (per invite), which `releaseStage` checks. In
   * production HR learns submissions from the session data the hub syncs; here tests (and the
   * demo) feed it, never the release request itself.
   */
  recordStageSubmitted(inviteCode: string, stageId: string): void;
  close(): Promise<void>;
}

class Answer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly type = 'application/json',
    readonly headers: Record<string, string> = {},
  ) {}
}

const refusal = (status: number, code: HrErrorCode, message: string, headers: Record<string, string> = {}): Answer => new Answer(status, { code, message }, 'application/json', headers);

function send(req: http.IncomingMessage, res: http.ServerResponse, a: Answer): void {
  const text = a.body === undefined ? '' : typeof a.body === 'string' ? a.body : JSON.stringify(a.body);
  const headers: Record<string, string | number> = { 'cache-control': 'no-store', ...a.headers };
  if (a.body !== undefined) {
    headers['content-type'] = a.type;
    headers['content-length'] = Buffer.byteLength(text);
  }
  res.writeHead(a.status, headers);
  res.end(req.method === 'HEAD' ? undefined : text);
}

/** Reads the whole body; an oversized one is drained (up to a cap) so the 413 is answered, not reset. */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit * DRAIN_CAP_FACTOR) {
      // Not worth draining: answer now and close the connection after the answer.
      resolve('too_large');
      return;
    }
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= limit) parts.push(c);
      else if (size > limit * DRAIN_CAP_FACTOR) req.destroy();
    });
    req.on('end', () => resolve(size > limit ? 'too_large' : Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function single(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

export async function startHrEndpointServer(options: HrEndpointOptions): Promise<HrEndpointServer> {
  const host = options.host ?? LOOPBACK;
  // This server holds content keys: it must never be reachable from the network.
  if (host !== LOOPBACK) throw new Error(`the HR endpoint test server listens on ${LOOPBACK} only, not ${host}`);
  const contract = hrContract();
  const clock = options.clock ?? systemClock;
  const noShows: unknown[] = [];
  const noShowBatches: NoShowBatchRecord[] = [];
  const seenNoShows = new Set<string>();
  const idempotency = new Map<string, { bodyHash: string; answer: Answer }>();
  const unlocks: HrEndpointServer['unlocks'] = [];
  const incidents: KioskIncident[] = [];
  const incidentBodies = new Map<string, string>();
  const keysByHash = new Map(options.packs.map((p) => [p.packHash, p]));
  const stageReleases: HrEndpointServer['stageReleases'] = [];
  const submittedStages = new Map<string, Set<string>>();
  const inviteOf = (code: string): HrInvite | undefined => options.invites?.find((i) => i.code === code) ?? options.inviteRule?.(code);

  const kioskOf = (req: http.IncomingMessage): { kioskId: string; centreId: string } | undefined => {
    // RFC 9110 §11.1: the scheme name is case-insensitive.
    const m = /^bearer +([^\s]{16,512})$/i.exec(single(req.headers.authorization) ?? '');
    if (!m) return undefined;
    for (const [token, kiosk] of Object.entries(options.kiosks)) if (tokenMatches(m[1]!, token)) return kiosk;
    return undefined;
  };

  const packOf = (hash: string): HrPackKeys | undefined => keysByHash.get(hash);

  // The decisions are the shared ones (hr-grants.ts, also the hub's); this server only records them.
  const unlock = (r: UnlockRequest, kiosk: HrKiosk): Answer => {
    const d = decideUnlock(r, kiosk, inviteOf(r.inviteCode), packOf(r.packHash), options.signingKey, clock.now());
    unlocks.push({ inviteCode: r.inviteCode, kioskId: kiosk.kioskId, outcome: d.ok ? 'granted' : d.code });
    return d.ok ? new Answer(200, d.response) : refusal(d.status, d.code, d.message);
  };

  const releaseStage = (r: StageKeyRequest, kiosk: HrKiosk): Answer => {
    const d = decideStageRelease(r, kiosk, inviteOf(r.inviteCode), packOf(r.packHash), submittedStages.get(r.inviteCode) ?? new Set(), options.signingKey, clock.now());
    stageReleases.push({ inviteCode: r.inviteCode, kioskId: kiosk.kioskId, stageIndex: r.stageIndex, outcome: d.ok ? 'granted' : d.code });
    return d.ok ? new Answer(200, d.response) : refusal(d.status, d.code, d.message);
  };

  const reportNoShows = (report: NoShowReport, key: string, raw: Buffer): Answer => {
    const codes = report.events.map((e) => e.inviteCode);
    const record = (a: Answer): Answer => {
      noShowBatches.push({ key, codes, status: a.status });
      return a;
    };
    if (new Set(codes).size !== codes.length) return record(refusal(400, 'BAD_REQUEST', 'the same invite code twice in one batch'));
    if (key !== noShowIdempotencyKey(codes)) return record(refusal(400, 'IDEMPOTENCY_KEY_MISMATCH', 'Idempotency-Key is not the SHA-256 of the sorted, comma-joined invite codes'));
    const bodyHash = createHash('sha256').update(raw).digest('hex');
    const before = idempotency.get(key);
    if (before) return record(before.bodyHash === bodyHash ? before.answer : refusal(409, 'IDEMPOTENCY_CONFLICT', 'this Idempotency-Key was used with a different body'));
    for (const e of report.events) {
      if (seenNoShows.has(e.inviteCode)) continue;
      seenNoShows.add(e.inviteCode);
      noShows.push(e);
    }
    const answer = new Answer(200, { accepted: codes });
    idempotency.set(key, { bodyHash, answer });
    return record(answer);
  };

  const handle = async (req: http.IncomingMessage, op: HrOperation, params: Readonly<Record<string, string>>): Promise<Answer> => {
    const kiosk = op.secured ? kioskOf(req) : undefined;
    if (op.secured && !kiosk) return refusal(401, 'UNAUTHORIZED', 'missing or unknown kiosk token');
    let raw: Buffer = Buffer.alloc(0);
    let body: unknown = undefined;
    if (op.requestMediaType) {
      if (mediaTypeOf(single(req.headers['content-type'])) !== op.requestMediaType) return refusal(415, 'UNSUPPORTED_MEDIA_TYPE', `the body must be ${op.requestMediaType}`);
      const read = await readBody(req, op.maxBodyBytes ?? 64 * 1024);
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
    const fault = options.intercept?.(op.operationId, req.headers, body);
    if (fault === 'throw') throw new Error('injected internal failure');
    if (fault) {
      const a = refusal(fault.status, fault.code, fault.message, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      if (op.operationId === 'reportNoShows') noShowBatches.push({ key: single(req.headers['idempotency-key']) ?? '', codes: (body as NoShowReport).events.map((e) => e.inviteCode), status: a.status });
      return a;
    }

    switch (op.operationId) {
      case 'health':
      case 'healthHead':
        return new Answer(200, op.operationId === 'health' ? { ok: true, time: new Date(clock.now()).toISOString() } : undefined);
      case 'unlockPack':
        return unlock(body as UnlockRequest, kiosk!);
      case 'releaseStage':
        return releaseStage(body as StageKeyRequest, kiosk!);
      case 'getSchedule': {
        if (params.centreId !== kiosk!.centreId) return refusal(403, 'NOT_THIS_CENTRE', 'another centre');
        const text = options.schedules?.[`${params.centreId}/${params.day}`];
        if (!text) return refusal(404, 'NOT_FOUND', 'no schedule for that day');
        return new Answer(200, text, 'application/vnd.interview-kiosk.schedule+json');
      }
      case 'reportNoShows':
        return reportNoShows(body as NoShowReport, single(req.headers['idempotency-key']) ?? '', raw);
      case 'reportKioskIncident': {
        const incident = body as KioskIncident;
        const bodyHash = createHash('sha256').update(raw).digest('hex');
        const before = incidentBodies.get(incident.incidentId);
        if (before !== undefined && before !== bodyHash) return refusal(409, 'IDEMPOTENCY_CONFLICT', 'this incident id was recorded with a different body');
        if (before === undefined) {
          incidentBodies.set(incident.incidentId, bodyHash);
          incidents.push(incident);
        }
        return new Answer(200, { recorded: incident.incidentId });
      }
      case 'precheckTime':
        return new Answer(200, { now: clock.now() });
      case 'precheckLatency':
        return new Answer(204, undefined);
      case 'precheckUpload':
        return new Answer(200, { bytes: raw.length });
      default:
        // An operation the document gained and this server does not implement yet.
        throw new Error(`operation ${op.operationId} is not implemented`);
    }
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
      const route = contract.match(req.method ?? 'GET', url.pathname);
      switch (route.kind) {
        case 'not_found':
          return send(req, res, refusal(404, 'NOT_FOUND', 'no such path'));
        case 'method_not_allowed':
          return send(req, res, refusal(405, 'METHOD_NOT_ALLOWED', `allowed: ${route.allow.join(', ')}`, { allow: route.allow.join(', ') }));
        case 'operation':
          return send(req, res, await handle(req, route.operation, route.params));
      }
    })().catch(() => {
      // A failure of this server is a 500 (documented), never a refusal the kiosk would believe.
      if (!res.headersSent) send(req, res, refusal(500, 'INTERNAL', 'the HR endpoint failed'));
      else res.destroy();
    });
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    noShows,
    noShowBatches,
    unlocks,
    incidents,
    stageReleases,
    recordStageSubmitted(inviteCode, stageId) {
      const set = submittedStages.get(inviteCode) ?? new Set<string>();
      set.add(stageId);
      submittedStages.set(inviteCode, set);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The demo endpoint's configuration, from the committed demo files. */
export function demoHrEndpointOptions(repoRoot: string, port = 8787): HrEndpointOptions {
  const prov = path.join(repoRoot, 'build', 'provisioning');
  const read = <T>(f: string): T => JSON.parse(readFileSync(path.join(prov, f), 'utf8')) as T;
  const config = read<{ kioskId: string; centreId: string; hrEndpoint: { kioskToken: string } }>('demo-provisioning.json');
  const packs = ['software-engineer', 'regional-sales-manager'].map((id) => {
    const k = read<{ packId: string; packHash: string; contentKey: string }>(`${id}.key.json`);
    return { packId: k.packId, packHash: k.packHash, contentKey: Buffer.from(k.contentKey, 'base64') };
  });
  return {
    signingKey: read<SigningKeyPair>('demo-hr-endpoint-key.json'),
    kiosks: { [config.hrEndpoint.kioskToken]: { kioskId: config.kioskId, centreId: config.centreId } },
    packs,
    inviteRule: (code) => (/^DEMO-[A-Z0-9]{4,8}$/.test(code) ? { code, packId: code.startsWith('DEMO-S') ? 'regional-sales-manager' : 'software-engineer', centreId: config.centreId } : undefined),
    port,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values } = parseArgs({ options: { demo: { type: 'boolean', default: false }, port: { type: 'string', default: '8787' } } });
  if (!values.demo) {
    process.stderr.write('usage: hr-endpoint-server.ts --demo [--port 8787]\n');
    process.exit(2);
  }
  const server = await startHrEndpointServer(demoHrEndpointOptions(path.resolve(import.meta.dirname, '..', '..'), Number(values.port)));
  process.stdout.write(JSON.stringify({ ready: true, url: server.url }) + '\n');
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
