/**
 * The rubric engine: one answer to one question → per measured competency a level 1–5 with the
 * evidence spans behind it and why it is not higher; the weighted total and a band. Signals and
 * their weights: signals.ts (the only place). Pure and synchronous once a segmenter is loaded.
 */
import type { Competency, Pack, Question } from '../packs/pack-schema';
import type { Segmenter } from '../packs/resume-tags';
import { CONNECTIVES, OWNERSHIP, QUANTITY, STAR, WORK_WORDS, type Lang } from './lexicon';
import {
  DEFAULT_BORDERLINE_MARGIN,
  FEATURE_IDS,
  INDICATOR_SIGNALS,
  PENALTY_SIGNALS,
  QUALITY_SIGNALS,
  SCORER_VERSION,
  levelScore,
  type FeatureId,
  type PenaltySignal,
  type QualitySignal,
} from './signals';
import { analyse, coverage, distinctSentenceShare, matchPhrase, preparePhrase, scriptShares, type Analysis, type PreparedPhrase } from './text';

export type Band = 'pass' | 'borderline' | 'below';
export type StarElement = 'situation' | 'task' | 'action' | 'result';

export type EvidenceKind = 'indicator_phrase' | 'indicator_description' | `star_${StarElement}` | 'quantity';

export interface EvidenceSpan {
  readonly start: number;
  readonly end: number;
  readonly text: string;
  readonly kind: EvidenceKind;
  /** For indicator evidence: which level's indicator, and the phrase or description matched. */
  readonly level?: number;
  readonly matched?: string;
  readonly competencyId?: string;
  /** A negated phrase ("没有做压测", "never load tested") is reported but never counts. */
  readonly negated?: boolean;
}

/** A reason as data: a code with parameters; `describeReason` renders it in either language. */
export interface Reason {
  readonly code: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

export interface CompetencyScore {
  readonly competencyId: string;
  readonly level: number;
  readonly score: number;
  readonly threshold: number;
  readonly weight: number;
  readonly band: Band;
  readonly evidence: readonly EvidenceSpan[];
  readonly whyNotHigher: readonly Reason[];
}

export type ScoreStatus = 'scored' | 'needs_human_scoring';

export interface AnswerScore {
  readonly questionId: string;
  readonly locale: Lang;
  readonly status: ScoreStatus;
  readonly scorerVersion: string;
  readonly engine: 'rubric' | 'rubric+model';
  readonly features: Readonly<Record<FeatureId, number>>;
  readonly star: Readonly<Record<StarElement, boolean>>;
  readonly competencies: readonly CompetencyScore[];
  /** Weighted 0–100 over the question's competencies. */
  readonly total: number;
  readonly band: Band;
  readonly reasons: readonly Reason[];
  /** Send to a human whatever the band (other language, no transcript). */
  readonly needsReview: boolean;
}

export interface AnswerInput {
  readonly questionId: string;
  readonly locale: Lang;
  /** Typed text or a transcript; `undefined` for a spoken answer without a transcript. */
  readonly text: string | undefined;
}

interface PreparedIndicator {
  readonly level: number;
  readonly phrases: readonly PreparedPhrase[];
  readonly description: PreparedPhrase;
}

const MAX_TEXT = 20_000;

function clamp01(x: number): number {
  return x < 0 ? 0 : x > 1 ? 1 : x;
}

function countMatches(re: RegExp, text: string, cap = 200): number {
  let n = 0;
  re.lastIndex = 0;
  for (const _ of text.matchAll(re)) if (++n >= cap) break;
  return n;
}

function firstSpan(res: readonly RegExp[], text: string): [number, number] | undefined {
  for (const re of res) {
    const m = re.exec(text);
    if (m) return [m.index, m.index + m[0].length];
  }
  return undefined;
}

/** Band of one score against one threshold. */
export function bandOf(score: number, threshold: number, margin = DEFAULT_BORDERLINE_MARGIN): Band {
  if (score >= threshold + margin) return 'pass';
  if (score >= threshold - margin) return 'borderline';
  return 'below';
}

/**
 * The band of a set of competency levels: `below` when the weighted total is under the weighted
 * threshold by more than the margin or any competency is below its own; `pass` when the total and
 * every competency clear theirs by the margin; otherwise `borderline`. Used for the scorer and for
 * human grades alike, so band agreement compares like with like.
 */
export function bandFor(
  levels: readonly { level: number; weight: number; threshold: number; competencyId: string }[],
  margin = DEFAULT_BORDERLINE_MARGIN,
): { total: number; band: Band; reasons: Reason[] } {
  const wsum = levels.reduce((s, l) => s + l.weight, 0) || 1;
  const total = Math.round((levels.reduce((s, l) => s + l.weight * levelScore(l.level), 0) / wsum) * 10) / 10;
  const threshold = levels.reduce((s, l) => s + l.weight * l.threshold, 0) / wsum;
  const reasons: Reason[] = [];
  const per = levels.map((l) => ({ l, b: bandOf(levelScore(l.level), l.threshold, margin) }));
  const overall = bandOf(total, threshold, margin);
  for (const { l, b } of per) {
    if (b !== 'pass') reasons.push({ code: `competency_${b}`, params: { competency: l.competencyId, score: levelScore(l.level), threshold: l.threshold } });
  }
  reasons.unshift({ code: `total_${overall}`, params: { total, threshold: Math.round(threshold * 10) / 10, margin } });
  let band: Band;
  if (overall === 'below' || per.some((p) => p.b === 'below')) band = 'below';
  else if (overall === 'pass' && per.every((p) => p.b === 'pass')) band = 'pass';
  else band = 'borderline';
  return { total, band, reasons };
}

export class RubricScorer {
  private readonly indicators = new Map<string, PreparedIndicator[]>();
  private readonly vocab = new Map<string, Set<string>>();
  private readonly promptAnalyses = new Map<string, Analysis>();
  private readonly questions = new Map<string, Question>();
  private readonly competencies = new Map<string, Competency>();

