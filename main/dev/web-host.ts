/**
 * The development web shell: serves the built renderer on 127.0.0.1 and carries the IPC contract
 * over a WebSocket guarded by a per-launch random token and an Origin check. For development and
 * tests only; it is never part of a packaged build (electron-builder excludes main/dev and `ws`
 * is a dev dependency).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { contentSecurityPolicy } from '../app/csp';
import type { Logger } from '../common/logger';
import type { EventHub } from '../ipc/event-hub';
import type { IpcRouter } from '../ipc/router';
import { decodeWire, encodeWire } from '../ipc/wire';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export interface WebHostOptions {
  readonly router: IpcRouter;
  readonly events: EventHub;
  readonly rendererDir: string;
  readonly logger: Logger;
  readonly port?: number;
  readonly token?: string;
  /** Largest WebSocket message accepted (a base64 chunk plus envelope). */
  readonly maxMessageBytes?: number;
}

export interface WebHost {
  readonly url: string;
  readonly port: number;
  readonly token: string;
  close(): Promise<void>;
}

/** Malformed frames tolerated on one connection before it is closed (policy violation). */
export const MAX_MALFORMED_FRAMES = 100;

type Frame = { ok: true; id: number; channel: unknown; payload: unknown } | { ok: false; reason: string };

/** One WebSocket frame of the protocol: text JSON `{id, channel, payload}` with a non-negative integer id. */
export function parseFrame(data: unknown, isBinary: boolean): Frame {
  if (isBinary) return { ok: false, reason: 'binary frame' };
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data as Buffer[]).toString('utf8') : String(data);
  let msg: unknown;
  try {
    msg = decodeWire(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!msg || typeof msg !== 'object' || Array.isArray(msg)) return { ok: false, reason: 'not an object' };
  const { id, channel, payload } = msg as { id?: unknown; channel?: unknown; payload?: unknown };
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return { ok: false, reason: 'missing id' };
  return { ok: true, id, channel, payload };
}

/** The request path, decoded, or null when it cannot be (bad escape, NUL, not a path). */
export function requestPath(rawUrl: string | undefined): string | null {
  let pathname: string;
  try {
    pathname = new URL(rawUrl ?? '/', 'http://127.0.0.1').pathname;
  } catch {
    return null;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0') || !rel.startsWith('/')) return null;
  return rel;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const log = options.logger.scope('web-host');
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const root = path.resolve(options.rendererDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`the renderer is not built (${root}/index.html is missing): run \`npm run build\``);
  }
  let origin = '';

  // Hostile requests (bad escapes, odd methods, huge headers) get a status, never an exception:
  // an uncaught throw here would end the shell and every interview running in it.
  const server = http.createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    try {
      serveFile(req, res);
    } catch (e) {
      log.warn('request failed', { error: e instanceof Error ? e.message.slice(0, 120) : 'unknown' });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    }
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  function serveFile(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    const rel = requestPath(req.url);
    if (rel === null) {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    const file = path.resolve(root, '.' + (rel === '/' || !path.extname(rel) ? '/index.html' : rel));
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy({ connectSrc: [origin.replace('http:', 'ws:')], trustedTypes: path.extname(file) === '.html' }),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).on('error', () => res.destroy()).pipe(res);
  }

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 8 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  const unsubscribe = options.events.subscribe((event, payload) => {
    const msg = encodeWire({ event, payload });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(msg);
  });

  server.on('upgrade', (req, socket, head) => {
    let pathname = '';
    let given = Buffer.alloc(0);
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      pathname = url.pathname;
      given = Buffer.from(url.searchParams.get('token') ?? '');
    } catch {
      pathname = '';
    }
    const tokenOk = given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
    const originOk = req.headers.origin === origin;
    if (pathname !== '/ipc' || !tokenOk || !originOk) {
      log.warn('refused a WebSocket connection', { path: pathname.slice(0, 80), tokenOk, originOk });
      socket.on('error', () => socket.destroy());
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      let malformed = 0;
      ws.on('error', () => ws.terminate());
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        void (async () => {
          const frame = parseFrame(data, isBinary);
          if (!frame.ok) {
            // No reply: without a valid id nobody can match one. Too many and the socket closes.
            malformed++;
            log.warn('malformed message dropped', { reason: frame.reason, count: malformed });
            if (malformed >= MAX_MALFORMED_FRAMES) ws.close(1008, 'malformed messages');
            return;
          }
          const result = await options.router.handle(frame.channel, frame.payload, {
            transport: 'web',
            trusted: true,
            description: `ws:${req.socket.remotePort}`,
          });
          if (ws.readyState === ws.OPEN) ws.send(encodeWire({ id: frame.id, result }));
        })().catch((e: unknown) => log.error('message handling failed', { error: e instanceof Error ? e.message.slice(0, 120) : 'unknown' }));
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/?token=${encodeURIComponent(token)}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const s of sockets) s.terminate();
      wss.close();
      const closed = new Promise<void>((r) => server.close(() => r()));
      // server.close() waits for every open connection to end, and a connection on which no
      // request has arrived yet (Chromium opens them ahead of need) is not idle to Node: the host
      // was still running a minute later (test/integration/dev-shell-stop.test.ts). Nothing an
      // open page could still be sent matters once the host stops.
      server.closeAllConnections();
      await closed;
    },
  };
}
