/**
 * The pre-check contract: check ids, one check's result, the pack's pre-check policy (every field
 * optional in a pack; main fills in defaults), what the renderer measures in the browser, and the
 * run/finish/reschedule requests and responses. Pure zod, shared by every process.
 */
import { z } from 'zod';
import { SessionId, Timestamp } from './common';
import { SessionView } from './session';

// ---------------------------------------------------------------- checks

export const checkIds = [
  'os',
  'cpu',
  'memory',
  'disk',
  'displays',
  'camera.present',
  'camera.frames',
  'camera.image',
  'microphone.present',
  'microphone.level',
  'speakers',
  'network.reachable',
  'network.latency',
  'network.upload',
  'network.jitter',
  'network.loss',
  'network.clock',
  'vm',
  'remote_desktop',
  'processes',
  'power',
] as const;
export const CheckId = z.enum(checkIds);
export type CheckId = z.infer<typeof CheckId>;

/** Checks measured in the browser with the candidate taking part; everything else runs in main. */
export const interactiveCheckIds = ['camera.frames', 'camera.image', 'microphone.level', 'speakers'] as const satisfies readonly CheckId[];

export const CheckGroup = z.enum(['system', 'devices', 'network', 'integrity']);
export type CheckGroup = z.infer<typeof CheckGroup>;

export function groupOf(id: CheckId): CheckGroup {
  if (id.startsWith('network.')) return 'network';
  if (id.startsWith('camera.') || id.startsWith('microphone.') || id === 'speakers') return 'devices';
  if (id === 'vm' || id === 'remote_desktop' || id === 'processes' || id === 'power') return 'integrity';
  return 'system';
}

export const CheckStatus = z.enum(['pass', 'warn', 'fail']);
export type CheckStatus = z.infer<typeof CheckStatus>;

export const Scalar = z.union([z.number(), z.string().max(500), z.boolean(), z.null()]);
export type Scalar = z.infer<typeof Scalar>;

/**
 * The bound a value is held to. `>=`: below `fail` fails, below `warn` warns. `<=`: above `fail`
 * fails, above `warn` warns. `=`: the value must equal `expect`. `none`: a finding (a VM, a
 * running process) judged by the policy mode in `expect` (allow | flag | forbid).
 */
export const Threshold = z.object({
  op: z.enum(['>=', '<=', '=', 'none']),
  fail: Scalar.optional(),
  warn: Scalar.optional(),
  expect: Scalar.optional(),
  unit: z.string().max(16).optional(),
});
export type Threshold = z.infer<typeof Threshold>;

export const RemediationKey = z.string().regex(/^precheck\.fix\.[\w.]+$/).max(80);

export const CheckResult = z.object({
  id: CheckId,
  status: CheckStatus,
  /** The measured value (null when it could not be measured). */
  value: Scalar,
  unit: z.string().max(16).optional(),
  threshold: Threshold.nullable(),
  /** i18n key of what the candidate can do; null when there is nothing to do. */
  remediationKey: RemediationKey.nullable(),
  /** Technical one-liner for HR and support (English, no personal data). */
  detail: z.string().max(500),
  /** Extra measurements for the saved report. */
  data: z.record(z.string().max(40), Scalar).optional(),
  blocking: z.boolean(),
  durationMs: z.number().int().nonnegative(),
});
export type CheckResult = z.infer<typeof CheckResult>;

export const Overall = z.enum(['READY', 'READY_WITH_WARNINGS', 'NOT_READY']);
export type Overall = z.infer<typeof Overall>;

// ---------------------------------------------------------------- policy (in the pack: policy.precheck)

const MinBound = z.object({ fail: z.number().nonnegative(), warn: z.number().nonnegative() }).partial();
const MaxBound = MinBound;
export const FindingMode = z.enum(['allow', 'flag', 'forbid']);
export type FindingMode = z.infer<typeof FindingMode>;

