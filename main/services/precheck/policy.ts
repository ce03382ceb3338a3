/**
 * The pre-check policy with the kiosk's defaults. A pack may override any field under
 * `policy.precheck`; everything it leaves out comes from here, so the pre-check never depends on
 * a pack author having thought of every threshold.
 */
import { PrecheckPolicyInput, type CheckId, type FindingMode, type InteractivePolicy } from '../../../preload/contract/precheck';
import type { PackNeeds } from './types';

export interface Bound {
  readonly fail: number;
  readonly warn: number;
}

export interface PrecheckPolicy {
  readonly blocking: readonly CheckId[];
  readonly os: { readonly minVersion: { readonly win32: string; readonly darwin: string; readonly linux: string } };
  readonly cpuCores: Bound;
  readonly freeMemoryMb: Bound;
  readonly disk: { readonly videoKbps: number; readonly audioKbps: number; readonly marginMb: number; readonly minFreeMb: number };
  readonly displays: { readonly maxCount: number; readonly minWidth: number; readonly minHeight: number };
  readonly camera: {
    readonly minWidth: number;
    readonly minHeight: number;
    readonly recommendedWidth: number;
    readonly recommendedHeight: number;
    readonly minFps: number;
    readonly recommendedFps: number;
  };
  readonly microphone: { readonly speechOverNoiseDb: Bound; readonly maxNoiseFloorDb: number };
  readonly network: {
    readonly latencyMs: Bound;
    readonly uploadMbps: Bound;
    readonly jitterMs: Bound;
    readonly lossPercent: Bound;
    readonly clockSkewMs: Bound;
  };
  readonly virtualMachine: FindingMode;
  readonly remoteDesktop: FindingMode;
  readonly prohibitedProcesses: readonly string[];
  readonly power: { readonly batteryPercent: Bound; readonly requireMains: boolean };
  readonly timeoutsMs: Readonly<Record<CheckId, number>>;
}

/**
 * Remote-control, screen-capture and virtual-camera tools: each lets someone else see or drive the
 * interview. Names are compared lower-case without `.exe`/`.app`.
 */
export const DEFAULT_PROHIBITED_PROCESSES: readonly string[] = [
  'teamviewer',
  'teamviewer_service',
  'anydesk',
  'todesk',
  'todesk_service',
  'sunloginclient',
  'sunloginremote',
  'awesun',
  'rustdesk',
  'parsecd',
  'remoting_host',
  'x11vnc',
  'vncserver',
  'winvnc',
  'tvnserver',
  'obs',
  'obs64',
  'obs32',
  'manycam',
  'xsplit.core',
  'splitcam',
  'snapcamera',
];

/** Failures of these stop the interview unless the pack says otherwise. */
export const DEFAULT_BLOCKING: readonly CheckId[] = [
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
  'remote_desktop',
  'processes',
  'power',
];

/**
 * Per-check time limits. All checks run at once, so the slowest chain (network: clock samples,
 * then the latency series, then the upload ramp) sets the total, which stays under 10 s.
 */
export const DEFAULT_TIMEOUTS_MS: Readonly<Record<CheckId, number>> = {
  os: 3000,
  cpu: 1000,
  memory: 1000,
  disk: 3000,
  displays: 4000,
  'camera.present': 5000,
  'camera.frames': 1000,
  'camera.image': 1000,
  'microphone.present': 5000,
  'microphone.level': 1000,
  speakers: 1000,
  'network.reachable': 3000,
  'network.latency': 7000,
  'network.jitter': 7000,
  'network.loss': 7000,
  'network.upload': 8500,
  'network.clock': 3000,
  vm: 4000,
  remote_desktop: 5000,
  processes: 5000,
  power: 4000,
};

/** Hard stop for the whole non-interactive run. */
export const RUN_BUDGET_MS = 9500;

export const DEFAULT_PRECHECK_POLICY: PrecheckPolicy = {
  blocking: DEFAULT_BLOCKING,
  // Electron 45 runs on Windows 10 1809+, macOS 12+ and Linux kernels of the supported distros.
  os: { minVersion: { win32: '10.0.17763', darwin: '12.0.0', linux: '4.15.0' } },
  cpuCores: { fail: 2, warn: 4 },
  freeMemoryMb: { fail: 512, warn: 1024 },
  // The recorder caps video at 1 Mbps and audio at 64 kbps; a little container overhead on top.
  disk: { videoKbps: 1100, audioKbps: 70, marginMb: 1024, minFreeMb: 0 },
  displays: { maxCount: 1, minWidth: 1024, minHeight: 720 },
  camera: { minWidth: 640, minHeight: 480, recommendedWidth: 1280, recommendedHeight: 720, minFps: 10, recommendedFps: 15 },
  microphone: { speechOverNoiseDb: { fail: 6, warn: 12 }, maxNoiseFloorDb: -35 },
  network: {
    latencyMs: { warn: 300, fail: 1000 },
    uploadMbps: { warn: 1.5, fail: 0.5 },
    jitterMs: { warn: 50, fail: 150 },
    lossPercent: { warn: 2, fail: 10 },
    clockSkewMs: { warn: 2000, fail: 30_000 },
  },
  virtualMachine: 'flag',
  remoteDesktop: 'forbid',
  prohibitedProcesses: DEFAULT_PROHIBITED_PROCESSES,
  power: { batteryPercent: { warn: 50, fail: 20 }, requireMains: false },
  timeoutsMs: DEFAULT_TIMEOUTS_MS,
};

