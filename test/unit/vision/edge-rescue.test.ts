import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  EDGE_RESCUE, detectFaces, facesInFrame, humanFaceDetector, rescuePadding,
  type DetectedFace, type FaceDetectorLike, type Padding,
} from '../../../shared/vision/edge-rescue';

const root = path.resolve(import.meta.dirname, '../../..');
const W = 640;
const H = 480;
const PAD: Padding = { px: 80, py: 60 };
/** A face whose box is given in ORIGINAL frame pixels, as Human reports it on the padded frame. */
const face = (x: number, y: number, w: number, h: number, score = 0.9): DetectedFace => ({ score, box: [x + PAD.px, y + PAD.py, w, h] });

describe('rescuePadding', () => {
  it('pads 1/8 of the width and height per side (aspect ratio kept)', () => {
    expect(rescuePadding(640, 480)).toEqual({ px: 80, py: 60 });
    expect(rescuePadding(1280, 720)).toEqual({ px: 160, py: 90 });
  });
  it('refuses frames too small to reflect, too large, or not integral', () => {
    for (const [w, h] of [[15, 480], [640, 8], [0, 0], [NaN, 480], [640.5, 480], [9000, 480]] as const) expect(rescuePadding(w, h)).toBeNull();
  });
});

describe('facesInFrame (boxes found on the mirror-padded frame, mapped back)', () => {
  it('keeps a face straddling the left or right edge (the half-out candidate)', () => {
    const left = face(-113, 133, 222, 223, 0.63);
    const right = face(547, 143, 190, 190, 0.66);
    expect(facesInFrame([left], PAD, W, H)).toEqual([left]);
    expect(facesInFrame([right], PAD, W, H)).toEqual([right]);
  });

  it('drops a box entirely or mostly in the padding (a reflection, not a person)', () => {
    expect(facesInFrame([face(-216, 28, 191, 190)], PAD, W, H)).toEqual([]);
    // 20 % of its width inside: below the quarter.
    expect(facesInFrame([face(-160, 100, 200, 200)], PAD, W, H)).toEqual([]);
    // 30 % inside: kept.
    expect(facesInFrame([face(-140, 100, 200, 200)], PAD, W, H)).toHaveLength(1);
    expect(facesInFrame([face(100, -160, 200, 200)], PAD, W, H)).toEqual([]);
  });

  it('counts a face and its own mirror image across an edge once, keeping the higher score', () => {
    const real = face(-40, 150, 200, 200, 0.8);
    const mirror = face(-160, 150, 200, 200, 0.5); // x ∈ [-160, 40] is real's reflection about x = 0
    expect(facesInFrame([mirror, real], PAD, W, H)).toEqual([real]);
    const realR = face(500, 150, 200, 200, 0.7);
    const mirrorR = face(580, 150, 200, 200, 0.9); // reflection about x = 640
    expect(facesInFrame([realR, mirrorR], PAD, W, H)).toEqual([mirrorR]);
  });

  it('keeps two different people, and drops faces without a usable box', () => {
    const a = face(-60, 100, 180, 180);
    const b = face(520, 120, 180, 180);
    expect(facesInFrame([a, b], PAD, W, H)).toHaveLength(2);
    const bad: DetectedFace[] = [{ score: 1 }, { score: 1, box: [1, 2, 3] }, { score: 1, box: [100, 100, 0, 50] }, { score: 1, box: [NaN, 100, 50, 50] }];
    expect(facesInFrame(bad, PAD, W, H)).toEqual([]);
  });

  it('uses the documented thresholds', () => {
    expect(EDGE_RESCUE).toEqual({ padFraction: 0.125, minInsideFraction: 0.25, mirrorIou: 0.3 });
  });
});

interface FakeFrame { readonly h: number; readonly w: number; readonly padded?: Padding }

function fakeDetector(first: DetectedFace[], second: DetectedFace[] | Error) {
  const calls: string[] = [];
  const disposed: FakeFrame[] = [];
  const d: FaceDetectorLike<FakeFrame> = {
    size: (t) => [t.h, t.w],
    detect: async (t) => {
      calls.push(t.padded ? `detect padded ${t.w}x${t.h}` : `detect ${t.w}x${t.h}`);
      if (!t.padded) return first;
      if (second instanceof Error) throw second;
      return second;
    },
    reflectPad: (t, pad) => {
      calls.push(`pad ${pad.px},${pad.py}`);
      return { h: t.h + 2 * pad.py, w: t.w + 2 * pad.px, padded: pad };
    },
    dispose: (t) => { disposed.push(t); },
  };
  return { d, calls, disposed };
}

