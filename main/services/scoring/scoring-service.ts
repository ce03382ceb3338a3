/**
 * Scoring inside the kiosk: score a submitted answer (off the UI path, never shown to the
 * candidate), store it and journal it with the scorer version and model hash in one transaction,
 * and queue borderline or unscorable answers for a human. Reviewers override levels with a
 * required reason code; every override is an append-only row and a journal event.
 *
 * The session service calls `scoreSubmittedAnswer` after `answer_submitted` commits (see the
 * README section "Scoring"); nothing here touches the session state.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../common/clock';
import type { Db } from '../../db/connection';
import { getAnswer } from '../../db/queries/sessions';
import {
  enqueueReview,
  getAnswerScore,
  getReviewItem,
  insertOverride,
  OVERRIDE_REASON_CODES,
  openReviewItems,
  overridesWithoutNotes,
  putAnswerScore,
  putScoreMaterial,
  resolveReview,
  sessionScores,
  type OverrideReasonCode,
  type ReviewItemRow,
} from '../../db/queries/scoring';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import { flattenQuestions, isSafeText, scoringPolicyOf, type Pack } from '../packs/pack-schema';
import type { Segmenter } from '../packs/resume-tags';
import { featureRow, hashedNgrams } from './model-features';
import { bandFor, RubricScorer, type AnswerScore } from './rubric';
import { reviewRubricOf } from './review-rubric';
import { textSealerOf } from '../../db/text-sealing';
import type { HintKey } from './star-hints';
import type { LoadedModel } from './train';

/** The one way a spoken answer's words reach the scorer (on-device speech recognition comes later). */
export interface TranscriptSource {
  transcript(sessionId: string, questionIndex: number, attempt: number): string | undefined;
}

export interface ScoringDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly segmenter: Segmenter;
  /** The unlocked pack of a session. */
  packFor(sessionId: string): { pack: Pack; locale: 'zh-CN' | 'en' } | undefined;
  readonly transcripts?: TranscriptSource;
  /** A provisioned model; used only when its manifest names this pack and its competencies. */
  readonly model?: LoadedModel;
}

export type ScoringErrorCode = 'SCORE_NO_ANSWER' | 'SCORE_NO_PACK' | 'SCORE_NO_QUESTION' | 'REVIEW_NOT_SCORED' | 'REVIEW_BAD_INPUT';
export type ScoringResult<T> = { ok: true; value: T } | { ok: false; error: { code: ScoringErrorCode; message: string } };

const fail = <T>(code: ScoringErrorCode, message: string): ScoringResult<T> => ({ ok: false, error: { code, message } });

const scorers = new WeakMap<Pack, RubricScorer>();
function scorerFor(pack: Pack, seg: Segmenter): RubricScorer {
  let s = scorers.get(pack);
  if (!s) {
    s = new RubricScorer(pack, seg, scoringPolicyOf(pack).borderlineMargin);
    scorers.set(pack, s);
  }
  return s;
}

function modelMatches(model: LoadedModel | undefined, pack: Pack): model is LoadedModel {
  if (!model) return false;
  const m = model.manifest;
  return m.packId === pack.id && pack.competencies.every((c) => m.competencies.includes(c.id));
}

/** Blends the model's expected level with the rubric's, per competency; the evidence stays the rubric's. */
async function withModel(score: AnswerScore, model: LoadedModel, text: string, seg: Segmenter, margin: number): Promise<AnswerScore> {
  const ngrams = hashedNgrams(text, score.locale, seg);
  const probs = await model.predict(score.competencies.map((c) => featureRow(score, c.competencyId, ngrams)));
  const competencies = score.competencies.map((c, i) => {
    const p = probs[i] ?? [];
    const expected = p.reduce((s, x, k) => s + x * (k + 1), 0);
    const level = Math.max(1, Math.min(5, Math.round((c.level + expected) / 2)));
    return { ...c, level, score: level * 20 };
  });
  const b = bandFor(competencies, margin);
  return { ...score, engine: 'rubric+model', competencies, total: b.total, band: b.band, reasons: [...b.reasons, ...score.reasons.filter((r) => r.code.startsWith('penalty_'))] };
}

