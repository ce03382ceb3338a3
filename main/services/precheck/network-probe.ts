/**
 * Measures the path to the HR endpoint, once per run, for the six network checks: a few time
 * samples (reachability and clock skew), then a series of small requests (latency, jitter, loss),
 * then a timed upload that grows until its time budget is spent (throughput). The steps run one
 * after the other so the upload does not distort the latency numbers, each with its own deadline,
 * so the whole probe ends in about 7 s even on a network that swallows packets.
 *
 * The HR endpoint implements three small routes under `<endpoint>/precheck/`, documented in
 * docs/hr-endpoint.openapi.yaml (precheckLatency, precheckUpload, precheckTime; no token):
 * `GET latency` (empty 204), `POST upload` (answers `{"bytes":n}`), `GET time` (`{"now":epochMs}`).
 */
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { Clock } from '../../common/clock';

export interface NetworkProbeOptions {
  readonly timeSamples: number;
  readonly timeSampleTimeoutMs: number;
  /** No new time sample starts after this long (the first always runs). */
  readonly timeDeadlineMs: number;
  readonly pingCount: number;
  readonly pingSpacingMs: number;
  readonly pingTimeoutMs: number;
  /** No new ping starts after this long. */
  readonly pingDeadlineMs: number;
  /** Upload sizes tried in turn until the budget is spent. */
  readonly uploadSizes: readonly number[];
  readonly uploadBudgetMs: number;
}

export const DEFAULT_PROBE_OPTIONS: NetworkProbeOptions = {
  timeSamples: 3,
  timeSampleTimeoutMs: 2000,
  timeDeadlineMs: 1000,
  pingCount: 10,
  pingSpacingMs: 100,
  pingTimeoutMs: 1500,
  pingDeadlineMs: 2500,
  uploadSizes: [64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024],
  uploadBudgetMs: 2500,
};

export interface TimeResult {
  readonly reachable: boolean;
  /** Why it is not reachable: refused, reset, timeout, http_<status>, dns… */
  readonly error: string | null;
  /** Server clock minus ours, from the sample with the shortest round trip. */
  readonly offsetMs: number | null;
  readonly rttMs: number | null;
  readonly samples: number;
}

export interface PingResult {
  readonly sent: number;
  readonly received: number;
  readonly rttsMs: readonly number[];
  readonly medianMs: number | null;
  readonly jitterMs: number | null;
  readonly lossPercent: number | null;
}

export interface UploadResult {
  /** Largest upload that completed. */
  readonly bytes: number;
  readonly ms: number;
  readonly mbps: number | null;
  readonly attempts: number;
  readonly error: string | null;
}

interface Response {
  readonly status: number;
  readonly body: Buffer;
  readonly ms: number;
}

class RequestError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

function errorKind(e: unknown): string {
  if (e instanceof RequestError) return e.kind;
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case 'ECONNREFUSED':
      return 'refused';
    case 'ECONNRESET':
    case 'EPIPE':
      return 'reset';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'dns';
    case 'ETIMEDOUT':
      return 'timeout';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no_route';
    default:
      return typeof code === 'string' ? code.toLowerCase() : 'error';
  }
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const onAbort = (): void => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

export class NetworkProbe {
  readonly base: URL;
  private readonly agent: http.Agent;
  private readonly options: NetworkProbeOptions;
  private readonly stop = new AbortController();
  private timeP: Promise<TimeResult> | null = null;
  private pingP: Promise<PingResult> | null = null;
  private uploadP: Promise<UploadResult> | null = null;

  constructor(endpoint: string, private readonly clock: Clock, options: Partial<NetworkProbeOptions> = {}) {
    this.base = new URL(endpoint.endsWith('/') ? endpoint : endpoint + '/');
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error('the HR endpoint must be http(s)');
    this.options = { ...DEFAULT_PROBE_OPTIONS, ...options };
    // Every request of the run listens to the one stop signal.
    setMaxListeners(64, this.stop.signal);
    // One kept-alive connection: round trips measure the request, not a new TCP/TLS handshake.
    const AgentClass = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new AgentClass({ keepAlive: true, maxSockets: 1 });
  }

  /** Reachability and clock skew. */
  time(): Promise<TimeResult> {
    this.timeP ??= this.measureTime();
    return this.timeP;
  }

  /** Latency, jitter and loss; starts after the time samples. */
  pings(): Promise<PingResult> {
    this.pingP ??= this.time().then((t) => (t.reachable ? this.measurePings() : { sent: 0, received: 0, rttsMs: [], medianMs: null, jitterMs: null, lossPercent: null }));
    return this.pingP;
  }

  /** Upload throughput; starts after the latency series so the two do not disturb each other. */
  upload(): Promise<UploadResult> {
    this.uploadP ??= this.pings().then(async (p) => {
      const t = await this.time();
      if (!t.reachable) return { bytes: 0, ms: 0, mbps: null, attempts: 0, error: t.error ?? 'unreachable' };
      return this.measureUpload(p.medianMs ?? t.rttMs ?? 0);
    });
    return this.uploadP;
  }

