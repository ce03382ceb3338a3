/**
 * Mounts test/powerloss/lossyfs.py (a FUSE file system that keeps unsynced data in memory) and
 * cuts power on it: freeze the writer, drop everything unsynced, SIGKILL the writer, unmount (the
 * file system writes only its durable state back) and mount again, so the next process sees
 * exactly what was synced.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const LOSSYFS = fileURLToPath(new URL('./lossyfs.py', import.meta.url));
export const PYTHON = '/usr/bin/python3';

export interface LossyOptions {
  backing: string;
  mountpoint: string;
  /** fsync reports success and makes nothing durable: the negative control. */
  nosync?: boolean;
  /** The same, only for files whose name ends with this (e.g. `.webm`). */
  nosyncSuffix?: string;
  fsyncDelayMs?: number;
}

/** Why lossyfs cannot run here, or null when it can (python3-fusepy, /dev/fuse, fusermount). */
export function lossyUnavailable(): string | null {
  if (!existsSync('/dev/fuse')) return '/dev/fuse is missing';
  const py = spawnSync(PYTHON, ['-c', 'import fusepy'], { encoding: 'utf8' });
  if (py.status !== 0) return `python3-fusepy is not installed (${(py.stderr || String(py.error)).trim().split('\n').pop()})`;
  const fm = spawnSync('fusermount', ['-V'], { encoding: 'utf8' });
  if (fm.error) return 'fusermount is not installed (Debian fuse3 or fuse)';
  return null;
}

function isMounted(mountpoint: string): boolean {
  const abs = path.resolve(mountpoint);
  return readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[1] === abs);
}

export class LossyMount {
  private proc: ChildProcess | null = null;
  private stderr = '';
  readonly ctl: string;

  constructor(readonly opts: LossyOptions) {
    this.ctl = path.join(opts.mountpoint, '.lossyfs-ctl');
  }

  async mount(): Promise<void> {
    mkdirSync(this.opts.backing, { recursive: true });
    mkdirSync(this.opts.mountpoint, { recursive: true });
    const args = [LOSSYFS, this.opts.backing, this.opts.mountpoint];
    if (this.opts.nosync) args.push('--nosync');
    if (this.opts.nosyncSuffix) args.push('--nosync-suffix', this.opts.nosyncSuffix);
    if (this.opts.fsyncDelayMs) args.push('--fsync-delay-ms', String(this.opts.fsyncDelayMs));
    const proc = spawn(PYTHON, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = proc;
    this.stderr = '';
    proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const rl = createInterface({ input: proc.stdout! });
      const onExit = (code: number | null) => reject(new Error(`lossyfs exited (${code}) before mounting: ${this.stderr.slice(0, 2000)}`));
      proc.once('exit', onExit);
      rl.once('line', (line) => {
        proc.off('exit', onExit);
        if (line.trim() === 'ready') resolve();
        else reject(new Error(`lossyfs said ${line}`));
      });
    });
    // init() runs just before the kernel completes the mount; wait until /proc/mounts lists it.
    for (let i = 0; i < 200 && !isMounted(this.opts.mountpoint); i++) await new Promise((r) => setTimeout(r, 10));
    if (!isMounted(this.opts.mountpoint)) throw new Error(`lossyfs did not mount ${this.opts.mountpoint}`);
  }

  /** Cuts so far (on every mount of this object) that found unsynced state to drop. */
  dropsWithUnsynced = 0;
  drops = 0;

  /** Drops everything unsynced; returns once the file system has done it. */
  drop(): void {
    writeFileSync(this.ctl, 'drop');
  }

  /** Counts the drops the file system logged (its stderr) since the last mount. */
  private countDrops(): void {
    for (const m of this.stderr.matchAll(/\[lossyfs\] drop: (\d+) unsynced inodes/g)) {
      this.drops += 1;
      if (Number(m[1]) > 0) this.dropsWithUnsynced += 1;
    }
  }

  /** The power cut for one writer: freeze it, drop the unsynced state, kill it. */
  cut(victim: ChildProcess): void {
    victim.kill('SIGSTOP');
    this.drop();
    victim.kill('SIGKILL');
  }

  /** Unmounts; the file system writes its durable state to the backing folder and exits. */
  async unmount(): Promise<void> {
    const proc = this.proc;
    if (!proc) return;
    const exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((r) => proc.once('exit', () => r()));
    let last = '';
    for (let i = 0; i < 100; i++) {
      const r = spawnSync('fusermount', ['-u', this.opts.mountpoint], { encoding: 'utf8' });
      if (r.status === 0) break;
      last = r.stderr;
      // EBUSY: a killed writer's files are still being released.
      await new Promise((res) => setTimeout(res, 20));
    }
    if (isMounted(this.opts.mountpoint)) throw new Error(`cannot unmount ${this.opts.mountpoint}: ${last}`);
    await exited;
    this.proc = null;
    this.countDrops();
    if (proc.exitCode !== 0) throw new Error(`lossyfs exited with ${proc.exitCode ?? proc.signalCode}: ${this.stderr.slice(-2000)}`);
  }

  async remount(): Promise<void> {
    await this.unmount();
    await this.mount();
  }

  get log(): string {
    return this.stderr;
  }
}
