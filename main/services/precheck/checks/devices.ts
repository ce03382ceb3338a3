/**
 * Camera, microphone and speakers. Main can only see whether the operating system lists the
 * devices (`camera.present`, `microphone.present` — what `npm run precheck` reports); whether the
 * camera delivers good frames, the candidate's voice is heard over the room and the speakers play
 * is measured in the page and judged here against the policy, so every threshold lives in main.
 */
import type { CameraMeasurement, DevicePermission, MicrophoneMeasurement, SpeakerMeasurement } from '../../../../preload/contract/precheck';
import { atLeast, errorText, minThreshold, unmeasured } from '../evaluate';
import type { PrecheckPolicy } from '../policy';
import type { Check, CheckOutcome, PackNeeds } from '../types';

const presentThreshold = { op: '>=' as const, fail: 1, unit: 'devices' };

function listed(kind: 'camera' | 'microphone', names: readonly string[] | null, required: boolean): CheckOutcome {
  if (names === null) return unmeasured(`this system cannot list ${kind}s`, presentThreshold);
  if (names.length === 0) {
    return {
      status: required ? 'fail' : 'warn',
      value: 0,
      unit: 'devices',
      threshold: presentThreshold,
      remediationKey: `precheck.fix.${kind}.missing`,
      detail: `no ${kind} found${required ? '' : ' (this interview does not need one)'}`,
    };
  }
  return { status: 'pass', value: names.length, unit: 'devices', threshold: presentThreshold, remediationKey: null, detail: names.slice(0, 4).join('; ').slice(0, 300) };
}

export const cameraPresentCheck: Check = {
  id: 'camera.present',
  async run({ machine, needs }) {
    try {
      return listed('camera', await machine.cameras(), needs.camera);
    } catch (e) {
      return unmeasured(`listing cameras failed: ${errorText(e)}`, presentThreshold);
    }
  },
};

export const microphonePresentCheck: Check = {
  id: 'microphone.present',
  async run({ machine, needs }) {
    try {
      return listed('microphone', await machine.microphones(), needs.microphone);
    } catch (e) {
      return unmeasured(`listing microphones failed: ${errorText(e)}`, presentThreshold);
    }
  },
};

export const machineDeviceChecks: readonly Check[] = [cameraPresentCheck, microphonePresentCheck];

// ---------------------------------------------------------------- measured in the page

function permissionOutcome(kind: 'camera' | 'microphone', permission: DevicePermission, devices: number, required: boolean): CheckOutcome | null {
  const fail = (key: string, detail: string): CheckOutcome => ({
    status: required ? 'fail' : 'warn',
    value: devices,
    unit: 'devices',
    threshold: presentThreshold,
    remediationKey: `precheck.fix.${kind}.${key}`,
    detail,
    data: { permission },
  });
  switch (permission) {
    case 'granted':
      return null;
    case 'denied':
      return fail('denied', `permission to use the ${kind} was refused`);
    case 'missing':
      return fail('missing', `no ${kind} is available to the page`);
    case 'busy':
      return fail('busy', `the ${kind} is in use by another program or cannot be started`);
    case 'unsupported':
    case 'error':
      return fail('error', `the ${kind} could not be opened (${permission})`);
  }
}

type Outcomes<K extends string> = Record<K, CheckOutcome>;

