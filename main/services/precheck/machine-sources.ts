/**
 * Where the machine checks get their facts. Checks depend on the `MachineSources` interface only,
 * so tests inject controlled facts; `NodeMachineSources` is the real machine: fast `node:os`,
 * `node:fs` and environment reads on the calling thread, systeminformation in a worker thread,
 * and OS device listings through asynchronous child processes with their own time limits.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { WorkerSiClient, type SiClient } from './si-worker';

export interface PlatformFacts {
  readonly platform: string;
  /** The version compared with the policy: Windows build, macOS version, Linux kernel. */
  readonly version: string;
  /** For people: "Windows 11 Pro", "macOS 14.5", "Debian GNU/Linux 12". */
  readonly name: string;
}

export interface VirtualizationFacts {
  readonly virtual: boolean;
  readonly host: string | null;
  readonly signals: readonly string[];
}

export interface BatteryFacts {
  readonly hasBattery: boolean;
  readonly percent: number | null;
  readonly onMains: boolean | null;
}

export interface Display {
  readonly width: number;
  readonly height: number;
}

export interface MachineSources {
  platform(): Promise<PlatformFacts>;
  cpuCores(): Promise<number>;
  freeMemoryMb(): Promise<number>;
  /** Free megabytes on the filesystem holding `dir`. */
  freeDiskMb(dir: string): Promise<number>;
  /** Null when this machine cannot tell. */
  displays(): Promise<readonly Display[] | null>;
  /** Camera names; null when this machine cannot tell. */
  cameras(): Promise<readonly string[] | null>;
  /** Microphone (capture device) names; null when this machine cannot tell. */
  microphones(): Promise<readonly string[] | null>;
  virtualization(): Promise<VirtualizationFacts>;
  /** Environment variables that describe the login session (remote desktop, SSH). */
  sessionEnv(): Promise<Readonly<Record<string, string | undefined>>>;
  processNames(): Promise<readonly string[]>;
  battery(): Promise<BatteryFacts>;
}

export interface DisplaySource {
  displays(): ReadonlyArray<{ width: number; height: number }> | null;
}

const EXEC_TIMEOUT_MS = 4000;

function run(cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: EXEC_TIMEOUT_MS, windowsHide: true, maxBuffer: 2 * 1024 * 1024 }, (error, stdout) => {
      if (error) reject(error);
      else resolve(stdout);
    });
  });
}

