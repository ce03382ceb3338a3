/**
 * One integrity scan: every signal checked, each reported with its status and evidence, and the
 * findings they add up to, each with a severity and the action the policy gives it. A finding
 * never fails an interview by itself: the strongest action is to pause and call the proctor.
 */
import { DEFAULT_PROHIBITED_PROCESSES } from '../precheck/policy';
import { detectRemoteSession } from '../precheck/checks/integrity';
import {
  audioLoopbacks,
  cpuinfoSignal,
  diskSignal,
  dmiSignal,
  macOuiSignal,
  macVmmSignal,
  matchProcesses,
  REMOTE_CONTROL_PROCESSES,
  SCREEN_CAPTURE_PROCESSES,
  systemdDetectVirtSignal,
  virtualCameras,
  vmVerdict,
  windowsModelSignal,
  type ProcessFacts,
  type Signal,
  type SignalStatus,
} from './signals';
import type { IntegritySources } from './sources';

export type FindingKind =
  | 'virtual_machine'
  | 'remote_desktop'
  | 'remote_control_app'
  | 'screen_capture_app'
  | 'prohibited_process'
  | 'virtual_camera'
  | 'audio_loopback'
  | 'capture_excluded_window';
export type Severity = 'low' | 'medium' | 'high';
/** What happens: journal only; also tell the candidate; also pause the interview and call the proctor. */
export type FindingAction = 'record' | 'warn' | 'pause_and_alert';

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly action: FindingAction;
  readonly evidence: string;
}

export interface IntegrityPolicy {
  readonly actions: Readonly<Record<FindingKind, FindingAction>>;
  /** The pack's own list, added to the per-OS defaults. */
  readonly prohibitedProcesses: readonly string[];
}

export const SEVERITY: Readonly<Record<FindingKind, Severity>> = {
  virtual_machine: 'medium',
  remote_desktop: 'high',
  remote_control_app: 'high',
  screen_capture_app: 'high',
  prohibited_process: 'medium',
  virtual_camera: 'high',
  audio_loopback: 'low',
  // A window hidden from screen capture is how AI "interview helper" overlays stay invisible to a
  // shared screen; a few ordinary programs (DRM players, some password managers) do it too.
  capture_excluded_window: 'high',
};

/** The default policy: VM signals are weak evidence, a remote controller is the strongest. */
export const DEFAULT_INTEGRITY_POLICY: IntegrityPolicy = {
  actions: {
    virtual_machine: 'record',
    remote_desktop: 'pause_and_alert',
    remote_control_app: 'pause_and_alert',
    screen_capture_app: 'warn',
    prohibited_process: 'warn',
    virtual_camera: 'warn',
    audio_loopback: 'record',
    capture_excluded_window: 'warn',
  },
  prohibitedProcesses: [],
};

/**
 * Windows: every visible top-level window whose display affinity is not WDA_NONE (WDA_MONITOR = 1,
 * WDA_EXCLUDEFROMCAPTURE = 0x11), one `pid<TAB>affinity<TAB>process name` line each, through
 * user32's EnumWindows / GetWindowDisplayAffinity / GetWindowThreadProcessId (PowerShell's Add-Type;
 * no native module ships with the kiosk). Passed as -EncodedCommand (UTF-16LE base64), so nothing
 * in it is re-quoted by a shell.
 */
export const WINDOWS_AFFINITY_SCRIPT = [
  'Add-Type -TypeDefinition @"',
  'using System; using System.Collections.Generic; using System.Runtime.InteropServices;',
  'public static class IkWda {',
  '  public delegate bool EnumProc(IntPtr h, IntPtr l);',
  '  [DllImport("user32.dll")] public static extern bool EnumWindows(EnumProc f, IntPtr l);',
  '  [DllImport("user32.dll")] public static extern bool IsWindowVisible(IntPtr h);',
  '  [DllImport("user32.dll")] public static extern bool GetWindowDisplayAffinity(IntPtr h, out uint a);',
  '  [DllImport("user32.dll")] public static extern uint GetWindowThreadProcessId(IntPtr h, out uint p);',
  '  public static List<string> Scan() {',
  '    var r = new List<string>();',
  '    EnumWindows((h, l) => { uint a; uint p; if (IsWindowVisible(h) && GetWindowDisplayAffinity(h, out a) && a != 0) { GetWindowThreadProcessId(h, out p); r.Add(p + "\t" + a); } return true; }, IntPtr.Zero);',
  '    return r;',
  '  }',
  '}',
  '"@',
  'foreach ($l in [IkWda]::Scan()) { $p = [int](($l -split "`t")[0]); $n = (Get-Process -Id $p -ErrorAction SilentlyContinue).ProcessName; "$l`t$n" }',
  '"done"',
].join('\r\n');