export function evaluateCamera(m: CameraMeasurement | null, policy: PrecheckPolicy, needs: PackNeeds): Outcomes<'camera.present' | 'camera.frames' | 'camera.image'> {
  const c = policy.camera;
  const framesThreshold = { op: '>=' as const, fail: c.minFps, warn: c.recommendedFps, unit: 'fps' };
  const imageThreshold = { op: '>=' as const, fail: BLACK_LUMA, warn: DARK_LUMA, unit: 'luma' };
  if (!m) {
    const skipped = unmeasured('the camera test was not run', null, 'precheck.fix.camera.notTested');
    return { 'camera.present': skipped, 'camera.frames': skipped, 'camera.image': skipped };
  }
  const refused = permissionOutcome('camera', m.permission, m.devices, needs.camera);
  if (refused) {
    const notMeasured = unmeasured('no frames: the camera could not be opened', null, refused.remediationKey ?? 'precheck.fix.unmeasured');
    const follow = { ...notMeasured, status: refused.status };
    return { 'camera.present': refused, 'camera.frames': { ...follow, threshold: framesThreshold }, 'camera.image': { ...follow, threshold: imageThreshold } };
  }
  const present: CheckOutcome = { status: 'pass', value: Math.max(1, m.devices), unit: 'devices', threshold: presentThreshold, remediationKey: null, detail: `${Math.max(1, m.devices)} camera(s); access granted` };
  const resolution = `${m.width}x${m.height}`;
  const data = { resolution, fps: Math.round(m.fps * 10) / 10, framesSampled: m.framesSampled };
  let frames: CheckOutcome;
  if (m.framesSampled === 0 || m.width === 0) {
    frames = { status: 'fail', value: 0, unit: 'fps', threshold: framesThreshold, remediationKey: 'precheck.fix.camera.noFrames', detail: 'the camera delivered no frames', data };
  } else if (m.width < c.minWidth || m.height < c.minHeight) {
    frames = { status: 'fail', value: resolution, threshold: { op: '>=', fail: `${c.minWidth}x${c.minHeight}`, warn: `${c.recommendedWidth}x${c.recommendedHeight}` }, remediationKey: 'precheck.fix.camera.resolution', detail: `${resolution} is below ${c.minWidth}x${c.minHeight}`, data };
  } else {
    const fpsStatus = atLeast(m.fps, { fail: c.minFps, warn: c.recommendedFps });
    const lowRes = m.width < c.recommendedWidth || m.height < c.recommendedHeight;
    const status = fpsStatus === 'fail' ? 'fail' : fpsStatus === 'warn' || lowRes ? 'warn' : 'pass';
    frames = {
      status,
      value: Math.round(m.fps * 10) / 10,
      unit: 'fps',
      threshold: framesThreshold,
      remediationKey: status === 'pass' ? null : fpsStatus !== 'pass' ? 'precheck.fix.camera.fps' : 'precheck.fix.camera.lowResolution',
      detail: `${resolution} at ${data.fps} fps (minimum ${c.minWidth}x${c.minHeight} at ${c.minFps} fps)`,
      data,
    };
  }
  let image: CheckOutcome;
  const luma = Math.round(m.meanLuma * 10) / 10;
  const diff = Math.round(m.meanFrameDiff * 100) / 100;
  const imageData = { meanLuma: luma, meanFrameDiff: diff };
  if (m.framesSampled < 2) {
    image = { ...unmeasured('too few frames to judge the picture', imageThreshold, 'precheck.fix.camera.noFrames'), status: frames.status === 'fail' ? 'fail' : 'warn', data: imageData };
  } else if (m.meanLuma < BLACK_LUMA) {
    image = { status: 'fail', value: luma, unit: 'luma', threshold: imageThreshold, remediationKey: 'precheck.fix.camera.black', detail: `the picture is black (mean luma ${luma})`, data: imageData };
  } else if (m.meanFrameDiff < FROZEN_DIFF) {
    image = { status: 'fail', value: luma, unit: 'luma', threshold: imageThreshold, remediationKey: 'precheck.fix.camera.frozen', detail: `the picture does not change (mean frame difference ${diff})`, data: imageData };
  } else if (m.meanLuma < DARK_LUMA) {
    image = { status: 'warn', value: luma, unit: 'luma', threshold: imageThreshold, remediationKey: 'precheck.fix.camera.dark', detail: `the picture is dark (mean luma ${luma})`, data: imageData };
  } else {
    image = { status: 'pass', value: luma, unit: 'luma', threshold: imageThreshold, remediationKey: null, detail: `picture brightness ${luma}, changing (${diff})`, data: imageData };
  }
  return { 'camera.present': present, 'camera.frames': frames, 'camera.image': image };
}

