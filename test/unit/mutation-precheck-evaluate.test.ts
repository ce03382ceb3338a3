/**
 * The pre-check's shared verdict helpers (main/services/precheck/evaluate.ts), each bound tested
 * on both sides of its edge for mutation testing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { atLeast, atMost, compareVersions, errorText, maxThreshold, minThreshold, settleWithin, unmeasured } from '../../main/services/precheck/evaluate';

const bound = { fail: 10, warn: 20 };

describe('pre-check verdicts', () => {
  it('atLeast: below fail fails, from fail up to below warn warns, from warn on passes', () => {
    expect(atLeast(9.99, bound)).toBe('fail');
    expect(atLeast(10, bound)).toBe('warn');
    expect(atLeast(19.99, bound)).toBe('warn');
    expect(atLeast(20, bound)).toBe('pass');
    expect(atLeast(1e9, bound)).toBe('pass');
  });

  it('atMost: above fail fails, above warn up to fail warns, up to warn passes', () => {
    const b = { fail: 200, warn: 100 };
    expect(atMost(200.01, b)).toBe('fail');
    expect(atMost(200, b)).toBe('warn');
    expect(atMost(100.01, b)).toBe('warn');
    expect(atMost(100, b)).toBe('pass');
    expect(atMost(-5, b)).toBe('pass');
  });

  it('thresholds carry the operator, both bounds, and the unit only when given', () => {
    expect(minThreshold(bound, 'MB')).toEqual({ op: '>=', fail: 10, warn: 20, unit: 'MB' });
    expect(minThreshold(bound)).toEqual({ op: '>=', fail: 10, warn: 20 });
    expect('unit' in minThreshold(bound, '')).toBe(false);
    expect(maxThreshold(bound, 'ms')).toEqual({ op: '<=', fail: 10, warn: 20, unit: 'ms' });
    expect(maxThreshold(bound)).toEqual({ op: '<=', fail: 10, warn: 20 });
    expect('unit' in maxThreshold(bound, '')).toBe(false);
  });

  it('an unmeasured check warns with its detail, never passes', () => {
    expect(unmeasured('no sensor')).toEqual({ status: 'warn', value: null, threshold: null, remediationKey: 'precheck.fix.unmeasured', detail: 'no sensor' });
    const t = minThreshold(bound);
    expect(unmeasured('x', t, 'precheck.fix.other')).toEqual({ status: 'warn', value: null, threshold: t, remediationKey: 'precheck.fix.other', detail: 'x' });
  });
});

describe('compareVersions', () => {
  it('compares each dotted or dashed part as a number', () => {
    expect(compareVersions('10.0.19045', '10.0.17763')).toBe(1);
    expect(compareVersions('10.0.17763', '10.0.19045')).toBe(-1);
    expect(compareVersions('9.10', '9.9')).toBe(1);
    expect(compareVersions('1-2', '1.3')).toBe(-1);
    expect(compareVersions('2.0', '2.0')).toBe(0);
  });

  it('a missing or non-numeric part counts as 0, and every part is compared', () => {
    expect(compareVersions('10', '10.0.0')).toBe(0);
    expect(compareVersions('10.0.1', '10')).toBe(1);
    expect(compareVersions('10', '10.0.1')).toBe(-1);
    expect(compareVersions('1.x.3', '1.0.3')).toBe(0);
    expect(compareVersions('1.0.0.0.5', '1.0.0.0.4')).toBe(1);
  });
});

describe('settleWithin', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the value when it settles in time, and does not leave the timer behind', async () => {
    vi.useFakeTimers();
    const p = settleWithin(Promise.resolve(7), 1000, -1);
    await expect(p).resolves.toBe(7);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives the fallback when the promise rejects, without waiting', async () => {
    vi.useFakeTimers();
    const p = settleWithin(Promise.reject(new Error('x')), 1000, -1);
    await expect(p).resolves.toBe(-1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives the fallback at the deadline, not before', async () => {
    vi.useFakeTimers();
    let settled: number | undefined;
    void settleWithin(new Promise<number>(() => undefined), 1000, -1).then((v) => (settled = v));
    await vi.advanceTimersByTimeAsync(999);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(settled).toBe(-1);
  });
});

describe('errorText', () => {
  it("is an Error's message or the value as text, cut at 300 characters", () => {
    expect(errorText(new Error('disk gone'))).toBe('disk gone');
    expect(errorText('plain')).toBe('plain');
    expect(errorText(42)).toBe('42');
    expect(errorText(new Error('x'.repeat(301)))).toBe('x'.repeat(300));
    expect(errorText('y'.repeat(500))).toHaveLength(300);
  });
});
