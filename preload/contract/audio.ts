/**
 * Voice activity during spoken answers (issue #15, audio half). The page runs the detector and
 * reports what it derived: the "we can't hear you" hint being shown or cleared, and one summary per
 * answer (speaking time, silences, background-speech flags where the pack asks). Main checks each
 * report against the session and journals it for HR. None of it is ever part of a score.
 */
import { z } from 'zod';
import { SessionId } from './common';

export const AudioPolicyRequest = z.strictObject({ sessionId: SessionId });

export const AudioPolicyView = z.object({
  vad: z.boolean(),
  cantHearSeconds: z.number().int().min(4).max(60),
  backgroundSpeech: z.enum(['off', 'flag']),
});
export type AudioPolicyView = z.infer<typeof AudioPolicyView>;

/** Milliseconds from the start of the answer's recording; 4 hours bounds any answer. */
const AnswerMs = z.number().int().min(0).max(4 * 3600 * 1000);
const Dbfs = z.number().finite().min(-120).max(0);
/** Which detector produced the report: Silero VAD, or the level alone when the model could not load. */
export const SpeechEngine = z.enum(['silero_v5', 'level_only']);

const AnswerRef = {
  sessionId: SessionId,
  questionIndex: z.number().int().min(0).max(1000),
  attempt: z.number().int().min(0).max(100),
};

export const BackgroundSpeechFlagView = z.strictObject({
  startMs: AnswerMs,
  endMs: AnswerMs,
  levelDbfs: Dbfs,
  dropDb: z.number().finite().min(0).max(120),
  confidence: z.number().min(0).max(1),
});

export const CantHearReport = z.strictObject({
  ...AnswerRef,
  kind: z.enum(['cant_hear_shown', 'cant_hear_cleared']),
  atMs: AnswerMs,
  engine: SpeechEngine,
});

export const SpeechSummaryReport = z
  .strictObject({
    ...AnswerRef,
    kind: z.literal('speech_summary'),
    engine: SpeechEngine,
    durationMs: AnswerMs,
    speakingMs: AnswerMs,
    segments: z.number().int().min(0).max(100_000),
    leadingSilenceMs: AnswerMs,
    longestPauseMs: AnswerMs,
    longPauses: z.number().int().min(0).max(100_000),
    /** The floor "near the floor" was judged against: the pre-check's measurement, or null. */
    noiseFloorDbfs: Dbfs.nullable(),
    backgroundSpeech: z.array(BackgroundSpeechFlagView).max(50),
  })
  .refine((r) => r.speakingMs <= r.durationMs && r.leadingSilenceMs <= r.durationMs && r.longestPauseMs <= r.durationMs, {
    message: 'times must lie within the answer',
  })
  .refine((r) => r.backgroundSpeech.every((f) => f.startMs < f.endMs && f.endMs <= r.durationMs), { message: 'flags must lie within the answer' });

export const SpeechReportRequest = z.union([CantHearReport, SpeechSummaryReport]);
export type SpeechReportRequest = z.infer<typeof SpeechReportRequest>;

export const SpeechReportAck = z.object({ recorded: z.boolean() });
export type SpeechReportAck = z.infer<typeof SpeechReportAck>;