/** Mean luma (0–255) below which a picture is black: a covered lens or a closed privacy shutter. */
export const BLACK_LUMA = 12;
/** Below this the face will be hard to see. */
export const DARK_LUMA = 40;
/** Mean change between samples below which the picture is frozen (a live sensor always has noise). */
export const FROZEN_DIFF = 0.05;
/** Speech quieter than this (dBFS) is digital silence: the input is muted in the system. */
export const SILENT_DB = -85;

export function evaluateMicrophone(m: MicrophoneMeasurement | null, policy: PrecheckPolicy, needs: PackNeeds): Outcomes<'microphone.present' | 'microphone.level'> {
  const levelThreshold = minThreshold(policy.microphone.speechOverNoiseDb, 'dB');
  if (!m) {
    const skipped = unmeasured('the microphone test was not run', null, 'precheck.fix.microphone.notTested');
    return { 'microphone.present': skipped, 'microphone.level': skipped };
  }
  const refused = permissionOutcome('microphone', m.permission, m.devices, needs.microphone);
  if (refused) {
    return { 'microphone.present': refused, 'microphone.level': { ...unmeasured('no sound: the microphone could not be opened', levelThreshold, refused.remediationKey ?? 'precheck.fix.unmeasured'), status: refused.status } };
  }
  const bad = needs.microphone ? 'fail' : 'warn';
  const data = { noiseFloorDb: Math.round(m.noiseFloorDb), speechDb: Math.round(m.speechDb) };
  if (m.trackMuted || m.speechDb <= SILENT_DB) {
    const muted: CheckOutcome = { status: bad, value: Math.max(1, m.devices), unit: 'devices', threshold: presentThreshold, remediationKey: 'precheck.fix.microphone.muted', detail: m.trackMuted ? 'the microphone is muted' : 'the microphone sends only silence', data };
    return { 'microphone.present': muted, 'microphone.level': { ...muted, value: null, unit: 'dB', threshold: levelThreshold } };
  }
  const present: CheckOutcome = { status: 'pass', value: Math.max(1, m.devices), unit: 'devices', threshold: presentThreshold, remediationKey: null, detail: `${Math.max(1, m.devices)} microphone(s); access granted` };
  const snr = Math.round((m.speechDb - m.noiseFloorDb) * 10) / 10;
  let status = atLeast(snr, policy.microphone.speechOverNoiseDb);
  if (status === 'fail' && !needs.microphone) status = 'warn';
  let key: string | null = status === 'pass' ? null : 'precheck.fix.microphone.quiet';
  if (status !== 'fail' && m.noiseFloorDb > policy.microphone.maxNoiseFloorDb) {
    status = 'warn';
    key = 'precheck.fix.microphone.noisy';
  }
  return {
    'microphone.present': present,
    'microphone.level': { status, value: snr, unit: 'dB', threshold: levelThreshold, remediationKey: key, detail: `voice ${data.speechDb} dBFS over a noise floor of ${data.noiseFloorDb} dBFS`, data },
  };
}

export function evaluateSpeakers(m: SpeakerMeasurement | null): CheckOutcome {
  const threshold = { op: '=' as const, expect: true };
  if (!m) return unmeasured('the speaker test was not run', threshold, 'precheck.fix.speakers.notTested');
  const data = { played: m.played, outputDevices: m.outputDevices };
  if (!m.played) return { status: 'fail', value: false, threshold, remediationKey: 'precheck.fix.speakers.cannotPlay', detail: 'the test tone could not be played', data };
  if (m.heard === null) return { status: 'warn', value: null, threshold, remediationKey: 'precheck.fix.speakers.notTested', detail: 'the candidate did not say whether they heard the tone', data };
  if (!m.heard) return { status: 'fail', value: false, threshold, remediationKey: 'precheck.fix.speakers.notHeard', detail: 'the candidate did not hear the test tone', data };
  return { status: 'pass', value: true, threshold, remediationKey: null, detail: 'the candidate heard the test tone', data };
}
