/**
 * Runs each integrity scan in a short-lived worker thread (scan-worker.ts), ended after its report
 * or after a time limit, so a hung program or a slow /proc never reaches the main event loop.
 * In the bundled Electron main the worker is `integrity-worker.cjs` beside the bundle; in
 * development (tsx) it is the TypeScript file, loaded through the inherited `--import tsx`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DEFAULT_INTEGRITY_POLICY, type IntegrityPolicy, type IntegrityReport } from './scan';

export const SCAN_TIME_LIMIT_MS = 30_000;

export function integrityWorkerPath(): string {
  if (typeof __filename === 'string' && __filename.endsWith('.cjs')) {
    const bundled = path.join(path.dirname(__filename), 'integrity-worker.cjs');
    // Packaged: the worker is unpacked from the asar (electron-builder.yml asarUnpack), since a
    // worker thread loads its file with plain Node I/O; it is then covered by the signed hash list.
    const unpacked = bundled.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
    if (unpacked !== bundled && existsSync(unpacked)) return unpacked;
    if (existsSync(bundled)) return bundled;
  }
  return path.join(process.cwd(), 'main', 'services', 'integrity', 'scan-worker.ts');
}

export function scanInWorker(policy: IntegrityPolicy = DEFAULT_INTEGRITY_POLICY, workerPath = integrityWorkerPath()): Promise<IntegrityReport> {
  return new Promise((resolve, reject) => {
    // A .ts worker (development) needs tsx inside the worker too: loader hooks of the main thread
    // do not reach it.
    const worker = workerPath.endsWith('.ts')
      ? new Worker(`require('tsx/cjs/api').register(); require(${JSON.stringify(workerPath)});`, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 128 } })
      : new Worker(workerPath, { resourceLimits: { maxOldGenerationSizeMb: 128 } });
    let settled = false;
    const finish = (f: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      f();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`integrity scan exceeded ${SCAN_TIME_LIMIT_MS} ms`))), SCAN_TIME_LIMIT_MS);
    worker.once('message', (m: { ok: true; report: IntegrityReport } | { ok: false; error: string }) =>
      finish(() => (m.ok ? resolve(m.report) : reject(new Error(m.error)))),
    );
    worker.once('error', (e) => finish(() => reject(e)));
    worker.once('exit', (code) => finish(() => reject(new Error(`integrity worker exited with ${code}`))));
    worker.postMessage(policy);
  });
}
