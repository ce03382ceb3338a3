import { z } from 'zod';
import { AccommodationsView } from './accommodations';
import {
  AnswerMode,
  DeviceState,
  ExitReason,
  InviteCode,
  RawInviteCode,
  Locale,
  LocalizedText,
  SessionId,
  SessionState,
  TimerMode,
  Timestamp,
} from './common';

/** Largest media chunk the kiosk accepts (a 1 s chunk at the capped bitrate is 30–300 KB). */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;
export const MAX_TEXT_ANSWER_CHARS = 20_000;
export const MAX_EXIT_TEXT_CHARS = 500;

// ---------------------------------------------------------------- views

export const SessionView = z.object({
  sessionId: SessionId,
  inviteCode: z.string(),
  state: SessionState,
  locale: Locale,
  packId: z.string(),
  packTitle: LocalizedText,
  consentVersion: z.string(),
  questionCount: z.number().int().nonnegative(),
  stageCount: z.number().int().nonnegative(),
  answeredCount: z.number().int().nonnegative(),
  resumeCount: z.number().int().nonnegative(),
  maxResumes: z.number().int().nonnegative(),
  /** Accommodations in force (issue #20), shown to the candidate in plain words before question 1. */
  accommodations: AccommodationsView.optional(),
  /** The pack's identity check at check-in (issue #15), before the interview starts: whether it is cleared. */
  identity: z.object({ mode: z.enum(['optional', 'required']), cleared: z.boolean() }).optional(),
});
export type SessionView = z.infer<typeof SessionView>;

export const QuestionPhase = z.enum(['preparing', 'answering']);
export type QuestionPhase = z.infer<typeof QuestionPhase>;

export const QuestionView = z.object({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative(),
  questionCount: z.number().int().positive(),
  questionId: z.string(),
  stageIndex: z.number().int().nonnegative(),
  stageCount: z.number().int().positive(),
  stageTitle: LocalizedText,
  indexInStage: z.number().int().nonnegative(),
  questionsInStage: z.number().int().positive(),
  prompt: LocalizedText,
  mode: AnswerMode,
  prepSeconds: z.number().int().nonnegative(),
  answerSeconds: z.number().int().positive(),
  retakesAllowed: z.number().int().nonnegative(),
  attempt: z.number().int().nonnegative(),
  /** A new recording segment starts after every resume; each segment is a complete WebM stream. */
  segment: z.number().int().nonnegative(),
  phase: QuestionPhase,
  prepRemainingMs: z.number().int().nonnegative(),
  answerRemainingMs: z.number().int().nonnegative(),
  timerMode: TimerMode,
  committedChunks: z.number().int().nonnegative(),
  committedBytes: z.number().int().nonnegative(),
  /** Chunks already committed in the current segment; the recorder continues from here. */
  nextSeq: z.number().int().nonnegative(),
  /** The typed draft saved for this attempt, restored into the text box after a reload or a restart. */
  draftText: z.string().max(MAX_TEXT_ANSWER_CHARS).optional(),
  /** The fair clock on this question: whether Help and Leave stop it, and how much of the allowance is left. */
  dialogPause: z.object({ stopsClock: z.boolean(), capMs: z.number().int().nonnegative(), leftMs: z.number().int().nonnegative(), open: z.boolean() }).optional(),
  /** A rest break (accommodation) before this stage: the clock stands still and the question is hidden. */
  restBreak: z.object({ remainingMs: z.number().int().nonnegative(), maxMs: z.number().int().positive() }).optional(),
  /** The accommodation multiplier behind these times, when it is not 1. */
  timeMultiplier: z.number().optional(),
  /** A proctor alert paused the interview: the clock stands, nothing is recorded until the proctor's code. */
  proctorPaused: z.boolean().optional(),
});
export type QuestionView = z.infer<typeof QuestionView>;

export const CompletionReceipt = z.object({
  sessionId: SessionId,
  receiptId: z.string(),
  completedAt: Timestamp,
  answeredCount: z.number().int().nonnegative(),
  journalHead: z.string(),
});
export type CompletionReceipt = z.infer<typeof CompletionReceipt>;

export const CurrentView = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('question'), session: SessionView, question: QuestionView }),
  z.object({ kind: z.literal('completed'), session: SessionView, receipt: CompletionReceipt }),
  z.object({ kind: z.literal('not_started'), session: SessionView }),
  z.object({ kind: z.literal('interrupted'), session: SessionView }),
  z.object({ kind: z.literal('ended'), session: SessionView }),
  /**
   * Every released question is answered and the next stage's questions are not on this kiosk yet
   * (pack format v2): the kiosk is fetching them; `problem` is the error code of a failed attempt.
   */
  z.object({ kind: z.literal('stage_pending'), session: SessionView, stageIndex: z.number().int().min(1).max(9), stageTitle: LocalizedText, problem: z.string().max(64).optional() }),
]);
export type CurrentView = z.infer<typeof CurrentView>;

/** What leaving (or having left) means for this candidate, computed from the pack's policy. */
export const ReturnTerms = z.object({
  canReturn: z.boolean(),
  /** Until then the candidate resumes alone with the invite code. */
  aloneUntil: Timestamp.nullable(),
  /** Until then a proctor's resume code lets the candidate resume; after it the session expires. */
  returnUntil: Timestamp.nullable(),
  resumesLeft: z.number().int().nonnegative(),
  timerMode: TimerMode,
});
export type ReturnTerms = z.infer<typeof ReturnTerms>;

