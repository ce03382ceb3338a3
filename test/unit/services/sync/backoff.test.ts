import { describe, expect, it } from 'vitest';
import { fullJitterDelay } from '../../../../main/services/sync/backoff';

describe('full-jitter backoff', () => {
  it('draws uniformly below min(5 min, 1 s · 2^attempt), never under 1 s', () => {
    expect(fullJitterDelay(0, () => 0)).toBe(1_000);
    expect(fullJitterDelay(0, () => 0.999)).toBe(1_000);
    expect(fullJitterDelay(3, () => 0.5)).toBe(4_000);
    expect(fullJitterDelay(3, () => 0.999)).toBe(7_992);
    expect(fullJitterDelay(20, () => 0.999)).toBe(299_700);
    expect(fullJitterDelay(1000, () => 0.999)).toBe(299_700);
    expect(fullJitterDelay(-5, () => 0.999)).toBe(1_000);
  });
  it('spreads retries: 1,000 kiosks at attempt 8 do not retry in the same second', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const seconds = new Set(Array.from({ length: 1000 }, () => Math.floor(fullJitterDelay(8, rnd) / 1000)));
    expect(seconds.size).toBeGreaterThan(150);
  });
});
