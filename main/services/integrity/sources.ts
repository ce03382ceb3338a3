/**
 * Where integrity monitoring gets its text. Every read is asynchronous (fs/promises) and every
 * program runs as a child process with its own time limit, so a scan never blocks the kiosk's
 * event loop for long (the scan CLI measures it: `eventLoopMaxMs`). Tests inject their own.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DiskFacts, ProcessFacts } from './signals';

export type ExecResult = { kind: 'ran'; stdout: string; exitCode: number } | { kind: 'missing' } | { kind: 'error'; message: string };

export interface IntegritySources {
  readonly platform: NodeJS.Platform;
  readFile(file: string): Promise<string | null>;
  exec(cmd: string, args: readonly string[]): Promise<ExecResult>;
  macs(): string[];
  disks(): Promise<DiskFacts[] | null>;
  processes(): Promise<ProcessFacts[]>;
  /** Camera names, or null when this OS cannot list them. */
  cameraNames(): Promise<string[] | null>;
  /** Audio device and driver names, or null when this OS cannot list them. */
  audioNames(): Promise<string[] | null>;
  env(): Readonly<Record<string, string | undefined>>;
}

const EXEC_TIMEOUT_MS = 5000;

function exec(cmd: string, args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: EXEC_TIMEOUT_MS, windowsHide: true, maxBuffer: 8 * 1024 * 1024 }, (error, stdout) => {
      if (!error) return resolve({ kind: 'ran', stdout, exitCode: 0 });
      const e = error as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
      if (e.code === 'ENOENT') return resolve({ kind: 'missing' });
      if (typeof e.code === 'number' && !e.killed) return resolve({ kind: 'ran', stdout, exitCode: e.code });
      resolve({ kind: 'error', message: e.killed ? `${cmd} timed out` : e.message });
    });
  });
}

