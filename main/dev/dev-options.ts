/** Development and test knobs read from the environment (never used by the packaged kiosk). */
import { DEFAULT_INVITE_POLICY, type InviteGatePolicy } from '../services/session/invite-gate';
import type { MeasureDurations } from '../../preload/contract/precheck';

/**
 * KIOSK_DEV_INVITE_BASE_DELAY_MS: the first wait after the free wrong invite codes. The web shell
 * and the proctor tool read the same value, so they agree on the throttle's state; tests use a
 * long wait so that "the next try must wait" does not depend on the machine's speed.
 */
export function devInvitePolicy(env: NodeJS.ProcessEnv = process.env): InviteGatePolicy | undefined {
  const base = Number(env.KIOSK_DEV_INVITE_BASE_DELAY_MS ?? '0');
  if (!Number.isInteger(base) || base <= 0) return undefined;
  return { ...DEFAULT_INVITE_POLICY, baseDelayMs: base, maxDelayMs: Math.max(base, DEFAULT_INVITE_POLICY.maxDelayMs) };
}

/**
 * What KIOSK_DEV_PRECHECK_QUICK=1 sets: the page measures each device for a fraction of the
 * product's durations (camera 2.5 s, room 1.5 s, voice 4 s, tone 1.5 s). The end-to-end scenarios
 * that are not about the pre-check go through every step of it this way; the pre-check's own
 * scenarios (test/e2e/precheck.test.ts) measure for the full durations.
 */
export const QUICK_PRECHECK_MEASURE_MS: MeasureDurations = { cameraMs: 800, quietMs: 800, speakMs: 1200, toneMs: 400 };

export function devPrecheckMeasureMs(env: NodeJS.ProcessEnv = process.env): MeasureDurations | undefined {
  return env.KIOSK_DEV_PRECHECK_QUICK === '1' ? QUICK_PRECHECK_MEASURE_MS : undefined;
}
