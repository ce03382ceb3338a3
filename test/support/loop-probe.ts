/**
 * How much the main loop was blocked while some work ran. Two measures side by side:
 * - busy stretches: every 5 ms tick reads the loop's active time since the previous tick
 *   (eventLoopUtilization); synchronous work on the loop shows up in full, while time the process
 *   merely waited for a CPU on a loaded machine does not;
 * - monitorEventLoopDelay, which sees both (reported, and compared with an idle baseline).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

export interface LoopReport {
  /** Longest stretch the main loop spent running code without returning to poll (ms). */
  readonly maxBusyMs: number;
  /** How late 5 ms timers fired (includes the OS scheduler's delays). */
  readonly delayP99Ms: number;
  readonly delayMaxMs: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

export async function loopDuring(work: () => Promise<unknown>): Promise<LoopReport> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  let prev = performance.eventLoopUtilization();
  let maxBusy = 0;
  const probe = setInterval(() => {
    const now = performance.eventLoopUtilization();
    maxBusy = Math.max(maxBusy, performance.eventLoopUtilization(now, prev).active);
    prev = now;
  }, 5);
  h.enable();
  try {
    await work();
  } finally {
    h.disable();
    clearInterval(probe);
  }
  const last = performance.eventLoopUtilization(performance.eventLoopUtilization(), prev).active;
  return { maxBusyMs: r1(Math.max(maxBusy, last)), delayP99Ms: r1(h.percentile(99) / 1e6), delayMaxMs: r1(h.max / 1e6) };
}
