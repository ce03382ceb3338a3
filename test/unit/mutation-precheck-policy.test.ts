/**
 * The pre-check policy (main/services/precheck/policy.ts) for mutation testing: the defaults are
 * written out here in full (a changed threshold must be a deliberate edit of this file too), every
 * override is shown to reach its own field only, and the pack-schema mapping is pinned at its
 * edges.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BLOCKING,
  DEFAULT_PRECHECK_POLICY,
  DEFAULT_PROHIBITED_PROCESSES,
  DEFAULT_TIMEOUTS_MS,
  interactivePolicy,
  isBlocking,
  precheckInputFromPack,
  resolvePrecheckPolicy,
  RUN_BUDGET_MS,
} from '../../main/services/precheck/policy';

const PROHIBITED = [
  'teamviewer', 'teamviewer_service', 'anydesk', 'todesk', 'todesk_service', 'sunloginclient', 'sunloginremote', 'awesun', 'rustdesk', 'parsecd', 'remoting_host',
  'x11vnc', 'vncserver', 'winvnc', 'tvnserver', 'obs', 'obs64', 'obs32', 'manycam', 'xsplit.core', 'splitcam', 'snapcamera',
];
const BLOCKING = ['os', 'cpu', 'memory', 'disk', 'displays', 'camera.present', 'camera.frames', 'camera.image', 'microphone.present', 'microphone.level', 'remote_desktop', 'processes', 'power'];
const TIMEOUTS = {
  os: 3000, cpu: 1000, memory: 1000, disk: 3000, displays: 4000, 'camera.present': 5000, 'camera.frames': 1000, 'camera.image': 1000, 'microphone.present': 5000,
  'microphone.level': 1000, speakers: 1000, 'network.reachable': 3000, 'network.latency': 7000, 'network.jitter': 7000, 'network.loss': 7000, 'network.upload': 8500,
  'network.clock': 3000, vm: 4000, remote_desktop: 5000, processes: 5000, power: 4000,
};
const DEFAULTS = {
  blocking: BLOCKING,
  os: { minVersion: { win32: '10.0.17763', darwin: '12.0.0', linux: '4.15.0' } },
  cpuCores: { fail: 2, warn: 4 },
  freeMemoryMb: { fail: 512, warn: 1024 },
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
  prohibitedProcesses: PROHIBITED,
  power: { batteryPercent: { warn: 50, fail: 20 }, requireMains: false },
  timeoutsMs: TIMEOUTS,
};

describe('pre-check policy defaults', () => {
  it('are exactly the documented thresholds, lists and time limits', () => {
    expect(DEFAULT_PROHIBITED_PROCESSES).toEqual(PROHIBITED);
    expect(DEFAULT_BLOCKING).toEqual(BLOCKING);
    expect(DEFAULT_TIMEOUTS_MS).toEqual(TIMEOUTS);
    expect(RUN_BUDGET_MS).toBe(9500);
    expect(DEFAULT_PRECHECK_POLICY).toEqual(DEFAULTS);
  });

  it('every per-check limit fits inside the run budget', () => {
    for (const ms of Object.values(DEFAULT_TIMEOUTS_MS)) expect(ms).toBeLessThan(RUN_BUDGET_MS);
  });
});

describe('resolvePrecheckPolicy', () => {
  it('no input is the defaults object itself; an empty input equals it', () => {
    expect(resolvePrecheckPolicy(undefined)).toBe(DEFAULT_PRECHECK_POLICY);
    expect(resolvePrecheckPolicy({})).toEqual(DEFAULTS);
  });

  it('each override reaches its own field, and a bound keeps the half it did not set', () => {
    const p = resolvePrecheckPolicy({
      blocking: ['os'],
      os: { minVersion: { darwin: '13.0.0' } },
      cpuCores: { warn: 8 },
      freeMemoryMb: { fail: 256 },
      disk: { minFreeMb: 5 },
      displays: { maxCount: 2 },
      camera: { minFps: 5 },
      microphone: { speechOverNoiseDb: { warn: 20 }, maxNoiseFloorDb: -40 },
      network: { latencyMs: { fail: 800 }, uploadMbps: { warn: 3 }, jitterMs: { fail: 99 }, lossPercent: { warn: 1 }, clockSkewMs: { fail: 5000 } },
      virtualMachine: 'forbid',
      remoteDesktop: 'allow',
      prohibitedProcesses: ['x'],
      power: { batteryPercent: { fail: 30 }, requireMains: true },
      timeoutsMs: { os: 200 },
    });
    expect(p).toEqual({
      ...DEFAULTS,
      blocking: ['os'],
      os: { minVersion: { win32: '10.0.17763', darwin: '13.0.0', linux: '4.15.0' } },
      cpuCores: { fail: 2, warn: 8 },
      freeMemoryMb: { fail: 256, warn: 1024 },
      disk: { videoKbps: 1100, audioKbps: 70, marginMb: 1024, minFreeMb: 5 },
      displays: { maxCount: 2, minWidth: 1024, minHeight: 720 },
      camera: { ...DEFAULTS.camera, minFps: 5 },
      microphone: { speechOverNoiseDb: { fail: 6, warn: 20 }, maxNoiseFloorDb: -40 },
      network: {
        latencyMs: { fail: 800, warn: 300 },
        uploadMbps: { fail: 0.5, warn: 3 },
        jitterMs: { fail: 99, warn: 50 },
        lossPercent: { fail: 10, warn: 1 },
        clockSkewMs: { fail: 5000, warn: 2000 },
      },
      virtualMachine: 'forbid',
      remoteDesktop: 'allow',
      prohibitedProcesses: ['x'],
      power: { batteryPercent: { fail: 30, warn: 50 }, requireMains: true },
      timeoutsMs: { ...TIMEOUTS, os: 200 },
    });
  });

  it('a zero or false override is kept, not replaced by the default', () => {
    const p = resolvePrecheckPolicy({ cpuCores: { fail: 0, warn: 0 }, microphone: { maxNoiseFloorDb: 0 }, power: { requireMains: false }, blocking: [], prohibitedProcesses: [] });
    expect(p.cpuCores).toEqual({ fail: 0, warn: 0 });
    expect(p.microphone.maxNoiseFloorDb).toBe(0);
    expect(p.blocking).toEqual([]);
    expect(p.prohibitedProcesses).toEqual([]);
    expect(resolvePrecheckPolicy({ power: { requireMains: true } }).power.requireMains).toBe(true);
  });

  it('partial sections keep the rest of their defaults', () => {
    const p = resolvePrecheckPolicy({ microphone: {}, network: {}, power: {}, os: {} });
    expect(p).toEqual(DEFAULTS);
  });
});

describe('precheckInputFromPack', () => {
  it('nothing usable gives no overrides', () => {
    for (const v of [undefined, null, 5, 'x', {}, { precheck: 'x', lockdown: 7 }, { precheck: { minUploadKbps: Number.NaN, maxLatencyMs: '5', minFreeDiskMb: Infinity } }]) {
      expect(precheckInputFromPack(v)).toEqual({});
    }
  });

  it('upload: kbps become Mbps; the warning stays at the default unless the floor is higher', () => {
    expect(precheckInputFromPack({ precheck: { minUploadKbps: 500 } })).toEqual({ network: { uploadMbps: { fail: 0.5, warn: 1.5 } } });
    expect(precheckInputFromPack({ precheck: { minUploadKbps: 3000 } })).toEqual({ network: { uploadMbps: { fail: 3, warn: 3 } } });
  });

  it('latency: the warning stays at the default unless the limit is lower', () => {
    expect(precheckInputFromPack({ precheck: { maxLatencyMs: 800 } })).toEqual({ network: { latencyMs: { fail: 800, warn: 300 } } });
    expect(precheckInputFromPack({ precheck: { maxLatencyMs: 100 } })).toEqual({ network: { latencyMs: { fail: 100, warn: 100 } } });
  });

  it('upload and latency together keep both', () => {
    expect(precheckInputFromPack({ precheck: { minUploadKbps: 1000, maxLatencyMs: 500 } }).network).toEqual({ uploadMbps: { fail: 1, warn: 1.5 }, latencyMs: { fail: 500, warn: 300 } });
  });

  it('camera width sets a 4:3 minimum and raises the recommendation only above 1280×720', () => {
    expect(precheckInputFromPack({ precheck: { minCameraWidth: 640 } })).toEqual({ camera: { minWidth: 640, minHeight: 480, recommendedWidth: 1280, recommendedHeight: 720 } });
    expect(precheckInputFromPack({ precheck: { minCameraWidth: 1920 } })).toEqual({ camera: { minWidth: 1920, minHeight: 1440, recommendedWidth: 1920, recommendedHeight: 1440 } });
    expect(precheckInputFromPack({ precheck: { minCameraWidth: 321 } }).camera).toMatchObject({ minHeight: 241 });
  });

  it('battery: the warning stays at 50 % unless the floor is higher', () => {
    expect(precheckInputFromPack({ precheck: { minBatteryPercent: 30 } })).toEqual({ power: { batteryPercent: { fail: 30, warn: 50 } } });
    expect(precheckInputFromPack({ precheck: { minBatteryPercent: 70 } })).toEqual({ power: { batteryPercent: { fail: 70, warn: 70 } } });
  });

  it('disk floor and the lockdown display count', () => {
    expect(precheckInputFromPack({ precheck: { minFreeDiskMb: 0 } })).toEqual({ disk: { minFreeMb: 0 } });
    expect(precheckInputFromPack({ lockdown: { maxDisplays: 3 } })).toEqual({ displays: { maxCount: 3 } });
  });

  it('the mapped fields merge with full-policy fields of the same section', () => {
    const input = precheckInputFromPack({
      precheck: { network: { jitterMs: { fail: 99 } }, disk: { marginMb: 1 }, camera: { minFps: 5 }, power: { requireMains: true }, displays: { minWidth: 800 }, minUploadKbps: 2000, minFreeDiskMb: 9, minCameraWidth: 800, minBatteryPercent: 10 },
      lockdown: { maxDisplays: 2 },
    });
    expect(input.network).toEqual({ jitterMs: { fail: 99 }, uploadMbps: { fail: 2, warn: 2 } });
    expect(input.disk).toEqual({ marginMb: 1, minFreeMb: 9 });
    expect(input.camera).toEqual({ minFps: 5, minWidth: 800, minHeight: 600, recommendedWidth: 1280, recommendedHeight: 720 });
    expect(input.power).toEqual({ requireMains: true, batteryPercent: { fail: 10, warn: 50 } });
    expect(input.displays).toEqual({ minWidth: 800, maxCount: 2 });
  });

  it('a full-policy section that does not parse is ignored, the mapped fields still apply', () => {
    expect(precheckInputFromPack({ precheck: { virtualMachine: 'sometimes', maxLatencyMs: 400 } })).toEqual({ network: { latencyMs: { fail: 400, warn: 300 } } });
  });
});

describe('blocking and the interactive policy', () => {
  const all = { camera: true, microphone: true, recordingMb: 10 };
  it('only listed checks block; camera and microphone checks block only when the interview uses them', () => {
    expect(isBlocking('os', DEFAULT_PRECHECK_POLICY, all)).toBe(true);
    expect(isBlocking('speakers', DEFAULT_PRECHECK_POLICY, all)).toBe(false);
    expect(isBlocking('camera.frames', DEFAULT_PRECHECK_POLICY, all)).toBe(true);
    expect(isBlocking('camera.frames', DEFAULT_PRECHECK_POLICY, { ...all, camera: false })).toBe(false);
    expect(isBlocking('camera.frames', DEFAULT_PRECHECK_POLICY, { ...all, microphone: false })).toBe(true);
    expect(isBlocking('microphone.level', DEFAULT_PRECHECK_POLICY, { ...all, microphone: false })).toBe(false);
    expect(isBlocking('microphone.level', DEFAULT_PRECHECK_POLICY, { ...all, camera: false })).toBe(true);
    expect(isBlocking('power', DEFAULT_PRECHECK_POLICY, { camera: false, microphone: false, recordingMb: 0 })).toBe(true);
    expect(isBlocking('camera.frames', resolvePrecheckPolicy({ blocking: ['os'] }), all)).toBe(false);
  });

  it('tells the browser what it needs: the camera minimums and the speech floor', () => {
    const p = resolvePrecheckPolicy({ camera: { minWidth: 800, minHeight: 600, minFps: 12 }, microphone: { speechOverNoiseDb: { fail: 9 } } });
    expect(interactivePolicy(p, { camera: true, microphone: false, recordingMb: 1 })).toEqual({
      camera: { required: true, minWidth: 800, minHeight: 600, minFps: 12 },
      microphone: { required: false, speechOverNoiseDb: 9 },
    });
  });
});
