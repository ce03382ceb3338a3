/**
 * What integrity monitoring looks at, as pure functions over text the machine gives us, so every
 * signal is unit-tested with fixtures. Gathering the text (files, child processes) is in
 * sources.ts; nothing here touches the machine.
 *
 * A VM is several independent signals, each reported on its own (DESIGN §5: string matching can be
 * bypassed, so each one is a flag for a human, layered with the others):
 *  - DMI/SMBIOS vendor, product and BIOS strings;
 *  - the CPU's `hypervisor` flag (/proc/cpuinfo; macOS `kern.hv_vmm_present`);
 *  - `systemd-detect-virt --vm` where systemd is present;
 *  - network adapters whose MAC OUI belongs to a hypervisor vendor;
 *  - disk models and drivers of virtual disks (virtio, QEMU, VBOX, VMware, Hyper-V).
 */

/** How one signal came out. `unavailable`: this machine has no such source (not a failure). */
export type SignalStatus = 'detected' | 'clear' | 'unavailable' | 'failed';

export interface Signal {
  readonly id: string;
  readonly status: SignalStatus;
  /** What was seen (never personal data): a vendor string, a flag, a driver name. */
  readonly evidence: string;
}

const VM_VENDOR_PATTERNS: ReadonlyArray<readonly [RegExp, string]> = [
  [/qemu/i, 'QEMU'],
  [/\bkvm\b/i, 'KVM'],
  [/vmware/i, 'VMware'],
  [/virtualbox|innotek/i, 'VirtualBox'],
  [/\bxen\b/i, 'Xen'],
  [/parallels/i, 'Parallels'],
  [/bochs/i, 'Bochs'],
  [/bhyve/i, 'bhyve'],
  [/virtual machine|hyper-v/i, 'Hyper-V'],
  [/amazon ec2|\bec2\b/i, 'Amazon EC2'],
  [/google compute engine/i, 'Google Compute Engine'],
  [/openstack/i, 'OpenStack'],
  [/digitalocean/i, 'DigitalOcean'],
  [/alibaba cloud|aliyun/i, 'Alibaba Cloud'],
  [/tencent cloud/i, 'Tencent Cloud'],
  [/apple virtualization|virtualmac/i, 'Apple Virtualization'],
];

/** The hypervisor a vendor/product string names, or null. */
export function vmVendorOf(text: string): string | null {
  for (const [re, name] of VM_VENDOR_PATTERNS) if (re.test(text)) return name;
  return null;
}

/** DMI strings (sys_vendor, product_name, board_vendor, bios_vendor, …); null when absent. */
export function dmiSignal(fields: Readonly<Record<string, string | null>>): Signal {
  const present = Object.entries(fields).filter(([, v]) => v !== null && v.trim() !== '');
  if (present.length === 0) return { id: 'dmi', status: 'unavailable', evidence: 'no DMI/SMBIOS strings on this machine' };
  for (const [k, v] of present) {
    const vendor = vmVendorOf(v!);
    if (vendor) return { id: 'dmi', status: 'detected', evidence: `${k}=${v!.trim().slice(0, 60)} (${vendor})` };
  }
  return { id: 'dmi', status: 'clear', evidence: present.map(([k, v]) => `${k}=${v!.trim().slice(0, 40)}`).join(', ') };
}

/** /proc/cpuinfo: the `hypervisor` CPU flag is set by every mainstream hypervisor. */
export function cpuinfoSignal(cpuinfo: string | null): Signal {
  if (cpuinfo === null) return { id: 'cpu_hypervisor_flag', status: 'unavailable', evidence: 'no /proc/cpuinfo' };
  const flags = /^(flags|Features)\s*:\s*(.*)$/m.exec(cpuinfo)?.[2] ?? '';
  if (!flags) return { id: 'cpu_hypervisor_flag', status: 'unavailable', evidence: 'no CPU flags listed' };
  return /\bhypervisor\b/.test(flags)
    ? { id: 'cpu_hypervisor_flag', status: 'detected', evidence: 'hypervisor flag set' }
    : { id: 'cpu_hypervisor_flag', status: 'clear', evidence: 'hypervisor flag not set' };
}

/** macOS: `sysctl -n kern.hv_vmm_present` prints 1 inside a VM. */
export function macVmmSignal(output: string | null): Signal {
  if (output === null) return { id: 'cpu_hypervisor_flag', status: 'unavailable', evidence: 'sysctl kern.hv_vmm_present not available' };
  return output.trim() === '1'
    ? { id: 'cpu_hypervisor_flag', status: 'detected', evidence: 'kern.hv_vmm_present=1' }
    : { id: 'cpu_hypervisor_flag', status: 'clear', evidence: `kern.hv_vmm_present=${output.trim().slice(0, 8)}` };
}

