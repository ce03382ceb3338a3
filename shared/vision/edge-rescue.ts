/**
 * Face detection with an edge rescue pass, shared by the renderer's worker and `npm run bench:vision`.
 *
 * Why: a face pushed partly out of the frame is cut at the tensor border. BlazeFace then scores it
 * low and, worse, the face mesh that validates each box crops the face with Human's cropAndResize,
 * which fills everything outside the frame with BLACK — a half face beside a black slab, which the
 * mesh (trained on whole faces) often rejects. Lowering the thresholds or keeping invalid meshes
 * finds it but also "finds" faces in empty scenes.
 *
 * What: only when the normal pass finds NO face, run the same detector (same thresholds, same mesh
 * validation) once more on the frame mirror-padded ("reflect") by 1/8 of its width and height on
 * every side. The padding continues the image instead of cutting it: a face at the edge is
 * completed by its own mirror image — a plausible, symmetric face the detector and mesh score
 * normally — while a frame with nothing face-like at its edge stays empty. Detections are then
 * mapped back to the frame: a box with less than a quarter of its area inside the frame is a
 * reflection, not a person, and two boxes that are each other's mirror image across a frame edge
 * are one person. Cost: one more detector pass on frames with no face only (the mesh runs only if
 * the detector finds something), so a present candidate costs nothing extra.
 *
 * Pure decisions (padding size, mapping back, mirror de-duplication) are plain functions tested in
 * test/unit/vision/edge-rescue.test.ts; the tensor work is behind a small structural interface so
 * `shared/` needs no Human or TensorFlow types.
 */
import type { HumanFaceLike } from './observation';

/** Padding per side as a share of the frame's width/height; rescued boxes must be this much inside. */
export const EDGE_RESCUE = { padFraction: 0.125, minInsideFraction: 0.25, mirrorIou: 0.3 } as const;

/** A face as Human returns it: `box` is [x, y, width, height] in pixels of the analysed input. */
export interface DetectedFace extends HumanFaceLike {
  readonly box?: readonly number[];
}

export interface Padding { readonly px: number; readonly py: number }

/** The mirror padding for a width × height frame, or null when the frame is too small to reflect. */
export function rescuePadding(width: number, height: number): Padding | null {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 16 || height < 16 || width > 8192 || height > 8192) return null;
  // Reflect padding needs px < width and py < height; 1/8 keeps it far below and keeps the aspect ratio.
  return { px: Math.max(1, Math.round(width * EDGE_RESCUE.padFraction)), py: Math.max(1, Math.round(height * EDGE_RESCUE.padFraction)) };
}

interface Rect { readonly x1: number; readonly y1: number; readonly x2: number; readonly y2: number }

function rectOf(f: DetectedFace, pad: Padding): Rect | null {
  const b = f.box;
  if (!b || b.length < 4 || !b.slice(0, 4).every((v) => typeof v === 'number' && Number.isFinite(v))) return null;
  const [x, y, w, h] = b as [number, number, number, number];
  if (w <= 0 || h <= 0) return null;
  return { x1: x - pad.px, y1: y - pad.py, x2: x - pad.px + w, y2: y - pad.py + h };
}

const area = (r: Rect): number => Math.max(0, r.x2 - r.x1) * Math.max(0, r.y2 - r.y1);
const intersect = (a: Rect, b: Rect): Rect => ({ x1: Math.max(a.x1, b.x1), y1: Math.max(a.y1, b.y1), x2: Math.min(a.x2, b.x2), y2: Math.min(a.y2, b.y2) });
const iou = (a: Rect, b: Rect): number => {
  const i = area(intersect(a, b));
  const u = area(a) + area(b) - i;
  return u > 0 ? i / u : 0;
};

