/**
 * Pure integrity-flag logic for the camera (issue #15), run in the renderer beside the detector and
 * tested under Node. Input: one observation per analysed frame (2 fps during answers) — the faces the
 * detector found with head pose and iris gaze, and three frame statistics. Output: flag `started`
 * and `ended` events with start/end times and a confidence, and the kind hint the candidate sees.
 *
 * A flag is information for a human reviewer. It NEVER enters a score (the scorer cannot see the
 * journal's vision events; test/unit/vision/flags-not-scored.test.ts) and never pauses, fails or
 * ends an interview.
 *
 * Each kind is a condition per frame; a flag starts when its condition has held on every frame for
 * the policy's duration (timed from the first frame), and ends at the first frame where it no longer
 * holds, when frames stop arriving for more than MAX_GAP_MS, or when the answer ends (`finish`).
 * A covered or frozen camera shows nothing about the candidate, so on such a frame the face
 * conditions (no face, several faces, looking away) do not hold: the camera flag says it instead.
 */
import { z } from 'zod';
import type { VisionPolicy } from './policy';

export const VISION_FLAG_KINDS = ['no_face', 'multiple_faces', 'looking_away', 'camera_covered', 'camera_frozen'] as const;
export type VisionFlagKind = (typeof VISION_FLAG_KINDS)[number];

/** The longest pause between two analysed frames that still counts as one continuous stream. */
export const MAX_GAP_MS = 3_000;

export const VisionFace = z
  .object({
    /** The detector's confidence, 0–1. */
    score: z.number().finite().min(0).max(1),
    /** Head pose in degrees (from the face mesh); null when the mesh gave none. */
    yawDeg: z.number().finite().min(-180).max(180).nullable(),
    pitchDeg: z.number().finite().min(-180).max(180).nullable(),
    /** How far the irises look off-centre, 0–1 (Human's gaze.strength); null without iris landmarks. */
    gazeStrength: z.number().finite().min(0).max(1).nullable(),
  })
  .strict();
export type VisionFace = z.infer<typeof VisionFace>;

export const VisionObservation = z
  .object({
    /** Milliseconds on a monotonic clock, strictly increasing. */
    at: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    faces: z.array(VisionFace).max(32),
    frame: z
      .object({
        meanLuma: z.number().finite().min(0).max(255),
        lumaStdDev: z.number().finite().min(0).max(255),
        /** Mean absolute luma difference to the previous analysed frame; null on the first. */
        diffToPrev: z.number().finite().min(0).max(255).nullable(),
      })
      .strict(),
  })
  .strict();
export type VisionObservation = z.infer<typeof VisionObservation>;

export type VisionFlagEvent =
  | { readonly type: 'started'; readonly kind: VisionFlagKind; readonly startedAt: number; readonly at: number; readonly confidence: number }
  | {
      readonly type: 'ended';
      readonly kind: VisionFlagKind;
      readonly startedAt: number;
      readonly endedAt: number;
      readonly durationMs: number;
      readonly confidence: number;
      readonly frames: number;
      readonly reason: 'cleared' | 'gap' | 'finished';
    };

/** What the candidate is told, kindly and at once (after two frames, ~1 s), or null. */
export type VisionHint = 'face_not_visible' | 'camera_covered' | null;

export type PushResult =
  | { readonly ok: true; readonly events: readonly VisionFlagEvent[]; readonly hint: VisionHint }
  | { readonly ok: false; readonly code: 'OBSERVATION_INVALID' | 'OBSERVATION_OUT_OF_ORDER' };

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * Which conditions one frame shows, each with that frame's confidence (0–1), or null when it does
 * not hold. Exported for tests and for the proctor's live view.
 */
export function frameConditions(o: VisionObservation, p: VisionPolicy): Record<VisionFlagKind, number | null> {
  const { meanLuma, lumaStdDev, diffToPrev } = o.frame;
  const n = o.faces.length;
  const uniform = lumaStdDev <= p.uniformMaxStdDev;
  const dark = meanLuma <= p.coveredMaxLuma;
  const covered = n === 0 && (uniform || dark) ? (uniform && dark ? 0.95 : 0.75) : null;
  const frozen = covered === null && diffToPrev !== null && diffToPrev <= p.frozenMaxDiff ? (diffToPrev === 0 ? 0.95 : 0.8) : null;
  const blind = covered !== null || frozen !== null;
  let noFace: number | null = null;
  let multiple: number | null = null;
  let away: number | null = null;
  if (!blind) {
    if (n === 0) noFace = meanLuma < p.coveredMaxLuma * 2 ? 0.7 : 0.9;
    else if (n >= 2) {
      const scores = o.faces.map((f) => f.score).sort((a, b) => b - a);
      multiple = scores[1]!;
    } else {
      const f = o.faces[0]!;
      const yaw = f.yawDeg !== null && Math.abs(f.yawDeg) > p.yawDegrees;
      const pitch = f.pitchDeg !== null && Math.abs(f.pitchDeg) > p.pitchDegrees;
      const gaze = f.gazeStrength !== null && f.gazeStrength > p.gazeStrength;
      // The detector's score drops as a face turns away (issue #15): a weak lone face counts too.
      const weak = f.score < p.turnedFaceScore;
      if (yaw || pitch) away = Math.max(0.5, f.score);
      else if (gaze) away = 0.6;
      else if (weak) away = 0.5;
    }
  }
  return { no_face: noFace, multiple_faces: multiple, looking_away: away, camera_covered: covered, camera_frozen: frozen };
}