function bound(base: Bound, over: { fail?: number; warn?: number } | undefined): Bound {
  return { fail: over?.fail ?? base.fail, warn: over?.warn ?? base.warn };
}

/** The pack's `policy.precheck` (possibly absent) over the defaults. */
export function resolvePrecheckPolicy(input: PrecheckPolicyInput | undefined): PrecheckPolicy {
  const d = DEFAULT_PRECHECK_POLICY;
  if (!input) return d;
  return {
    blocking: input.blocking ?? d.blocking,
    os: { minVersion: { ...d.os.minVersion, ...input.os?.minVersion } },
    cpuCores: bound(d.cpuCores, input.cpuCores),
    freeMemoryMb: bound(d.freeMemoryMb, input.freeMemoryMb),
    disk: { ...d.disk, ...input.disk },
    displays: { ...d.displays, ...input.displays },
    camera: { ...d.camera, ...input.camera },
    microphone: {
      speechOverNoiseDb: bound(d.microphone.speechOverNoiseDb, input.microphone?.speechOverNoiseDb),
      maxNoiseFloorDb: input.microphone?.maxNoiseFloorDb ?? d.microphone.maxNoiseFloorDb,
    },
    network: {
      latencyMs: bound(d.network.latencyMs, input.network?.latencyMs),
      uploadMbps: bound(d.network.uploadMbps, input.network?.uploadMbps),
      jitterMs: bound(d.network.jitterMs, input.network?.jitterMs),
      lossPercent: bound(d.network.lossPercent, input.network?.lossPercent),
      clockSkewMs: bound(d.network.clockSkewMs, input.network?.clockSkewMs),
    },
    virtualMachine: input.virtualMachine ?? d.virtualMachine,
    remoteDesktop: input.remoteDesktop ?? d.remoteDesktop,
    prohibitedProcesses: input.prohibitedProcesses ?? d.prohibitedProcesses,
    power: { batteryPercent: bound(d.power.batteryPercent, input.power?.batteryPercent), requireMains: input.power?.requireMains ?? d.power.requireMains },
    timeoutsMs: { ...d.timeoutsMs, ...input.timeoutsMs },
  };
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The pre-check part of a pack's policy as the pack schema holds it (`policy.precheck` with
 * `minUploadKbps`, `maxLatencyMs`, `minFreeDiskMb`, `minCameraWidth`, `minBatteryPercent`, and
 * `policy.lockdown.maxDisplays`), plus any field of the full `PrecheckPolicyInput` a pack carries.
 * Read defensively so the pack schema can grow without this module changing.
 */
export function precheckInputFromPack(packPolicy: unknown): PrecheckPolicyInput {
  const policy = (packPolicy && typeof packPolicy === 'object' ? packPolicy : {}) as Record<string, unknown>;
  const raw = (policy.precheck && typeof policy.precheck === 'object' ? policy.precheck : {}) as Record<string, unknown>;
  const lockdown = (policy.lockdown && typeof policy.lockdown === 'object' ? policy.lockdown : {}) as Record<string, unknown>;
  const full = PrecheckPolicyInput.safeParse(raw);
  const input: PrecheckPolicyInput = full.success ? { ...full.data } : {};
  const d = DEFAULT_PRECHECK_POLICY;
  const uploadKbps = num(raw.minUploadKbps);
  if (uploadKbps !== undefined) {
    const fail = uploadKbps / 1000;
    input.network = { ...input.network, uploadMbps: { fail, warn: Math.max(d.network.uploadMbps.warn, fail) } };
  }
  const latency = num(raw.maxLatencyMs);
  if (latency !== undefined) input.network = { ...input.network, latencyMs: { fail: latency, warn: Math.min(d.network.latencyMs.warn, latency) } };
  const disk = num(raw.minFreeDiskMb);
  if (disk !== undefined) input.disk = { ...input.disk, minFreeMb: disk };
  const camWidth = num(raw.minCameraWidth);
  if (camWidth !== undefined) {
    input.camera = {
      ...input.camera,
      minWidth: camWidth,
      minHeight: Math.round((camWidth * 3) / 4),
      recommendedWidth: Math.max(d.camera.recommendedWidth, camWidth),
      recommendedHeight: Math.max(d.camera.recommendedHeight, Math.round((camWidth * 3) / 4)),
    };
  }
  const battery = num(raw.minBatteryPercent);
  if (battery !== undefined) input.power = { ...input.power, batteryPercent: { fail: battery, warn: Math.max(d.power.batteryPercent.warn, battery) } };
  const maxDisplays = num(lockdown.maxDisplays);
  if (maxDisplays !== undefined) input.displays = { ...input.displays, maxCount: maxDisplays };
  return input;
}

/**
 * Whether a failed check stops the interview: the policy's list, except devices this interview
 * does not use (a text-only interview never blocks on the camera).
 */
export function isBlocking(id: CheckId, policy: PrecheckPolicy, needs: PackNeeds): boolean {
  if (!policy.blocking.includes(id)) return false;
  if (id.startsWith('camera.')) return needs.camera;
  if (id.startsWith('microphone.')) return needs.microphone;
  return true;
}

export function interactivePolicy(policy: PrecheckPolicy, needs: PackNeeds): InteractivePolicy {
  return {
    camera: { required: needs.camera, minWidth: policy.camera.minWidth, minHeight: policy.camera.minHeight, minFps: policy.camera.minFps },
    microphone: { required: needs.microphone, speechOverNoiseDb: policy.microphone.speechOverNoiseDb.fail },
  };
}
