/**
 * Plumbing for the contract test and the conformance kit: raw HTTP exchanges (every header and
 * byte under our control) and Stoplight Prism's validating proxy as a child process on
 * 127.0.0.1 (it shares no code with the product).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';

export interface Exchange {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/** One request; resolves with the answer, or rejects (reset, timeout) — a reset is a finding, not a crash. */
export function exchange(base: string, r: RawRequest, timeoutMs = 20_000): Promise<Exchange> {
  const url = new URL(r.path.replace(/^\//, ''), base.endsWith('/') ? base : base + '/');
  const lib = url.protocol === 'https:' ? https : http;
  const body = r.body === undefined ? undefined : Buffer.isBuffer(r.body) ? r.body : Buffer.from(r.body, 'utf8');
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: r.method,
      headers: { ...(body ? { 'content-length': String(body.length) } : {}), ...r.headers },
      agent: false,
    });
    const timer = setTimeout(() => req.destroy(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.on('response', (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(parts) });
      });
      res.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    req.end(body);
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface PrismProxy {
  readonly url: string;
  readonly strict: boolean;
  stop(): void;
}

const PRISM_BIN = path.resolve(import.meta.dirname, '..', '..', 'node_modules', '@stoplight', 'prism-cli', 'dist', 'index.js');

/**
 * `prism proxy <document> <upstream>` on 127.0.0.1 and a free port. `strict` adds `--errors`:
 * Prism then refuses invalid requests itself and turns response violations into a 500
 * problem+json. Without it, requests go through and violations come back in `sl-violations`.
 */
export async function startPrism(document: string, upstream: string, strict: boolean, timeoutMs = 60_000): Promise<PrismProxy> {
  const port = await freePort();
  const args = [PRISM_BIN, 'proxy', document, upstream, '-h', '127.0.0.1', '-p', String(port), ...(strict ? ['--errors'] : [])];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const stop = (): void => {
    if (child.exitCode === null && child.pid !== undefined) child.kill('SIGTERM');
  };
  await new Promise<void>((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`prism did not start in ${timeoutMs} ms: ${log.slice(-500)}`));
    }, timeoutMs);
    const onData = (c: Buffer): void => {
      log += c.toString('utf8');
      if (log.includes('Prism is listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`prism exited (${code}) before listening: ${log.slice(-500)}`));
    });
  });
  // Keep draining its log so the pipe never fills and blocks it.
  child.stdout!.resume();
  child.stderr!.resume();
  return { url: `http://127.0.0.1:${port}`, strict, stop };
}

export interface PrismViolation {
  readonly location: readonly string[];
  readonly severity: string;
  readonly message: string;
}

/** Prism's findings on one exchange: the `sl-violations` header, or the problem+json body of `--errors`. */
export function prismViolations(x: Exchange): PrismViolation[] {
  const out: PrismViolation[] = [];
  const header = x.headers['sl-violations'];
  if (typeof header === 'string') {
    try {
      out.push(...(JSON.parse(header) as PrismViolation[]));
    } catch {
      out.push({ location: ['prism'], severity: 'Error', message: 'unparseable sl-violations header' });
    }
  }
  if (String(x.headers['content-type'] ?? '').startsWith('application/problem+json')) {
    try {
      const p = JSON.parse(x.body.toString('utf8')) as { type?: string; title?: string; validation?: PrismViolation[] };
      if (p.validation?.length) out.push(...p.validation);
      else out.push({ location: ['prism'], severity: 'Error', message: `${p.type ?? ''} ${p.title ?? ''}`.trim() });
    } catch {
      out.push({ location: ['prism'], severity: 'Error', message: 'problem+json without JSON' });
    }
  }
  // Remove duplicates (Prism sends the same list in the header and the body).
  return out.filter((v, i) => out.findIndex((w) => w.message === v.message && w.location.join('.') === v.location.join('.')) === i);
}
