/** The training worker: fits the softmax model off the caller's thread. */
import { parentPort, workerData } from 'node:worker_threads';
import { fitSoftmax, type FitInput } from './softmax-model';

const logs: string[] = [];
fitSoftmax(workerData as FitInput, (l) => logs.push(l)).then(
  (out) => parentPort?.postMessage({ ok: true, out, logs }, [out.artifacts.weightData]),
  (e: unknown) => parentPort?.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e), logs }),
);
