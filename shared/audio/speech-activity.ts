/**
 * Speech activity from a voice-activity detector, for HR and for the candidate — never for a score.
 *
 * Input: one value per VAD frame (Silero v5 reads 512 samples at 16 kHz, so a frame is 32 ms): the
 * model's speech probability and the microphone level of the same frame in dBFS. Output:
 *  - speech segments with hysteresis (start/stop thresholds, minimum speech, minimum silence,
 *    padding), speaking time and the silences of an answer (`segmentSpeech`, `answerSpeechStats`);
 *  - the "we can't hear you" condition: `cantHearMs` (8 s by default) of no speech while the
 *    microphone level stays near the floor (`CantHearTracker`). The floor is the pre-check's measured
 *    noise floor when there is one, otherwise a fixed level;
 *  - a background-speech flag for a human (`backgroundSpeechFlags`), where the pack's policy asks.
 *
 * What the background-speech heuristic can and cannot tell (it sees one mixed channel, a VAD
 * probability and a level, nothing else):
 *  - It CAN tell that the detector heard speech, for at least `minBackgroundMs`, at a level well
 *    below (`backgroundDropDb`) the level at which this candidate usually speaks into this microphone
 *    — the typical signature of a voice further from the microphone (another person in the room, a
 *    television, a phone on speaker) while the candidate is silent.
 *  - It CANNOT identify or count speakers, cannot hear a second voice that talks over the
 *    candidate, cannot tell a person from a recording or a television, and will also fire when the
 *    candidate turns away from the microphone or whispers. A second voice as loud as the candidate
 *    (someone next to them) looks like the candidate. So a flag says "speech that did not look like
 *    the candidate's usual speech was heard at these times"; a human listens and decides.
 *
 * Pure and synchronous: the renderer runs it per frame during answers, the bench and the tests run
 * it over whole clips. Nothing here reads a clock; time is frame index × frame length.
 */
import { z } from 'zod';

/** Silero v5 at 16 kHz: 512 samples per frame. */
export const SILERO_FRAME_SAMPLES = 512;
export const SILERO_SAMPLE_RATE = 16_000;
export const SILERO_FRAME_MS = (SILERO_FRAME_SAMPLES / SILERO_SAMPLE_RATE) * 1000;

/** Level used for a frame of digital silence or an unreadable level. */
export const SILENT_DBFS = -120;

export const SpeechConfig = z
  .object({
    frameMs: z.number().finite().min(1).max(1000),
    /** A frame at or above this probability starts (or keeps) speech. */
    startThreshold: z.number().min(0).max(1),
    /** Speech ends only after `minSilenceMs` of frames below this probability. */
    stopThreshold: z.number().min(0).max(1),
    /** Speech shorter than this (before padding) is dropped: clicks, coughs, a door. */
    minSpeechMs: z.number().finite().min(0).max(10_000),
    /** Silence shorter than this does not end a segment (pauses between words). */
    minSilenceMs: z.number().finite().min(0).max(10_000),
    /** Added to both ends of each segment (soft onsets and endings), clipped to the clip. */
    padMs: z.number().finite().min(0).max(2_000),
    /** A silence between segments at least this long is counted as a long pause. */
    longSilenceMs: z.number().finite().min(0).max(600_000),
  })
  .strict()
  .refine((c) => c.stopThreshold <= c.startThreshold, { message: 'stopThreshold must not exceed startThreshold' });
export type SpeechConfig = z.infer<typeof SpeechConfig>;

export const DEFAULT_SPEECH_CONFIG: SpeechConfig = {
  frameMs: SILERO_FRAME_MS,
  startThreshold: 0.5,
  stopThreshold: 0.35,
  minSpeechMs: 250,
  minSilenceMs: 600,
  padMs: 96,
  longSilenceMs: 3_000,
};

export interface Segment {
  readonly startMs: number;
  readonly endMs: number;
}

/** A probability the model could not produce (NaN, out of range) counts as no speech. */
export function cleanProbability(p: number): number {
  return Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
}

/** A level that is not a finite number (−Infinity for digital silence, NaN) counts as silent. */
export function cleanLevel(dbfs: number): number {
  return Number.isFinite(dbfs) ? Math.min(0, Math.max(SILENT_DBFS, dbfs)) : SILENT_DBFS;
}

