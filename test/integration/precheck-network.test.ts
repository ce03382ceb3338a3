/**
 * The six network checks against a real HTTP server on loopback, with each fault the server can
 * simulate, through the same runner and time limits the kiosk uses.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckId, CheckResult } from '../../preload/contract/precheck';
import { systemClock } from '../../main/common/clock';
import { startNetworkTestServer, type NetworkConditions, type NetworkFault, type NetworkTestServer } from '../../main/dev/network-test-server';
import { networkChecks } from '../../main/services/precheck/checks/network';
import { NetworkProbe } from '../../main/services/precheck/network-probe';
import { DEFAULT_PRECHECK_POLICY } from '../../main/services/precheck/policy';
import { runChecks } from '../../main/services/precheck/runner';
import { FakeMachine } from '../unit/services/precheck/fake-machine';

let server: NetworkTestServer;
beforeAll(async () => {
  server = await startNetworkTestServer();
});
afterAll(async () => {
  await server.close();
});

async function measure(endpoint: string): Promise<Record<CheckId, CheckResult> & { elapsedMs: number }> {
  const probe = new NetworkProbe(endpoint, systemClock);
  const t0 = performance.now();
  try {
    const results = await runChecks(networkChecks, {
      policy: DEFAULT_PRECHECK_POLICY,
      needs: { camera: true, microphone: true, recordingMb: 100 },
      machine: new FakeMachine(),
      network: probe,
      clock: systemClock,
      dataDir: '/tmp',
      pageDisplays: null,
    });
    return Object.assign(Object.fromEntries(results.map((r) => [r.id, r])) as Record<CheckId, CheckResult>, { elapsedMs: performance.now() - t0 });
  } finally {
    probe.close();
  }
}

async function under(fault: NetworkFault, adjust?: Partial<NetworkConditions>) {
  server.setFault(fault, adjust);
  return measure(server.url);
}

const statuses = (r: Record<CheckId, CheckResult>) => Object.fromEntries(Object.values(r).filter((v) => typeof v === 'object' && v.id.startsWith('network.')).map((v) => [v.id, v.status]));

describe('network checks against the loopback server', () => {
  it('all pass on a healthy connection', async () => {
    const r = await under('none');
    expect(statuses(r)).toEqual({
      'network.reachable': 'pass',
      'network.latency': 'pass',
      'network.upload': 'pass',
      'network.jitter': 'pass',
      'network.loss': 'pass',
      'network.clock': 'pass',
    });
    expect(r['network.upload'].value as number).toBeGreaterThan(10);
    expect(r['network.loss'].value).toBe(0);
    expect(Math.abs(r['network.clock'].value as number)).toBeLessThan(100);
  });

  it('unreachable: reachability and loss fail, the rest say they could not measure, all fast', async () => {
    const r = await under('unreachable');
    expect(r['network.reachable']).toMatchObject({ status: 'fail', value: false, remediationKey: 'precheck.fix.network.unreachable' });
    expect(r['network.loss']).toMatchObject({ status: 'fail', value: 100 });
    for (const id of ['network.latency', 'network.upload', 'network.jitter', 'network.clock'] as const) {
      expect(r[id]).toMatchObject({ status: 'warn', value: null, remediationKey: 'precheck.fix.network.unreachable' });
    }
    expect(r.elapsedMs).toBeLessThan(3000);
  });

  it('slow: latency warns and the throttled upload fails', async () => {
    const r = await under('slow');
    expect(r['network.reachable'].status).toBe('pass');
    expect(r['network.latency']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.network.latency' });
    expect(r['network.latency'].value as number).toBeGreaterThan(400);
    expect(r['network.upload']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.network.upload' });
    expect(r['network.upload'].value as number).toBeLessThan(0.5);
    expect(r.elapsedMs).toBeLessThan(9500);
  });

  it('dropping: a third of the requests lost fails the loss check', async () => {
    const r = await under('dropping');
    expect(r['network.reachable'].status).toBe('pass');
    expect(r['network.loss']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.network.unstable' });
    expect(r['network.loss'].value as number).toBeGreaterThan(10);
  });

  it('one lost request in ten warns', async () => {
    // Requests 1–3 are the time samples, 4–13 the latency series: the 8th is dropped.
    const r = await under('none', { dropEvery: 8 });
    expect(r['network.loss']).toMatchObject({ status: 'warn', value: 10 });
  });

  it('a round trip over a second fails the latency check', async () => {
    const r = await under('none', { latencyMs: 1100 });
    expect(r['network.latency']).toMatchObject({ status: 'fail' });
    expect(r['network.latency'].value as number).toBeGreaterThan(1000);
    expect(r.elapsedMs).toBeLessThan(9500);
  });

  it('alternating round trips warn and then fail the jitter check', async () => {
    expect((await under('none', { jitterMs: 100 }))['network.jitter']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.network.unstable' });
    const r = await under('none', { jitterMs: 260 });
    expect(r['network.jitter'].status).toBe('fail');
    expect(r['network.jitter'].value as number).toBeGreaterThan(150);
  });

  it('a modest upload rate warns', async () => {
    const r = await under('none', { uploadBytesPerSec: 150_000 });
    expect(r['network.upload'].status).toBe('warn');
    expect(r['network.upload'].value as number).toBeGreaterThan(0.5);
    expect(r['network.upload'].value as number).toBeLessThan(1.5);
  });

  it('clock skew warns at seconds and fails at minutes', async () => {
    const warn = await under('none', { clockOffsetMs: 5000 });
    expect(warn['network.clock']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.network.clock' });
    expect(Math.abs((warn['network.clock'].value as number) - 5000)).toBeLessThan(100);
    const fail = await under('none', { clockOffsetMs: -120_000 });
    expect(fail['network.clock'].status).toBe('fail');
    expect(fail['network.clock'].data).toMatchObject({ offsetMs: expect.any(Number) });
  });

  it('a server that accepts and never answers is unreachable after the first sample times out', async () => {
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((s) => sockets.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const r = await measure(`http://127.0.0.1:${port}/`);
      expect(r['network.reachable']).toMatchObject({ status: 'fail', detail: expect.stringContaining('timeout') });
      expect(r.elapsedMs).toBeLessThan(3500);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('nothing listening is unreachable at once (connection refused)', async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const r = await measure(`http://127.0.0.1:${port}/`);
    expect(r['network.reachable']).toMatchObject({ status: 'fail', detail: expect.stringContaining('refused') });
    expect(r.elapsedMs).toBeLessThan(1000);
  });
});

describe('the network test server', () => {
  it('listens on loopback only and refuses oversized uploads', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    server.setFault('none');
    const small = await startNetworkTestServer({ maxUploadBytes: 1024 });
    try {
      const res = await fetch(new URL('precheck/upload', small.url), { method: 'POST', body: new Uint8Array(4096) });
      expect(res.status).toBe(413);
      const time = (await (await fetch(new URL('precheck/time', small.url))).json()) as { now: number };
      expect(Math.abs(time.now - Date.now())).toBeLessThan(1000);
      expect((await fetch(new URL('nope', small.url))).status).toBe(404);
    } finally {
      await small.close();
    }
  });
});
