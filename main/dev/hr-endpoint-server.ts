/**
 * A real implementation of docs/hr-endpoint.openapi.yaml for tests and the demo. It listens on
 * 127.0.0.1 only (refuses any other address) and keeps its state in memory.
 *
 *   node --import tsx main/dev/hr-endpoint-server.ts --demo [--port 8787]
 *
 * serves the demo packs (content keys from build/provisioning/*.key.json), accepts every DEMO-XXXX
 * invite for the demo centre, and prints one JSON line when ready.
 */
import { timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock, type Clock } from '../common/clock';
import type { SigningKeyPair } from '../services/packs/pack-crypto';
import { grantUnlock, NoShowReport, UnlockRequest, type HrErrorCode } from '../services/packs/hr-protocol';

export const LOOPBACK = '127.0.0.1';
const MAX_BODY = 1024 * 1024;

export interface HrInvite {
  readonly code: string;
  readonly packId: string;
  readonly centreId: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly revoked?: boolean;
}

export interface HrEndpointOptions {
  /** The HR Ed25519 key whose public half kiosks trust for unlock answers. */
  readonly signingKey: SigningKeyPair;
  /** Bearer token → the kiosk it identifies. */
  readonly kiosks: Readonly<Record<string, { kioskId: string; centreId: string }>>;
  /** Content keys by pack hash (the `.key.json` sidecars `pack sign` writes). */
  readonly packs: readonly { packId: string; packHash: string; contentKey: Buffer }[];
  /** Known invites; `inviteRule` may accept more (the demo's DEMO-XXXX codes). */
  readonly invites?: readonly HrInvite[];
  readonly inviteRule?: (code: string) => HrInvite | undefined;
  /** Signed schedule files by `${centreId}/${day}`. */
  readonly schedules?: Readonly<Record<string, string>>;
  readonly clock?: Clock;
  readonly port?: number;
  readonly host?: string;
}

export interface HrEndpointServer {
  readonly url: string;
  readonly port: number;
  /** No-show events received, in order (deduplicated by invite code). */
  readonly noShows: unknown[];
  /** Unlock requests answered, for assertions. */
  readonly unlocks: { inviteCode: string; kioskId: string; outcome: 'granted' | HrErrorCode }[];
  close(): Promise<void>;
}

function send(res: http.ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

function fail(res: http.ServerResponse, status: number, code: HrErrorCode, message: string): void {
  send(res, status, { code, message });
}

function readBody(req: http.IncomingMessage): Promise<Buffer | 'too_large'> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        resolve('too_large');
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', reject);
  });
}

