import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { IntegrityMonitor } from '../../../../main/services/integrity/monitor';
import { DEFAULT_INTEGRITY_POLICY, scanIntegrity, type IntegrityReport } from '../../../../main/services/integrity/scan';
import {
  audioLoopbacks,
  cpuinfoSignal,
  diskSignal,
  dmiSignal,
  macOuiSignal,
  matchProcesses,
  systemdDetectVirtSignal,
  virtualCameras,
} from '../../../../main/services/integrity/signals';
import type { ExecResult, IntegritySources } from '../../../../main/services/integrity/sources';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { makeFixture, startedSession } from '../../../support/session-fixture';

describe('VM signals, each on its own', () => {
  it('reads DMI vendor strings', () => {
    expect(dmiSignal({ sys_vendor: 'QEMU', product_name: 'Standard PC (Q35 + ICH9, 2009)' })).toMatchObject({ status: 'detected', evidence: expect.stringContaining('QEMU') });
    expect(dmiSignal({ sys_vendor: 'innotek GmbH', product_name: 'VirtualBox' })).toMatchObject({ status: 'detected' });
    expect(dmiSignal({ sys_vendor: 'Microsoft Corporation', product_name: 'Virtual Machine' })).toMatchObject({ status: 'detected', evidence: expect.stringContaining('Hyper-V') });
    expect(dmiSignal({ sys_vendor: 'LENOVO', product_name: '20XW' })).toMatchObject({ status: 'clear' });
    expect(dmiSignal({ sys_vendor: null })).toMatchObject({ status: 'unavailable' });
  });

  it('reads the CPU hypervisor flag', () => {
    expect(cpuinfoSignal('processor: 0\nflags\t\t: fpu vme sse2 hypervisor lahf_lm\n')).toMatchObject({ status: 'detected' });
    expect(cpuinfoSignal('flags\t\t: fpu vme sse2 lahf_lm\n')).toMatchObject({ status: 'clear' });
    expect(cpuinfoSignal(null)).toMatchObject({ status: 'unavailable' });
  });

  it('reads systemd-detect-virt, telling a missing tool from a failed one', () => {
    expect(systemdDetectVirtSignal({ kind: 'ran', stdout: 'kvm\n', exitCode: 0 })).toEqual({ id: 'systemd_detect_virt', status: 'detected', evidence: 'kvm' });
    expect(systemdDetectVirtSignal({ kind: 'ran', stdout: 'none\n', exitCode: 1 })).toMatchObject({ status: 'clear' });
    expect(systemdDetectVirtSignal({ kind: 'missing' })).toMatchObject({ status: 'unavailable' });
    expect(systemdDetectVirtSignal({ kind: 'error', message: 'timed out' })).toMatchObject({ status: 'failed' });
  });

  it('reads hypervisor MAC OUIs and virtual disks', () => {
    expect(macOuiSignal(['52:54:00:12:34:56'])).toMatchObject({ status: 'detected', evidence: expect.stringContaining('QEMU') });
    expect(macOuiSignal(['08:00:27:aa:bb:cc'])).toMatchObject({ status: 'detected' });
    expect(macOuiSignal(['3c:22:fb:01:02:03', '00:00:00:00:00:00'])).toMatchObject({ status: 'clear' });
    expect(diskSignal([{ name: 'vda', model: null, vendor: '0x1af4', driver: 'virtio_blk' }])).toMatchObject({ status: 'detected' });
    expect(diskSignal([{ name: 'sda', model: 'VBOX HARDDISK', vendor: 'ATA', driver: 'sd' }])).toMatchObject({ status: 'detected' });
    expect(diskSignal([{ name: 'nvme0n1', model: 'Samsung SSD 980', vendor: null, driver: 'nvme' }, { name: 'loop0', model: null, vendor: null, driver: null }])).toMatchObject({ status: 'clear' });
  });
});

describe('devices and programs', () => {
  it('finds virtual cameras and audio loopbacks by name', () => {
    expect(virtualCameras(['Integrated Camera', 'OBS Virtual Camera', 'Dummy video device (0x0000)'])).toEqual(['OBS Virtual Camera', 'Dummy video device (0x0000)']);
    expect(audioLoopbacks(['Realtek Audio', 'CABLE Output (VB-Audio Virtual Cable)', 'BlackHole 2ch', '立体声混音'])).toHaveLength(3);
  });

  it('matches a renamed remote-control program by its original file name', () => {
    const m = matchProcesses([{ name: 'notepad.exe', originalName: 'AnyDesk.exe' }, { name: 'explorer.exe', originalName: 'EXPLORER.EXE' }, { name: 'ToDesk.exe', originalName: null }], ['anydesk', 'todesk']);
    expect(m).toEqual([
      { name: 'notepad', matched: 'anydesk', renamed: true },
      { name: 'todesk', matched: 'todesk', renamed: false },
    ]);
  });
});

