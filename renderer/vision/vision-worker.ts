/**
 * The camera analysis worker (issue #15): Human (face detector, mesh, iris — nothing else; see
 * shared/vision/human-config.ts) on the wasm backend, models and wasm from our own origin, at most
 * one frame in flight. Each frame becomes a VisionObservation for the pure flag tracker; the page
 * gets back flag events and the candidate hint. No image or landmark leaves this worker.
 */
import { Human } from '@vladmandic/human';
import { VisionFlagTracker, type VisionFlagEvent, type VisionHint } from '../../shared/vision/flags';
import { detectFaces, humanFaceDetector, type FaceDetectorLike } from '../../shared/vision/edge-rescue';
import { VISION_TF_FLAGS, visionHumanConfig } from '../../shared/vision/human-config';
import { facesFromHuman, frameStats } from '../../shared/vision/observation';
import type { VisionPolicy } from '../../shared/vision/policy';

export type VisionWorkerRequest =
  | { readonly type: 'init'; readonly base: string; readonly policy: VisionPolicy }
  | { readonly type: 'frame'; readonly at: number; readonly bitmap: ImageBitmap }
  | { readonly type: 'finish'; readonly at: number };

export type VisionWorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly events: readonly VisionFlagEvent[]; readonly hint: VisionHint; readonly faces: number }
  | { readonly type: 'finished'; readonly events: readonly VisionFlagEvent[] };

interface WorkerScope {
  onmessage: ((e: MessageEvent<VisionWorkerRequest>) => void) | null;
  postMessage(m: VisionWorkerReply): void;
}
const scope = self as unknown as WorkerScope;

let human: Human | null = null;
type FrameTensor = ReturnType<Human['tf']['tensor4d']>;
let detector: FaceDetectorLike<FrameTensor> | null = null;
let tracker: VisionFlagTracker | null = null;
let prevLuma: Uint8Array | null = null;
// Frame statistics on a 64×48 thumbnail: enough for covered/frozen, cheap.
const thumb = new OffscreenCanvas(64, 48);
const thumbCtx = thumb.getContext('2d', { willReadFrequently: true });

async function init(base: string, policy: VisionPolicy): Promise<void> {
  try {
    const h = new Human(visionHumanConfig(new URL('models/human/', base).href, new URL('models/wasm/', base).href) as never);
    for (const [k, v] of Object.entries(VISION_TF_FLAGS)) h.tf.env().set(k, v);
    await h.load();
    await h.tf.ready();
    human = h;
    detector = humanFaceDetector<FrameTensor>(h as never);
    tracker = new VisionFlagTracker(policy);
    scope.postMessage({ type: 'ready' });
  } catch (e) {
    scope.postMessage({ type: 'failed', message: e instanceof Error ? e.message.slice(0, 200) : 'init failed' });
  }
}

async function frame(at: number, bitmap: ImageBitmap): Promise<void> {
  try {
    if (!human || !detector || !tracker || !thumbCtx) return;
    thumbCtx.drawImage(bitmap, 0, 0, 64, 48);
    const stats = frameStats(thumbCtx.getImageData(0, 0, 64, 48).data, prevLuma);
    prevLuma = stats.luma;
    // The frame as a [1, h, w, 3] tensor, so the shared edge rescue (as in bench:vision) can pad it.
    const tf = human.tf;
    const input = tf.tidy(() => tf.expandDims(tf.browser.fromPixels(bitmap), 0)) as FrameTensor;
    let detected;
    try {
      detected = await detectFaces(detector, input);
    } finally {
      tf.dispose(input);
    }
    const faces = facesFromHuman(detected.faces);
    const r = tracker.push({ at, faces, frame: { meanLuma: stats.meanLuma, lumaStdDev: stats.lumaStdDev, diffToPrev: stats.diffToPrev } });
    scope.postMessage(r.ok ? { type: 'result', events: r.events, hint: r.hint, faces: faces.length } : { type: 'result', events: [], hint: null, faces: faces.length });
  } catch {
    scope.postMessage({ type: 'result', events: [], hint: null, faces: -1 });
  } finally {
    bitmap.close();
  }
}

scope.onmessage = (e) => {
  const m = e.data;
  switch (m.type) {
    case 'init':
      void init(m.base, m.policy);
      break;
    case 'frame':
      void frame(m.at, m.bitmap);
      break;
    case 'finish':
      scope.postMessage({ type: 'finished', events: tracker ? tracker.finish(m.at) : [] });
      break;
  }
};
