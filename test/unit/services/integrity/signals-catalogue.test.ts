/**
 * The integrity scan's inputs, pinned against expectations written by hand, not read back from
 * the lists: the programs a test centre meets (each as its process shows on that OS), DMI strings
 * with padding, CPU flags only at the start of a line, and a machine without adapters.
 * (From the mutation sample's survivors in main/services/integrity/signals.ts.)
 */
import { describe, expect, it } from 'vitest';
import { cpuinfoSignal, dmiSignal, macOuiSignal, matchProcesses, REMOTE_CONTROL_PROCESSES, SCREEN_CAPTURE_PROCESSES } from '../../../../main/services/integrity/signals';

const seen = (name: string) => [{ name, originalName: null }];

describe('programs a test centre meets are recognised by the name their process shows', () => {
  const capture: Array<['win32' | 'darwin' | 'linux', string]> = [
    ['win32', 'Fraps.exe'], ['win32', 'Zoom.exe'], ['win32', 'QQ.exe'], ['win32', 'obs64.exe'], ['win32', 'WeMeetApp.exe'], ['win32', 'DingTalk.exe'], ['win32', 'Feishu.exe'],
    ['darwin', 'zoom.us'], ['darwin', 'QQ'], ['darwin', 'TencentMeeting'], ['darwin', 'WeChat'],
    ['linux', 'zoom'], ['linux', 'obs'], ['linux', 'simplescreenrecorder'],
  ];
  it.each(capture)('screen capture or meeting on %s: %s', (os, name) => {
    expect(matchProcesses(seen(name), SCREEN_CAPTURE_PROCESSES[os]).length).toBe(1);
  });
  const remote: Array<['win32' | 'darwin' | 'linux', string]> = [
    ['win32', 'AnyDesk.exe'], ['win32', 'ScreenConnect.ClientService.exe'], ['win32', 'TeamViewer.exe'], ['win32', 'ToDesk.exe'], ['win32', 'SunloginClient.exe'],
    ['darwin', 'AnyDesk'], ['darwin', 'TeamViewer'],
    ['linux', 'xrdp'], ['linux', 'anydesk'], ['linux', 'x11vnc'], ['linux', 'rustdesk'],
  ];
  it.each(remote)('remote control on %s: %s', (os, name) => {
    expect(matchProcesses(seen(name), REMOTE_CONTROL_PROCESSES[os]).length).toBe(1);
  });
  it('an ordinary program is not one of them', () => {
    for (const os of ['win32', 'darwin', 'linux'] as const) {
      expect(matchProcesses(seen('notepad.exe'), [...SCREEN_CAPTURE_PROCESSES[os], ...REMOTE_CONTROL_PROCESSES[os]])).toEqual([]);
    }
  });
});

describe('signal parsers at their edges', () => {
  it('trims DMI values in its evidence', () => {
    const s = dmiSignal({ sys_vendor: '  Dell Inc.   ', product_name: null });
    expect(s).toEqual({ id: 'dmi', status: 'clear', evidence: 'sys_vendor=Dell Inc.' });
    expect(dmiSignal({ sys_vendor: '   ', product_name: null }).status).toBe('unavailable');
  });
  it('reads CPU flags only from a line that starts with them', () => {
    const cpuinfo = 'model name\t: Fake CPU with flags: hypervisor in its name\nflags\t\t: fpu vme sse2\n';
    expect(cpuinfoSignal(cpuinfo).status).toBe('clear');
    expect(cpuinfoSignal('flags\t: fpu hypervisor sse2\n').status).toBe('detected');
  });
  it('says unavailable, not clear, when no adapter has a hardware address', () => {
    expect(macOuiSignal([]).status).toBe('unavailable');
    expect(macOuiSignal(['00:00:00:00:00:00', 'not-a-mac']).status).toBe('unavailable');
    expect(macOuiSignal(['3c:22:fb:01:02:03']).status).toBe('clear');
    expect(macOuiSignal(['08:00:27:aa:bb:cc']).status).toBe('detected');
  });
});
