/** Development and test knobs read from the environment (never used by the packaged kiosk). */
import { DEFAULT_INVITE_POLICY, type InviteGatePolicy } from '../services/session/invite-gate';

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