describe('detectFaces', () => {
  it('returns the normal pass as is when it finds a face (no second pass)', async () => {
    const one: DetectedFace = { score: 0.9, box: [200, 100, 200, 200] };
    const { d, calls } = fakeDetector([one], [face(0, 0, 100, 100)]);
    expect(await detectFaces(d, { h: H, w: W })).toEqual({ faces: [one], rescued: false });
    expect(calls).toEqual(['detect 640x480']);
  });

  it('runs the mirror-padded pass only when no face is found, maps boxes back and disposes the padded frame', async () => {
    const half = face(-113, 133, 222, 223, 0.63);
    const reflection = face(-216, 28, 191, 190, 0.3);
    const { d, calls, disposed } = fakeDetector([], [half, reflection]);
    expect(await detectFaces(d, { h: H, w: W })).toEqual({ faces: [half], rescued: true });
    expect(calls).toEqual(['detect 640x480', 'pad 80,60', 'detect padded 800x600']);
    expect(disposed).toEqual([{ h: 600, w: 800, padded: PAD }]);
  });

  it('reports no face (not rescued) when the padded pass finds only reflections', async () => {
    const { d } = fakeDetector([], [face(-216, 28, 191, 190)]);
    expect(await detectFaces(d, { h: H, w: W })).toEqual({ faces: [], rescued: false });
  });

  it('disposes the padded frame when the second pass throws, and skips frames too small to pad', async () => {
    const { d, disposed } = fakeDetector([], new Error('wasm'));
    await expect(detectFaces(d, { h: H, w: W })).rejects.toThrow('wasm');
    expect(disposed).toHaveLength(1);
    const tiny = fakeDetector([], [face(0, 0, 4, 4)]);
    expect(await detectFaces(tiny.d, { h: 8, w: 8 })).toEqual({ faces: [], rescued: false });
    expect(tiny.calls).toEqual(['detect 8x8']);
  });
});

describe('humanFaceDetector', () => {
  it('pads with tf.mirrorPad in reflect mode on height and width only, and reads [h, w] from the tensor shape', async () => {
    const seen: unknown[] = [];
    type T = { readonly shape: readonly number[] };
    const human = {
      detect: async (t: T) => ({ face: [{ score: t.shape[1], box: [0, 0, 1, 1] }] }),
      tf: {
        mirrorPad: (x: T, paddings: Array<[number, number]>, mode: 'reflect'): T => {
          seen.push(paddings, mode);
          return { shape: [1, x.shape[1]! + paddings[1]![0] * 2, x.shape[2]! + paddings[2]![0] * 2, 3] };
        },
        dispose: () => undefined,
      },
    };
    const d = humanFaceDetector(human);
    const input: T = { shape: [1, 480, 640, 3] };
    expect(d.size(input)).toEqual([480, 640]);
    expect(d.reflectPad(input, PAD).shape).toEqual([1, 600, 800, 3]);
    expect(seen).toEqual([[[0, 0], [60, 60], [80, 80], [0, 0]], 'reflect']);
    expect(await d.detect(input)).toEqual([{ score: 480, box: [0, 0, 1, 1] }]);
  });
});

describe('wiring: the renderer worker and the bench detect through detectFaces', () => {
  // The worker cannot run under vitest (wasm + OffscreenCanvas in a Chromium worker); the bench
  // proves the accuracy. This pins that both still go through the shared rescue path.
  it('renderer/vision/vision-worker.ts calls detectFaces and never human.detect directly', () => {
    const src = readFileSync(path.join(root, 'renderer/vision/vision-worker.ts'), 'utf8');
    expect(src).toMatch(/await detectFaces\(detector, input\)/);
    expect(src).not.toMatch(/human\.detect\(/);
  });
  it('test/bench/vision-bench.ts calls detectFaces unless run as the --no-edge-rescue ablation', () => {
    const src = readFileSync(path.join(root, 'test/bench/vision-bench.ts'), 'utf8');
    expect(src).toMatch(/await detectFaces\(detector, t as never\)/);
    expect(src).toMatch(/const pass = EDGE_RESCUE && /);
  });
});
