/**
 * The rubric a score used, as the hub's human review shows it beside the answer (#14): the
 * question's prompt and, for each competency it measures, the name, weight, threshold and the
 * level indicators (description and evidence phrases) in both languages. Not the whole pack: no
 * other question, no variant, no policy. Bounded: a pack at its schema limits could produce a
 * rubric of a megabyte, so phrases, then long descriptions, are dropped (and `trimmed` says so)
 * until it fits in MAX_RUBRIC_CHARS.
 */
import type { Pack, PackText } from '../packs/pack-schema';
import { flattenQuestions } from '../packs/pack-schema';

export const MAX_RUBRIC_CHARS = 32_768;

export interface RubricIndicator {
  readonly level: number;
  readonly description: PackText;
  readonly evidence?: { readonly 'zh-CN': readonly string[]; readonly en: readonly string[] };
}

export interface RubricCompetency {
  readonly id: string;
  readonly name: PackText;
  readonly weight: number;
  readonly threshold: number;
  readonly indicators: readonly RubricIndicator[];
}

export interface ReviewRubric {
  readonly v: 1;
  readonly packId: string;
  readonly packVersion: string;
  readonly questionId: string;
  readonly prompt: PackText;
  readonly competencies: readonly RubricCompetency[];
  readonly trimmed: 'none' | 'phrases' | 'descriptions';
}

const cut = (t: PackText, n: number): PackText => ({ 'zh-CN': t['zh-CN'].slice(0, n), en: t.en.slice(0, n) });

/** The rubric of the question at `questionIndex`, or undefined when the pack has no such question. */
export function reviewRubricOf(pack: Pack, questionIndex: number): ReviewRubric | undefined {
  const flat = flattenQuestions(pack)[questionIndex];
  if (!flat) return undefined;
  const comps = flat.question.competencies.map((id) => pack.competencies.find((c) => c.id === id)).filter((c) => c !== undefined);
  const build = (trimmed: ReviewRubric['trimmed']): ReviewRubric => ({
    v: 1,
    packId: pack.id,
    packVersion: pack.version,
    questionId: flat.question.id,
    prompt: trimmed === 'descriptions' ? cut(flat.question.prompt, 500) : flat.question.prompt,
    trimmed,
    competencies: comps.map((c) => ({
      id: c.id,
      name: trimmed === 'descriptions' ? cut(c.name, 200) : c.name,
      weight: c.weight,
      threshold: c.threshold,
      indicators: [...c.indicators]
        .sort((a, b) => a.level - b.level)
        .map((i) => ({
          level: i.level,
          description: trimmed === 'descriptions' ? cut(i.description, 300) : i.description,
          ...(trimmed === 'none' ? { evidence: { 'zh-CN': [...i.evidence['zh-CN']], en: [...i.evidence.en] } } : {}),
        })),
    })),
  });
  for (const level of ['none', 'phrases', 'descriptions'] as const) {
    const r = build(level);
    if (JSON.stringify(r).length <= MAX_RUBRIC_CHARS || level === 'descriptions') return r;
  }
  return undefined;
}
