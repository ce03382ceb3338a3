/**
 * A real HTTP server on 127.0.0.1 that answers the pre-check's network routes the way an HR
 * endpoint does, with faults switched on at will: `unreachable` (every connection is reset),
 * `slow` (long round trips and a throttled upload), `dropping` (every third request is cut off).
 * Extra knobs (latency, jitter, upload rate, drop period, clock offset) give each network check
 * its pass, warn and fail. For tests and development only; bounded in connections, body size and
 * time.
 *
 *   node --import tsx main/dev/network-test-server.ts [--port N] [--fault slow]
 *
 * prints {"ready":true,"url":"http://127.0.0.1:N/"} and serves until SIGINT/SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

export type NetworkFault = 'none' | 'unreachable' | 'slow' | 'dropping';

export interface NetworkConditions {
  /** Added to every answer (ms). */
  readonly latencyMs: number;
  /** Every other answer waits this much longer (ms): round trips alternate, i.e. jitter. */
  readonly jitterMs: number;
  /** Upload bodies are read no faster than this (bytes/s); 0 = unlimited. */
  readonly uploadBytesPerSec: number;
  /** Every Nth request is cut off without an answer; 0 = none. */
  readonly dropEvery: number;
  /** Added to the server's clock in `/precheck/time` (ms). */
  readonly clockOffsetMs: number;
  /** Every connection is reset as soon as it opens. */
  readonly refuse: boolean;
}

export const FAULTS: Readonly<Record<NetworkFault, NetworkConditions>> = {
  none: { latencyMs: 0, jitterMs: 0, uploadBytesPerSec: 0, dropEvery: 0, clockOffsetMs: 0, refuse: false },
  unreachable: { latencyMs: 0, jitterMs: 0, uploadBytesPerSec: 0, dropEvery: 0, clockOffsetMs: 0, refuse: true },
  slow: { latencyMs: 450, jitterMs: 0, uploadBytesPerSec: 40_000, dropEvery: 0, clockOffsetMs: 0, refuse: false },
  dropping: { latencyMs: 0, jitterMs: 0, uploadBytesPerSec: 0, dropEvery: 3, clockOffsetMs: 0, refuse: false },
};

export interface NetworkTestServerOptions {
  readonly port?: number;
  readonly fault?: NetworkFault;
  readonly conditions?: Partial<NetworkConditions>;
  /** Largest upload accepted (bytes). */
  readonly maxUploadBytes?: number;
  readonly maxConnections?: number;
}

export interface NetworkTestServer {
  /** Base URL with a trailing slash: the "HR endpoint" to give the pre-check. */
  readonly url: string;
  readonly port: number;
  /** Switches to a named fault, optionally adjusted. */
  setFault(fault: NetworkFault, adjust?: Partial<NetworkConditions>): void;
  conditions(): NetworkConditions;
  readonly stats: { requests: number; dropped: number; refused: number; uploadedBytes: number };
  close(): Promise<void>;
}

const MAX_UPLOAD = 16 * 1024 * 1024;
const MAX_DELAY_MS = 10_000;

export async function startNetworkTestServer(options: NetworkTestServerOptions = {}): Promise<NetworkTestServer> {
  let cond: NetworkConditions = { ...FAULTS[options.fault ?? 'none'], ...options.conditions };
  const maxUpload = options.maxUploadBytes ?? MAX_UPLOAD;
  const stats = { requests: 0, dropped: 0, refused: 0, uploadedBytes: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let counter = 0;

  const later = (ms: number, f: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      f();
    }, Math.min(MAX_DELAY_MS, Math.max(0, ms)));
    timers.add(t);
  };

  const server = http.createServer((req, res) => {
    stats.requests += 1;
    counter += 1;
    const n = counter;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.setHeader('cache-control', 'no-store');
    if (cond.dropEvery > 0 && n % cond.dropEvery === 0) {
      stats.dropped += 1;
      req.socket.destroy();
      return;
    }
    const delay = cond.latencyMs + (cond.jitterMs > 0 && n % 2 === 0 ? cond.jitterMs : 0);
    const answer = (status: number, body?: unknown): void =>
      later(delay, () => {
        if (res.destroyed) return;
        if (body === undefined) res.writeHead(status).end();
        else res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      });

    if (req.method === 'GET' && url.pathname === '/precheck/latency') {
      req.resume();
      answer(204);
      return;
    }
    if (req.method === 'GET' && url.pathname === '/precheck/time') {
      req.resume();
      // Latency is network delay, half on the way in and half on the way out: the server reads
      // its clock in the middle, as a real one would.
      later(delay / 2, () => {
        const now = Date.now() + cond.clockOffsetMs;
        later(delay / 2, () => {
          if (!res.destroyed) res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ now }));
        });
      });
      return;
    }
    if (req.method === 'POST' && url.pathname === '/precheck/upload') {
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxUpload) {
        res.writeHead(413, { connection: 'close' }).end();
        req.socket.destroy();
        return;
      }
      const started = performance.now();
      let bytes = 0;
      req.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        stats.uploadedBytes += chunk.length;
        if (bytes > maxUpload) {
          req.socket.destroy();
          return;
        }
        const rate = cond.uploadBytesPerSec;
        if (rate > 0) {
          // Read no faster than the configured rate: pause until the bytes so far are "due".
          const due = (bytes / rate) * 1000 - (performance.now() - started);
          if (due > 1) {
            req.pause();
            later(due, () => req.resume());
          }
        }
      });
      req.on('end', () => answer(200, { bytes, ms: Math.round(performance.now() - started) }));
      return;
    }
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.maxConnections = options.maxConnections ?? 32;
  server.headersTimeout = 5000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5000;
  server.on('connection', (socket: Socket) => {
    if (cond.refuse) {
      stats.refused += 1;
      socket.resetAndDestroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    stats,
    setFault(fault, adjust) {
      cond = { ...FAULTS[fault], ...adjust };
      counter = 0;
    },
    conditions: () => cond,
    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function isMain(): boolean {
  const entry = process.argv[1];
  return entry !== undefined && import.meta.url === pathToFileURL(entry).href;
}

if (isMain()) {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: '0' },
      fault: { type: 'string', default: 'none' },
    },
  });
  const fault = values.fault as NetworkFault;
  if (!(fault in FAULTS)) {
    process.stderr.write(`unknown fault ${fault}; one of ${Object.keys(FAULTS).join(', ')}\n`);
    process.exit(2);
  }
  const s = await startNetworkTestServer({ port: Number(values.port), fault });
  process.stdout.write(JSON.stringify({ ready: true, url: s.url, port: s.port, fault }) + '\n');
  const stop = (): void => void s.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