function modelSha(model: LoadedModel): string {
  return createHash('sha256').update(model.manifest.files.map((f) => f.sha256).join('\n')).digest('hex');
}

/**
 * Scores one submitted answer and journals `score_computed`. A spoken answer without a transcript
 * is stored as `needs_human_scoring` and queued for review; so are borderline answers and answers
 * in another language. Calling it again for the same attempt re-scores (a new journal event).
 */
export async function scoreSubmittedAnswer(deps: ScoringDeps, sessionId: string, questionIndex: number, attempt: number): Promise<ScoringResult<AnswerScore>> {
  const answer = getAnswer(deps.db, sessionId, questionIndex);
  if (!answer || answer.attempt !== attempt) return fail('SCORE_NO_ANSWER', `no submitted answer ${questionIndex}/${attempt} in session ${sessionId}`);
  const p = deps.packFor(sessionId);
  if (!p) return fail('SCORE_NO_PACK', 'the session pack is not unlocked');
  const flat = flattenQuestions(p.pack)[questionIndex];
  if (!flat) return fail('SCORE_NO_QUESTION', `question index ${questionIndex} is not in the pack`);
  const text = answer.mode === 'text' ? (answer.text ?? '') : deps.transcripts?.transcript(sessionId, questionIndex, attempt);
  let score = scorerFor(p.pack, deps.segmenter).score({ questionId: flat.question.id, locale: p.locale, text });
  const model = modelMatches(deps.model, p.pack) && score.status === 'scored' && text !== undefined ? deps.model : undefined;
  if (model && text !== undefined) score = await withModel(score, model, text, deps.segmenter, scoringPolicyOf(p.pack).borderlineMargin);
  const result = JSON.stringify(score);
  const at = deps.clock.now();
  const reviewReason = score.status === 'needs_human_scoring' ? 'needs_human_scoring' : score.features.other_language ? 'other_language' : score.band === 'borderline' ? 'borderline' : undefined;
  transact(deps.db, () => {
    putAnswerScore(deps.db, {
      session_id: sessionId,
      question_index: questionIndex,
      attempt,
      question_id: flat.question.id,
      status: score.status,
      scorer_version: score.scorerVersion,
      engine: score.engine,
      model_sha256: model ? modelSha(model) : null,
      total: score.total,
      band: score.band,
      result,
      computed_at: at,
    });
    // What the hub's reviewer sees beside the answer (#14): the rubric used and, for a spoken
    // answer, the transcript scored — sealed under the session key when this connection seals.
    const rubric = reviewRubricOf(p.pack, questionIndex);
    if (rubric) {
      const sealer = textSealerOf(deps.db);
      const rubricJson = JSON.stringify(rubric);
      const transcript = answer.mode !== 'text' && text !== undefined && text.length > 0 ? text.slice(0, 50_000) : undefined;
      putScoreMaterial(deps.db, {
        session_id: sessionId,
        question_index: questionIndex,
        attempt,
        rubric: sealer ? null : rubricJson,
        rubric_sealed: sealer ? sealer.sealText('review_rubric', sessionId, questionIndex, attempt, rubricJson) : null,
        transcript_sealed: sealer && transcript !== undefined ? sealer.sealText('transcript', sessionId, questionIndex, attempt, transcript) : null,
      });
    }
    if (reviewReason) enqueueReview(deps.db, { session_id: sessionId, question_index: questionIndex, attempt, reason: reviewReason, created_at: at });
    deps.journal.append(
      sessionId,
      'score_computed',
      {
        questionIndex,
        attempt,
        questionId: flat.question.id,
        status: score.status,
        scorerVersion: score.scorerVersion,
        engine: score.engine,
        modelSha256: model ? modelSha(model) : null,
        levels: Object.fromEntries(score.competencies.map((c) => [c.competencyId, c.level])),
        total: score.total,
        band: score.band,
        review: reviewReason ?? null,
        resultSha256: createHash('sha256').update(result).digest('hex'),
      },
      at,
    );
  });
  return { ok: true, value: score };
}

