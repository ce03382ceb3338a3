/**
 * The pre-check service: runs the machine and network checks for a kiosk interview or an at-home
 * system check, streams progress, then judges the page's camera, microphone and speaker
 * measurements against the same policy and produces the report. In kiosk mode the result is
 * handed to the session (journaled; a blocking failure keeps the interview from starting).
 */
import {
  checkIds,
  type CheckId,
  type CheckResult,
  type InteractivePolicy,
  type MeasureDurations,
  type Overall,
  type PrecheckFinishRequest,
  type PrecheckMode,
  type PrecheckProgressEvent,
  type PrecheckReportView,
  type PrecheckRunView,
} from '../../../preload/contract/precheck';
import type { SessionView } from '../../../preload/contract/session';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import { devicesNeeded, type LoadedPack } from '../packs/pack-provider';
import { evaluateCamera, evaluateMicrophone, evaluateSpeakers, machineDeviceChecks } from './checks/devices';
import { integrityChecks } from './checks/integrity';
import { networkChecks } from './checks/network';
import { systemChecks } from './checks/system';
import type { MachineSources } from './machine-sources';
import { NetworkProbe, type NetworkProbeOptions } from './network-probe';
import { interactivePolicy, isBlocking, precheckInputFromPack, resolvePrecheckPolicy, type PrecheckPolicy } from './policy';
import { blockingFailures, overallOf, runChecks } from './runner';
import type { Check, CheckOutcome, PackNeeds } from './types';

/** Every non-interactive check, in the order reports list them. */
export const machineChecks: readonly Check[] = [...systemChecks, ...machineDeviceChecks, ...networkChecks, ...integrityChecks];

/** What the pre-check needs from the session service. */
export interface PrecheckSessions {
  /** The pack of a session that may run its pre-check now. */
  precheckPack(sessionId: string): Result<LoadedPack>;
  recordPrecheckRun(sessionId: string, run: PrecheckRunSummary): Result<SessionView>;
}

export interface PrecheckRunSummary {
  readonly runId: string;
  readonly overall: Overall;
  readonly blockingFailures: readonly CheckId[];
  readonly durationMs: number;
  readonly checks: ReadonlyArray<Pick<CheckResult, 'id' | 'status' | 'value' | 'unit' | 'remediationKey' | 'blocking'>>;
}

export interface MachineSession {
  readonly sources: MachineSources;
  close(): Promise<void>;
}

export interface PrecheckServiceDeps {
  readonly clock: Clock;
  readonly logger: Logger;
  readonly appVersion: string;
  readonly dataDir: string;
  /** Machine facts for one run; closed when the run ends (ends the worker thread). */
  readonly machine: () => MachineSession;
  readonly sessions: PrecheckSessions;
  /** The HR endpoint's base URL; null when none is configured. */
  readonly endpoint: (pack: LoadedPack | null) => string | null;
  /** The pack whose policy the at-home system check applies (the installed job, if any). */
  readonly homePack: LoadedPack | null;
  readonly emit?: (e: PrecheckProgressEvent) => void;
  readonly probeOptions?: Partial<NetworkProbeOptions>;
  readonly checks?: readonly Check[];
  readonly budgetMs?: number;
  /** Development web shell only: shorter device measurements for scenarios not about the pre-check. */
  readonly measureMs?: MeasureDurations;
}

interface RunRecord {
  readonly runId: string;
  readonly mode: PrecheckMode;
  readonly sessionId: string | null;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly checks: readonly CheckResult[];
  readonly policy: PrecheckPolicy;
  readonly needs: PackNeeds;
}

const KEEP_RUNS = 16;
/** A run's measurements go stale: the page must finish within this time or run again. */
export const RUN_TTL_MS = 15 * 60 * 1000;

/** What the interview asks of the machine, from its questions. */
export function packNeeds(pack: LoadedPack | null, policy: PrecheckPolicy): PackNeeds {
  const hourOfVideoMb = (60 * 60 * (policy.disk.videoKbps + policy.disk.audioKbps)) / 8 / 1024;
  if (!pack) return { camera: true, microphone: true, recordingMb: hourOfVideoMb };
  let kbits = 0;
  for (const q of pack.questions) {
    const mode = q.question.mode;
    if (mode === 'text') continue;
    const rate = mode === 'video' ? policy.disk.videoKbps + policy.disk.audioKbps : policy.disk.audioKbps;
    kbits += q.question.answerSeconds * (q.question.retakes + 1) * rate;
  }
  // A v2 pack's stages not released yet are not visible here (modes, durations): devices as
  // devicesNeeded says, and at least the unknown pack's hour of video on disk.
  const unreleased = pack.staged !== undefined && pack.staged.releasedStages < pack.staged.stages.length;
  return { ...devicesNeeded(pack), recordingMb: unreleased ? Math.max(kbits / 8 / 1024, hourOfVideoMb) : kbits / 8 / 1024 };
}

export function policyOf(pack: LoadedPack | null): PrecheckPolicy {
  return resolvePrecheckPolicy(pack ? precheckInputFromPack(pack.pack.policy) : undefined);
}

export class PrecheckService {
  private readonly log: Logger;
  private readonly runs = new Map<string, RunRecord>();

  constructor(private readonly deps: PrecheckServiceDeps) {
    this.log = deps.logger.scope('precheck');
  }