export interface ExcludedWindow {
  readonly pid: number;
  readonly affinity: number;
  readonly name: string;
}

/**
 * The script's output, without the kiosk's own windows (its content protection sets the same
 * affinity on purpose). `null` when the output is not the script's (no final `done`): the check
 * failed rather than found nothing.
 */
export function parseExcludedWindows(stdout: string, ownPids: readonly number[]): ExcludedWindow[] | null {
  const lines = stdout.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (lines[lines.length - 1] !== 'done') return null;
  const out: ExcludedWindow[] = [];
  for (const l of lines.slice(0, -1).slice(0, 500)) {
    const m = /^(\d{1,10})\t(\d{1,10})\t?(.*)$/.exec(l);
    if (!m) continue;
    const pid = Number(m[1]);
    const affinity = Number(m[2]);
    if (affinity === 0 || ownPids.includes(pid)) continue;
    out.push({ pid, affinity, name: (m[3] ?? '').slice(0, 100) || `pid ${pid}` });
  }
  return out;
}

/** The capture-exclusion check's report from the script's run (pure: tested with recorded outputs). */
export function excludedWindowsReport(r: { kind: 'ran'; stdout: string; exitCode: number } | { kind: 'missing' } | { kind: 'error'; message: string }, ownPids: readonly number[]): CheckReport {
  if (r.kind === 'missing') return { status: 'failed', evidence: 'powershell.exe not found', found: [] };
  if (r.kind === 'error') return { status: 'failed', evidence: r.message.slice(0, 160), found: [] };
  const found = r.exitCode === 0 ? parseExcludedWindows(r.stdout, ownPids) : null;
  if (found === null) return { status: 'failed', evidence: `the window query did not complete (exit ${r.exitCode})`, found: [] };
  if (found.length === 0) return { status: 'clear', evidence: 'no other window excludes itself from capture', found: [] };
  const names = [...new Set(found.map((w) => w.name))];
  const kind = (a: number) => (a === 0x11 ? 'excluded from capture' : a === 1 ? 'shown only on the monitor' : `affinity ${a}`);
  return { status: 'detected', evidence: found.map((w) => `${w.name} (${kind(w.affinity)})`).join(', ').slice(0, 300), found: names };
}

/**
 * The policy for one pack: the kiosk's defaults, overridden kind by kind by the pack, and the
 * pack's prohibited programs added to the per-OS defaults.
 */
export function integrityPolicyFor(pack: { readonly actions?: Partial<Record<FindingKind, FindingAction>>; readonly prohibitedProcesses?: readonly string[] } | undefined): IntegrityPolicy {
  if (!pack) return DEFAULT_INTEGRITY_POLICY;
  return {
    actions: { ...DEFAULT_INTEGRITY_POLICY.actions, ...pack.actions },
    prohibitedProcesses: [...new Set([...DEFAULT_INTEGRITY_POLICY.prohibitedProcesses, ...(pack.prohibitedProcesses ?? [])])],
  };
}

/** One scan serves every session in progress: it looks for the union of their prohibited lists. */
export function unionPolicy(policies: readonly IntegrityPolicy[]): IntegrityPolicy {
  if (policies.length === 0) return DEFAULT_INTEGRITY_POLICY;
  return {
    actions: DEFAULT_INTEGRITY_POLICY.actions,
    prohibitedProcesses: [...new Set(policies.flatMap((p) => p.prohibitedProcesses))],
  };
}

export interface CheckReport {
  readonly status: SignalStatus;
  readonly evidence: string;
  readonly found: readonly string[];
}

export interface IntegrityReport {
  readonly platform: string;
  readonly scannedAt: number;
  readonly durationMs: number;
  readonly vm: { readonly detected: boolean; readonly detectedBy: readonly string[]; readonly signals: readonly Signal[] };
  readonly remoteDesktop: CheckReport;
  readonly remoteControl: CheckReport;
  readonly screenCapture: CheckReport;
  readonly prohibitedProcesses: CheckReport;
  readonly virtualCameras: CheckReport;
  readonly audioLoopback: CheckReport;
  readonly captureExcludedWindows: CheckReport;
  readonly findings: readonly Finding[];
  /** Checks that were meant to run here and could not: the scan is incomplete. */
  readonly failedChecks: readonly string[];
}

