/**
 * The trained model's input: the rubric's declared features, the rubric level, and hashed word
 * n-grams of the answer text. Nothing else — the same list is written to the model's manifest
 * and checked when it loads.
 */
import type { Segmenter } from '../packs/resume-tags';
import type { Lang } from './lexicon';
import type { AnswerScore } from './rubric';
import { FEATURE_IDS, NGRAM_FEATURES } from './signals';
import { analyse } from './text';

export const MODEL_FEATURE_NAMES: readonly string[] = [
  ...FEATURE_IDS,
  'rubric_level',
  ...Array.from({ length: NGRAM_FEATURES.buckets }, (_, i) => `${NGRAM_FEATURES.prefix}${i}`),
];

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Word unigrams and bigrams (concepts) hashed into buckets, L2-normalised. */
export function hashedNgrams(text: string, lang: Lang, seg: Segmenter | undefined): number[] {
  const v = new Array<number>(NGRAM_FEATURES.buckets).fill(0);
  const toks = analyse(text.slice(0, 20_000), lang, seg).tokens.filter((t) => t.content).map((t) => t.concept);
  for (let i = 0; i < toks.length; i++) {
    v[fnv1a(toks[i]!) % NGRAM_FEATURES.buckets]! += 1;
    if (i + 1 < toks.length) v[fnv1a(`${toks[i]}_${toks[i + 1]}`) % NGRAM_FEATURES.buckets]! += 1;
  }
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0)) || 1;
  return v.map((x) => x / norm);
}

/** One row per (answer, competency). */
export function featureRow(score: AnswerScore, competencyId: string, ngrams: readonly number[]): number[] {
  const c = score.competencies.find((x) => x.competencyId === competencyId);
  const base = FEATURE_IDS.map((id) => (id === 'indicator_level' ? score.features[id] / 5 : score.features[id]));
  return [...base, (c?.level ?? 0) / 5, ...ngrams];
}
