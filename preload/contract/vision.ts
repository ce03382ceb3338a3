/**
 * Camera integrity flags (issue #15): the page's detector (shared/vision/flags.ts) reports each flag
 * when it starts and when it ends; main journals it as `vision_flag` with its own clock. Flags are for
 * a human reviewer: they never enter a score and never stop an interview.
 */
import { z } from 'zod';
import { SessionId } from './common';

export const VisionFlagKind = z.enum(['no_face', 'multiple_faces', 'looking_away', 'camera_covered', 'camera_frozen']);
export type VisionFlagKind = z.infer<typeof VisionFlagKind>;

const ms = z.number().int().min(0).max(24 * 3_600_000);
const confidence = z.number().finite().min(0).max(1);

export const VisionFlagReport = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().min(0).max(1000),
  attempt: z.number().int().min(0).max(100),
  flag: z.discriminatedUnion('status', [
    /** `heldMs`: how long the condition had already held when the flag started (its start is now − heldMs). */
    z.strictObject({ status: z.literal('started'), kind: VisionFlagKind, heldMs: ms, confidence }),
    z.strictObject({
      status: z.literal('ended'),
      kind: VisionFlagKind,
      durationMs: ms,
      confidence,
      frames: z.number().int().min(1).max(200_000),
      reason: z.enum(['cleared', 'gap', 'finished']),
    }),
  ]),
});
export type VisionFlagReport = z.infer<typeof VisionFlagReport>;

export const VisionFlagAck = z.object({ recorded: z.boolean() });
export type VisionFlagAck = z.infer<typeof VisionFlagAck>;

/** The session pack's resolved vision policy (shared/vision/policy.ts) for the page's detector. */
export const VisionPolicyView = z.object({
  enabled: z.boolean(),
  noFaceSeconds: z.number(),
  multipleFacesSeconds: z.number(),
  lookingAwaySeconds: z.number(),
  coveredSeconds: z.number(),
  frozenSeconds: z.number(),
  yawDegrees: z.number(),
  pitchDegrees: z.number(),
  gazeStrength: z.number(),
  turnedFaceScore: z.number(),
  coveredMaxLuma: z.number(),
  uniformMaxStdDev: z.number(),
  frozenMaxDiff: z.number(),
});
export type VisionPolicyView = z.infer<typeof VisionPolicyView>;