/**
 * `systemd-detect-virt --vm`: prints the hypervisor (exit 0) or `none` (exit 1). `missing` when
 * the tool is not installed; `error` when it ran and failed otherwise.
 */
export function systemdDetectVirtSignal(r: { kind: 'ran'; stdout: string; exitCode: number } | { kind: 'missing' } | { kind: 'error'; message: string }): Signal {
  switch (r.kind) {
    case 'missing':
      return { id: 'systemd_detect_virt', status: 'unavailable', evidence: 'systemd-detect-virt is not installed' };
    case 'error':
      return { id: 'systemd_detect_virt', status: 'failed', evidence: r.message.slice(0, 120) };
    case 'ran': {
      const out = r.stdout.trim().split('\n')[0]?.trim() ?? '';
      if (out === 'none' || (r.exitCode !== 0 && out === '')) return { id: 'systemd_detect_virt', status: 'clear', evidence: 'none' };
      if (/^[a-z0-9_-]{1,32}$/.test(out)) return { id: 'systemd_detect_virt', status: 'detected', evidence: out };
      return { id: 'systemd_detect_virt', status: 'failed', evidence: `unexpected output: ${out.slice(0, 40)}` };
    }
    default: {
      const never: never = r;
      return never;
    }
  }
}

/** OUIs (first three octets) registered to hypervisor vendors. */
const VM_OUIS: Readonly<Record<string, string>> = {
  '00:05:69': 'VMware',
  '00:0c:29': 'VMware',
  '00:1c:14': 'VMware',
  '00:50:56': 'VMware',
  '08:00:27': 'VirtualBox',
  '0a:00:27': 'VirtualBox',
  '52:54:00': 'QEMU/KVM',
  '00:15:5d': 'Hyper-V',
  '00:16:3e': 'Xen',
  '00:1c:42': 'Parallels',
  '00:03:ff': 'Microsoft Virtual PC',
};

export function macOuiSignal(macs: readonly string[]): Signal {
  const real = macs.map((m) => m.toLowerCase()).filter((m) => /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(m) && m !== '00:00:00:00:00:00');
  if (real.length === 0) return { id: 'mac_oui', status: 'unavailable', evidence: 'no network adapters with a hardware address' };
  for (const m of real) {
    const vendor = VM_OUIS[m.slice(0, 8)];
    if (vendor) return { id: 'mac_oui', status: 'detected', evidence: `${m.slice(0, 8)} (${vendor})` };
  }
  return { id: 'mac_oui', status: 'clear', evidence: `${real.length} adapter(s), no hypervisor OUI` };
}

export interface DiskFacts {
  readonly name: string;
  readonly model: string | null;
  readonly vendor: string | null;
  readonly driver: string | null;
}

/** Virtual disks: virtio (driver virtio_blk, PCI vendor 0x1af4), QEMU/VBOX/VMware/Hyper-V models. */
export function diskSignal(disks: readonly DiskFacts[]): Signal {
  const physical = disks.filter((d) => !/^(loop|ram|zram|dm-|md|sr|fd)/.test(d.name));
  if (physical.length === 0) return { id: 'disk_model', status: 'unavailable', evidence: 'no disks listed' };
  for (const d of physical) {
    const text = `${d.model ?? ''} ${d.vendor ?? ''}`;
    if (d.driver && /virtio/i.test(d.driver)) return { id: 'disk_model', status: 'detected', evidence: `${d.name}: ${d.driver}` };
    if (/0x1af4|qemu|vbox|virtual ?disk|vmware|msft virtual|virtual hd/i.test(text)) return { id: 'disk_model', status: 'detected', evidence: `${d.name}: ${text.trim().slice(0, 60)}` };
  }
  return { id: 'disk_model', status: 'clear', evidence: physical.map((d) => `${d.name}: ${(d.model ?? '?').trim().slice(0, 30)}`).join(', ') };
}

/** Windows: `Win32_ComputerSystem` manufacturer and model (PowerShell). */
export function windowsModelSignal(output: string | null): Signal {
  if (output === null) return { id: 'dmi', status: 'unavailable', evidence: 'Win32_ComputerSystem not available' };
  const vendor = vmVendorOf(output);
  return vendor ? { id: 'dmi', status: 'detected', evidence: `${output.trim().slice(0, 60)} (${vendor})` } : { id: 'dmi', status: 'clear', evidence: output.trim().slice(0, 60) };
}

// ---------------------------------------------------------------- devices and programs

/** Virtual cameras: loopback drivers and the well-known virtual camera products. */
const VIRTUAL_CAMERA = /obs virtual|obs-camera|v4l2loopback|dummy video|manycam|xsplit|snap camera|e2esoft|vcam|droidcam|epoccam|camtwist|iriun|nvidia broadcast|mmhmm|virtual ?cam|splitcam|youcam/i;
/** Audio loopback and virtual cables. */
const AUDIO_LOOPBACK = /loopback|vb-audio|cable (input|output)|voicemeeter|blackhole|soundflower|stereo mix|立体声混音|virtual audio|aloop/i;

