/**
 * Scoring as the candidate meets it (issue #10): whether STAR hints are on, reporting which hint
 * was shown (journaled, so HR can see every candidate got the same help), and the feedback report
 * after the interview. Scores are never shown during the interview.
 */
import { z } from 'zod';
import { LocalizedText, SessionId } from './common';

/** The hint keys of shared/scoring/star-hints.ts (a compile-time check in main keeps them equal). */
export const HintKey = z.enum(['add_situation', 'add_task', 'add_own_action', 'add_result', 'quantify_result']);
export type HintKey = z.infer<typeof HintKey>;

export const ScoringPolicyView = z.object({
  /** Show real-time STAR hints while typing (the pack decides; the same for every candidate). */
  hints: z.boolean(),
  /** The feedback report may state a suitability verdict. */
  candidateVerdict: z.boolean(),
});
export type ScoringPolicyView = z.infer<typeof ScoringPolicyView>;

export const HintShownRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().min(0).max(1000),
  attempt: z.number().int().min(0).max(100),
  hint: HintKey,
});
export const HintAck = z.object({ recorded: z.boolean() });
export type HintAck = z.infer<typeof HintAck>;

export const Band = z.enum(['pass', 'borderline', 'below']);

export const ReportCompetencyView = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('scored'),
    competencyId: z.string(),
    name: LocalizedText,
    level: z.number().int().min(1).max(5),
    levelScore: z.number().min(0).max(100),
    threshold: z.number().min(0).max(100),
    evidence: z.array(z.string().max(2000)).max(10),
    tip: LocalizedText.nullable(),
  }),
  z.object({ status: z.literal('awaiting_review'), competencyId: z.string(), name: LocalizedText, threshold: z.number().min(0).max(100) }),
]);

export const FeedbackReportView = z.object({
  sessionId: SessionId,
  title: LocalizedText,
  competencies: z.array(ReportCompetencyView).max(30),
  /** Answers a person must assess first (spoken without a transcript, another language). */
  awaitingReview: z.number().int().nonnegative(),
  /** Submitted answers the kiosk has not finished scoring yet (ask again shortly). */
  scoringPending: z.number().int().nonnegative(),
  /** Only when the pack allows a verdict and nothing awaits a person. */
  verdict: Band.nullable(),
});
export type FeedbackReportView = z.infer<typeof FeedbackReportView>;