async function read(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

const POWERSHELL = ['-NoProfile', '-NonInteractive', '-Command'];

/**
 * Two programs, no fork per process: `grep` prints `/proc/<pid>/comm:<name>` lines, then `find`
 * prints `/proc/<pid><TAB><exe target>` (GNU find; unreadable links are skipped).
 */
const LINUX_PROCESS_SCRIPT = "grep -H '' /proc/[0-9]*/comm 2>/dev/null; echo '--exe--'; find /proc -mindepth 2 -maxdepth 2 -path '/proc/[0-9]*/exe' -printf '%h\\t%l\\n' 2>/dev/null; true";

export function parseLinuxProcesses(out: string): ProcessFacts[] {
  const [commPart = '', exePart = ''] = out.split('--exe--\n');
  const exe = new Map<string, string>();
  for (const line of exePart.split('\n')) {
    const [dir, target] = line.split('\t');
    const pid = /^\/proc\/(\d+)$/.exec(dir ?? '')?.[1];
    if (pid && target) exe.set(pid, target.replace(/ \(deleted\)$/, '').trim());
  }
  const out2: ProcessFacts[] = [];
  for (const line of commPart.split('\n')) {
    const m = /^\/proc\/(\d+)\/comm:(.*)$/.exec(line);
    if (!m || !m[2]!.trim()) continue;
    const target = exe.get(m[1]!);
    out2.push({ name: m[2]!.trim(), originalName: target ? path.basename(target) : null });
    if (out2.length >= 5000) break;
  }
  return out2;
}

export class NodeIntegritySources implements IntegritySources {
  constructor(
    readonly platform: NodeJS.Platform = process.platform,
    private readonly environment: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  readFile(file: string): Promise<string | null> {
    return read(file);
  }

  exec(cmd: string, args: readonly string[]): Promise<ExecResult> {
    return exec(cmd, args);
  }

  macs(): string[] {
    return Object.values(os.networkInterfaces())
      .flat()
      .filter((i): i is os.NetworkInterfaceInfo => !!i && !i.internal)
      .map((i) => i.mac);
  }

  env(): Readonly<Record<string, string | undefined>> {
    return this.environment;
  }

  async disks(): Promise<DiskFacts[] | null> {
    if (this.platform !== 'linux') return null;
    let names: string[];
    try {
      names = await readdir('/sys/block');
    } catch {
      return null;
    }
    const out: DiskFacts[] = [];
    for (const name of names) {
      const dev = path.join('/sys/block', name, 'device');
      const driverLink = await readlink(path.join(dev, 'driver')).catch(() => null);
      out.push({
        name,
        model: await read(path.join(dev, 'model')),
        vendor: await read(path.join(dev, 'vendor')),
        driver: driverLink ? path.basename(driverLink) : null,
      });
    }
    return out;
  }

  async processes(): Promise<ProcessFacts[]> {
    switch (this.platform) {
      case 'linux': {
        // One child process walks /proc (a few hundred small reads): measured, doing it here held
        // the event loop for ~50 ms on a loaded machine. The exe link is the real file behind a
        // renamed process; it is unreadable for other users' processes unless running as root.
        const r = await exec('sh', ['-c', LINUX_PROCESS_SCRIPT]);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'sh is missing');
        return parseLinuxProcesses(r.stdout);
      }
      case 'win32': {
        const r = await exec('powershell.exe', [
          ...POWERSHELL,
          'Get-Process | ForEach-Object { $o = $null; try { $o = $_.MainModule.FileVersionInfo.OriginalFilename } catch {}; "$($_.ProcessName)`t$o" }',
        ]);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'powershell.exe is missing');
        return r.stdout
          .split(/\r?\n/)
          .filter(Boolean)
          .map((l) => {
            const [name, orig] = l.split('\t');
            return { name: name ?? '', originalName: orig?.trim() ? orig.trim() : null };
          });
      }
      default: {
        const r = await exec('ps', ['-axo', 'comm=']);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'ps is missing');
        return r.stdout
          .split('\n')
          .filter(Boolean)
          .map((l) => ({ name: path.basename(l.trim()), originalName: l.trim() }));
      }
    }
  }

  async cameraNames(): Promise<string[] | null> {
    switch (this.platform) {
      case 'linux': {
        const modules = (await read('/proc/modules')) ?? '';
        const names: string[] = /^v4l2loopback\b/m.test(modules) ? ['v4l2loopback (kernel module)'] : [];
        const nodes = await readdir('/sys/class/video4linux').catch(() => null);
        if (nodes === null) return names;
        for (const n of nodes) names.push(((await read(path.join('/sys/class/video4linux', n, 'name'))) ?? n).trim());
        return names;
      }
      case 'win32': {
        const r = await exec('powershell.exe', [...POWERSHELL, "Get-CimInstance Win32_PnPEntity | Where-Object { $_.PNPClass -eq 'Camera' -or $_.PNPClass -eq 'Image' } | ForEach-Object { $_.Name }"]);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'powershell.exe is missing');
        return r.stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      }
      case 'darwin': {
        const r = await exec('system_profiler', ['SPCameraDataType']);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'system_profiler is missing');
        return r.stdout.split('\n').filter((l) => /^\s{4}\S.*:$/.test(l)).map((l) => l.trim().replace(/:$/, ''));
      }
      default:
        return null;
    }
  }

  async audioNames(): Promise<string[] | null> {
    switch (this.platform) {
      case 'linux': {
        const names: string[] = [];
        const modules = (await read('/proc/modules')) ?? '';
        if (/^snd_aloop\b/m.test(modules)) names.push('snd-aloop (kernel module)');
        const cards = await read('/proc/asound/cards');
        if (cards) names.push(...cards.split('\n').filter((l) => /^\s*\d+ \[/.test(l)).map((l) => l.trim()));
        return names;
      }
      case 'win32': {
        const r = await exec('powershell.exe', [...POWERSHELL, "Get-CimInstance Win32_SoundDevice | ForEach-Object { $_.Name }; Get-CimInstance Win32_PnPEntity | Where-Object { $_.PNPClass -eq 'AudioEndpoint' } | ForEach-Object { $_.Name }"]);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'powershell.exe is missing');
        return r.stdout.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
      }
      case 'darwin': {
        const r = await exec('system_profiler', ['SPAudioDataType']);
        if (r.kind !== 'ran') throw new Error(r.kind === 'error' ? r.message : 'system_profiler is missing');
        return r.stdout.split('\n').filter((l) => /^\s{8}\S.*:$/.test(l)).map((l) => l.trim().replace(/:$/, ''));
      }
      default:
        return null;
    }
  }
}