export function virtualCameras(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => VIRTUAL_CAMERA.test(n)).map((n) => n.trim().slice(0, 60)))];
}

export function audioLoopbacks(names: readonly string[]): string[] {
  return [...new Set(names.filter((n) => AUDIO_LOOPBACK.test(n)).map((n) => n.trim().slice(0, 60)))];
}

/**
 * Screen sharing, meeting and recording programs, per OS, by process name (lower case, no
 * `.exe`/`.app`). Includes the tools common in China (腾讯会议, 钉钉, 飞书, 向日葵, ToDesk).
 */
export const SCREEN_CAPTURE_PROCESSES: Readonly<Record<'win32' | 'darwin' | 'linux', readonly string[]>> = {
  win32: ['obs64', 'obs32', 'obs', 'bandicam', 'camtasia', 'camrec', 'sharex', 'screenrec', 'fraps', 'action_x64', 'zoom', 'ms-teams', 'teams', 'skype', 'discord', 'wemeetapp', 'dingtalk', 'feishu', 'lark', 'webex', 'ciscowebexstart', 'slack', 'qq', 'wechat', 'weixin'],
  darwin: ['obs', 'screenflow', 'camtasia 2023', 'kap', 'zoom.us', 'microsoft teams', 'skype', 'discord', 'tencentmeeting', 'wemeetapp', 'dingtalk', 'feishu', 'lark', 'webex', 'slack', 'qq', 'wechat', 'screencaptureui', 'quicktime player'],
  linux: ['obs', 'simplescreenrecorder', 'kazam', 'vokoscreen', 'vokoscreenng', 'peek', 'recordmydesktop', 'gpu-screen-recorder', 'wf-recorder', 'zoom', 'teams', 'skypeforlinux', 'discord', 'wemeetapp', 'dingtalk', 'feishu', 'lark', 'slack'],
};

/** Remote control and remote desktop servers. */
export const REMOTE_CONTROL_PROCESSES: Readonly<Record<'win32' | 'darwin' | 'linux', readonly string[]>> = {
  win32: ['teamviewer', 'teamviewer_service', 'anydesk', 'todesk', 'todesk_service', 'sunloginclient', 'sunloginremote', 'awesun', 'rustdesk', 'parsecd', 'remoting_host', 'winvnc', 'tvnserver', 'vncserver', 'rdpclip', 'splashtop', 'srserver', 'logmein', 'screenconnect.clientservice', 'ammyy_admin', 'radmin', 'rserver3'],
  darwin: ['teamviewer', 'anydesk', 'todesk', 'sunloginclient', 'rustdesk', 'parsecd', 'screensharingagent', 'ardagent', 'splashtop streamer', 'remoting_me2me_host'],
  linux: ['teamviewer', 'teamviewerd', 'anydesk', 'todesk', 'sunloginclient', 'rustdesk', 'x11vnc', 'vino-server', 'xvnc', 'vncserver', 'krfb', 'xrdp', 'xrdp-chansrv', 'chrome-remote-desktop-host', 'remoting_me2me_host', 'gnome-remote-desktop-daemon'],
};

export interface ProcessFacts {
  /** The name the process shows (may be renamed). */
  readonly name: string;
  /** The executable's own name: the file behind /proc/<pid>/exe, or Windows' OriginalFilename. */
  readonly originalName: string | null;
}

export function normalizeName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.trim().toLowerCase().replace(/\.(exe|app)$/, '');
}

/**
 * Processes whose shown name or original file name is on a list. Matching the original name
 * catches a renamed binary (`notepad.exe` that is really AnyDesk).
 */
export function matchProcesses(processes: readonly ProcessFacts[], list: readonly string[]): Array<{ name: string; matched: string; renamed: boolean }> {
  const wanted = new Set(list.map(normalizeName));
  const out = new Map<string, { name: string; matched: string; renamed: boolean }>();
  for (const p of processes) {
    const shown = normalizeName(p.name);
    const original = p.originalName ? normalizeName(p.originalName) : null;
    if (wanted.has(shown)) out.set(shown, { name: shown, matched: shown, renamed: false });
    else if (original && wanted.has(original)) out.set(`${shown}->${original}`, { name: shown, matched: original, renamed: true });
  }
  return [...out.values()].sort((a, b) => a.matched.localeCompare(b.matched));
}

/** Summarises VM signals: detected when any independent signal is. */
export function vmVerdict(signals: readonly Signal[]): { detected: boolean; detectedBy: string[] } {
  const by = signals.filter((s) => s.status === 'detected').map((s) => s.id);
  return { detected: by.length > 0, detectedBy: by };
}