interface KindState {
  since: number | null;
  open: boolean;
  confSum: number;
  frames: number;
}

const durationMs = (k: VisionFlagKind, p: VisionPolicy): number => {
  switch (k) {
    case 'no_face': return p.noFaceSeconds * 1000;
    case 'multiple_faces': return p.multipleFacesSeconds * 1000;
    case 'looking_away': return p.lookingAwaySeconds * 1000;
    case 'camera_covered': return p.coveredSeconds * 1000;
    case 'camera_frozen': return p.frozenSeconds * 1000;
  }
};

/** Feeds observations in time order; one tracker per answer (or per session, finished at each answer's end). */
export class VisionFlagTracker {
  private readonly kinds = new Map<VisionFlagKind, KindState>(VISION_FLAG_KINDS.map((k) => [k, { since: null, open: false, confSum: 0, frames: 0 }]));
  private lastAt: number | null = null;
  private recent: Array<'face' | 'none' | 'covered'> = [];

  constructor(private readonly policy: VisionPolicy) {}

  /** Flags open now (started, not yet ended). */
  openFlags(): VisionFlagKind[] {
    return VISION_FLAG_KINDS.filter((k) => this.kinds.get(k)!.open);
  }

  push(input: unknown): PushResult {
    const parsed = VisionObservation.safeParse(input);
    if (!parsed.success) return { ok: false, code: 'OBSERVATION_INVALID' };
    const o = parsed.data;
    if (this.lastAt !== null && o.at <= this.lastAt) return { ok: false, code: 'OBSERVATION_OUT_OF_ORDER' };
    if (!this.policy.enabled) return { ok: true, events: [], hint: null };
    const events: VisionFlagEvent[] = [];
    if (this.lastAt !== null && o.at - this.lastAt > MAX_GAP_MS) {
      events.push(...this.closeAll(this.lastAt, 'gap'));
      this.recent = [];
    }
    this.lastAt = o.at;
    const cond = frameConditions(o, this.policy);
    for (const k of VISION_FLAG_KINDS) {
      const s = this.kinds.get(k)!;
      const c = cond[k];
      if (c === null) {
        if (s.open) events.push(this.ended(k, s, o.at, 'cleared'));
        this.reset(s);
        continue;
      }
      if (s.since === null) s.since = o.at;
      s.confSum += c;
      s.frames += 1;
      if (!s.open && o.at - s.since >= durationMs(k, this.policy)) {
        s.open = true;
        events.push({ type: 'started', kind: k, startedAt: s.since, at: o.at, confidence: round3(s.confSum / s.frames) });
      }
    }
    this.recent = [...this.recent.slice(-1), cond.camera_covered !== null ? 'covered' : o.faces.length === 0 ? 'none' : 'face'];
    return { ok: true, events, hint: this.hint() };
  }

  /** The answer ended (or the camera stopped) at `at`: close every open flag there. */
  finish(at: number): VisionFlagEvent[] {
    const end = this.lastAt === null ? at : Math.max(at, this.lastAt);
    const events = this.closeAll(end, 'finished');
    this.recent = [];
    return events;
  }

  private hint(): VisionHint {
    if (this.recent.length < 2) return null;
    if (this.recent.every((r) => r === 'covered')) return 'camera_covered';
    if (this.recent.every((r) => r !== 'face')) return 'face_not_visible';
    return null;
  }

  private closeAll(at: number, reason: 'gap' | 'finished'): VisionFlagEvent[] {
    const out: VisionFlagEvent[] = [];
    for (const k of VISION_FLAG_KINDS) {
      const s = this.kinds.get(k)!;
      if (s.open) out.push(this.ended(k, s, at, reason));
      this.reset(s);
    }
    return out;
  }

  private ended(kind: VisionFlagKind, s: KindState, at: number, reason: 'cleared' | 'gap' | 'finished'): VisionFlagEvent {
    const startedAt = s.since!;
    return { type: 'ended', kind, startedAt, endedAt: at, durationMs: at - startedAt, confidence: round3(s.confSum / s.frames), frames: s.frames, reason };
  }

  private reset(s: KindState): void {
    s.since = null;
    s.open = false;
    s.confSum = 0;
    s.frames = 0;
  }
}
