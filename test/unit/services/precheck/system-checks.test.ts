import { describe, expect, it } from 'vitest';
import { cpuCheck, diskCheck, displaysCheck, memoryCheck, osCheck } from '../../../../main/services/precheck/checks/system';
import { DEFAULT_PRECHECK_POLICY, resolvePrecheckPolicy } from '../../../../main/services/precheck/policy';
import { macosFromDarwin } from '../../../../main/services/precheck/machine-sources';
import { runWith } from './fake-machine';

describe('os check', () => {
  it('passes a supported Windows build', async () => {
    expect(await runWith(osCheck)).toMatchObject({ status: 'pass', value: 'Windows 11 Pro', threshold: { op: '>=', fail: '10.0.17763' }, remediationKey: null });
  });
  it('fails a Windows build older than the policy allows, with the update fix', async () => {
    const r = await runWith(osCheck, (f) => (f.platform = { platform: 'win32', version: '6.1.7601', name: 'Windows 7' }));
    expect(r).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.os.outdated' });
  });
  it('fails an unsupported platform', async () => {
    const r = await runWith(osCheck, (f) => (f.platform = { platform: 'freebsd', version: '14.0', name: 'FreeBSD' }));
    expect(r).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.os.unsupported' });
  });
  it('warns when the version cannot be read', async () => {
    const r = await runWith(osCheck, (f) => (f.platform = { platform: 'darwin', version: 'unknown', name: 'macOS' }));
    expect(r).toMatchObject({ status: 'warn', value: null, remediationKey: 'precheck.fix.unmeasured' });
  });
  it('maps Darwin kernel versions to macOS versions', () => {
    expect(macosFromDarwin('21.6.0')).toBe('12.6.0');
    expect(macosFromDarwin('23.4.0')).toBe('14.4.0');
    expect(macosFromDarwin('25.0.0')).toBe('26.0.0');
  });
});

describe('cpu and memory checks', () => {
  it.each([
    [8, 'pass'],
    [3, 'warn'],
    [1, 'fail'],
  ] as const)('%i cores → %s', async (cores, status) => {
    const r = await runWith(cpuCheck, (f) => (f.cores = cores));
    expect(r).toMatchObject({ status, value: cores, unit: 'cores', threshold: { op: '>=', fail: 2, warn: 4 } });
    expect(r.remediationKey).toBe(status === 'pass' ? null : 'precheck.fix.cpu');
  });
  it.each([
    [4096, 'pass'],
    [700, 'warn'],
    [300, 'fail'],
  ] as const)('%i MB free memory → %s', async (mb, status) => {
    expect(await runWith(memoryCheck, (f) => (f.freeMemoryMb = mb))).toMatchObject({ status, value: mb, unit: 'MB' });
  });
});

describe('disk check', () => {
  const needs = { camera: true, microphone: true, recordingMb: 500 };
  it('needs the recording length plus the margin: passes with room to spare', async () => {
    const r = await runWith(diskCheck, (f) => (f.freeDiskMb = 10_000), { needs });
    expect(r).toMatchObject({ status: 'pass', threshold: { fail: 500 + 1024, warn: 500 + 2048 } });
  });
  it('warns inside the second margin and fails below recording plus margin', async () => {
    expect(await runWith(diskCheck, (f) => (f.freeDiskMb = 2000), { needs })).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.disk' });
    expect(await runWith(diskCheck, (f) => (f.freeDiskMb = 1000), { needs })).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.disk' });
  });
  it('honours the pack floor when it is above what the recordings need', async () => {
    const policy = resolvePrecheckPolicy({ disk: { minFreeMb: 5000 } });
    expect(await runWith(diskCheck, (f) => (f.freeDiskMb = 4000), { needs, policy })).toMatchObject({ status: 'fail', threshold: { fail: 5000 } });
  });
});

describe('displays check', () => {
  it('passes one display at a good resolution', async () => {
    expect(await runWith(displaysCheck)).toMatchObject({ status: 'pass', value: 1, data: { resolutions: '1920x1080' } });
  });
  it('fails a second display (the policy allows one)', async () => {
    const r = await runWith(displaysCheck, (f) => (f.displays = [{ width: 1920, height: 1080 }, { width: 1280, height: 1024 }]));
    expect(r).toMatchObject({ status: 'fail', value: 2, remediationKey: 'precheck.fix.displays.tooMany' });
  });
  it('fails a display below the minimum resolution', async () => {
    const r = await runWith(displaysCheck, (f) => (f.displays = [{ width: 800, height: 600 }]));
    expect(r).toMatchObject({ status: 'fail', remediationKey: 'precheck.fix.displays.resolution' });
    // The row says what is wrong: the resolution measured against the one required, not the screen count.
    expect(r).toMatchObject({ unit: 'resolution', threshold: { op: '>=', unit: 'resolution' } });
    expect(String(r.value)).toMatch(/^\d+×\d+$/);
    expect(String(r.threshold?.fail)).toMatch(/^\d+×\d+$/);
  });
  it('warns when only the page can see a screen (the count is unverified)', async () => {
    const r = await runWith(displaysCheck, (f) => (f.displays = null), { pageDisplays: [{ width: 1280, height: 800 }] });
    expect(r).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.displays.unverified', data: { source: 'page' } });
  });
  it('warns when nothing can list the displays', async () => {
    expect(await runWith(displaysCheck, (f) => (f.displays = null))).toMatchObject({ status: 'warn', value: null, remediationKey: 'precheck.fix.unmeasured' });
  });
  it('takes the maximum display count from the policy', async () => {
    const policy = resolvePrecheckPolicy({ displays: { maxCount: 2 } });
    const r = await runWith(displaysCheck, (f) => (f.displays = [{ width: 1920, height: 1080 }, { width: 1920, height: 1080 }]), { policy });
    expect(r.status).toBe('pass');
    expect(DEFAULT_PRECHECK_POLICY.displays.maxCount).toBe(1);
  });
});