  constructor(
    readonly pack: Pack,
    private readonly seg: Segmenter | undefined,
    private readonly margin = DEFAULT_BORDERLINE_MARGIN,
  ) {
    for (const s of pack.stages) for (const q of s.questions) this.questions.set(q.id, q);
    for (const c of pack.competencies) this.competencies.set(c.id, c);
  }

  private prepared(c: Competency, lang: Lang): PreparedIndicator[] {
    const key = `${c.id}|${lang}`;
    let p = this.indicators.get(key);
    if (!p) {
      p = c.indicators.map((ind) => ({
        level: ind.level,
        phrases: ind.evidence[lang].map((ph) => preparePhrase(ph, lang, this.seg)),
        description: preparePhrase(ind.description[lang], lang, this.seg),
      }));
      this.indicators.set(key, p);
    }
    return p;
  }

  private vocabulary(q: Question, lang: Lang): Set<string> {
    const key = `${q.id}|${lang}`;
    let v = this.vocab.get(key);
    if (!v) {
      const texts = [q.prompt[lang], ...q.variants.map((x) => x.prompt[lang])];
      for (const cid of q.competencies) {
        const c = this.competencies.get(cid);
        if (!c) continue;
        texts.push(c.name[lang], c.description?.[lang] ?? '');
        for (const ind of c.indicators) texts.push(ind.description[lang], ...ind.evidence[lang]);
      }
      v = new Set<string>();
      for (const t of texts) for (const c of analyse(t, lang, this.seg).concepts) v.add(c);
      this.vocab.set(key, v);
    }
    return v;
  }

  private prompt(q: Question, lang: Lang): Analysis {
    const key = `${q.id}|${lang}`;
    let a = this.promptAnalyses.get(key);
    if (!a) {
      a = analyse(q.prompt[lang], lang, this.seg);
      this.promptAnalyses.set(key, a);
    }
    return a;
  }