  close(): void {
    this.stop.abort();
    this.agent.destroy();
  }

  private url(route: string): URL {
    return new URL(`precheck/${route}`, this.base);
  }

  private request(route: string, method: 'GET' | 'POST', timeoutMs: number, body?: Buffer): Promise<Response> {
    const url = this.url(route);
    const lib = url.protocol === 'https:' ? https : http;
    return new Promise((resolve, reject) => {
      if (this.stop.signal.aborted) return reject(new RequestError('aborted', 'the probe was stopped'));
      const started = performance.now();
      const req = lib.request(url, {
        method,
        agent: this.agent,
        headers: { 'cache-control': 'no-store', ...(body ? { 'content-type': 'application/octet-stream', 'content-length': body.length } : {}) },
        signal: this.stop.signal,
      });
      const timer = setTimeout(() => req.destroy(new RequestError('timeout', `no answer in ${timeoutMs} ms`)), timeoutMs);
      req.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > 64 * 1024) req.destroy(new RequestError('too_large', 'answer too large'));
          else chunks.push(c);
        });
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) reject(new RequestError(`http_${status}`, `HTTP ${status}`));
          else resolve({ status, body: Buffer.concat(chunks), ms: performance.now() - started });
        });
        res.on('error', (e) => {
          clearTimeout(timer);
          reject(e);
        });
      });
      req.end(body);
    });
  }

  private async measureTime(): Promise<TimeResult> {
    let best: { offset: number; rtt: number } | null = null;
    let samples = 0;
    let lastError: string | null = null;
    const started = performance.now();
    for (let i = 0; i < this.options.timeSamples && (i === 0 || performance.now() - started < this.options.timeDeadlineMs); i++) {
      const wallBefore = this.clock.now();
      try {
        const r = await this.request('time', 'GET', this.options.timeSampleTimeoutMs);
        const now = Number((JSON.parse(r.body.toString('utf8')) as { now?: unknown }).now);
        if (!Number.isFinite(now)) throw new RequestError('bad_answer', 'the time answer has no "now"');
        samples += 1;
        const offset = now - (wallBefore + r.ms / 2);
        if (!best || r.ms < best.rtt) best = { offset, rtt: r.ms };
      } catch (e) {
        lastError = errorKind(e);
        // A silent or refusing server will not answer the next sample either.
        if (samples === 0 && lastError !== 'reset') break;
      }
    }
    return {
      reachable: samples > 0,
      error: samples > 0 ? null : lastError,
      offsetMs: best ? Math.round(best.offset) : null,
      rttMs: best ? round1(best.rtt) : null,
      samples,
    };
  }

  private async measurePings(): Promise<PingResult> {
    const o = this.options;
    const started = performance.now();
    const rtts: number[] = [];
    const received: boolean[] = [];
    for (let i = 0; i < o.pingCount && performance.now() - started < o.pingDeadlineMs && !this.stop.signal.aborted; i++) {
      const sentAt = performance.now();
      try {
        const r = await this.request('latency', 'GET', o.pingTimeoutMs);
        rtts.push(r.ms);
        received.push(true);
      } catch {
        if (this.stop.signal.aborted) break;
        received.push(false);
      }
      await sleep(o.pingSpacingMs - (performance.now() - sentAt), this.stop.signal);
    }
    const sent = received.length;
    // Jitter as the mean difference between consecutive round trips (RFC 3550 without smoothing).
    const diffs = rtts.slice(1).map((r, i) => Math.abs(r - rtts[i]!));
    return {
      sent,
      received: rtts.length,
      rttsMs: rtts.map(round1),
      medianMs: rtts.length ? round1(median(rtts)!) : null,
      jitterMs: diffs.length ? round1(diffs.reduce((a, b) => a + b, 0) / diffs.length) : null,
      lossPercent: sent ? round1(((sent - rtts.length) / sent) * 100) : null,
    };
  }

  private async measureUpload(rttMs: number): Promise<UploadResult> {
    const o = this.options;
    const started = performance.now();
    const payload = randomBytes(Math.max(...o.uploadSizes));
    let best: { bytes: number; ms: number } | null = null;
    let attempts = 0;
    let error: string | null = null;
    for (const size of o.uploadSizes) {
      const left = o.uploadBudgetMs - (performance.now() - started);
      if (left <= 50 || this.stop.signal.aborted) break;
      attempts += 1;
      try {
        const r = await this.request('upload', 'POST', left, payload.subarray(0, size));
        best = { bytes: size, ms: r.ms };
        // The next size would take about four times as long: skip it if it cannot fit.
        if (r.ms * 4 > o.uploadBudgetMs - (performance.now() - started)) break;
      } catch (e) {
        error = errorKind(e);
        if (error === 'timeout') break;
      }
    }
    if (!best) return { bytes: 0, ms: Math.round(performance.now() - started), mbps: null, attempts, error: error ?? 'no_upload' };
    const transferMs = Math.max(1, best.ms - rttMs);
    return { bytes: best.bytes, ms: round1(best.ms), mbps: round1((best.bytes * 8) / 1000 / transferMs), attempts, error: null };
  }
}
