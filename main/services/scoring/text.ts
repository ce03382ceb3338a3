/**
 * Text analysis for scoring: tokens with character offsets, a light English lemmatiser, synonym
 * concepts, and phrase matching in windows with negation. Chinese goes through jieba (a
 * `Segmenter`, see packs/resume-tags.ts); English through a Unicode word tokenizer.
 */
import type { Segmenter } from '../packs/resume-tags';
import { IRREGULAR, NEGATION, STOP_WORDS, SYNONYMS, type Lang } from './lexicon';

export interface Token {
  readonly text: string;
  /** Lemma (en) or normalised word (zh). */
  readonly lemma: string;
  /** Synonym-group id when the lemma belongs to one, else the lemma. */
  readonly concept: string;
  readonly start: number;
  readonly end: number;
  readonly content: boolean;
}

export interface Analysis {
  readonly lang: Lang;
  readonly text: string;
  /** NFKC + lower-case, same length mapping as `text` is not guaranteed: spans use `text`. */
  readonly lower: string;
  readonly tokens: readonly Token[];
  readonly concepts: ReadonlySet<string>;
}

const WORD_EN = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*(?:-[\p{L}\p{N}]+)*/gu;
const WORDLIKE = /[\p{L}\p{N}]/u;
const CJK = /[\u3400-\u9fff]/;

