/** Full-jitter exponential backoff: a uniform delay in [0, min(cap, base·2^attempt)], at least `floor`. */
export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 5 * 60_000;

export function fullJitterDelay(attempt: number, random: () => number, base = BACKOFF_BASE_MS, cap = BACKOFF_CAP_MS): number {
  const ceiling = Math.min(cap, base * 2 ** Math.min(Math.max(attempt, 0), 30));
  // The 1 s floor keeps a failing hub from being hammered when the draw is near 0.
  return Math.max(base, Math.floor(random() * ceiling));
}
