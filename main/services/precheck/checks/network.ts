/**
 * The network checks: the HR endpoint is reachable, latency, upload throughput, jitter, loss and
 * clock skew. They share one `NetworkProbe` per run (see network-probe.ts) and each waits only for
 * the part it needs, under its own time limit.
 */
import { atMost, atLeast, maxThreshold, minThreshold, unmeasured } from '../evaluate';
import type { NetworkProbe } from '../network-probe';
import type { Check, CheckContext, CheckOutcome } from '../types';

const NOT_CONFIGURED = 'precheck.fix.network.notConfigured';
const UNREACHABLE = 'precheck.fix.network.unreachable';

/** Runs `f` with the probe, or says why the network could not be measured. */
async function withProbe(ctx: CheckContext, threshold: CheckOutcome['threshold'], f: (p: NetworkProbe) => Promise<CheckOutcome>): Promise<CheckOutcome> {
  if (!ctx.network) return unmeasured('no HR endpoint is configured for this kiosk', threshold, NOT_CONFIGURED);
  const t = await ctx.network.time();
  if (!t.reachable) return unmeasured(`not measured: the HR endpoint cannot be reached (${t.error ?? 'unknown'})`, threshold, UNREACHABLE);
  return f(ctx.network);
}

export const reachableCheck: Check = {
  id: 'network.reachable',
  async run(ctx) {
    const threshold = { op: '=' as const, expect: true };
    if (!ctx.network) return unmeasured('no HR endpoint is configured for this kiosk', threshold, NOT_CONFIGURED);
    const t = await ctx.network.time();
    const host = ctx.network.base.host;
    if (!t.reachable) return { status: 'fail', value: false, threshold, remediationKey: UNREACHABLE, detail: `${host}: ${t.error ?? 'no answer'}`, data: { host } };
    return { status: 'pass', value: true, threshold, remediationKey: null, detail: `${host} answered in ${t.rttMs} ms`, data: { host } };
  },
};

export const latencyCheck: Check = {
  id: 'network.latency',
  run: (ctx) => {
    const b = ctx.policy.network.latencyMs;
    const threshold = maxThreshold(b, 'ms');
    return withProbe(ctx, threshold, async (probe) => {
      const p = await probe.pings();
      if (p.medianMs === null) return { status: 'fail', value: null, unit: 'ms', threshold, remediationKey: 'precheck.fix.network.latency', detail: `none of ${p.sent} requests was answered in time` };
      const status = atMost(p.medianMs, b);
      return { status, value: p.medianMs, unit: 'ms', threshold, remediationKey: status === 'pass' ? null : 'precheck.fix.network.latency', detail: `median round trip ${p.medianMs} ms over ${p.received} requests` };
    });
  },
};

export const jitterCheck: Check = {
  id: 'network.jitter',
  run: (ctx) => {
    const b = ctx.policy.network.jitterMs;
    const threshold = maxThreshold(b, 'ms');
    return withProbe(ctx, threshold, async (probe) => {
      const p = await probe.pings();
      if (p.jitterMs === null) return { ...unmeasured(`too few answers (${p.received}) to measure jitter`, threshold, 'precheck.fix.network.unstable'), unit: 'ms' };
      const status = atMost(p.jitterMs, b);
      return { status, value: p.jitterMs, unit: 'ms', threshold, remediationKey: status === 'pass' ? null : 'precheck.fix.network.unstable', detail: `round trips vary by ${p.jitterMs} ms on average` };
    });
  },
};

export const lossCheck: Check = {
  id: 'network.loss',
  async run(ctx) {
    const b = ctx.policy.network.lossPercent;
    const threshold = maxThreshold(b, '%');
    if (!ctx.network) return unmeasured('no HR endpoint is configured for this kiosk', threshold, NOT_CONFIGURED);
    const t = await ctx.network.time();
    // Nothing came back at all: that is total loss, not a missing measurement.
    if (!t.reachable) return { status: 'fail', value: 100, unit: '%', threshold, remediationKey: UNREACHABLE, detail: `no answers (${t.error ?? 'unknown'})` };
    const p = await ctx.network.pings();
    if (p.lossPercent === null) return unmeasured('no requests could be sent', threshold, 'precheck.fix.network.unstable');
    const status = atMost(p.lossPercent, b);
    return { status, value: p.lossPercent, unit: '%', threshold, remediationKey: status === 'pass' ? null : 'precheck.fix.network.unstable', detail: `${p.sent - p.received} of ${p.sent} requests lost` };
  },
};

export const uploadCheck: Check = {
  id: 'network.upload',
  run: (ctx) => {
    const b = ctx.policy.network.uploadMbps;
    const threshold = minThreshold(b, 'Mbps');
    return withProbe(ctx, threshold, async (probe) => {
      const u = await probe.upload();
      if (u.mbps === null) return { status: 'fail', value: null, unit: 'Mbps', threshold, remediationKey: 'precheck.fix.network.upload', detail: `no upload completed (${u.error ?? 'unknown'}) after ${u.attempts} attempt(s)` };
      const status = atLeast(u.mbps, b);
      return { status, value: u.mbps, unit: 'Mbps', threshold, remediationKey: status === 'pass' ? null : 'precheck.fix.network.upload', detail: `${Math.round(u.bytes / 1024)} KB uploaded in ${u.ms} ms`, data: { bytes: u.bytes } };
    });
  },
};

export const clockCheck: Check = {
  id: 'network.clock',
  run: (ctx) => {
    const b = ctx.policy.network.clockSkewMs;
    const threshold = maxThreshold(b, 'ms');
    return withProbe(ctx, threshold, async (probe) => {
      const t = await probe.time();
      if (t.offsetMs === null) return unmeasured('the server did not tell its time', threshold);
      const skew = Math.abs(t.offsetMs);
      const status = atMost(skew, b);
      return { status, value: skew, unit: 'ms', threshold, remediationKey: status === 'pass' ? null : 'precheck.fix.network.clock', detail: `this computer's clock is ${skew} ms ${t.offsetMs > 0 ? 'behind' : 'ahead of'} the server`, data: { offsetMs: t.offsetMs } };
    });
  },
};

export const networkChecks: readonly Check[] = [reachableCheck, latencyCheck, uploadCheck, jitterCheck, lossCheck, clockCheck];