  async run(req: { runId: string; mode: PrecheckMode; sessionId?: string; displays?: ReadonlyArray<{ width: number; height: number }> }): Promise<Result<PrecheckRunView>> {
    const { clock } = this.deps;
    let pack: LoadedPack | null = this.deps.homePack;
    if (req.mode === 'kiosk') {
      if (!req.sessionId) return err('INVALID_INPUT', 'a kiosk pre-check belongs to a session');
      const target = this.deps.sessions.precheckPack(req.sessionId);
      if (!target.ok) return target;
      pack = target.value;
    }
    if (this.runs.has(req.runId)) return err('INVALID_INPUT', 'this pre-check run id was already used');
    const policy = policyOf(pack);
    const needs = packNeeds(pack, policy);
    const startedAt = clock.now();
    const t0 = performance.now();
    const endpoint = this.deps.endpoint(pack);
    let network: NetworkProbe | null = null;
    try {
      network = endpoint ? new NetworkProbe(endpoint, clock, this.deps.probeOptions) : null;
    } catch (e) {
      this.log.warn('the HR endpoint is not usable', { error: e instanceof Error ? e.message : String(e) });
    }
    const machine = this.deps.machine();
    const checks = this.deps.checks ?? machineChecks;
    let results: CheckResult[];
    try {
      results = await runChecks(
        checks,
        { policy, needs, machine: machine.sources, network, clock, dataDir: this.deps.dataDir, pageDisplays: req.displays ?? null },
        {
          budgetMs: this.deps.budgetMs,
          onProgress: (p) =>
            this.deps.emit?.({ runId: req.runId, checkId: p.checkId, phase: p.phase, status: p.result?.status, done: p.done, total: p.total }),
        },
      );
    } finally {
      network?.close();
      await machine.close().catch(() => undefined);
    }
    const durationMs = Math.round(performance.now() - t0);
    this.remember({ runId: req.runId, mode: req.mode, sessionId: req.sessionId ?? null, startedAt, durationMs, checks: results, policy, needs });
    this.log.info('pre-check run finished', { runId: req.runId, mode: req.mode, durationMs, statuses: summary(results) });
    return ok({ runId: req.runId, mode: req.mode, startedAt, durationMs, checks: results, interactive: this.interactive(policy, needs) });
  }

  /** The page's thresholds, and the development shell's shorter measuring times when it set them. */
  private interactive(policy: PrecheckPolicy, needs: PackNeeds): InteractivePolicy {
    const base = interactivePolicy(policy, needs);
    return this.deps.measureMs ? { ...base, measureMs: this.deps.measureMs } : base;
  }

  finish(req: PrecheckFinishRequest): Result<PrecheckReportView> {
    const run = this.runs.get(req.runId);
    const now = this.deps.clock.now();
    if (!run || now - run.startedAt > RUN_TTL_MS) return err('PRECHECK_RUN_UNKNOWN', 'this pre-check run is unknown or too old; run the check again');
    if (run.mode !== req.mode || run.sessionId !== (req.sessionId ?? null)) return err('INVALID_INPUT', 'the pre-check run belongs to another session or mode');
    const { policy, needs } = run;
    const interactive: Partial<Record<CheckId, CheckOutcome>> = {
      ...evaluateCamera(req.camera, policy, needs),
      ...evaluateMicrophone(req.microphone, policy, needs),
      speakers: evaluateSpeakers(req.speakers),
    };
    // The page saw the devices for itself; what it found replaces the operating system's listing.
    if (!req.camera) delete interactive['camera.present'];
    if (!req.microphone) delete interactive['microphone.present'];
    const fromPage: CheckResult[] = Object.entries(interactive).map(([id, o]) => {
      const checkId = id as CheckId;
      const outcome = o!;
      // In the kiosk a required device whose test was skipped must not slip through as a warning.
      const skippedRequired = run.mode === 'kiosk' && outcome.value === null && outcome.status === 'warn' && isRequiredDeviceCheck(checkId, needs) && outcome.remediationKey?.endsWith('notTested');
      return { ...outcome, status: skippedRequired ? 'fail' : outcome.status, id: checkId, blocking: isBlocking(checkId, policy, needs), durationMs: 0 };
    });
    const replaced = new Set(fromPage.map((r) => r.id));
    const checks = [...run.checks.filter((c) => !replaced.has(c.id)), ...fromPage].sort((a, b) => order(a.id) - order(b.id));
    const overall = overallOf(checks);
    const failures = blockingFailures(checks);
    let session: SessionView | null = null;
    if (run.mode === 'kiosk' && run.sessionId) {
      const recorded = this.deps.sessions.recordPrecheckRun(run.sessionId, {
        runId: run.runId,
        overall,
        blockingFailures: failures,
        durationMs: run.durationMs,
        checks: checks.map((c) => ({ id: c.id, status: c.status, value: c.value, unit: c.unit, remediationKey: c.remediationKey, blocking: c.blocking })),
      });
      if (!recorded.ok) return recorded;
      session = recorded.value;
    }
    this.runs.delete(run.runId);
    this.log.info('pre-check result', { runId: run.runId, mode: run.mode, overall, blocking: failures });
    return ok({
      runId: run.runId,
      mode: run.mode,
      overall,
      startedAt: run.startedAt,
      finishedAt: now,
      durationMs: run.durationMs,
      checks,
      blockingFailures: failures,
      appVersion: this.deps.appVersion,
      session,
    });
  }

  private remember(r: RunRecord): void {
    this.runs.set(r.runId, r);
    while (this.runs.size > KEEP_RUNS) {
      const oldest = this.runs.keys().next().value;
      if (oldest === undefined) break;
      this.runs.delete(oldest);
    }
  }
}

function order(id: CheckId): number {
  return checkIds.indexOf(id);
}

function isRequiredDeviceCheck(id: CheckId, needs: PackNeeds): boolean {
  return (id.startsWith('camera.') && needs.camera) || (id.startsWith('microphone.') && needs.microphone);
}

function summary(results: readonly CheckResult[]): Record<string, number> {
  const out: Record<string, number> = { pass: 0, warn: 0, fail: 0 };
  for (const r of results) out[r.status] = (out[r.status] ?? 0) + 1;
  return out;
}