function rec(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** macOS marketing version from the Darwin kernel major (Darwin 20 = macOS 11, 21 = 12, …). */
export function macosFromDarwin(release: string): string {
  const major = Number(release.split('.')[0]);
  if (!Number.isFinite(major) || major < 20) return `10.${Math.max(0, major - 4)}.0`;
  const minor = Number(release.split('.')[1] ?? 0);
  // Darwin 25 is macOS 26 (the version numbers jumped to the year).
  return major >= 25 ? `${major + 1}.${minor}.0` : `${major - 9}.${minor}.0`;
}

export class NodeMachineSources implements MachineSources {
  constructor(
    private readonly si: SiClient,
    private readonly displaySource: DisplaySource | null = null,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
    private readonly platformName: NodeJS.Platform = process.platform,
  ) {}

  async platform(): Promise<PlatformFacts> {
    const release = os.release();
    const info = rec(await this.si.call('osInfo').catch(() => ({})));
    const distro = str(info.distro);
    const infoRelease = str(info.release);
    switch (this.platformName) {
      case 'win32':
        return { platform: 'win32', version: release, name: distro || `Windows ${release}` };
      case 'darwin':
        return { platform: 'darwin', version: infoRelease || macosFromDarwin(release), name: `macOS ${infoRelease || macosFromDarwin(release)}` };
      default:
        return { platform: this.platformName, version: release.split('-')[0] ?? release, name: `${distro || this.platformName} ${infoRelease}`.trim() + ` (kernel ${release})` };
    }
  }

  async cpuCores(): Promise<number> {
    return os.availableParallelism();
  }

  async freeMemoryMb(): Promise<number> {
    return Math.round(os.freemem() / 1048576);
  }

  async freeDiskMb(dir: string): Promise<number> {
    let probe = path.resolve(dir);
    while (!existsSync(probe)) {
      const parent = path.dirname(probe);
      if (parent === probe) break;
      probe = parent;
    }
    const s = await statfs(probe);
    return Math.round((s.bavail * s.bsize) / 1048576);
  }

  async displays(): Promise<readonly Display[] | null> {
    const fromShell = this.displaySource?.displays();
    if (fromShell && fromShell.length > 0) return fromShell;
    const g = rec(await this.si.call('graphics'));
    const list = Array.isArray(g.displays) ? g.displays.map(rec) : [];
    const found = list
      .map((d) => ({ width: Number(d.currentResX ?? d.resolutionX ?? 0), height: Number(d.currentResY ?? d.resolutionY ?? 0) }))
      .filter((d) => d.width > 0 && d.height > 0);
    return found.length > 0 ? found : null;
  }

  async cameras(): Promise<readonly string[] | null> {
    switch (this.platformName) {
      case 'linux':
        return linuxCameras();
      case 'darwin': {
        const out = await run('system_profiler', ['SPCameraDataType', '-json']);
        const items = rec(JSON.parse(out)).SPCameraDataType;
        return Array.isArray(items) ? items.map((i) => str(rec(i)._name) || 'camera') : [];
      }
      case 'win32': {
        const out = await run('powershell.exe', [
          '-NoProfile',
          '-NonInteractive',
          '-Command',
          "Get-CimInstance Win32_PnPEntity | Where-Object { $_.PNPClass -eq 'Camera' -or $_.PNPClass -eq 'Image' } | ForEach-Object { $_.Name }",
        ]);
        return out.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      }
      default:
        return null;
    }
  }

  async microphones(): Promise<readonly string[] | null> {
    if (this.platformName === 'linux') return linuxMicrophones();
    const devices = await this.si.call('audio');
    if (!Array.isArray(devices)) return null;
    const inputs = devices.map(rec).filter((d) => d.in === true || /microphone|mic|input|麦克风/i.test(str(d.name)));
    return inputs.map((d) => str(d.name) || 'microphone');
  }

  async virtualization(): Promise<VirtualizationFacts> {
    const signals: string[] = [];
    const sys = rec(await this.si.call('system'));
    const host = str(sys.virtualHost) || null;
    if (sys.virtual === true) signals.push(`system:${host ?? 'virtual'}`);
    const model = `${str(sys.manufacturer)} ${str(sys.model)}`;
    if (/vmware|virtualbox|qemu|kvm|xen|parallels|hyper-v|virtual machine|bochs|bhyve|docker|container/i.test(model)) signals.push(`model:${model.trim()}`);
    const flags = str(await this.si.call('cpuFlags').catch(() => ''));
    if (/\bhypervisor\b/.test(flags)) signals.push('cpu:hypervisor');
    return { virtual: signals.length > 0, host, signals };
  }

  async sessionEnv(): Promise<Readonly<Record<string, string | undefined>>> {
    const keys = ['SESSIONNAME', 'SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY', 'XRDP_SESSION', 'DISPLAY', 'WAYLAND_DISPLAY', 'CHROME_REMOTE_DESKTOP_DEFAULT_DESKTOP_SIZES'];
    return Object.fromEntries(keys.map((k) => [k, this.env[k]]));
  }

  async processNames(): Promise<readonly string[]> {
    const names = await this.si.call('processNames');
    return Array.isArray(names) ? names.map(String) : [];
  }

  async battery(): Promise<BatteryFacts> {
    const b = rec(await this.si.call('battery'));
    const hasBattery = b.hasBattery === true;
    return {
      hasBattery,
      percent: hasBattery && typeof b.percent === 'number' ? b.percent : null,
      onMains: typeof b.acConnected === 'boolean' ? b.acConnected : null,
    };
  }
}

async function linuxCameras(): Promise<readonly string[]> {
  const sys = '/sys/class/video4linux';
  let nodes: string[];
  try {
    nodes = (await readdir(sys)).filter((n) => /^video\d+$/.test(n));
  } catch {
    nodes = (await readdir('/dev').catch(() => [] as string[])).filter((n) => /^video\d+$/.test(n));
  }
  const names = new Set<string>();
  for (const n of nodes) {
    const name = (await readFile(path.join(sys, n, 'name'), 'utf8').catch(() => n)).trim();
    // UVC cameras expose a second, metadata-only node with the same name: count cameras, not nodes.
    names.add(name);
  }
  return [...names];
}

async function linuxMicrophones(): Promise<readonly string[]> {
  const pcm = await readFile('/proc/asound/pcm', 'utf8').catch(() => '');
  const fromAlsa = pcm
    .split('\n')
    .filter((l) => /capture/i.test(l))
    .map((l) => l.split(':')[1]?.trim() ?? 'microphone');
  return fromAlsa;
}

/** The real machine for one pre-check run: a fresh systeminformation worker, ended by `close`. */
export function nodeMachineSession(displaySource: DisplaySource | null = null): { sources: MachineSources; close(): Promise<void> } {
  const si = new WorkerSiClient();
  return { sources: new NodeMachineSources(si, displaySource), close: () => si.close() };
}
