import { describe, expect, it } from 'vitest';
import type { CameraMeasurement, MicrophoneMeasurement } from '../../../../preload/contract/precheck';
import { cameraPresentCheck, evaluateCamera, evaluateMicrophone, evaluateSpeakers, microphonePresentCheck } from '../../../../main/services/precheck/checks/devices';
import { DEFAULT_PRECHECK_POLICY as policy } from '../../../../main/services/precheck/policy';
import { runWith, videoNeeds } from './fake-machine';

const textOnly = { camera: false, microphone: false, recordingMb: 0 };

describe('devices listed by the operating system', () => {
  it('passes when a camera and a microphone are listed', async () => {
    expect(await runWith(cameraPresentCheck)).toMatchObject({ status: 'pass', value: 1, detail: 'Integrated Camera' });
    expect(await runWith(microphonePresentCheck)).toMatchObject({ status: 'pass', value: 1 });
  });
  it('fails a missing camera the interview needs, with the connect-a-camera fix', async () => {
    expect(await runWith(cameraPresentCheck, (f) => (f.cameras = []))).toMatchObject({ status: 'fail', value: 0, remediationKey: 'precheck.fix.camera.missing' });
    expect(await runWith(microphonePresentCheck, (f) => (f.microphones = []))).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.missing' });
  });
  it('only warns about a missing camera a text interview does not need', async () => {
    expect((await runWith(cameraPresentCheck, (f) => (f.cameras = []), { needs: textOnly })).status).toBe('warn');
  });
  it('warns when the system cannot list cameras', async () => {
    expect(await runWith(cameraPresentCheck, (f) => (f.cameras = null))).toMatchObject({ status: 'warn', value: null });
  });
});

const goodCamera: CameraMeasurement = { permission: 'granted', devices: 1, width: 1280, height: 720, fps: 25, framesSampled: 50, meanLuma: 110, meanFrameDiff: 3.2 };

describe('camera measured in the page', () => {
  it('passes a live 720p picture at 25 fps', () => {
    const r = evaluateCamera(goodCamera, policy, videoNeeds);
    expect(r['camera.present'].status).toBe('pass');
    expect(r['camera.frames']).toMatchObject({ status: 'pass', value: 25, unit: 'fps' });
    expect(r['camera.image']).toMatchObject({ status: 'pass', remediationKey: null });
  });
  it('fails every camera check when permission is denied, with the allow-access fix', () => {
    const r = evaluateCamera({ ...goodCamera, permission: 'denied', framesSampled: 0, width: 0, height: 0, fps: 0 }, policy, videoNeeds);
    expect(r['camera.present']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.denied' });
    expect(r['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.denied' });
    expect(r['camera.image'].status).toBe('fail');
  });
  it('fails a camera that another program holds', () => {
    expect(evaluateCamera({ ...goodCamera, permission: 'busy' }, policy, videoNeeds)['camera.present'].remediationKey).toBe('precheck.fix.camera.busy');
  });
  it('warns at a low but usable frame rate and fails below the minimum', () => {
    expect(evaluateCamera({ ...goodCamera, fps: 12 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.camera.fps' });
    expect(evaluateCamera({ ...goodCamera, fps: 5 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.fps' });
  });
  it('warns below the recommended resolution and fails below the minimum', () => {
    expect(evaluateCamera({ ...goodCamera, width: 640, height: 480 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.camera.lowResolution' });
    expect(evaluateCamera({ ...goodCamera, width: 320, height: 240 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.resolution' });
  });
  it('fails a black picture (covered lens) and a frozen one; warns a dark one', () => {
    expect(evaluateCamera({ ...goodCamera, meanLuma: 3 }, policy, videoNeeds)['camera.image']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.black' });
    expect(evaluateCamera({ ...goodCamera, meanFrameDiff: 0 }, policy, videoNeeds)['camera.image']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.frozen' });
    expect(evaluateCamera({ ...goodCamera, meanLuma: 25 }, policy, videoNeeds)['camera.image']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.camera.dark' });
  });
  it('fails a picture below the minimum in one dimension only', () => {
    expect(evaluateCamera({ ...goodCamera, width: 400, height: 720 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.resolution' });
    expect(evaluateCamera({ ...goodCamera, width: 1280, height: 200 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.resolution' });
  });
  it('fails a camera that opens but sends no frames', () => {
    expect(evaluateCamera({ ...goodCamera, framesSampled: 0, fps: 0 }, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.camera.noFrames' });
  });
});

const goodMic: MicrophoneMeasurement = { permission: 'granted', devices: 1, trackMuted: false, noiseFloorDb: -60, speechDb: -25 };

describe('microphone measured in the page', () => {
  it('passes a voice well over the noise floor', () => {
    const r = evaluateMicrophone(goodMic, policy, videoNeeds);
    expect(r['microphone.present'].status).toBe('pass');
    expect(r['microphone.level']).toMatchObject({ status: 'pass', value: 35, unit: 'dB' });
  });
  it('warns a voice only a little over the noise and fails one that is not', () => {
    expect(evaluateMicrophone({ ...goodMic, speechDb: -52 }, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'warn', value: 8, remediationKey: 'precheck.fix.microphone.quiet' });
    expect(evaluateMicrophone({ ...goodMic, speechDb: -58 }, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.quiet' });
  });
  it('warns about a noisy room even when the voice is loud enough', () => {
    expect(evaluateMicrophone({ ...goodMic, noiseFloorDb: -30, speechDb: -5 }, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.microphone.noisy' });
  });
  it('fails a muted microphone (muted track or digital silence)', () => {
    expect(evaluateMicrophone({ ...goodMic, trackMuted: true }, policy, videoNeeds)['microphone.present']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.muted' });
    expect(evaluateMicrophone({ ...goodMic, noiseFloorDb: -120, speechDb: -120 }, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.muted' });
  });
  it('takes exactly -85 dBFS of voice as digital silence', () => {
    expect(evaluateMicrophone({ ...goodMic, noiseFloorDb: -120, speechDb: -85 }, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.muted' });
    expect(evaluateMicrophone({ ...goodMic, noiseFloorDb: -120, speechDb: -84 }, policy, videoNeeds)['microphone.level'].remediationKey).not.toBe('precheck.fix.microphone.muted');
  });
  it('only warns about a quiet microphone a text interview does not need', () => {
    expect(evaluateMicrophone({ ...goodMic, speechDb: -58 }, policy, textOnly)['microphone.level']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.microphone.quiet' });
  });
  it('fails a denied microphone', () => {
    expect(evaluateMicrophone({ ...goodMic, permission: 'denied' }, policy, videoNeeds)['microphone.present']).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.microphone.denied' });
  });
  it('warns about skipped tests instead of passing them', () => {
    expect(evaluateMicrophone(null, policy, videoNeeds)['microphone.level']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.microphone.notTested' });
    expect(evaluateCamera(null, policy, videoNeeds)['camera.frames']).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.camera.notTested' });
  });
});

describe('speakers', () => {
  it('passes when the candidate heard the tone', () => {
    expect(evaluateSpeakers({ played: true, heard: true, outputDevices: 1 })).toMatchObject({ status: 'pass', value: true });
  });
  it('warns when the candidate did not answer and fails when they did not hear it', () => {
    expect(evaluateSpeakers({ played: true, heard: null, outputDevices: 1 }).status).toBe('warn');
    expect(evaluateSpeakers({ played: true, heard: false, outputDevices: 1 })).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.speakers.notHeard' });
    expect(evaluateSpeakers({ played: false, heard: null, outputDevices: 0 })).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.speakers.cannotPlay' });
  });
});