export const ExitInfo = z.object({
  sessionId: SessionId,
  answeredCount: z.number().int().nonnegative(),
  questionCount: z.number().int().nonnegative(),
  committedChunks: z.number().int().nonnegative(),
  terms: ReturnTerms,
});
export type ExitInfo = z.infer<typeof ExitInfo>;

export const ExitReceipt = z.object({
  incidentId: z.string(),
  sessionId: SessionId,
  at: Timestamp,
  reason: ExitReason,
  terms: ReturnTerms,
  nextStep: z.enum(['resume_alone', 'resume_with_proctor', 'contact_hr']),
});
export type ExitReceipt = z.infer<typeof ExitReceipt>;

export const ResumeOffer = z.object({
  sessionId: SessionId,
  inviteCode: z.string(),
  state: SessionState,
  questionIndex: z.number().int().nonnegative(),
  questionCount: z.number().int().nonnegative(),
  answerRemainingMs: z.number().int().nonnegative(),
  needsResumeCode: z.boolean(),
  interruptedAt: Timestamp.nullable(),
  interruption: z.enum(['crash', 'exit', 'storage', 'device', 'unknown']),
  terms: ReturnTerms,
  /** The session's language: "welcome back" speaks it, whatever the kiosk showed before. */
  locale: Locale.optional(),
});
export type ResumeOffer = z.infer<typeof ResumeOffer>;

export const ChunkAck = z.object({
  questionIndex: z.number().int().nonnegative(),
  attempt: z.number().int().nonnegative(),
  segment: z.number().int().nonnegative(),
  seq: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  duplicate: z.boolean(),
  committedChunks: z.number().int().nonnegative(),
});
export type ChunkAck = z.infer<typeof ChunkAck>;

// ---------------------------------------------------------------- requests

const QuestionRef = {
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
};

export const CheckInRequest = z.strictObject({
  inviteCode: RawInviteCode,
  locale: Locale,
  /** The proctor's offline unlock code, when the HR endpoint cannot release the questions (UNLOCK_CODE_REQUIRED). */
  unlockCode: z.string().trim().min(4).max(64).optional(),
});
export const SessionRequest = z.strictObject({ sessionId: SessionId });
export const ConsentRequest = z.strictObject({
  sessionId: SessionId,
  accepted: z.boolean(),
  consentVersion: z.string().min(1).max(64),
  declineReason: z.string().max(MAX_EXIT_TEXT_CHARS).optional(),
});
export const PrecheckReport = z.strictObject({
  sessionId: SessionId,
  camera: DeviceState,
  microphone: DeviceState,
});
export const BeginAnswerRequest = z.strictObject(QuestionRef);
export const AppendChunkRequest = z.strictObject({
  ...QuestionRef,
  attempt: z.number().int().nonnegative().max(100),
  segment: z.number().int().nonnegative().max(10_000),
  seq: z.number().int().nonnegative().max(1_000_000),
  mimeType: z.string().min(1).max(100).regex(/^(video|audio)\/[\w.+-]+(;[\w\s=.,"+-]*)?$/),
  /** The page recording it (see page.ts); a page that was taken over is refused. */
  pageId: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/).optional(),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes' })
    .refine((d) => d.byteLength > 0 && d.byteLength <= MAX_CHUNK_BYTES, {
    message: `chunk must be 1..${MAX_CHUNK_BYTES} bytes`,
  }),
});
export type AppendChunkRequest = z.infer<typeof AppendChunkRequest>;
export const SubmitAnswerRequest = z.strictObject({
  ...QuestionRef,
  attempt: z.number().int().nonnegative().max(100),
  text: z.string().max(MAX_TEXT_ANSWER_CHARS).optional(),
});
export const RetakeRequest = z.strictObject({ ...QuestionRef, attempt: z.number().int().nonnegative().max(100) });
export const ExitConfirmRequest = z
  .strictObject({
    sessionId: SessionId,
    reason: ExitReason,
    text: z.string().trim().max(MAX_EXIT_TEXT_CHARS).optional(),
  })
  .refine((r) => r.reason !== 'other' || (r.text !== undefined && r.text.length > 0), {
    message: 'a reason of "other" needs a few words',
    path: ['text'],
  });
export const ResumeRequest = z.strictObject({
  inviteCode: InviteCode,
  resumeCode: z
    .string()
    .trim()
    // 10 characters for a centre code, 125 (plus separators) for a hub-issued proctor token.
    .max(200)
    .transform((s) => s.toUpperCase().replace(/[\s-]/g, ''))
    .optional(),
});
export const DeviceReport = z.strictObject({
  sessionId: SessionId.optional(),
  camera: DeviceState,
  microphone: DeviceState,
  online: z.boolean(),
  displays: z
    .array(z.strictObject({ width: z.number().int().nonnegative().max(100_000), height: z.number().int().nonnegative().max(100_000) }))
    .max(16)
    .optional(),
});
export type DeviceReport = z.infer<typeof DeviceReport>;
export const Empty = z.object({}).strict();

// ---------------------------------------------------------------- events (main → renderer)

export const StatusEvent = z.object({
  sessionId: SessionId,
  state: SessionState,
  code: z.string().optional(),
  message: z.string().optional(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;
