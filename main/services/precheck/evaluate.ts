/** Small helpers the checks share to turn a measurement and a bound into an outcome. */
import type { CheckStatus, Threshold } from '../../../preload/contract/precheck';
import type { Bound } from './policy';
import type { CheckOutcome } from './types';

/** Higher is better: below `fail` fails, below `warn` warns. */
export function atLeast(value: number, b: Bound): CheckStatus {
  if (value < b.fail) return 'fail';
  if (value < b.warn) return 'warn';
  return 'pass';
}

/** Lower is better: above `fail` fails, above `warn` warns. */
export function atMost(value: number, b: Bound): CheckStatus {
  if (value > b.fail) return 'fail';
  if (value > b.warn) return 'warn';
  return 'pass';
}

export function minThreshold(b: Bound, unit?: string): Threshold {
  return { op: '>=', fail: b.fail, warn: b.warn, ...(unit ? { unit } : {}) };
}

export function maxThreshold(b: Bound, unit?: string): Threshold {
  return { op: '<=', fail: b.fail, warn: b.warn, ...(unit ? { unit } : {}) };
}

/** A check that could not measure what it needed: a warning, never a silent pass. */
export function unmeasured(detail: string, threshold: Threshold | null = null, remediationKey = 'precheck.fix.unmeasured'): CheckOutcome {
  return { status: 'warn', value: null, threshold, remediationKey, detail };
}

/** Compares dotted versions numerically ("10.0.19045" vs "10.0.17763"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => parseInt(x, 10));
  const pb = b.split(/[.-]/).map((x) => parseInt(x, 10));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.isFinite(pa[i]) ? pa[i]! : 0;
    const y = Number.isFinite(pb[i]) ? pb[i]! : 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** `p`'s value, or `fallback` if it has not settled (or failed) within `ms`. */
export function settleWithin<T>(p: Promise<T>, ms: number, fallback: T): Promise<T> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(fallback), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      () => {
        clearTimeout(t);
        resolve(fallback);
      },
    );
  });
}

export function errorText(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}