export interface OverrideInput {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly competencyId: string;
  readonly reviewer: string;
  readonly newLevel: number;
  readonly reasonCode: string;
  readonly note?: string;
}

/** Current level per competency: the last override, else the scorer's. */
export function effectiveLevels(db: Db, sessionId: string, questionIndex: number, attempt: number): Record<string, { level: number; by: 'scorer' | string }> | undefined {
  const row = getAnswerScore(db, sessionId, questionIndex, attempt);
  if (!row) return undefined;
  const score = JSON.parse(row.result) as AnswerScore;
  const out: Record<string, { level: number; by: string }> = {};
  for (const c of score.competencies) out[c.competencyId] = { level: c.level, by: 'scorer' };
  for (const o of overridesWithoutNotes(db, sessionId, questionIndex, attempt)) out[o.competency_id] = { level: o.new_level, by: o.reviewer };
  return out;
}

export class ReviewQueue {
  constructor(
    private readonly db: Db,
    private readonly journal: Journal,
    private readonly clock: Clock,
  ) {}

  list(limit = 100): ReviewItemRow[] {
    return openReviewItems(this.db, Math.max(1, Math.min(1000, Math.trunc(limit))));
  }

  /** Records a reviewer's level for one competency; validates everything, changes nothing on refusal. */
  override(input: OverrideInput): ScoringResult<{ oldLevel: number; newLevel: number; overrideId: number }> {
    const reviewer = input.reviewer.trim();
    if (reviewer.length < 1 || reviewer.length > 100 || !isSafeText(reviewer)) return fail('REVIEW_BAD_INPUT', 'reviewer must be 1–100 printable characters');
    if (!Number.isInteger(input.newLevel) || input.newLevel < 1 || input.newLevel > 5) return fail('REVIEW_BAD_INPUT', 'the new level must be an integer 1–5');
    if (!(OVERRIDE_REASON_CODES as readonly string[]).includes(input.reasonCode)) return fail('REVIEW_BAD_INPUT', `reason code must be one of ${OVERRIDE_REASON_CODES.join(', ')}`);
    if (input.note !== undefined && input.note.length > 2000) return fail('REVIEW_BAD_INPUT', 'the note is limited to 2,000 characters');
    const levels = effectiveLevels(this.db, input.sessionId, input.questionIndex, input.attempt);
    if (!levels) return fail('REVIEW_NOT_SCORED', 'this answer has no score to review');
    const current = levels[input.competencyId];
    if (!current) return fail('REVIEW_BAD_INPUT', `the question does not measure ${input.competencyId}`);
    const at = this.clock.now();
    const overrideId = transact(this.db, () => {
      const id = insertOverride(this.db, {
        session_id: input.sessionId,
        question_index: input.questionIndex,
        attempt: input.attempt,
        competency_id: input.competencyId,
        reviewer,
        old_level: current.level,
        new_level: input.newLevel,
        reason_code: input.reasonCode as OverrideReasonCode,
        note: input.note ?? null,
        at,
      });
      if (getReviewItem(this.db, input.sessionId, input.questionIndex, input.attempt)) resolveReview(this.db, input.sessionId, input.questionIndex, input.attempt, reviewer, at);
      this.journal.append(
        input.sessionId,
        'review_override',
        { questionIndex: input.questionIndex, attempt: input.attempt, competencyId: input.competencyId, reviewer, oldLevel: current.level, newLevel: input.newLevel, reasonCode: input.reasonCode, overrideId: id },
        at,
      );
      return id;
    });
    return { ok: true, value: { oldLevel: current.level, newLevel: input.newLevel, overrideId } };
  }
}

/**
 * Journals a STAR hint the candidate was shown (which, when), so HR can see every candidate got
 * the same help. The renderer asks `starHint` and reports what it displayed; call inside no
 * transaction or the caller's.
 */
export function recordHintShown(journal: Journal, sessionId: string, questionIndex: number, hint: HintKey, at: number): void {
  journal.append(sessionId, 'hint_shown', { questionIndex, hint }, at);
}

export { sessionScores };