function osKey(p: NodeJS.Platform): 'win32' | 'darwin' | 'linux' {
  return p === 'win32' ? 'win32' : p === 'darwin' ? 'darwin' : 'linux';
}

async function settle<T>(f: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: string }> {
  try {
    return { ok: true, value: await f() };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message.slice(0, 160) : String(e) };
  }
}

async function vmSignals(src: IntegritySources): Promise<Signal[]> {
  switch (src.platform) {
    case 'linux': {
      const dmiFields = ['sys_vendor', 'product_name', 'product_version', 'board_vendor', 'bios_vendor', 'chassis_vendor'];
      const dmi: Record<string, string | null> = {};
      for (const f of dmiFields) dmi[f] = await src.readFile(`/sys/class/dmi/id/${f}`);
      const disks = await src.disks();
      return [
        dmiSignal(dmi),
        cpuinfoSignal(await src.readFile('/proc/cpuinfo')),
        systemdDetectVirtSignal(await src.exec('systemd-detect-virt', ['--vm'])),
        macOuiSignal(src.macs()),
        disks === null ? { id: 'disk_model', status: 'failed', evidence: 'cannot list /sys/block' } : diskSignal(disks),
      ];
    }
    case 'darwin': {
      const vmm = await src.exec('sysctl', ['-n', 'kern.hv_vmm_present']);
      const model = await src.exec('sysctl', ['-n', 'hw.model']);
      return [
        model.kind === 'ran' ? windowsModelSignal(model.stdout) : { id: 'dmi', status: 'failed', evidence: 'sysctl hw.model failed' },
        vmm.kind === 'ran' ? macVmmSignal(vmm.stdout) : { id: 'cpu_hypervisor_flag', status: 'failed', evidence: 'sysctl kern.hv_vmm_present failed' },
        macOuiSignal(src.macs()),
      ];
    }
    case 'win32': {
      const model = await src.exec('powershell.exe', ['-NoProfile', '-NonInteractive', '-Command', '$c = Get-CimInstance Win32_ComputerSystem; "$($c.Manufacturer) $($c.Model) hv=$($c.HypervisorPresent)"']);
      const signals: Signal[] = [model.kind === 'ran' ? windowsModelSignal(model.stdout.replace(/hv=\w+/, '')) : { id: 'dmi', status: 'failed', evidence: 'Win32_ComputerSystem query failed' }];
      if (model.kind === 'ran') {
        const hv = /hv=(\w+)/.exec(model.stdout)?.[1];
        signals.push(hv === 'True' ? { id: 'cpu_hypervisor_flag', status: 'detected', evidence: 'HypervisorPresent=True' } : { id: 'cpu_hypervisor_flag', status: 'clear', evidence: `HypervisorPresent=${hv ?? '?'}` });
      }
      signals.push(macOuiSignal(src.macs()));
      return signals;
    }
    default:
      return [macOuiSignal(src.macs())];
  }
}

function listReport(r: { ok: true; value: readonly string[] | null } | { ok: false; error: string }, pick: (names: readonly string[]) => string[], what: string): CheckReport {
  if (!r.ok) return { status: 'failed', evidence: r.error, found: [] };
  if (r.value === null) return { status: 'unavailable', evidence: `this OS cannot list ${what}`, found: [] };
  const found = pick(r.value);
  return found.length > 0 ? { status: 'detected', evidence: found.join(', ').slice(0, 300), found } : { status: 'clear', evidence: `${r.value.length} ${what} listed`, found: [] };
}

