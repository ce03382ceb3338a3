/**
 * The integrity scan's worker thread: receives a policy, runs one scan, posts the report. Child
 * processes are spawned from here, so even the synchronous part of starting them (fork/exec)
 * never holds the kiosk's main event loop.
 */
import { parentPort } from 'node:worker_threads';
import { scanIntegrity, type IntegrityPolicy } from './scan';
import { NodeIntegritySources } from './sources';

parentPort?.on('message', (policy: IntegrityPolicy) => {
  void scanIntegrity(new NodeIntegritySources(), policy).then(
    (report) => parentPort?.postMessage({ ok: true, report }),
    (e: unknown) => parentPort?.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) }),
  );
});
