/**
 * EVERY signal the scorer uses, in one place, with its weight or its effect. Nothing else enters
 * a score: the fairness test checks that the features an answer produces are exactly these ids,
 * and that the scoring module imports no media, vision, audio or recording code. All signals are
 * read from the answer's text (typed, or a transcript) and the pack; none from video, faces,
 * voice, timing or anything else about the person.
 */

/** Positive signals: each is in [0, 1]; their weights sum to 1 and give the quality q. */
export const QUALITY_SIGNALS = {
  star_situation: { weight: 0.07, what: 'A concrete situation is set (when/where, 当时/有一次)' },
  star_task: { weight: 0.06, what: 'The candidate states their task or goal (负责/my task was)' },
  star_action: { weight: 0.14, what: 'Actions in the first person singular (我排查/I traced)' },
  star_result: { weight: 0.12, what: 'An outcome is stated (结果/最终/reduced, as a result)' },
  ownership: { weight: 0.1, what: 'Share of first-person singular among I+we (我 vs 我们)' },
  quantified: { weight: 0.12, what: 'Quantities with units: %, ms, 倍, 万元, from X to Y (2 saturate)' },
  specificity: { weight: 0.13, what: 'Distinct content words, numbers and technical terms' },
  reasoning: { weight: 0.08, what: 'Reasoning connectives: because/trade-off/因为/权衡 (3 saturate)' },
  relevance: { weight: 0.1, what: 'Overlap with the question and the competency model (6 concepts saturate)' },
  length: { weight: 0.08, what: 'Answer length (zh 220 characters, en 130 words saturate)' },
} as const;

export type QualitySignal = keyof typeof QUALITY_SIGNALS;

/** Indicator evidence: how the pack's own level indicators pull the level. */
export const INDICATOR_SIGNALS = {
  indicator_level: { weight: 0.5, what: 'Highest level whose evidence phrase or description matched (not negated); blended 50/50 with the quality level' },
  indicator_low: { weight: 0.5, what: 'Only level 1–2 evidence matched: the level is pulled toward it' },
  no_indicator: { weight: -0.3, what: 'No indicator matched at all: quality level minus 0.3' },
} as const;

/** Penalties: each caps the level (and some subtract). Detected from the text only. */
export const PENALTY_SIGNALS = {
  other_language: { cap: 1, subtract: 0, what: 'Answer is in another language than the interview locale (also sent to a human)' },
  off_topic: { cap: 1, subtract: 0, what: 'Almost no overlap with the question, the competency model or work vocabulary' },
  echo: { cap: 1, subtract: 0, what: 'Mostly repeats the question back' },
  too_short: { cap: 1, subtract: 0, what: 'Under 40 characters (zh) / 12 words (en)' },
  short: { cap: 2, subtract: 0, what: 'Under 90 characters (zh) / 35 words (en)' },
  keyword_stuffing: { cap: 2, subtract: 0, what: 'Evidence phrases strung together without a coherent first-person example' },
  repetition: { cap: 2, subtract: 0, what: 'The same sentences repeated to look longer (under 60% distinct sentences)' },
  team_not_me: { cap: 3, subtract: 0.5, what: 'Talks about what "we" did; the candidate\'s own part is missing' },
  no_outcome: { cap: 3, subtract: 0, what: 'Neither a result nor a number: level 4+ needs an outcome' },
  level5_unsupported: { cap: 4, subtract: 0, what: 'Level 5 needs the level-5 indicator or full STAR with numbers and reasoning' },
} as const;

export type PenaltySignal = keyof typeof PENALTY_SIGNALS;

/** Feature ids an answer produces (the model's input before hashed n-grams). */
export const FEATURE_IDS = [
  ...(Object.keys(QUALITY_SIGNALS) as QualitySignal[]),
  'indicator_level',
  ...(Object.keys(PENALTY_SIGNALS) as PenaltySignal[]),
] as const;
export type FeatureId = (typeof FEATURE_IDS)[number];

/** Hashed word/character n-grams the trained model adds; declared as one family. */
export const NGRAM_FEATURES = { prefix: 'ngram_', buckets: 64 } as const;

/** Band policy when a pack does not say: ±5 points around a threshold is borderline. */
export const DEFAULT_BORDERLINE_MARGIN = 5;

/** A level's score on the 0–100 scale thresholds use. */
export function levelScore(level: number): number {
  return level * 20;
}

export const SCORER_VERSION = 'rubric-1.0.0';
