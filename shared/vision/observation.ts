/**
 * Turning what the camera and the detector give into a VisionObservation (shared/vision/flags.ts),
 * as pure functions: the renderer's worker calls them on every analysed frame, the tests call them
 * on hand-made pixels. Only what the flags need is kept — no landmarks, no image.
 */
import type { VisionFace } from './flags';

/** The part of a Human face result read here (Human 3.x: angles in radians, gaze strength 0–1). */
export interface HumanFaceLike {
  readonly score?: number;
  readonly rotation?: { readonly angle?: { readonly yaw?: number; readonly pitch?: number }; readonly gaze?: { readonly strength?: number } } | null;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));
const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
const deg = (rad: unknown): number | null => (finite(rad) ? Math.round(clamp((rad * 180) / Math.PI, -180, 180) * 10) / 10 : null);

/** At most 32 faces (the observation's bound), each reduced to score, yaw, pitch and gaze strength. */
export function facesFromHuman(faces: readonly HumanFaceLike[]): VisionFace[] {
  return faces.slice(0, 32).map((f) => ({
    score: finite(f.score) ? clamp(f.score, 0, 1) : 0,
    yawDeg: deg(f.rotation?.angle?.yaw),
    pitchDeg: deg(f.rotation?.angle?.pitch),
    gazeStrength: finite(f.rotation?.gaze?.strength) ? clamp(f.rotation.gaze.strength, 0, 1) : null,
  }));
}

export interface FrameStats {
  /** Per-pixel luma of this (downscaled) frame, kept to compare with the next one. */
  readonly luma: Uint8Array;
  readonly meanLuma: number;
  readonly lumaStdDev: number;
  /** Mean absolute luma difference to `prev`; null without a previous frame of the same size. */
  readonly diffToPrev: number | null;
}

/** Luma statistics of an RGBA pixel buffer (BT.601 weights). */
export function frameStats(rgba: ArrayLike<number>, prev: Uint8Array | null): FrameStats {
  const n = Math.floor(rgba.length / 4);
  const luma = new Uint8Array(n);
  let sum = 0;
  let sq = 0;
  for (let i = 0; i < n; i++) {
    const y = Math.round(0.299 * rgba[4 * i]! + 0.587 * rgba[4 * i + 1]! + 0.114 * rgba[4 * i + 2]!);
    luma[i] = y;
    sum += y;
    sq += y * y;
  }
  const mean = n ? sum / n : 0;
  const variance = n ? Math.max(0, sq / n - mean * mean) : 0;
  let diff: number | null = null;
  if (prev && prev.length === n && n > 0) {
    let d = 0;
    for (let i = 0; i < n; i++) d += Math.abs(luma[i]! - prev[i]!);
    diff = d / n;
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  return { luma, meanLuma: r3(mean), lumaStdDev: r3(Math.sqrt(variance)), diffToPrev: diff === null ? null : r3(diff) };
}
