/**
 * The voice-activity worker: Silero VAD v5 on onnxruntime-web's wasm backend, one thread, off the
 * page's main thread. The model and the wasm runtime come from our own origin (the model copied
 * next to index.html at build time, the runtime emitted by Vite, see vite.config.ts); the model's
 * sha256 is checked before it loads.
 *
 * Messages in:  {type:'init', base}  {type:'reset'}  {type:'frames', samples, gen} (n × 512 at 16 kHz)
 * Messages out: {type:'ready'}  {type:'error', message}  {type:'probs', probs, gen} (gen echoed, so a
 * monitor ignores answers meant for the one before it)
 */
import * as ort from 'onnxruntime-web/wasm';
import { SileroVad } from '../../shared/audio/silero';
import { SILERO_FRAME_SAMPLES } from '../../shared/audio/speech-activity';

/** sha256 of node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx (vad-web 0.0.31). */
export const SILERO_V5_SHA256 = '2623a2953f6ff3d2c1e61740c6cdb7168133479b267dfef114a4a3cc5bdd788f';

type InMsg = { type: 'init'; base: string } | { type: 'reset' } | { type: 'frames'; samples: Float32Array; gen: number };

const scope = self as unknown as { postMessage(m: unknown, transfer?: Transferable[]): void; onmessage: ((e: MessageEvent<InMsg>) => void) | null };
let vad: SileroVad | null = null;
let chain: Promise<void> = Promise.resolve();

async function hex(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function init(base: string): Promise<void> {
  const root = new URL('vad/', base);
  // protocol//host rather than .origin: app://kiosk (Electron's standard scheme) may have an opaque origin.
  const here = new URL(self.location.href);
  if (`${root.protocol}//${root.host}` !== `${here.protocol}//${here.host}`) throw new Error('the model must come from our own origin');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  // The wasm runtime is the asset Vite emitted beside this worker (same origin; CSP allows wasm).
  ort.env.logLevel = 'error';
  const res = await fetch(new URL('silero_vad_v5.onnx', root));
  if (!res.ok) throw new Error(`model not served (${res.status})`);
  const bytes = await res.arrayBuffer();
  if ((await hex(bytes)) !== SILERO_V5_SHA256) throw new Error('model hash mismatch');
  vad = await SileroVad.create(ort, new Uint8Array(bytes));
}

async function frames(samples: Float32Array, gen: number): Promise<void> {
  if (!vad) return;
  const n = Math.floor(samples.length / SILERO_FRAME_SAMPLES);
  const probs = new Float32Array(n);
  for (let i = 0; i < n; i++) probs[i] = await vad.process(samples.subarray(i * SILERO_FRAME_SAMPLES, (i + 1) * SILERO_FRAME_SAMPLES));
  scope.postMessage({ type: 'probs', probs, gen }, [probs.buffer]);
}

scope.onmessage = (e) => {
  const m = e.data;
  chain = chain
    .then(async () => {
      if (m.type === 'init') {
        await init(m.base);
        scope.postMessage({ type: 'ready' });
      } else if (m.type === 'reset') vad?.reset();
      else if (m.type === 'frames' && m.samples instanceof Float32Array) await frames(m.samples, m.gen);
    })
    .catch((err: unknown) => {
      vad = null;
      scope.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) });
    });
};
