/**
 * The conformance kit (`npm run hr:conformance`) passes against the reference HR endpoint and
 * fails, naming the rule, against a deliberately wrong one.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { demoHrEndpointOptions, startHrEndpointServer } from '../../main/dev/hr-endpoint-server';
import { runConformance, type ConformanceOptions } from '../contract/hr-conformance';

const root = path.resolve(import.meta.dirname, '../..');
const read = <T>(f: string): T => JSON.parse(readFileSync(path.join(root, 'build/provisioning', f), 'utf8')) as T;
const prov = read<{ kioskId: string; centreId: string; hrEndpoint: { kioskToken: string } }>('demo-provisioning.json');
const pack = read<{ packId: string; packHash: string }>('software-engineer.key.json');
const hrKey = read<{ publicKey: string }>('demo-hr-endpoint-key.json');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function reference(): Promise<string> {
  const s = await startHrEndpointServer(demoHrEndpointOptions(root, 0));
  closers.push(() => s.close());
  return s.url;
}

const options = (url: string): ConformanceOptions => ({ url, token: prov.hrEndpoint.kioskToken, invite: 'DEMO-2026', kioskId: prov.kioskId, centreId: prov.centreId, packId: pack.packId, packHash: pack.packHash, hrPublicKey: hrKey.publicKey, noShowInvite: 'CONF-0001' });

/**
 * The reference server behind a forwarder that gets three things wrong, as integrators do: the
 * Bearer scheme is matched case-sensitively, the pre-check clock answers a string, and a wrong
 * method gets 404 instead of 405.
 */
async function wrongEndpoint(upstream: string): Promise<string> {
  const up = new URL(upstream);
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (/^bearer /.test(req.headers.authorization ?? '')) return send(401, { code: 'UNAUTHORIZED', message: 'scheme must be Bearer' });
    if (req.url === '/precheck/time') return send(200, { now: new Date().toISOString() });
    if (req.method === 'DELETE') return send(404, { code: 'NOT_FOUND', message: 'no route' });
    const fwd = http.request({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    fwd.on('error', () => res.destroy());
    req.pipe(fwd);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('HR endpoint conformance kit', () => {
  it('passes every rule against the reference server, the kiosk unlock and no-show idempotency included', async () => {
    const report = await runConformance(options(await reference()));
    expect(report.rules.filter((r) => r.outcome !== 'pass')).toEqual([]);
    expect(report.conformant).toBe(true);
    expect(report.rules.map((r) => r.rule)).toEqual(expect.arrayContaining(['UNLOCK-KIOSK', 'BODY-413', 'NOSHOW-CONFLICT-409', 'PRECHECK-UPLOAD', 'METHOD-405', 'HEALTH-HEAD', 'INCIDENT-RECORD', 'INCIDENT-CONFLICT-409']));
  });

  it('fails against a deliberately wrong endpoint and names the rules it breaks', async () => {
    const report = await runConformance(options(await wrongEndpoint(await reference())));
    expect(report.conformant).toBe(false);
    expect([...report.failedRules].sort()).toEqual(['AUTH-SCHEME-CASE', 'METHOD-405', 'PRECHECK-TIME']);
    expect(report.rules.find((r) => r.rule === 'PRECHECK-TIME')?.detail).toMatch(/now must be integer/);
  });

  it('runs as a CLI: readable report, JSON last line, exit 1 when the endpoint does not conform', async () => {
    const url = await wrongEndpoint(await reference());
    const o = options(url);
    const args = ['--import', 'tsx', 'test/contract/hr-conformance.ts', '--url', url, '--token', o.token, '--invite', o.invite, '--kiosk-id', o.kioskId, '--centre-id', o.centreId, '--pack-id', o.packId, '--pack-hash', o.packHash];
    const r = await promisify(execFile)(process.execPath, args, { cwd: root }).then(
      (ok) => ({ code: 0, stdout: ok.stdout }),
      (e: { code: number; stdout: string }) => ({ code: e.code, stdout: e.stdout }),
    );
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    expect(lines.some((l) => l.startsWith('FAIL AUTH-SCHEME-CASE'))).toBe(true);
    expect(lines.some((l) => l.startsWith('SKIP NOSHOW-ACCEPT') && l.includes('--no-show-invite'))).toBe(true);
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({ conformant: false, failedRules: ['METHOD-405', 'AUTH-SCHEME-CASE', 'PRECHECK-TIME'] });
  }, 30_000);
});