function tokenMatches(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startHrEndpointServer(options: HrEndpointOptions): Promise<HrEndpointServer> {
  const host = options.host ?? LOOPBACK;
  // This server holds content keys: it must never be reachable from the network.
  if (host !== LOOPBACK) throw new Error(`the HR endpoint test server listens on ${LOOPBACK} only, not ${host}`);
  const clock = options.clock ?? systemClock;
  const noShows: unknown[] = [];
  const seenNoShows = new Set<string>();
  const unlocks: HrEndpointServer['unlocks'] = [];
  const keysByHash = new Map(options.packs.map((p) => [p.packHash, p]));
  const inviteOf = (code: string): HrInvite | undefined => options.invites?.find((i) => i.code === code) ?? options.inviteRule?.(code);

  const kioskOf = (req: http.IncomingMessage): { kioskId: string; centreId: string } | undefined => {
    const auth = req.headers.authorization ?? '';
    const m = /^Bearer (\S{16,200})$/.exec(auth);
    if (!m) return undefined;
    for (const [token, kiosk] of Object.entries(options.kiosks)) if (tokenMatches(m[1]!, token)) return kiosk;
    return undefined;
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', `http://${LOOPBACK}`);
      if (req.method === 'GET' && url.pathname === '/v1/health') return send(res, 200, { ok: true, time: new Date(clock.now()).toISOString() });
      const kiosk = kioskOf(req);
      if (!kiosk) return fail(res, 401, 'UNAUTHORIZED', 'unknown kiosk token');

      if (req.method === 'POST' && url.pathname === '/v1/unlock') {
        const body = await readBody(req);
        if (body === 'too_large') return fail(res, 413, 'TOO_LARGE', 'request too large');
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return fail(res, 400, 'BAD_REQUEST', 'body is not JSON');
        }
        const parsed = UnlockRequest.safeParse(json);
        if (!parsed.success) return fail(res, 400, 'BAD_REQUEST', parsed.error.issues[0]?.message ?? 'invalid request');
        const r = parsed.data;
        const refuse = (status: number, code: HrErrorCode, message: string): void => {
          unlocks.push({ inviteCode: r.inviteCode, kioskId: kiosk.kioskId, outcome: code });
          fail(res, status, code, message);
        };
        if (r.kioskId !== kiosk.kioskId || r.centreId !== kiosk.centreId) return refuse(403, 'UNAUTHORIZED', 'the token belongs to another kiosk');
        const invite = inviteOf(r.inviteCode);
        if (!invite) return refuse(404, 'INVITE_UNKNOWN', 'no such invite');
        if (invite.revoked) return refuse(409, 'INVITE_REVOKED', 'the invite was withdrawn');
        if (invite.centreId !== kiosk.centreId) return refuse(403, 'NOT_THIS_CENTRE', 'the invite is for another test centre');
        const now = clock.now();
        if ((invite.notBefore !== undefined && now < invite.notBefore) || (invite.notAfter !== undefined && now > invite.notAfter)) {
          return refuse(409, 'OUTSIDE_WINDOW', 'the invite is outside its time window');
        }
        const pack = keysByHash.get(r.packHash);
        if (!pack || pack.packId !== r.packId || invite.packId !== r.packId) return refuse(409, 'PACK_MISMATCH', 'this invite is not for that pack version');
        unlocks.push({ inviteCode: r.inviteCode, kioskId: kiosk.kioskId, outcome: 'granted' });
        return send(res, 200, grantUnlock(r, pack.contentKey, options.signingKey, new Date(now)));
      }

      const sched = /^\/v1\/centres\/([^/]+)\/schedules\/(\d{4}-\d{2}-\d{2})$/.exec(url.pathname);
      if (req.method === 'GET' && sched) {
        const centre = decodeURIComponent(sched[1]!);
        if (centre !== kiosk.centreId) return fail(res, 403, 'NOT_THIS_CENTRE', 'another centre');
        const text = options.schedules?.[`${centre}/${sched[2]}`];
        if (!text) return fail(res, 404, 'NOT_FOUND', 'no schedule for that day');
        return send(res, 200, text, 'application/vnd.interview-kiosk.schedule+json');
      }

      if (req.method === 'POST' && url.pathname === '/v1/no-shows') {
        const body = await readBody(req);
        if (body === 'too_large') return fail(res, 413, 'TOO_LARGE', 'request too large');
        let json: unknown;
        try {
          json = JSON.parse(body.toString('utf8'));
        } catch {
          return fail(res, 400, 'BAD_REQUEST', 'body is not JSON');
        }
        const parsed = NoShowReport.safeParse(json);
        if (!parsed.success) return fail(res, 400, 'BAD_REQUEST', parsed.error.issues[0]?.message ?? 'invalid report');
        for (const e of parsed.data.events) {
          if (seenNoShows.has(e.inviteCode)) continue;
          seenNoShows.add(e.inviteCode);
          noShows.push(e);
        }
        return send(res, 200, { accepted: parsed.data.events.map((e) => e.inviteCode) });
      }
      return fail(res, 404, 'NOT_FOUND', 'no such operation');
    })().catch(() => {
      if (!res.headersSent) fail(res, 400, 'BAD_REQUEST', 'request failed');
      else res.destroy();
    });
  });
  server.headersTimeout = 5000;
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${port}`,
    port,
    noShows,
    unlocks,
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