/** A light English lemmatiser: irregular forms, then suffixes, applied the same to text and phrases. */
export function lemmaEn(word: string): string {
  let w = word.normalize('NFKC').toLowerCase().replace(/['’]s$/, '');
  if (w === 'used' || w === 'uses' || w === 'using') return 'use';
  w = IRREGULAR[w] ?? w;
  if (w.length <= 3 || /\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('ied') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  else if (/(s|x|z|ch|sh)es$/.test(w) && w.length > 4) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is)$/.test(w)) w = w.slice(0, -1);
  if (/([b-df-hj-km-np-rtvwy])\1$/.test(w)) w = w.slice(0, -1);
  if (w.endsWith('e') && w.length > 3) w = w.slice(0, -1);
  return w;
}

const conceptMaps = new Map<Lang, Map<string, string>>();
function conceptMap(lang: Lang): Map<string, string> {
  let m = conceptMaps.get(lang);
  if (m) return m;
  m = new Map();
  SYNONYMS[lang].forEach((group, gi) => {
    for (const member of group) {
      const key = lang === 'en' ? member.split(/\s+/).map(lemmaEn).join(' ') : member.toLowerCase();
      if (!m!.has(key)) m!.set(key, `syn:${lang}:${gi}`);
    }
  });
  conceptMaps.set(lang, m);
  return m;
}

/** Every surface form of a concept (zh: the synonym members; used for substring search). */
export function variantsZh(word: string): string[] {
  const id = conceptMap('zh-CN').get(word.toLowerCase());
  if (!id) return [word.toLowerCase()];
  const gi = Number(id.split(':')[2]);
  return SYNONYMS['zh-CN'][gi]!.map((s) => s.toLowerCase());
}

export function conceptOf(lang: Lang, lemma: string): string {
  return conceptMap(lang).get(lemma) ?? lemma;
}

let dictionaryPrimed = false;
function primeSegmenter(seg: Segmenter): void {
  if (dictionaryPrimed) return;
  seg.addWords(SYNONYMS['zh-CN'].flat());
  dictionaryPrimed = true;
}

/**
 * NFKC + lower case, character by character, keeping each character only where its normal form
 * has the same length (full-width Ｉ → i; ﬁ and İ stay as they are), so every offset into the
 * result is an offset into the original text.
 */
export function normaliseKeepingOffsets(text: string): string {
  const lower = text.toLowerCase();
  if (lower.length === text.length && lower.normalize('NFKC') === lower) return lower;
  let out = '';
  for (const ch of text) {
    const n = ch.normalize('NFKC').toLowerCase();
    if (n.length === ch.length) out += n;
    else {
      const l = ch.toLowerCase();
      out += l.length === ch.length ? l : ch;
    }
  }
  return out;
}

export function analyse(text: string, lang: Lang, seg: Segmenter | undefined): Analysis {
  const base = normaliseKeepingOffsets(text);
  const tokens: Token[] = [];
  if (lang === 'en' || !seg) {
    for (const m of base.matchAll(WORD_EN)) {
      const raw = m[0];
      const lemma = lang === 'en' ? lemmaEn(raw) : raw;
      tokens.push({
        text: text.slice(m.index, m.index + raw.length),
        lemma,
        concept: conceptOf(lang, lemma),
        start: m.index,
        end: m.index + raw.length,
        content: !STOP_WORDS[lang].has(raw) && !STOP_WORDS[lang].has(lemma),
      });
    }
  } else {
    primeSegmenter(seg);
    let cursor = 0;
    for (const piece of seg.cut(base)) {
      const at = base.indexOf(piece, cursor);
      if (at < 0) continue;
      cursor = at + piece.length;
      if (!WORDLIKE.test(piece) || /^\s+$/.test(piece)) continue;
      const lemma = CJK.test(piece) ? piece : lemmaEn(piece);
      tokens.push({
        text: text.slice(at, at + piece.length),
        lemma,
        concept: conceptOf('zh-CN', lemma),
        start: at,
        end: at + piece.length,
        content: !STOP_WORDS['zh-CN'].has(piece),
      });
    }
  }
  return { lang, text, lower: base, tokens, concepts: new Set(tokens.filter((t) => t.content).map((t) => t.concept)) };
}

export interface PhraseMatch {
  readonly start: number;
  readonly end: number;
  readonly negated: boolean;
}

/** A phrase prepared once: its content concepts (zh: surface variants) and its exact form. */
export interface PreparedPhrase {
  readonly phrase: string;
  readonly lang: Lang;
  /** en: concept ids; zh: per unit, the list of surface variants. */
  readonly units: readonly (readonly string[])[];
  /** Token concepts of the whole phrase, stop words included (exact-sequence match). */
  readonly sequence: readonly string[];
}

export function preparePhrase(phrase: string, lang: Lang, seg: Segmenter | undefined): PreparedPhrase {
  const a = analyse(phrase, lang, seg);
  const content = a.tokens.filter((t) => t.content);
  const units =
    lang === 'en'
      ? content.map((t) => [t.concept])
      : content.map((t) => (CJK.test(t.lemma) ? variantsZh(t.lemma) : [t.lemma]));
  return { phrase, lang, units, sequence: a.tokens.map((t) => t.concept) };
}

function negatedBefore(a: Analysis, start: number): boolean {
  if (a.lang === 'zh-CN') {
    const before = a.lower.slice(Math.max(0, start - 8), start);
    const clause = before.split(/[，。,.!?！？；;\n]/).pop() ?? '';
    return NEGATION['zh-CN'].test(clause) || /(没有|没|未|从未|不曾|并未|无法)[^，。,.!?！？；;]{0,3}$/.test(clause);
  }
  const before = a.lower.slice(Math.max(0, start - 30), start);
  const clause = before.split(/[,.!?;:\n]/).pop() ?? '';
  const words = clause.trim().split(/\s+/).slice(-3).join(' ');
  return NEGATION.en.test(words);
}

function occurrencesZh(a: Analysis, variants: readonly string[]): number[][] {
  const out: number[][] = [];
  for (const v of variants) {
    if (!v) continue;
    let i = a.lower.indexOf(v);
    while (i >= 0 && out.length < 200) {
      out.push([i, i + v.length]);
      i = a.lower.indexOf(v, i + 1);
    }
  }
  return out.sort((x, y) => x[0]! - y[0]!);
}

/**
 * Where a phrase occurs: every content unit (or a synonym) within one window, or — for phrases
 * with fewer than two content words — the whole phrase as a sequence. Each match says whether a
 * negation precedes it. Bounded: at most `limit` matches.
 */
export function matchPhrase(a: Analysis, p: PreparedPhrase, limit = 8): PhraseMatch[] {
  const out: PhraseMatch[] = [];
  if (p.units.length < 2) {
    if (a.lang === 'en' || p.lang === 'en') {
      const seq = p.sequence;
      if (seq.length === 0) return out;
      const toks = a.tokens;
      for (let i = 0; i + seq.length <= toks.length && out.length < limit; i++) {
        let ok = true;
        for (let k = 0; k < seq.length; k++) if (toks[i + k]!.concept !== seq[k]) { ok = false; break; }
        if (ok) {
          const start = toks[i]!.start;
          out.push({ start, end: toks[i + seq.length - 1]!.end, negated: negatedBefore(a, start) });
        }
      }
      return out;
    }
    // zh: the phrase as written, or with its one content word swapped for a synonym.
    const phrase = p.phrase.normalize('NFKC').toLowerCase();
    const unit = p.units[0];
    const forms = new Set([phrase]);
    if (unit) {
      const own = unit.find((v) => phrase.includes(v));
      if (own) for (const v of unit) forms.add(phrase.replace(own, v));
    }
    for (const [s, e] of occurrencesZh(a, [...forms])) {
      if (out.length >= limit) break;
      out.push({ start: s!, end: e!, negated: negatedBefore(a, s!) });
    }
    return out;
  }
  const window = a.lang === 'zh-CN' ? 8 + 6 * p.units.length : 40 + 25 * p.units.length;
  const occ: number[][][] =
    a.lang === 'zh-CN'
      ? p.units.map((u) => occurrencesZh(a, u))
      : p.units.map((u) => a.tokens.filter((t) => t.concept === u[0]).map((t) => [t.start, t.end]));
  if (occ.some((o) => o.length === 0)) return out;
  let lastEnd = -1;
  for (const [s0] of occ[0]!) {
    if (out.length >= limit) break;
    let lo = s0!;
    let hi = s0!;
    let ok = true;
    for (const o of occ) {
      const near = o.find(([s]) => Math.abs(s! - s0!) <= window);
      if (!near) { ok = false; break; }
      lo = Math.min(lo, near[0]!);
      hi = Math.max(hi, near[1]!);
    }
    if (ok && lo >= lastEnd) {
      out.push({ start: lo, end: hi, negated: negatedBefore(a, lo) });
      lastEnd = hi;
    }
  }
  return out;
}

/** Share of a text's content concepts found anywhere in the answer (zh: also as substrings). */
export function coverage(a: Analysis, p: PreparedPhrase): { found: number; of: number } {
  let found = 0;
  for (const u of p.units) {
    if (a.lang === 'zh-CN' ? u.some((v) => a.lower.includes(v)) : a.concepts.has(u[0]!)) found++;
  }
  return { found, of: p.units.length };
}

/** Letters that are CJK vs Latin, for the other-language check. */
export function scriptShares(text: string): { cjk: number; latinWords: number } {
  let cjk = 0;
  for (const ch of text) if (CJK.test(ch)) cjk++;
  // Latin counted in words: a Chinese answer full of English technical terms is still Chinese.
  const latinWords = (text.match(/[a-zA-Z]+/g) ?? []).length;
  return { cjk, latinWords };
}

/** Share of distinct sentences (normalised) among all sentences; 1 when there are fewer than 3. */
export function distinctSentenceShare(text: string): number {
  const sentences = text
    .toLowerCase()
    .split(/[。！？!?.;；\n]+/)
    .map((x) => x.replace(/[\s\p{P}]+/gu, ''))
    .filter((x) => x.length > 3);
  if (sentences.length < 3) return 1;
  return new Set(sentences).size / sentences.length;
}