/** As a pack writes it: every field optional; main's defaults fill the rest. */
export const PrecheckPolicyInput = z
  .object({
    /** Checks whose failure stops the interview. Absent: the kiosk's default list. */
    blocking: z.array(CheckId).max(checkIds.length),
    os: z.object({ minVersion: z.object({ win32: z.string().max(20), darwin: z.string().max(20), linux: z.string().max(20) }).partial() }).partial(),
    cpuCores: MinBound,
    freeMemoryMb: MinBound,
    disk: z
      .object({
        videoKbps: z.number().int().positive().max(100_000),
        audioKbps: z.number().int().positive().max(10_000),
        marginMb: z.number().int().nonnegative().max(1_000_000),
        /** An absolute floor, whatever the recordings need. */
        minFreeMb: z.number().int().nonnegative().max(10_000_000),
      })
      .partial(),
    displays: z
      .object({
        maxCount: z.number().int().min(1).max(16),
        minWidth: z.number().int().min(320).max(10_000),
        minHeight: z.number().int().min(240).max(10_000),
      })
      .partial(),
    camera: z
      .object({
        minWidth: z.number().int().min(160).max(8000),
        minHeight: z.number().int().min(120).max(8000),
        recommendedWidth: z.number().int().min(160).max(8000),
        recommendedHeight: z.number().int().min(120).max(8000),
        minFps: z.number().min(1).max(120),
        recommendedFps: z.number().min(1).max(120),
      })
      .partial(),
    microphone: z.object({ speechOverNoiseDb: MinBound, maxNoiseFloorDb: z.number().min(-120).max(0) }).partial(),
    network: z
      .object({
        latencyMs: MaxBound,
        uploadMbps: MinBound,
        jitterMs: MaxBound,
        lossPercent: MaxBound,
        clockSkewMs: MaxBound,
      })
      .partial(),
    virtualMachine: FindingMode,
    remoteDesktop: FindingMode,
    prohibitedProcesses: z.array(z.string().min(1).max(100)).max(200),
    power: z.object({ batteryPercent: MinBound, requireMains: z.boolean() }).partial(),
    timeoutsMs: z.partialRecord(CheckId, z.number().int().min(100).max(9000)),
  })
  .partial();
export type PrecheckPolicyInput = z.infer<typeof PrecheckPolicyInput>;

/**
 * How long the page measures each device. Absent means the product's own durations (camera
 * 2.5 s, room 1.5 s, voice 4 s, tone 1.5 s); only the development web shell sets it, for
 * end-to-end scenarios that are not about the pre-check (KIOSK_DEV_PRECHECK_QUICK).
 */
export const MeasureDurations = z.strictObject({
  cameraMs: z.number().int().min(200).max(10_000),
  quietMs: z.number().int().min(400).max(10_000),
  speakMs: z.number().int().min(200).max(20_000),
  toneMs: z.number().int().min(300).max(5_000),
});
export type MeasureDurations = z.infer<typeof MeasureDurations>;

/** What the browser-side checks need to know before measuring. */
export const InteractivePolicy = z.object({
  camera: z.object({ required: z.boolean(), minWidth: z.number(), minHeight: z.number(), minFps: z.number() }),
  microphone: z.object({ required: z.boolean(), speechOverNoiseDb: z.number() }),
  measureMs: MeasureDurations.optional(),
});
export type InteractivePolicy = z.infer<typeof InteractivePolicy>;

// ---------------------------------------------------------------- what the browser measures

const Permission = z.enum(['granted', 'denied', 'missing', 'busy', 'error', 'unsupported']);
export type DevicePermission = z.infer<typeof Permission>;

export const CameraMeasurement = z.strictObject({
  permission: Permission,
  devices: z.number().int().nonnegative().max(64),
  width: z.number().int().nonnegative().max(20_000),
  height: z.number().int().nonnegative().max(20_000),
  fps: z.number().nonnegative().max(1000),
  framesSampled: z.number().int().nonnegative().max(100_000),
  /** Mean luma 0..255 over the sampled frames. */
  meanLuma: z.number().min(0).max(255),
  /** Mean absolute luma change between consecutive samples, 0..255 (0 = frozen). */
  meanFrameDiff: z.number().min(0).max(255),
});
export type CameraMeasurement = z.infer<typeof CameraMeasurement>;

