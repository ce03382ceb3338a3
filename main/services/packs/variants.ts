/**
 * Picks each question's variant from the tags found in the candidate's résumé, and keeps the
 * explanation HR needs: which variant, which tags chose it, which synonyms matched.
 *
 * Rule (deterministic, documented in docs/packs.md): a variant is eligible when its tags match
 * (`any`: one of them was found; `all`: every one). Among eligible variants the one with the most
 * matched tags wins, then the one whose tags occur most often, then the first written. With none
 * eligible the question's own prompt (`default`) is asked.
 */
import type { ExtractedResume, LoadedPack, ResumeDocument } from './pack-provider';
import type { PackText, Question } from './pack-schema';
import { extractResumeText, type ResumeKind } from './resume-text';
import { findTags, type Segmenter, type TagHit } from './resume-tags';

export const DEFAULT_VARIANT = 'default';

export interface VariantChoice {
  readonly questionIndex: number;
  readonly questionId: string;
  readonly variantId: string;
  /** The tags that chose this variant (empty for `default`). */
  readonly matchedTags: readonly string[];
}

export interface Tailoring {
  readonly source: ResumeKind | 'none';
  readonly resumeSha256: string | null;
  /** Every dictionary tag found, with counts and the synonyms that matched. */
  readonly tags: readonly TagHit[];
  readonly choices: readonly VariantChoice[];
  /** Set when a résumé was attached but could not be read; the interview uses default prompts. */
  readonly problem?: string;
}

export function chooseVariant(question: Question, hits: ReadonlyMap<string, TagHit>): { variantId: string; matchedTags: string[] } {
  let best: { variantId: string; matchedTags: string[]; score: number; occurrences: number } | undefined;
  for (const v of question.variants) {
    const matched = v.tags.filter((t) => hits.has(t));
    const eligible = v.match === 'all' ? matched.length === v.tags.length : matched.length > 0;
    if (!eligible) continue;
    const occurrences = matched.reduce((a, t) => a + (hits.get(t)?.count ?? 0), 0);
    if (!best || matched.length > best.score || (matched.length === best.score && occurrences > best.occurrences)) {
      best = { variantId: v.id, matchedTags: [...matched].sort(), score: matched.length, occurrences };
    }
  }
  return best ? { variantId: best.variantId, matchedTags: best.matchedTags } : { variantId: DEFAULT_VARIANT, matchedTags: [] };
}

export function chooseVariants(pack: LoadedPack, hits: readonly TagHit[]): VariantChoice[] {
  const byTag = new Map(hits.map((h) => [h.tagId, h]));
  return pack.questions.map((q) => ({ questionIndex: q.index, questionId: q.question.id, ...chooseVariant(q.question, byTag) }));
}

/** The prompt a candidate sees for a question under a chosen variant. */
export function promptOf(question: Question, variantId: string | undefined): PackText {
  if (!variantId || variantId === DEFAULT_VARIANT) return question.prompt;
  return question.variants.find((v) => v.id === variantId)?.prompt ?? question.prompt;
}

export function untailored(pack: LoadedPack, problem?: string): Tailoring {
  return {
    source: 'none',
    resumeSha256: null,
    tags: [],
    choices: pack.questions.map((q) => ({ questionIndex: q.index, questionId: q.question.id, variantId: DEFAULT_VARIANT, matchedTags: [] })),
    ...(problem ? { problem } : {}),
  };
}

/**
 * Résumé → text → tags → variants. Never fails: an unreadable résumé gives the default prompts.
 * `extracted` is the text read when the schedule was imported; without it the document is
 * parsed now (in the parser's child process).
 */
export async function tailorInterview(pack: LoadedPack, resume: ResumeDocument | undefined, segmenter: () => Promise<Segmenter>, extracted?: ExtractedResume): Promise<Tailoring> {
  if (!resume && !extracted) return untailored(pack);
  let text: { kind: ResumeKind; text: string; sha256: string };
  if (extracted) {
    if (!extracted.ok) return { ...untailored(pack, extracted.problem), resumeSha256: null };
    text = extracted;
  } else {
    const r = await extractResumeText(resume!);
    if (!r.ok) return { ...untailored(pack, r.error.message), resumeSha256: null };
    text = r.value;
  }
  const hits = pack.pack.tags.length > 0 ? findTags(await segmenter(), text.text, pack.pack.tags) : [];
  return { source: text.kind, resumeSha256: text.sha256, tags: hits, choices: chooseVariants(pack, hits) };
}
