/**
 * The web shell's guards at their edges: a token of the right length but wrong, a token that is
 * a prefix of the right one, no Origin header at all, a sibling folder whose name starts with the
 * renderer folder's name (a prefix check without a separator would serve it), and a malformed
 * percent-escape. Each test fails if its guard is weakened.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { silentLogger } from '../../main/common/logger';
import { startWebHost, type WebHost } from '../../main/dev/web-host';
import { tempDir } from '../e2e/harness';

let core: KioskCore;
let host: WebHost;
let siblingSecret = '';

beforeAll(async () => {
  core = createKioskCore({ dataDir: tempDir('kiosk-web-edge-'), logger: silentLogger, appVersion: 'test', shell: 'web-dev', tickMs: 0 });
  // A renderer folder of our own, with a sibling whose name extends it: <base>/renderer and <base>/renderer-private.
  const base = tempDir('kiosk-web-root-');
  mkdirSync(path.join(base, 'renderer'), { recursive: true });
  mkdirSync(path.join(base, 'renderer-private'), { recursive: true });
  writeFileSync(path.join(base, 'renderer', 'index.html'), '<!doctype html><div id="root"></div>');
  siblingSecret = `secret-${Date.now()}`;
  writeFileSync(path.join(base, 'renderer-private', 'secret.js'), siblingSecret);
  host = await startWebHost({ router: core.router, events: core.events, rendererDir: path.join(base, 'renderer'), logger: silentLogger });
});

afterAll(async () => {
  await host?.close();
  core?.close();
});

function get(p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens the IPC socket; resolves 'open' or the refusal's HTTP status. */
function connect(token: string, headers: Record<string, string>): Promise<string> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/ipc?token=${encodeURIComponent(token)}`, { headers });
  return new Promise((resolve) => {
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.once('error', (e) => resolve(`error ${e.message}`));
  });
}

const origin = () => ({ origin: `http://127.0.0.1:${host.port}` });

describe('web shell token and origin', () => {
  it('accepts the launch token from our origin (the control case)', async () => {
    expect(await connect(host.token, origin())).toBe('open');
  });

  it('refuses a wrong token of the same length, one differing only in its last character', async () => {
    const last = host.token.at(-1) === 'A' ? 'B' : 'A';
    const wrong = host.token.slice(0, -1) + last;
    expect(wrong).toHaveLength(host.token.length);
    expect(await connect(wrong, origin())).toBe('HTTP 403');
  });

  it('refuses a prefix of the token and the token with a character added', async () => {
    expect(await connect(host.token.slice(0, -1), origin())).toBe('HTTP 403');
    expect(await connect(`${host.token}A`, origin())).toBe('HTTP 403');
    expect(await connect('', origin())).toBe('HTTP 403');
  });

  it('refuses a connection with no Origin header at all', async () => {
    expect(await connect(host.token, {})).toBe('HTTP 403');
  });

  it('refuses an origin that only starts like ours', async () => {
    expect(await connect(host.token, { origin: `http://127.0.0.1:${host.port}.evil.example` })).toBe('HTTP 403');
    expect(await connect(host.token, { origin: `http://127.0.0.1:${host.port}/` })).toBe('HTTP 403');
  });
});

describe('web shell file serving', () => {
  it('serves the renderer folder (the control case)', async () => {
    expect(await get('/index.html')).toMatchObject({ status: 200, body: expect.stringContaining('id="root"') });
  });

  it('does not serve a sibling folder whose name starts with the renderer folder name', async () => {
    for (const p of ['/..%2frenderer-private/secret.js', '/..%2Frenderer-private%2Fsecret.js', '/%2e%2e%2frenderer-private/secret.js']) {
      const r = await get(p);
      expect(r.status, p).toBe(404);
      expect(r.body).not.toContain(siblingSecret);
    }
  });

  it('answers a malformed percent-escape with an error status and keeps serving', async () => {
    const r = await get('/%E0%A4%A.js');
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);
    expect((await get('/index.html')).status).toBe(200);
  });
});
