/**
 * The interview pack schema (zod). A pack is what HR authors and the kiosk trusts: the job's
 * competencies, stages and questions, and the policy the kiosk enforces.
 */
import { z } from 'zod';
import { AnswerMode, LocalizedText, TimerMode } from '../../../preload/contract/common';

export const PACK_SCHEMA_VERSION = 1;

const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'lower-case letters, digits, "-" and "_" (2–64)');

export const Competency = z.object({
  id: Id,
  name: LocalizedText,
  weight: z.number().gt(0).lte(1),
  threshold: z.number().min(0).max(100),
});

export const Question = z.object({
  id: Id,
  prompt: LocalizedText,
  mode: AnswerMode,
  prepSeconds: z.number().int().min(0).max(600),
  answerSeconds: z.number().int().min(10).max(1800),
  retakes: z.number().int().min(0).max(3),
  competencies: z.array(Id).min(1).max(8),
});
export type Question = z.infer<typeof Question>;

export const StageKind = z.enum(['self_introduction', 'professional', 'situational']);

export const Stage = z.object({
  id: Id,
  kind: StageKind,
  title: LocalizedText,
  questions: z.array(Question).min(1).max(50),
});
export type Stage = z.infer<typeof Stage>;

export const ResumePolicy = z.object({
  /** Seconds after an interruption during which the candidate resumes alone. */
  graceSeconds: z.number().int().min(0).max(7 * 24 * 3600),
  /** Seconds after an interruption during which a proctor's code still lets the candidate resume. */
  returnWindowSeconds: z.number().int().min(60).max(30 * 24 * 3600),
  timerMode: TimerMode,
  maxResumes: z.number().int().min(0).max(20),
  /** Wrong proctor codes tolerated before resuming is locked for this session. */
  maxCodeAttempts: z.number().int().min(1).max(10),
});
export type ResumePolicy = z.infer<typeof ResumePolicy>;

export const PackPolicy = z.object({
  resume: ResumePolicy,
  consentVersion: z.string().min(1).max(64),
  retentionDays: z.number().int().min(1).max(3650),
});

export const Pack = z
  .object({
    schemaVersion: z.literal(PACK_SCHEMA_VERSION),
    id: Id,
    version: z.string().regex(/^\d+\.\d+\.\d+$/),
    title: LocalizedText,
    competencies: z.array(Competency).min(1).max(30),
    stages: z.array(Stage).min(1).max(10),
    policy: PackPolicy,
  })
  .superRefine((pack, ctx) => {
    const ids = new Set(pack.competencies.map((c) => c.id));
    const questionIds = new Set<string>();
    pack.stages.forEach((stage, s) =>
      stage.questions.forEach((q, i) => {
        if (questionIds.has(q.id)) {
          ctx.addIssue({ code: 'custom', path: ['stages', s, 'questions', i, 'id'], message: `duplicate question id ${q.id}` });
        }
        questionIds.add(q.id);
        q.competencies.forEach((c, j) => {
          if (!ids.has(c)) {
            ctx.addIssue({ code: 'custom', path: ['stages', s, 'questions', i, 'competencies', j], message: `unknown competency ${c}` });
          }
        });
      }),
    );
    const sum = pack.competencies.reduce((a, c) => a + c.weight, 0);
    if (Math.abs(sum - 1) > 1e-6) {
      ctx.addIssue({ code: 'custom', path: ['competencies'], message: `weights must sum to 1 (got ${sum.toFixed(4)})` });
    }
  });
export type Pack = z.infer<typeof Pack>;

/** A question with its place in the interview, as the session service walks it. */
export interface FlatQuestion {
  readonly index: number;
  readonly stageIndex: number;
  readonly indexInStage: number;
  readonly stage: Stage;
  readonly question: Question;
}

export function flattenQuestions(pack: Pack): FlatQuestion[] {
  const out: FlatQuestion[] = [];
  pack.stages.forEach((stage, stageIndex) =>
    stage.questions.forEach((question, indexInStage) =>
      out.push({ index: out.length, stageIndex, indexInStage, stage, question }),
    ),
  );
  return out;
}
