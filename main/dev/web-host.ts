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

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const log = options.logger.scope('web-host');
  const token = options.token ?? randomBytes(24).toString('base64url');
  const tokenBuf = Buffer.from(token);
  const root = path.resolve(options.rendererDir);
  if (!existsSync(path.join(root, 'index.html'))) {
    throw new Error(`the renderer is not built (${root}/index.html is missing): run \`npm run build\``);
  }
  let origin = '';

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      // A malformed percent-escape threw out of the handler: the request hung, the process got an uncaught error.
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
      return;
    }
    if (rel === '/' || !path.extname(rel)) rel = '/index.html';
    const file = path.resolve(root, '.' + rel);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-security-policy': contentSecurityPolicy({ connectSrc: [origin.replace('http:', 'ws:')] }),
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
      'cross-origin-resource-policy': 'same-origin',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessageBytes ?? 8 * 1024 * 1024 });
  const sockets = new Set<WebSocket>();
  const unsubscribe = options.events.subscribe((event, payload) => {
    const msg = encodeWire({ event, payload });
    for (const s of sockets) if (s.readyState === s.OPEN) s.send(msg);
  });

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const given = Buffer.from(url.searchParams.get('token') ?? '');
    const tokenOk = given.length === tokenBuf.length && timingSafeEqual(given, tokenBuf);
    const originOk = req.headers.origin === origin;
    if (url.pathname !== '/ipc' || !tokenOk || !originOk) {
      log.warn('refused a WebSocket connection', { path: url.pathname, tokenOk, originOk });
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', (data, isBinary) => {
        void (async () => {
          let id: unknown = null;
          try {
            if (isBinary) throw new Error('binary frames are not part of the protocol');
            const msg = decodeWire(data.toString()) as { id?: unknown; channel?: unknown; payload?: unknown };
            id = msg.id;
            if (typeof id !== 'number') throw new Error('missing id');
            const result = await options.router.handle(msg.channel, msg.payload, {
              transport: 'web',
              trusted: true,
              description: `ws:${req.socket.remotePort}`,
            });
            ws.send(encodeWire({ id, result }));
          } catch (e) {
            log.warn('malformed message', { error: e instanceof Error ? e.message : String(e) });
            ws.send(encodeWire({ id, result: { ok: false, error: { code: 'INVALID_INPUT', message: 'malformed message' } } }));
          }
        })();
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
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