/** Raw segments in frame indices [start, end), before padding. */
function rawSegments(probs: ArrayLike<number>, cfg: SpeechConfig): Array<[number, number]> {
  const minSpeech = Math.ceil(cfg.minSpeechMs / cfg.frameMs);
  const minSilence = Math.max(1, Math.ceil(cfg.minSilenceMs / cfg.frameMs));
  const out: Array<[number, number]> = [];
  let start = -1;
  let silentSince = -1;
  const close = (end: number): void => {
    if (end - start >= minSpeech) out.push([start, end]);
    start = -1;
    silentSince = -1;
  };
  for (let i = 0; i < probs.length; i++) {
    const p = cleanProbability(probs[i]!);
    if (start < 0) {
      if (p >= cfg.startThreshold) start = i;
      continue;
    }
    if (p < cfg.stopThreshold) {
      if (silentSince < 0) silentSince = i;
      if (i + 1 - silentSince >= minSilence) close(silentSince);
    } else if (p >= cfg.startThreshold) {
      // Only a frame above the start threshold breaks a silence that has begun; a frame between
      // the thresholds neither starts speech nor ends a silence (Silero's own hysteresis).
      silentSince = -1;
    }
  }
  if (start >= 0) close(silentSince >= 0 ? silentSince : probs.length);
  return out;
}

/** Speech segments in milliseconds from per-frame speech probabilities. */
export function segmentSpeech(probs: ArrayLike<number>, config: SpeechConfig = DEFAULT_SPEECH_CONFIG): Segment[] {
  const cfg = SpeechConfig.parse(config);
  const totalMs = probs.length * cfg.frameMs;
  const merged: Segment[] = [];
  for (const [s, e] of rawSegments(probs, cfg)) {
    const startMs = Math.max(0, s * cfg.frameMs - cfg.padMs);
    const endMs = Math.min(totalMs, e * cfg.frameMs + cfg.padMs);
    const last = merged[merged.length - 1];
    if (last && startMs <= last.endMs) merged[merged.length - 1] = { startMs: last.startMs, endMs: Math.max(last.endMs, endMs) };
    else merged.push({ startMs, endMs });
  }
  return merged;
}

export interface AnswerSpeechStats {
  readonly durationMs: number;
  readonly speakingMs: number;
  readonly segments: number;
  /** From the start of the answer to the first speech (the whole answer when none). */
  readonly leadingSilenceMs: number;
  /** The longest pause between two segments (0 with fewer than two segments). */
  readonly longestPauseMs: number;
  /** Pauses between segments of at least `longSilenceMs`. */
  readonly longPauses: number;
  /** Every silence: leading, between segments and trailing, in order. */
  readonly silences: readonly Segment[];
}

/** Information for HR (and the transcript later) about one answer. Never a scoring feature. */
export function answerSpeechStats(probs: ArrayLike<number>, config: SpeechConfig = DEFAULT_SPEECH_CONFIG): AnswerSpeechStats {
  const cfg = SpeechConfig.parse(config);
  const durationMs = probs.length * cfg.frameMs;
  const segs = segmentSpeech(probs, cfg);
  const silences: Segment[] = [];
  let cursor = 0;
  let longestPauseMs = 0;
  let longPauses = 0;
  segs.forEach((s, i) => {
    if (s.startMs > cursor) silences.push({ startMs: cursor, endMs: s.startMs });
    if (i > 0) {
      const pause = s.startMs - cursor;
      longestPauseMs = Math.max(longestPauseMs, pause);
      if (pause >= cfg.longSilenceMs) longPauses++;
    }
    cursor = s.endMs;
  });
  if (durationMs > cursor) silences.push({ startMs: cursor, endMs: durationMs });
  return {
    durationMs,
    speakingMs: segs.reduce((a, s) => a + (s.endMs - s.startMs), 0),
    segments: segs.length,
    leadingSilenceMs: segs.length > 0 ? segs[0]!.startMs : durationMs,
    longestPauseMs,
    longPauses,
    silences,
  };
}

// ---------------------------------------------------------------------------------------------
// "We can't hear you"

export const CantHearConfig = z
  .object({
    frameMs: z.number().finite().min(1).max(1000),
    /** No speech and a level near the floor for this long shows the hint. */
    cantHearMs: z.number().finite().min(1000).max(120_000),
    /** The measured noise floor from the pre-check (dBFS), when there is one. */
    noiseFloorDbfs: z.number().finite().min(SILENT_DBFS).max(0).nullable(),
    /** "Near the floor": at most this far above the measured floor. */
    marginDb: z.number().finite().min(0).max(40),
    /** Without a measured floor, a level at or below this is "near the floor". */
    defaultFloorDbfs: z.number().finite().min(SILENT_DBFS).max(0),
    /** A floor measured above this (a noisy pre-check) is capped here, so speech still counts as loud. */
    maxFloorDbfs: z.number().finite().min(SILENT_DBFS).max(0),
    /** Speech probability at or above which a frame is speech. */
    speechThreshold: z.number().min(0).max(1),
    /** Loud or speech frames shorter than this (a click, a cough) do not reset the count. */
    toleranceMs: z.number().finite().min(0).max(5_000),
  })
  .strict();
