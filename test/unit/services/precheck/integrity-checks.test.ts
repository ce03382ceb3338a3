import { describe, expect, it } from 'vitest';
import { detectRemoteSession, findProhibited, powerCheck, processesCheck, remoteDesktopCheck, vmCheck } from '../../../../main/services/precheck/checks/integrity';
import { resolvePrecheckPolicy } from '../../../../main/services/precheck/policy';
import { runWith } from './fake-machine';

describe('virtual machine check', () => {
  it('passes real hardware', async () => {
    expect(await runWith(vmCheck)).toMatchObject({ status: 'pass', value: false, remediationKey: null });
  });
  it('flags a VM as a warning by default (a human decides)', async () => {
    const r = await runWith(vmCheck, (f) => (f.virtualization = { virtual: true, host: 'VMware', signals: ['system:VMware'] }));
    expect(r).toMatchObject({ status: 'warn', value: true, remediationKey: 'precheck.fix.vm', threshold: { op: 'none', expect: 'flag' } });
  });
  it('fails a VM when the pack forbids them', async () => {
    const policy = resolvePrecheckPolicy({ virtualMachine: 'forbid' });
    const r = await runWith(vmCheck, (f) => (f.virtualization = { virtual: true, host: 'KVM', signals: ['cpu:hypervisor'] }), { policy });
    expect(r.status).toBe('fail');
  });
});

describe('remote desktop check', () => {
  it('passes a local console session', async () => {
    expect(await runWith(remoteDesktopCheck)).toMatchObject({ status: 'pass', value: false });
  });
  it('fails a Windows RDP session', async () => {
    const r = await runWith(remoteDesktopCheck, (f) => (f.env = { SESSIONNAME: 'RDP-Tcp#3' }));
    expect(r).toMatchObject({ status: 'fail', value: true, remediationKey: 'precheck.fix.remoteDesktop' });
    expect(r.detail).toContain('RDP-Tcp#3');
  });
  it('only warns when the pack merely flags remote sessions', async () => {
    const policy = resolvePrecheckPolicy({ remoteDesktop: 'flag' });
    expect((await runWith(remoteDesktopCheck, (f) => (f.env = { SSH_CONNECTION: '10.0.0.2 5555 10.0.0.3 22' }), { policy })).status).toBe('warn');
  });
  it('reads the remote-session signals of each platform', () => {
    expect(detectRemoteSession('linux', { XRDP_SESSION: '1', DISPLAY: ':10' }, [])).toEqual(['XRDP_SESSION']);
    expect(detectRemoteSession('linux', { DISPLAY: 'localhost:10.0' }, [])).toEqual(['DISPLAY=localhost:10.0 (forwarded)']);
    expect(detectRemoteSession('linux', { DISPLAY: ':0' }, [])).toEqual([]);
    expect(detectRemoteSession('darwin', {}, ['ScreensharingAgent'])).toEqual(['process:ScreensharingAgent']);
    expect(detectRemoteSession('win32', { SESSIONNAME: 'Console' }, ['rdpclip.exe'])).toEqual(['process:rdpclip']);
  });
});

describe('prohibited processes check', () => {
  it('passes when none of the listed programs runs', async () => {
    expect(await runWith(processesCheck)).toMatchObject({ status: 'pass', value: 0 });
  });
  it('fails and names the programs found, whatever their case or extension', async () => {
    const r = await runWith(processesCheck, (f) => (f.processes = ['explorer.exe', 'TeamViewer.exe', 'C:\\Program Files\\ToDesk\\ToDesk.exe', 'obs64.exe']));
    expect(r).toMatchObject({ status: 'fail', value: 3, remediationKey: 'precheck.fix.processes' });
    expect(r.detail).toBe('running: obs64, teamviewer, todesk');
  });
  it("uses the pack's own list", async () => {
    const policy = resolvePrecheckPolicy({ prohibitedProcesses: ['WeChat'] });
    expect(await runWith(processesCheck, () => undefined, { policy })).toMatchObject({ status: 'fail', detail: 'running: wechat' });
  });
  it('warns when the programs cannot be listed', async () => {
    expect(await runWith(processesCheck, (f) => (f.processes = []))).toMatchObject({ status: 'warn', value: null, remediationKey: 'precheck.fix.unmeasured' });
  });
  it('matches exact names only', () => {
    expect(findProhibited(['obsidian.exe', 'obs.exe'], ['obs'])).toEqual(['obs']);
  });
});

describe('power check', () => {
  it('passes a desktop without a battery and a laptop on its charger', async () => {
    expect(await runWith(powerCheck, (f) => (f.battery = { hasBattery: false, percent: null, onMains: true }))).toMatchObject({ status: 'pass', value: 'mains' });
    expect(await runWith(powerCheck, (f) => (f.battery = { hasBattery: true, percent: 15, onMains: true }))).toMatchObject({ status: 'pass', value: 15 });
  });
  it('warns on battery with enough charge: plug in', async () => {
    expect(await runWith(powerCheck, (f) => (f.battery = { hasBattery: true, percent: 80, onMains: false }))).toMatchObject({ status: 'warn', remediationKey: 'precheck.fix.power.plugIn' });
  });
  it('fails a low battery that is not charging', async () => {
    expect(await runWith(powerCheck, (f) => (f.battery = { hasBattery: true, percent: 12, onMains: false }))).toMatchObject({ status: 'fail', value: 12, remediationKey: 'precheck.fix.power.low' });
  });
  it('fails any battery use when the pack requires mains power', async () => {
    const policy = resolvePrecheckPolicy({ power: { requireMains: true } });
    expect((await runWith(powerCheck, (f) => (f.battery = { hasBattery: true, percent: 95, onMains: false }), { policy })).status).toBe('fail');
  });
});