/** Runs every check. Never throws: a check that cannot run is reported as failed. */
export async function scanIntegrity(src: IntegritySources, policy: IntegrityPolicy = DEFAULT_INTEGRITY_POLICY, now: () => number = Date.now): Promise<IntegrityReport> {
  const started = now();
  const os = osKey(src.platform);
  const [signals, procs, cams, audio] = await Promise.all([
    settle(() => vmSignals(src)),
    settle(() => src.processes()),
    settle(() => src.cameraNames()),
    settle(() => src.audioNames()),
  ]);
  const vmList: Signal[] = signals.ok ? signals.value : [{ id: 'vm', status: 'failed', evidence: signals.error }];
  const verdict = vmVerdict(vmList);

  const processes: readonly ProcessFacts[] = procs.ok ? procs.value : [];
  const procReport = (list: readonly string[]): CheckReport => {
    if (!procs.ok) return { status: 'failed', evidence: procs.error, found: [] };
    if (processes.length === 0) return { status: 'failed', evidence: 'no running programs could be listed', found: [] };
    const m = matchProcesses(processes, list);
    return m.length > 0
      ? { status: 'detected', evidence: m.map((x) => (x.renamed ? `${x.name} (really ${x.matched})` : x.name)).join(', ').slice(0, 300), found: m.map((x) => x.matched) }
      : { status: 'clear', evidence: `${processes.length} programs running`, found: [] };
  };
  const remoteControl = procReport(REMOTE_CONTROL_PROCESSES[os]);
  const screenCapture = procReport(SCREEN_CAPTURE_PROCESSES[os]);
  const prohibited = procReport([...DEFAULT_PROHIBITED_PROCESSES, ...policy.prohibitedProcesses]);

  const remoteSignals = detectRemoteSession(src.platform, src.env(), processes.map((p) => p.name));
  const remoteDesktop: CheckReport = remoteSignals.length > 0 ? { status: 'detected', evidence: remoteSignals.join(', '), found: remoteSignals } : { status: 'clear', evidence: 'local session', found: [] };

  const virtualCams = listReport(cams, virtualCameras, 'cameras');
  const loopback = listReport(audio, audioLoopbacks, 'audio devices');
  // Windows tells each window's display affinity; macOS and Linux do not say which windows
  // exclude themselves from capture (macOS sharingType is per app and not readable from outside).
  const captureExcludedWindows: CheckReport =
    src.platform === 'win32'
      ? excludedWindowsReport(
          await src.exec('powershell.exe', ['-NoProfile', '-NonInteractive', '-EncodedCommand', Buffer.from(WINDOWS_AFFINITY_SCRIPT, 'utf16le').toString('base64')]),
          [process.pid],
        )
      : { status: 'unavailable', evidence: 'this OS does not tell which windows exclude themselves from capture', found: [] };

  const findings: Finding[] = [];
  const add = (kind: FindingKind, evidence: string): void => {
    findings.push({ kind, severity: SEVERITY[kind], action: policy.actions[kind], evidence: evidence.slice(0, 300) });
  };
  if (verdict.detected) add('virtual_machine', vmList.filter((s) => s.status === 'detected').map((s) => `${s.id}: ${s.evidence}`).join('; '));
  if (remoteDesktop.status === 'detected') add('remote_desktop', remoteDesktop.evidence);
  if (remoteControl.status === 'detected') add('remote_control_app', remoteControl.evidence);
  if (screenCapture.status === 'detected') add('screen_capture_app', screenCapture.evidence);
  // The prohibited list overlaps the two above: report only what they did not already.
  const already = new Set([...remoteControl.found, ...screenCapture.found]);
  const extra = prohibited.found.filter((f) => !already.has(f));
  if (extra.length > 0) add('prohibited_process', extra.join(', '));
  if (virtualCams.status === 'detected') add('virtual_camera', virtualCams.evidence);
  if (loopback.status === 'detected') add('audio_loopback', loopback.evidence);
  if (captureExcludedWindows.status === 'detected') add('capture_excluded_window', captureExcludedWindows.evidence);

  const failedChecks = [
    ...vmList.filter((s) => s.status === 'failed').map((s) => `vm.${s.id}`),
    ...(procs.ok && processes.length > 0 ? [] : ['processes']),
    ...(virtualCams.status === 'failed' ? ['virtualCameras'] : []),
    ...(loopback.status === 'failed' ? ['audioLoopback'] : []),
    ...(captureExcludedWindows.status === 'failed' ? ['captureExcludedWindows'] : []),
  ];
  return {
    platform: src.platform,
    scannedAt: started,
    durationMs: Math.max(0, now() - started),
    vm: { detected: verdict.detected, detectedBy: verdict.detectedBy, signals: vmList },
    remoteDesktop,
    remoteControl,
    screenCapture,
    prohibitedProcesses: prohibited,
    virtualCameras: virtualCams,
    audioLoopback: loopback,
    captureExcludedWindows,
    findings,
    failedChecks,
  };
}
