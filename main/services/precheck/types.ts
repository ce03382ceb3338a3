/**
 * The shape of a pre-check check, in the style of Mattermost's diagnostics steps: a small object
 * with an id and `run(ctx)` returning a status, the measured value, the threshold it was held to
 * and the remediation text key. The runner adds timing, the blocking flag and timeouts.
 */
import type { CheckId, CheckResult } from '../../../preload/contract/precheck';
import type { Clock } from '../../common/clock';
import type { MachineSources } from './machine-sources';
import type { NetworkProbe } from './network-probe';
import type { PrecheckPolicy } from './policy';

export type CheckOutcome = Omit<CheckResult, 'id' | 'blocking' | 'durationMs'>;

/** What the pack asks of this machine. */
export interface PackNeeds {
  readonly camera: boolean;
  readonly microphone: boolean;
  /** Megabytes the recordings of this interview may take (all attempts). */
  readonly recordingMb: number;
}

export interface CheckContext {
  readonly policy: PrecheckPolicy;
  readonly needs: PackNeeds;
  readonly machine: MachineSources;
  /** Null when no HR endpoint is configured. */
  readonly network: NetworkProbe | null;
  readonly clock: Clock;
  /** Aborted when the check's time is up; long operations should stop. */
  readonly signal: AbortSignal;
  /** Where the kiosk stores recordings (free space is measured there). */
  readonly dataDir: string;
  /** Displays as the page sees them, a fallback when main cannot list them. */
  readonly pageDisplays: ReadonlyArray<{ width: number; height: number }> | null;
}

export interface Check {
  readonly id: CheckId;
  run(ctx: CheckContext): Promise<CheckOutcome> | CheckOutcome;
}
