/**
 * systeminformation off the main thread. Several of its calls run synchronous shell commands
 * (dmidecode, xrandr, wmic, system_profiler), which would freeze the kiosk's UI process; here they
 * run in a worker thread that the pre-check ends when its run is over, even if a call hangs.
 *
 * The worker's code is a small plain-JS string evaluated by `new Worker(…, { eval: true })`: it
 * needs no TypeScript loader and no separate file in the bundled Electron main process.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

export const siOps = ['osInfo', 'system', 'graphics', 'battery', 'audio', 'processNames', 'cpuFlags'] as const;
export type SiOp = (typeof siOps)[number];

/** Calls into systeminformation; resolves with the structured-cloned result. */
export interface SiClient {
  call(op: SiOp): Promise<unknown>;
  close(): Promise<void>;
}

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const si = require(workerData.siPath);
const ops = {
  osInfo: () => si.osInfo(),
  system: () => si.system(),
  graphics: () => si.graphics(),
  battery: () => si.battery(),
  audio: () => si.audio(),
  cpuFlags: () => si.cpuFlags(),
  processNames: async () => (await si.processes()).list.map((p) => String(p.name || '')).slice(0, 5000),
};
parentPort.on('message', async (msg) => {
  const fn = ops[msg && msg.op];
  try {
    if (!fn) throw new Error('unknown op');
    parentPort.postMessage({ id: msg.id, ok: true, value: await fn() });
  } catch (e) {
    parentPort.postMessage({ id: msg.id, ok: false, error: String((e && e.message) || e) });
  }
});
`;

/**
 * Where `systeminformation` lives. Tried from the bundle that contains this code (`__filename` in
 * the CommonJS bundle of the Electron main process), the entry script, then the working directory
 * (development under tsx, where this module is ESM and has no `__filename`).
 */
export function resolveSystemInformation(bases: readonly string[] = defaultBases()): string {
  for (const base of bases) {
    try {
      return createRequire(base).resolve('systeminformation');
    } catch {
      // try the next place
    }
  }
  throw new Error('systeminformation is not installed where the kiosk can find it');
}

function defaultBases(): string[] {
  const out: string[] = [];
  if (typeof __filename === 'string') out.push(__filename);
  if (process.argv[1]) out.push(path.resolve(process.argv[1]));
  out.push(path.join(process.cwd(), 'index.js'));
  return out;
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: Error): void;
}

export class WorkerSiClient implements SiClient {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  /** `siPath` defaults to where `resolveSystemInformation` finds the module, on first use. */
  constructor(private siPath?: string) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    this.siPath ??= resolveSystemInformation();
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { siPath: this.siPath }, resourceLimits: { maxOldGenerationSizeMb: 128 } });
    w.unref();
    w.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new Error(msg.error ?? 'systeminformation failed'));
    });
    const failAll = (e: Error): void => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
      this.worker = null;
    };
    w.on('error', (e) => failAll(e));
    w.on('exit', () => failAll(new Error('the system information worker stopped')));
    this.worker = w;
    return w;
  }

  call(op: SiOp): Promise<unknown> {
    let w: Worker;
    try {
      w = this.start();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, op });
    });
  }

  /** Ends the worker even if a call hangs in a synchronous shell command. */
  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}
