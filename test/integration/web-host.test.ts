import { existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { silentLogger } from '../../main/common/logger';
import { startWebHost, type WebHost } from '../../main/dev/web-host';
import { ROOT, tempDir } from '../e2e/harness';

let core: KioskCore;
let host: WebHost;
const rendererDir = path.join(ROOT, 'dist', 'renderer');

beforeAll(async () => {
  if (!existsSync(path.join(rendererDir, 'index.html'))) throw new Error('run `npm run build` first (npm test does)');
  core = createKioskCore({ dataDir: tempDir('kiosk-web-'), logger: silentLogger, appVersion: 'test', shell: 'web-dev', tickMs: 0 });
  host = await startWebHost({ router: core.router, events: core.events, rendererDir, logger: silentLogger });
});

afterAll(async () => {
  await host?.close();
  core?.close();
});

function get(p: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    // A raw path, so the client does not normalise "..".
    const req = http.request({ host: '127.0.0.1', port: host.port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(opts: { token?: string; origin?: string }): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ipc?token=${encodeURIComponent(opts.token ?? host.token)}`, {
    headers: { origin: opts.origin ?? `http://127.0.0.1:${host.port}` },
  });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function call(ws: WebSocket, msg: unknown): Promise<{ id: unknown; result: { ok: boolean; value?: unknown; error?: { code: string } } }> {
  return new Promise((resolve) => {
    ws.once('message', (d) => resolve(JSON.parse(d.toString())));
    ws.send(typeof msg === 'string' ? msg : JSON.stringify(msg));
  });
}

describe('development web shell', () => {
  it('listens on loopback only and serves the renderer with the CSP', async () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(res.body).toContain('<div id="root">');
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.headers['content-security-policy']).toContain(`ws://127.0.0.1:${host.port}`);
  });

  it('does not serve files outside the renderer folder', async () => {
    expect((await get('/../../package.json')).status).toBe(404);
    expect((await get('/%2e%2e/%2e%2e/package.json')).status).toBe(404);
    expect((await get('/assets/../../../package.json')).status).toBe(404);
  });

  it('refuses WebSocket connections without the launch token or from another origin', async () => {
    await expect(connect({ token: 'wrong' })).rejects.toThrow(/403/);
    await expect(connect({ origin: 'http://evil.example' })).rejects.toThrow(/403/);
  });

  it('carries the contract: a valid call works, malformed and invalid ones get coded errors', async () => {
    const ws = await connect({});
    const ok = await call(ws, { id: 1, channel: 'kiosk:session:checkIn', payload: { inviteCode: 'DEMO-7777', locale: 'en' } });
    expect(ok).toMatchObject({ id: 1, result: { ok: true, value: { state: 'checked_in' } } });
    // A code that cannot be an invite is a wrong code (the invite gate counts it); a bad locale is invalid input.
    const bad = await call(ws, { id: 2, channel: 'kiosk:session:checkIn', payload: { inviteCode: 'DEMO-7777', locale: 'fr' } });
    expect(bad).toMatchObject({ id: 2, result: { ok: false, error: { code: 'INVALID_INPUT' } } });
    const script = await call(ws, { id: 5, channel: 'kiosk:session:checkIn', payload: { inviteCode: '<script>', locale: 'en' } });
    expect(script).toMatchObject({ id: 5, result: { ok: false, error: { code: 'INVITE_NOT_FOUND' } } });
    const unknown = await call(ws, { id: 3, channel: 'kiosk:db:exec', payload: {} });
    expect(unknown).toMatchObject({ id: 3, result: { ok: false, error: { code: 'UNKNOWN_CHANNEL' } } });
    ws.close();
  });

  it('drops frames without a usable id instead of answering id:null, and keeps serving the socket', async () => {
    const ws = await connect({});
    ws.send('{not json');
    ws.send(JSON.stringify({ channel: 'kiosk:session:findResumable', payload: {} }));
    ws.send(JSON.stringify({ id: -1, channel: 'kiosk:session:findResumable', payload: {} }));
    ws.send(JSON.stringify({ id: 1.5, channel: 'kiosk:session:findResumable', payload: {} }));
    ws.send('['.repeat(100_000));
    const next = await call(ws, { id: 9, channel: 'kiosk:session:findResumable', payload: {} });
    expect(next.id).toBe(9);
    ws.close();
  });

  it('answers bad URL escapes, odd methods and huge headers with a status and keeps running', async () => {
    expect((await get('/%E0%A4%A')).status).toBe(400);
    expect((await get('/assets/%ZZ.js')).status).toBe(400);
    expect((await get('/%00.html')).status).toBe(400);
    const put = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: '/', method: 'PUT' }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', reject);
      req.end();
    });
    expect(put).toBe(405);
    const huge = await new Promise<number>((resolve) => {
      const req = http.request({ host: '127.0.0.1', port: host.port, path: '/', method: 'GET', headers: { 'x-big': 'a'.repeat(64 * 1024) } }, (res) => resolve(res.statusCode ?? 0));
      req.on('error', () => resolve(-1));
      req.end();
    });
    expect([431, 400, -1]).toContain(huge);
    expect((await get('/')).status).toBe(200);
  });
});

describe('packaged Electron bundle', () => {
  it('contains neither the development web shell nor its WebSocket server', async () => {
    const { readFileSync } = await import('node:fs');
    const bundle = readFileSync(path.join(ROOT, 'dist', 'main', 'main.cjs'), 'utf8');
    expect(bundle).toContain('kiosk:session:checkIn');
    expect(bundle).not.toMatch(/startWebHost|WebSocketServer|require\("ws"\)/);
  });
});