function fakeSources(o: { cpuinfo?: string; procs?: Array<{ name: string; originalName: string | null }>; cams?: string[] | null; virt?: ExecResult; failProcs?: boolean } = {}): IntegritySources {
  return {
    platform: 'linux',
    readFile: async (f) => (f === '/proc/cpuinfo' ? (o.cpuinfo ?? 'flags : fpu') : null),
    exec: async () => o.virt ?? { kind: 'ran', stdout: 'none\n', exitCode: 1 },
    macs: () => ['3c:22:fb:01:02:03'],
    disks: async () => [{ name: 'nvme0n1', model: 'Samsung', vendor: null, driver: 'nvme' }],
    processes: async () => {
      if (o.failProcs) throw new Error('permission denied');
      return o.procs ?? [{ name: 'bash', originalName: 'bash' }];
    },
    cameraNames: async () => (o.cams === undefined ? ['Integrated Camera'] : o.cams),
    audioNames: async () => [],
    env: () => ({}),
  };
}

describe('scanIntegrity', () => {
  it('reports a clean machine as clean, with every VM signal listed', async () => {
    const r = await scanIntegrity(fakeSources());
    expect(r.vm.detected).toBe(false);
    expect(r.vm.signals.map((s) => s.id)).toEqual(['dmi', 'cpu_hypervisor_flag', 'systemd_detect_virt', 'mac_oui', 'disk_model']);
    expect(r.findings).toEqual([]);
    expect(r.failedChecks).toEqual([]);
  });

  it('turns signals into findings with severity and the policy action, never a verdict', async () => {
    const r = await scanIntegrity(
      fakeSources({ cpuinfo: 'flags : hypervisor', virt: { kind: 'ran', stdout: 'kvm', exitCode: 0 }, procs: [{ name: 'sunloginclient', originalName: null }, { name: 'obs', originalName: null }], cams: ['OBS Virtual Camera'] }),
      { ...DEFAULT_INTEGRITY_POLICY, prohibitedProcesses: ['wechat'] },
    );
    expect(r.vm).toMatchObject({ detected: true, detectedBy: ['cpu_hypervisor_flag', 'systemd_detect_virt'] });
    expect(r.findings.map((f) => [f.kind, f.severity, f.action])).toEqual([
      ['virtual_machine', 'medium', 'record'],
      ['remote_control_app', 'high', 'pause_and_alert'],
      ['screen_capture_app', 'high', 'warn'],
      ['virtual_camera', 'high', 'warn'],
    ]);
  });

  it('names a check that could not run, so the scan command fails', async () => {
    const r = await scanIntegrity(fakeSources({ failProcs: true, virt: { kind: 'error', message: 'timed out' } }));
    expect(r.failedChecks).toEqual(['vm.systemd_detect_virt', 'processes']);
  });
});

describe('IntegrityMonitor', () => {
  it('journals a new finding once for the session in progress, then its clearing, and hands warnings on', async () => {
    const f = makeFixture();
    const journal = new SqliteJournal(f.db);
    let report: IntegrityReport = await scanIntegrity(fakeSources({ cams: ['OBS Virtual Camera'] }));
    const actions: string[] = [];
    const m = new IntegrityMonitor({ db: f.db, journal, clock: new ManualClock(), logger: silentLogger, scan: async () => report, onAction: (fd) => actions.push(fd.kind) });
    await m.tick();
    expect(actions).toEqual([]); // nothing in progress: no scan, nothing journaled
    const { sessionId } = startedSession(f);
    await m.tick();
    await m.tick();
    report = await scanIntegrity(fakeSources());
    await m.tick();
    const events = journal.recent(sessionId, 100).filter((e) => e.type === 'integrity_finding').map((e) => [e.payload.status, e.payload.kind]);
    expect(events).toEqual([
      ['found', 'virtual_camera'],
      ['cleared', 'virtual_camera'],
    ]);
    expect(actions).toEqual(['virtual_camera']);
    expect(journal.verify(sessionId).ok).toBe(true);
  });
});

describe('parseLinuxProcesses', () => {
  it('joins each process name with the file behind /proc/<pid>/exe', async () => {
    const { parseLinuxProcesses } = await import('../../../../main/services/integrity/sources');
    const out = '/proc/1/comm:systemd\n/proc/42/comm:notepad\n/proc/77/comm:kworker/0:1\n--exe--\n/proc/1\t/usr/lib/systemd/systemd\n/proc/42\t/opt/anydesk/anydesk (deleted)\n';
    expect(parseLinuxProcesses(out)).toEqual([
      { name: 'systemd', originalName: 'systemd' },
      { name: 'notepad', originalName: 'anydesk' },
      { name: 'kworker/0:1', originalName: null },
    ]);
  });
});