export type CantHearConfig = z.infer<typeof CantHearConfig>;

export const DEFAULT_CANT_HEAR_CONFIG: CantHearConfig = {
  frameMs: SILERO_FRAME_MS,
  cantHearMs: 8_000,
  noiseFloorDbfs: null,
  marginDb: 6,
  defaultFloorDbfs: -55,
  maxFloorDbfs: -40,
  speechThreshold: 0.5,
  toleranceMs: 200,
};

/** The level at or below which the microphone counts as "near the floor". */
export function quietLevelDbfs(cfg: CantHearConfig): number {
  if (cfg.noiseFloorDbfs === null) return cfg.defaultFloorDbfs;
  return Math.min(cfg.maxFloorDbfs, cfg.noiseFloorDbfs + cfg.marginDb);
}

export type CantHearEvent = { readonly type: 'cant_hear_start'; readonly atMs: number } | { readonly type: 'cant_hear_end'; readonly atMs: number };

/**
 * Streaming: feed one frame at a time; returns the event this frame caused, if any. The hint is
 * shown from `cant_hear_start` to `cant_hear_end`. `atMs` is time since the tracker started.
 */
export class CantHearTracker {
  private readonly cfg: CantHearConfig;
  private readonly quietDbfs: number;
  private readonly needFrames: number;
  private readonly toleranceFrames: number;
  private frame = 0;
  private quietRun = 0;
  private loudRun = 0;
  private active = false;

  constructor(config: Partial<CantHearConfig> = {}) {
    this.cfg = CantHearConfig.parse({ ...DEFAULT_CANT_HEAR_CONFIG, ...config });
    this.quietDbfs = quietLevelDbfs(this.cfg);
    this.needFrames = Math.ceil(this.cfg.cantHearMs / this.cfg.frameMs);
    this.toleranceFrames = Math.floor(this.cfg.toleranceMs / this.cfg.frameMs);
  }

  get showing(): boolean {
    return this.active;
  }

