/**
 * The pack's optional `policy.vision` block (issue #15): how long a camera condition must last before
 * it becomes a flag for a human, and the thresholds that define each condition. Optional without a
 * default in the pack (a pack without it decodes exactly as signed); `resolveVisionPolicy` fills in
 * the kiosk's defaults. Flags never enter a score and never stop an interview, whatever this says.
 */
import { z } from 'zod';

const seconds = z.number().finite().min(0.5).max(600);

export const VisionPackPolicy = z
  .object({
    /** false: the camera is not analysed at all during answers (no flags, no hints). */
    enabled: z.boolean().optional(),
    noFaceSeconds: seconds.optional(),
    multipleFacesSeconds: seconds.optional(),
    lookingAwaySeconds: seconds.optional(),
    coveredSeconds: seconds.optional(),
    frozenSeconds: seconds.optional(),
    /** Head turned further than this (degrees, left/right) counts as looking away. */
    yawDegrees: z.number().finite().min(10).max(80).optional(),
    /** Head tilted further than this (degrees, up/down) counts as looking away. */
    pitchDegrees: z.number().finite().min(10).max(80).optional(),
    /** Iris gaze strength (0–1, Human's gaze.strength) beyond which the eyes count as looking away. */
    gazeStrength: z.number().finite().min(0.1).max(1).optional(),
    /** A face whose detector score falls below this while one face is seen counts as turned away. */
    turnedFaceScore: z.number().finite().min(0).max(1).optional(),
    /** Mean luma (0–255) at or below which, with little variation, the lens counts as covered. */
    coveredMaxLuma: z.number().finite().min(0).max(128).optional(),
    /** Luma standard deviation (0–255) at or below which a frame counts as uniform (covered). */
    uniformMaxStdDev: z.number().finite().min(0).max(40).optional(),
    /** Mean absolute luma difference to the previous frame (0–255) at or below which it counts as identical. */
    frozenMaxDiff: z.number().finite().min(0).max(5).optional(),
  })
  .strict();
export type VisionPackPolicy = z.infer<typeof VisionPackPolicy>;

export interface VisionPolicy {
  readonly enabled: boolean;
  readonly noFaceSeconds: number;
  readonly multipleFacesSeconds: number;
  readonly lookingAwaySeconds: number;
  readonly coveredSeconds: number;
  readonly frozenSeconds: number;
  readonly yawDegrees: number;
  readonly pitchDegrees: number;
  readonly gazeStrength: number;
  readonly turnedFaceScore: number;
  readonly coveredMaxLuma: number;
  readonly uniformMaxStdDev: number;
  readonly frozenMaxDiff: number;
}

export const DEFAULT_VISION_POLICY: VisionPolicy = {
  enabled: true,
  noFaceSeconds: 5,
  multipleFacesSeconds: 2,
  lookingAwaySeconds: 5,
  coveredSeconds: 3,
  frozenSeconds: 5,
  yawDegrees: 35,
  pitchDegrees: 30,
  gazeStrength: 0.6,
  turnedFaceScore: 0.35,
  coveredMaxLuma: 40,
  uniformMaxStdDev: 6,
  frozenMaxDiff: 0.05,
};

/** The pack's vision policy with the kiosk's defaults filled in. */
export function resolveVisionPolicy(p: VisionPackPolicy | undefined): VisionPolicy {
  const out: Record<string, number | boolean> = { ...DEFAULT_VISION_POLICY };
  if (p) for (const [k, v] of Object.entries(p)) if (v !== undefined) out[k] = v;
  return out as unknown as VisionPolicy;
}