export const MicrophoneMeasurement = z.strictObject({
  permission: Permission,
  devices: z.number().int().nonnegative().max(64),
  trackMuted: z.boolean(),
  /** dBFS while the candidate stays quiet (-120 = digital silence). */
  noiseFloorDb: z.number().min(-120).max(0),
  /** dBFS of the loud part while the candidate says their name. */
  speechDb: z.number().min(-120).max(0),
});
export type MicrophoneMeasurement = z.infer<typeof MicrophoneMeasurement>;

export const SpeakerMeasurement = z.strictObject({
  played: z.boolean(),
  /** The candidate's answer; null when they did not answer. */
  heard: z.boolean().nullable(),
  outputDevices: z.number().int().nonnegative().max(64).nullable(),
});
export type SpeakerMeasurement = z.infer<typeof SpeakerMeasurement>;

export const Display = z.strictObject({ width: z.number().int().nonnegative().max(100_000), height: z.number().int().nonnegative().max(100_000) });

export const PrecheckMode = z.enum(['kiosk', 'home']);
export type PrecheckMode = z.infer<typeof PrecheckMode>;

// ---------------------------------------------------------------- requests and responses

export const PrecheckRunRequest = z.strictObject({
  runId: z.string().uuid(),
  mode: PrecheckMode,
  sessionId: SessionId.optional(),
  /** What the page sees (a fallback when main cannot list displays). */
  displays: z.array(Display).max(16).optional(),
});

export const PrecheckRunView = z.object({
  runId: z.string().uuid(),
  mode: PrecheckMode,
  startedAt: Timestamp,
  durationMs: z.number().int().nonnegative(),
  checks: z.array(CheckResult),
  interactive: InteractivePolicy,
});
export type PrecheckRunView = z.infer<typeof PrecheckRunView>;

export const PrecheckFinishRequest = z.strictObject({
  runId: z.string().uuid(),
  mode: PrecheckMode,
  sessionId: SessionId.optional(),
  camera: CameraMeasurement.nullable(),
  microphone: MicrophoneMeasurement.nullable(),
  speakers: SpeakerMeasurement.nullable(),
});
export type PrecheckFinishRequest = z.infer<typeof PrecheckFinishRequest>;

export const PrecheckReportView = z.object({
  runId: z.string().uuid(),
  mode: PrecheckMode,
  overall: Overall,
  startedAt: Timestamp,
  finishedAt: Timestamp,
  /** Time the non-interactive checks took. */
  durationMs: z.number().int().nonnegative(),
  checks: z.array(CheckResult),
  /** Failed checks that stop the interview. */
  blockingFailures: z.array(CheckId),
  appVersion: z.string().max(64),
  /** The session after the result was recorded (kiosk mode). */
  session: SessionView.nullable(),
});
export type PrecheckReportView = z.infer<typeof PrecheckReportView>;

export const RescheduleReason = z.enum(['device', 'network', 'environment', 'time', 'health', 'other']);
export type RescheduleReason = z.infer<typeof RescheduleReason>;

export const RescheduleRequest = z
  .strictObject({
    sessionId: SessionId,
    runId: z.string().uuid().optional(),
    reason: RescheduleReason,
    text: z.string().trim().max(500).optional(),
  })
  .refine((r) => r.reason !== 'other' || (r.text !== undefined && r.text.length > 0), {
    message: 'a reason of "other" needs a few words',
    path: ['text'],
  });

export const RescheduleReceipt = z.object({
  requestId: z.string(),
  sessionId: SessionId,
  at: Timestamp,
  reason: RescheduleReason,
});
export type RescheduleReceipt = z.infer<typeof RescheduleReceipt>;

/** Pushed while a run is under way so the screen can show each check as it goes. */
export const PrecheckProgressEvent = z.object({
  runId: z.string().uuid(),
  checkId: CheckId,
  phase: z.enum(['running', 'done']),
  status: CheckStatus.optional(),
  done: z.number().int().nonnegative(),
  total: z.number().int().positive(),
});
export type PrecheckProgressEvent = z.infer<typeof PrecheckProgressEvent>;