/** `r` reflected across each of the frame's four edges. */
function mirrors(r: Rect, width: number, height: number): Rect[] {
  return [
    { x1: -r.x2, y1: r.y1, x2: -r.x1, y2: r.y2 },
    { x1: 2 * width - r.x2, y1: r.y1, x2: 2 * width - r.x1, y2: r.y2 },
    { x1: r.x1, y1: -r.y2, x2: r.x2, y2: -r.y1 },
    { x1: r.x1, y1: 2 * height - r.y2, x2: r.x2, y2: 2 * height - r.y1 },
  ];
}

/**
 * The faces found on the mirror-padded frame that are people in the original width × height frame:
 * at least EDGE_RESCUE.minInsideFraction of the box inside it, and of two boxes that are each other's
 * reflection across an edge only the higher-scoring one. Faces without a usable box are dropped.
 */
export function facesInFrame<F extends DetectedFace>(faces: readonly F[], pad: Padding, width: number, height: number): F[] {
  const frame: Rect = { x1: 0, y1: 0, x2: width, y2: height };
  const inside = faces
    .map((f) => ({ f, r: rectOf(f, pad) }))
    .filter((c): c is { f: F; r: Rect } => c.r !== null && area(intersect(c.r, frame)) >= EDGE_RESCUE.minInsideFraction * area(c.r))
    .sort((a, b) => (b.f.score ?? 0) - (a.f.score ?? 0));
  const kept: Array<{ f: F; r: Rect }> = [];
  for (const c of inside) {
    const isMirror = kept.some((k) => mirrors(c.r, width, height).some((m) => iou(m, k.r) >= EDGE_RESCUE.mirrorIou));
    if (!isMirror) kept.push(c);
  }
  return kept.map((c) => c.f);
}

/** What the rescue needs from a detector: Human plus its tf, behind a structural interface. */
export interface FaceDetectorLike<T> {
  /** [height, width] of a [1, height, width, 3] frame tensor. */
  size(input: T): readonly [number, number];
  detect(input: T): Promise<readonly DetectedFace[]>;
  /** The frame mirror-padded ('reflect') by px columns left and right and py rows top and bottom. */
  reflectPad(input: T, pad: Padding): T;
  dispose(t: T): void;
}

export interface FaceDetection {
  readonly faces: readonly DetectedFace[];
  /** True when the faces come from the mirror-padded rescue pass. */
  readonly rescued: boolean;
}

/** Detect faces in a [1, height, width, 3] frame; the edge rescue pass runs only when none is found. */
export async function detectFaces<T>(d: FaceDetectorLike<T>, input: T): Promise<FaceDetection> {
  const first = await d.detect(input);
  if (first.length > 0) return { faces: first, rescued: false };
  const [height, width] = d.size(input);
  const pad = rescuePadding(width, height);
  if (!pad) return { faces: first, rescued: false };
  const padded = d.reflectPad(input, pad);
  try {
    const faces = facesInFrame(await d.detect(padded), pad, width, height);
    return { faces, rescued: faces.length > 0 };
  } finally {
    d.dispose(padded);
  }
}

/** The part of a Human instance the adapter uses (Human 3.x). */
export interface HumanDetectorLike<T extends { readonly shape: readonly number[] }> {
  detect(input: T): Promise<{ readonly face: readonly DetectedFace[] }>;
  readonly tf: {
    mirrorPad(x: T, paddings: Array<[number, number]>, mode: 'reflect'): T;
    dispose(x: T): void;
  };
}

/** Adapts a Human instance (renderer worker and bench alike) to FaceDetectorLike. */
export function humanFaceDetector<T extends { readonly shape: readonly number[] }>(human: HumanDetectorLike<T>): FaceDetectorLike<T> {
  return {
    size: (t) => [t.shape[1] ?? 0, t.shape[2] ?? 0],
    detect: async (t) => (await human.detect(t)).face,
    reflectPad: (t, pad) => human.tf.mirrorPad(t, [[0, 0], [pad.py, pad.py], [pad.px, pad.px], [0, 0]], 'reflect'),
    dispose: (t) => human.tf.dispose(t),
  };
}