  push(probability: number, dbfs: number): CantHearEvent | null {
    const i = this.frame++;
    const quiet = cleanProbability(probability) < this.cfg.speechThreshold && cleanLevel(dbfs) <= this.quietDbfs;
    if (quiet) {
      this.loudRun = 0;
      this.quietRun++;
    } else {
      this.loudRun++;
      // A short loud blip is tolerated (and counted as time passing); a longer one resets.
      if (this.loudRun > this.toleranceFrames) this.quietRun = 0;
      else this.quietRun++;
    }
    if (!this.active && quiet && this.quietRun >= this.needFrames) {
      this.active = true;
      return { type: 'cant_hear_start', atMs: (i + 1) * this.cfg.frameMs };
    }
    if (this.active && this.loudRun > this.toleranceFrames) {
      this.active = false;
      return { type: 'cant_hear_end', atMs: (i + 1) * this.cfg.frameMs };
    }
    return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Background speech (a flag for a human, where the pack's policy asks for it)

export const BackgroundSpeechConfig = z
  .object({
    /** Speech segments this far (dB) below the candidate's own speech level are "background". */
    backgroundDropDb: z.number().finite().min(3).max(60),
    /** Background speech shorter than this is not flagged. */
    minBackgroundMs: z.number().finite().min(0).max(60_000),
    /** The candidate's level is only known after this much speech; before it nothing is flagged. */
    minReferenceSpeechMs: z.number().finite().min(0).max(120_000),
  })
  .strict();
export type BackgroundSpeechConfig = z.infer<typeof BackgroundSpeechConfig>;

export const DEFAULT_BACKGROUND_SPEECH_CONFIG: BackgroundSpeechConfig = {
  backgroundDropDb: 15,
  minBackgroundMs: 1_500,
  minReferenceSpeechMs: 3_000,
};

export interface BackgroundSpeechFlag {
  readonly startMs: number;
  readonly endMs: number;
  /** Median level of the flagged speech, and how far below the candidate's reference it was. */
  readonly levelDbfs: number;
  readonly dropDb: number;
  /** 0..1: how far past the threshold the drop and the duration are. A hint for the reviewer. */
  readonly confidence: number;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return SILENT_DBFS;
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * Speech heard at a level far below the candidate's own, over a whole answer (or a longer
 * recording). The candidate's reference level is the upper quartile of per-segment median levels,
 * weighted by duration: the candidate speaks most of the time and closest to the microphone.
 */
export function backgroundSpeechFlags(
  probs: ArrayLike<number>,
  levels: ArrayLike<number>,
  speechConfig: SpeechConfig = DEFAULT_SPEECH_CONFIG,
  config: BackgroundSpeechConfig = DEFAULT_BACKGROUND_SPEECH_CONFIG,
): BackgroundSpeechFlag[] {
  const sc = SpeechConfig.parse(speechConfig);
  const bc = BackgroundSpeechConfig.parse(config);
  if (probs.length !== levels.length) throw new RangeError('probabilities and levels differ in length');
  // Unpadded segments, so each level is measured where the detector actually heard speech.
  const segs = segmentSpeech(probs, { ...sc, padMs: 0 }).map((s) => {
    const from = Math.round(s.startMs / sc.frameMs);
    const to = Math.round(s.endMs / sc.frameMs);
    const lv: number[] = [];
    for (let i = from; i < to; i++) if (cleanProbability(probs[i]!) >= sc.stopThreshold) lv.push(cleanLevel(levels[i]!));
    return { ...s, level: median(lv) };
  });
  const speechMs = segs.reduce((a, s) => a + (s.endMs - s.startMs), 0);
  if (speechMs < bc.minReferenceSpeechMs) return [];
  // Duration-weighted upper quartile of segment levels.
  const byLevel = [...segs].sort((a, b) => b.level - a.level);
  let acc = 0;
  let reference = byLevel[0]!.level;
  for (const s of byLevel) {
    acc += s.endMs - s.startMs;
    reference = s.level;
    if (acc >= speechMs * 0.25) break;
  }
  const flags: BackgroundSpeechFlag[] = [];
  for (const s of segs) {
    const drop = reference - s.level;
    const dur = s.endMs - s.startMs;
    if (drop >= bc.backgroundDropDb && dur >= bc.minBackgroundMs) {
      const byDrop = Math.min(1, (drop - bc.backgroundDropDb) / bc.backgroundDropDb + 0.5);
      const byDur = Math.min(1, dur / (bc.minBackgroundMs * 4) + 0.25);
      flags.push({ startMs: s.startMs, endMs: s.endMs, levelDbfs: round1(s.level), dropDb: round1(drop), confidence: round2(Math.min(byDrop, byDur)) });
    }
  }
  return flags;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

/** Root-mean-square level of a frame in dBFS (full scale = 1.0). */
export function frameDbfs(samples: ArrayLike<number>): number {
  if (samples.length === 0) return SILENT_DBFS;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    sum += Number.isFinite(v) ? v * v : 0;
  }
  const rms = Math.sqrt(sum / samples.length);
  return rms > 0 ? Math.max(SILENT_DBFS, 20 * Math.log10(rms)) : SILENT_DBFS;
}

/**
 * Cuts audio arriving in blocks of any size (an audio callback's 2048 samples, say) into whole
 * detector frames, keeping the remainder for the next block. Bounded: a block larger than
 * `maxBlock` samples is refused (a bug or a hostile caller), nothing is kept from it.
 */
export class FrameAssembler {
  private rest = new Float32Array(0);

  constructor(
    readonly frameSamples: number = SILERO_FRAME_SAMPLES,
    private readonly maxBlock: number = 1 << 16,
  ) {
    if (!Number.isInteger(frameSamples) || frameSamples < 1) throw new RangeError('frameSamples must be a positive integer');
  }

  /** The whole frames completed by this block, concatenated (length a multiple of frameSamples). */
  push(block: ArrayLike<number>): Float32Array {
    if (block.length > this.maxBlock) throw new RangeError(`a block of ${block.length} samples is over ${this.maxBlock}`);
    const all = new Float32Array(this.rest.length + block.length);
    all.set(this.rest);
    for (let i = 0; i < block.length; i++) {
      const v = block[i]!;
      all[this.rest.length + i] = Number.isFinite(v) ? v : 0;
    }
    const whole = all.length - (all.length % this.frameSamples);
    this.rest = all.slice(whole);
    return all.slice(0, whole);
  }

  /** Samples waiting for the next block. */
  get pending(): number {
    return this.rest.length;
  }
}

/** Without the model: a frame counts as speech when it is `overDb` above the quiet level. */
export function levelOnlyProbability(dbfs: number, quietDbfs: number, overDb = 10): 0 | 1 {
  return cleanLevel(dbfs) >= quietDbfs + overDb ? 1 : 0;
}
