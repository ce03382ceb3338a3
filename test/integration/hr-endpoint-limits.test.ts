/**
 * The reference HR endpoint answers what the document promises at the edges, seen by an ordinary
 * fetch client: a body over the limit gets a 413 answer (not a connection reset), a wrong method a
 * 405 with Allow, HEAD /v1/health works without a token.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { demoHrEndpointOptions, startHrEndpointServer, type HrEndpointServer } from '../../main/dev/hr-endpoint-server';

const root = path.resolve(import.meta.dirname, '../..');
const token = (JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { hrEndpoint: { kioskToken: string } }).hrEndpoint.kioskToken;
const servers: HrEndpointServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function start(): Promise<HrEndpointServer> {
  const s = await startHrEndpointServer(demoHrEndpointOptions(root, 0));
  servers.push(s);
  return s;
}

describe('reference HR endpoint at the edges', () => {
  it.each([2 * 1024 * 1024, 6 * 1024 * 1024])('answers a %i-byte no-show body 413 TOO_LARGE instead of resetting the connection', async (size) => {
    const s = await start();
    const res = await fetch(`${s.url}/v1/no-shows`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': '0'.repeat(64) },
      body: JSON.stringify({ events: [{ pad: 'x'.repeat(size) }] }),
    });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ code: 'TOO_LARGE' });
  });

  it('answers a wrong method 405 with the documented methods in Allow', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/v1/no-shows`, { method: 'GET', headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(await res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  });

  it('answers HEAD /v1/health without a token and without a body', async () => {
    const s = await start();
    const res = await fetch(`${s.url}/v1/health`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('accepts the Bearer scheme in any case and answers an internal failure 500, never 400', async () => {
    const s = await startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), intercept: (op) => (op === 'getSchedule' ? 'throw' : undefined) });
    servers.push(s);
    const res = await fetch(`${s.url}/v1/centres/demo-centre/schedules/2026-11-23`, { headers: { authorization: `bEaReR ${token}` } });
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: 'INTERNAL' });
  });
});