  /** Prepares every question's phrases and vocabulary (a one-off per pack, kept out of per-answer timing). */
  prepare(): void {
    for (const q of this.questions.values()) {
      for (const lang of ['zh-CN', 'en'] as const) {
        this.vocabulary(q, lang);
        this.prompt(q, lang);
        for (const id of q.competencies) {
          const c = this.competencies.get(id);
          if (c) this.prepared(c, lang);
        }
      }
    }
  }

  question(id: string): Question | undefined {
    return this.questions.get(id);
  }

  score(input: AnswerInput): AnswerScore {
    const q = this.questions.get(input.questionId);
    if (!q) throw new Error(`unknown question ${input.questionId}`);
    const lang = input.locale;
    const comps = q.competencies.map((id) => this.competencies.get(id)).filter((c): c is Competency => c !== undefined);
    if (input.text === undefined || input.text.trim().length === 0) {
      return this.unscored(q, lang, comps, input.text === undefined ? 'no_transcript' : 'empty_answer');
    }
    const text = input.text.length > MAX_TEXT ? input.text.slice(0, MAX_TEXT) : input.text;
    const a = analyse(text, lang, this.seg);
    const lower = a.lower;

    // ---- STAR, ownership, quantities, reasoning
    const starSpans: Partial<Record<StarElement, [number, number]>> = {};
    for (const el of ['situation', 'task', 'action', 'result'] as const) {
      const s = firstSpan(STAR[lang][el], lower);
      if (s) starSpans[el] = s;
    }
    const star = {
      situation: starSpans.situation !== undefined,
      task: starSpans.task !== undefined,
      action: starSpans.action !== undefined,
      result: starSpans.result !== undefined,
    };
    const singular = countMatches(new RegExp(OWNERSHIP[lang].singular.source, OWNERSHIP[lang].singular.flags), lower);
    const plural = countMatches(new RegExp(OWNERSHIP[lang].plural.source, OWNERSHIP[lang].plural.flags), lower);
    const quantities: [number, number][] = [];
    for (const m of lower.matchAll(new RegExp(QUANTITY[lang].source, QUANTITY[lang].flags))) {
      quantities.push([m.index, m.index + m[0].length]);
      if (quantities.length >= 20) break;
    }
    const connectives = countMatches(new RegExp(CONNECTIVES[lang].source, CONNECTIVES[lang].flags), lower);
    const workWords = countMatches(new RegExp(WORK_WORDS[lang].source, WORK_WORDS[lang].flags), lower);

    // ---- size, specificity, relevance, echo, language
    const content = a.tokens.filter((t) => t.content);
    const distinct = new Set(content.map((t) => t.concept));
    const sizeUnits = lang === 'zh-CN' ? [...text].filter((ch) => /[\p{L}\p{N}]/u.test(ch)).length : a.tokens.length;
    const technical = content.filter((t) => (lang === 'zh-CN' ? /^[a-z][a-z0-9+#.-]+$/.test(t.lemma) : /\d/.test(t.text) || /^[A-Z]{2,}/.test(t.text))).length;
    const digits = countMatches(/\d+/g, lower, 50);
    const vocab = this.vocabulary(q, lang);
    const overlap = [...distinct].filter((c) => vocab.has(c)).length;
    const promptConcepts = this.prompt(q, lang).concepts;
    const echoed = content.filter((t) => promptConcepts.has(t.concept)).length;
    const echoRatio = content.length ? echoed / content.length : 0;
    const shares = scriptShares(text);
    // Chinese characters are about one per syllable, English words about 1.5: compare like with like.
    const otherLanguage = lang === 'zh-CN' ? shares.cjk < shares.latinWords * 1.5 : shares.cjk > shares.latinWords * 0.75;

    const quality: Record<QualitySignal, number> = {
      star_situation: star.situation ? 1 : 0,
      star_task: star.task ? 1 : 0,
      star_action: star.action ? 1 : 0,
      star_result: star.result ? 1 : 0,
      ownership: singular + plural === 0 ? 0.5 : singular / (singular + plural),
      quantified: clamp01(quantities.length / 2),
      specificity: 0.7 * clamp01(distinct.size / (lang === 'zh-CN' ? 45 : 40)) + 0.3 * clamp01((digits + technical) / 4),
      reasoning: clamp01(connectives / 3),
      relevance: clamp01(overlap / 6),
      length: clamp01(sizeUnits / (lang === 'zh-CN' ? 220 : 130)),
    };
    let q01 = 0;
    for (const k of Object.keys(QUALITY_SIGNALS) as QualitySignal[]) q01 += QUALITY_SIGNALS[k].weight * quality[k];

    const penalties = new Set<PenaltySignal>();
    if (otherLanguage) penalties.add('other_language');
    if (sizeUnits < (lang === 'zh-CN' ? 40 : 12)) penalties.add('too_short');
    else if (sizeUnits < (lang === 'zh-CN' ? 90 : 35)) penalties.add('short');
    if (!otherLanguage && ((overlap <= 1 && workWords <= 1) || (overlap <= 2 && workWords === 0))) penalties.add('off_topic');
    if (echoRatio >= 0.6 && content.length <= promptConcepts.size * 2.5) penalties.add('echo');
    if (plural >= 2 && singular / (singular + plural) < 0.25) penalties.add('team_not_me');
    if (!star.result && quantities.length === 0) penalties.add('no_outcome');
    if (distinctSentenceShare(text) < 0.6) penalties.add('repetition');

    // ---- per competency: indicator evidence, level, why not higher
    const starEvidence: EvidenceSpan[] = [];
    for (const el of ['situation', 'task', 'action', 'result'] as const) {
      const s = starSpans[el];
      if (s) starEvidence.push({ start: s[0], end: s[1], text: text.slice(s[0], s[1]), kind: `star_${el}` });
    }
    for (const [s, e] of quantities.slice(0, 5)) starEvidence.push({ start: s, end: e, text: text.slice(s, e), kind: 'quantity' });

    const perComp: CompetencyScore[] = [];
    let maxIndicator = 0;
    let stuffingHits = 0;
    const covered = new Set<string>();
    for (const c of comps) {
      const evidence: EvidenceSpan[] = [];
      const matchedLevels = new Set<number>();
      for (const ind of this.prepared(c, lang)) {
        for (const ph of ind.phrases) {
          for (const m of matchPhrase(a, ph, 4)) {
            evidence.push({ start: m.start, end: m.end, text: text.slice(m.start, m.end), kind: 'indicator_phrase', level: ind.level, matched: ph.phrase, competencyId: c.id, negated: m.negated });
            if (!m.negated) {
              matchedLevels.add(ind.level);
              const key = `${m.start}:${m.end}`;
              if (!covered.has(key)) {
                covered.add(key);
                stuffingHits++;
              }
            }
          }
        }
        const cov = coverage(a, ind.description);
        if (ind.level >= 3 && cov.of >= 3 && cov.found >= 3 && cov.found / cov.of >= 0.6) {
          matchedLevels.add(ind.level);
          evidence.push({ start: 0, end: 0, text: '', kind: 'indicator_description', level: ind.level, matched: ind.description.phrase, competencyId: c.id });
        }
      }
      const high = [...matchedLevels].filter((l) => l >= 3);
      const low = [...matchedLevels].filter((l) => l <= 2);
      const qLevel = 1 + 4 * q01;
      let raw: number;
      let indicatorLevel = 0;
      if (high.length) {
        indicatorLevel = Math.max(...high);
        raw = (1 - INDICATOR_SIGNALS.indicator_level.weight) * qLevel + INDICATOR_SIGNALS.indicator_level.weight * indicatorLevel;
      } else if (low.length) {
        indicatorLevel = Math.min(...low);
        raw = (1 - INDICATOR_SIGNALS.indicator_low.weight) * qLevel + INDICATOR_SIGNALS.indicator_low.weight * indicatorLevel;
      } else {
        raw = qLevel + INDICATOR_SIGNALS.no_indicator.weight;
      }
      maxIndicator = Math.max(maxIndicator, indicatorLevel);
      perComp.push({ competencyId: c.id, level: raw, score: 0, threshold: c.threshold, weight: c.weight, band: 'below', evidence: [...evidence, ...starEvidence], whyNotHigher: [] });
    }
    const starCount = Object.values(star).filter(Boolean).length;
    // Stuffing: evidence phrases dense among few words, or several of them with no own action and no reasoning.
    if (stuffingHits >= 3 && (stuffingHits / Math.max(1, content.length) >= 0.25 || (!star.action && connectives === 0))) {
      penalties.add('keyword_stuffing');
    }
    const fullStar = starCount === 4 && quantities.length > 0 && connectives > 0;

    const features = {} as Record<FeatureId, number>;
    for (const k of Object.keys(quality) as QualitySignal[]) features[k] = Math.round(quality[k] * 1000) / 1000;
    features.indicator_level = maxIndicator;
    for (const k of Object.keys(PENALTY_SIGNALS) as PenaltySignal[]) features[k] = penalties.has(k) ? 1 : 0;

    const finals = perComp.map((cs) => {
      const comp = this.competencies.get(cs.competencyId)!;
      const hasL5 = cs.evidence.some((e) => e.level === 5 && !e.negated && e.kind.startsWith('indicator'));
      const why: Reason[] = [];
      let level = cs.level;
      const capped: { p: PenaltySignal; cap: number }[] = [];
      for (const p of penalties) {
        const rule = PENALTY_SIGNALS[p];
        if (p === 'level5_unsupported') continue;
        level -= rule.subtract;
        capped.push({ p, cap: rule.cap });
      }
      if (!hasL5 && !fullStar) capped.push({ p: 'level5_unsupported', cap: 4 });
      for (const { cap } of capped) level = Math.min(level, cap);
      const final = Math.max(1, Math.min(5, Math.round(level)));
      if (final < 5) {
        for (const { p, cap } of capped) if (cap <= final) why.push({ code: `penalty_${p}` });
        for (const el of ['situation', 'task', 'action', 'result'] as const) if (!star[el]) why.push({ code: `missing_star_${el}` });
        if (quantities.length === 0) why.push({ code: 'no_quantity' });
        const next = comp.indicators.find((i) => i.level === final + 1);
        if (next) why.push({ code: 'next_indicator_not_shown', params: { level: next.level, indicator: next.description[lang] } });
      }
      const score = levelScore(final);
      return { ...cs, level: final, score, band: bandOf(score, cs.threshold, this.margin), whyNotHigher: why };
    });
    const b = bandFor(finals, this.margin);
    const reasons: Reason[] = [...b.reasons, ...[...penalties].map((p) => ({ code: `penalty_${p}` }))];
    return {
      questionId: q.id,
      locale: lang,
      status: 'scored',
      scorerVersion: SCORER_VERSION,
      engine: 'rubric',
      features,
      star,
      competencies: finals,
      total: b.total,
      band: b.band,
      reasons,
      needsReview: otherLanguage,
    };
  }

  private unscored(q: Question, lang: Lang, comps: Competency[], why: string): AnswerScore {
    const features = {} as Record<FeatureId, number>;
    for (const k of FEATURE_IDS) features[k] = 0;
    return {
      questionId: q.id,
      locale: lang,
      status: 'needs_human_scoring',
      scorerVersion: SCORER_VERSION,
      engine: 'rubric',
      features,
      star: { situation: false, task: false, action: false, result: false },
      competencies: comps.map((c) => ({ competencyId: c.id, level: 0, score: 0, threshold: c.threshold, weight: c.weight, band: 'borderline', evidence: [], whyNotHigher: [{ code: why }] })),
      total: 0,
      band: 'borderline',
      reasons: [{ code: why }],
      needsReview: true,
    };
  }
}
