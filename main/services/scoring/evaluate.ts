/**
 * Scores human-graded answers against a pack and reports agreement. Input lines:
 * `{"id","questionId","locale","text","grades":{"<competencyId>":1-5}}`; other fields ignored.
 */
import { z } from 'zod';
import type { Pack } from '../packs/pack-schema';
import type { Segmenter } from '../packs/resume-tags';
import { percentile, quadraticWeightedKappa, round, spearman } from './metrics';
import { bandFor, RubricScorer, type AnswerScore, type Band } from './rubric';

export const GradedAnswer = z
  .object({
  id: z.string().min(1).max(200),
  questionId: z.string().min(1).max(64),
  locale: z.enum(['zh-CN', 'en']),
  text: z.string().max(50_000),
  grades: z.record(z.string(), z.number().int().min(1).max(5)),
})
  // Other fields (a group column for the impact ratio, notes) are kept and otherwise ignored.
  .loose();
export type GradedAnswer = z.infer<typeof GradedAnswer>;

export interface ParsedJsonl<T> {
  readonly rows: T[];
  readonly errors: { line: number; message: string }[];
}

/** Parses JSONL, bounded: at most `maxLines` lines; bad lines are reported, not fatal. */
export function parseGradedJsonl(text: string, maxLines = 100_000): ParsedJsonl<GradedAnswer> {
  const rows: GradedAnswer[] = [];
  const errors: { line: number; message: string }[] = [];
  const lines = text.split(/\r?\n/);
  if (lines.length > maxLines + 1) errors.push({ line: maxLines + 1, message: `more than ${maxLines} lines; the rest was ignored` });
  lines.slice(0, maxLines).forEach((l, i) => {
    if (!l.trim()) return;
    try {
      const r = GradedAnswer.safeParse(JSON.parse(l));
      if (r.success) rows.push(r.data);
      else errors.push({ line: i + 1, message: r.error.issues[0]?.message ?? 'invalid' });
    } catch {
      errors.push({ line: i + 1, message: 'not JSON' });
    }
  });
  return { rows, errors };
}

export interface EvalRow {
  readonly id: string;
  readonly levels: Record<string, number>;
  readonly total: number;
  readonly band: Band;
  readonly humanBand: Band;
  readonly status: AnswerScore['status'];
  readonly evidence: AnswerScore['competencies'][number]['evidence'];
}

export interface EvalSummary {
  answers: number;
  pairs: number;
  spearman: number;
  qwk: number;
  exactLevel: number;
  withinOneLevel: number;
  bandAgreement: number;
  p95Ms: number;
  skipped: number;
  prepareMs: number;
}

export function evaluate(pack: Pack, seg: Segmenter, answers: readonly GradedAnswer[], now: () => number = () => performance.now()): { summary: EvalSummary; rows: EvalRow[] } {
  const scorer = new RubricScorer(pack, seg);
  const p0 = now();
  scorer.prepare();
  const prepareMs = now() - p0;
  // Warm the JIT on a fixed text (not on the graded answers) so p95 measures scoring, not compilation.
  const first = answers.find((a) => scorer.question(a.questionId));
  if (first) {
    for (let i = 0; i < 5; i++) {
      scorer.score({ questionId: first.questionId, locale: 'en', text: 'Last year I checked the logs and fixed the bug because latency went from 3 s to 200 ms.' });
      scorer.score({ questionId: first.questionId, locale: 'zh-CN', text: '去年我先看日志并修复了问题，因为延迟从 3 秒降到 200 毫秒。' });
    }
  }
  const human: number[] = [];
  const machine: number[] = [];
  const times: number[] = [];
  const rows: EvalRow[] = [];
  let bandsAgree = 0;
  let skipped = 0;
  for (const a of answers) {
    const q = scorer.question(a.questionId);
    if (!q) {
      skipped++;
      continue;
    }
    const t0 = now();
    const s = scorer.score({ questionId: a.questionId, locale: a.locale, text: a.text });
    times.push(now() - t0);
    const levels: Record<string, number> = {};
    const humanLevels: { level: number; weight: number; threshold: number; competencyId: string }[] = [];
    for (const c of s.competencies) {
      levels[c.competencyId] = c.level;
      const g = a.grades[c.competencyId];
      if (g !== undefined && s.status === 'scored') {
        human.push(g);
        machine.push(c.level);
        humanLevels.push({ level: g, weight: c.weight, threshold: c.threshold, competencyId: c.competencyId });
      }
    }
    const humanBand = bandFor(humanLevels).band;
    if (humanBand === s.band) bandsAgree++;
    rows.push({ id: a.id, levels, total: s.total, band: s.band, humanBand, status: s.status, evidence: s.competencies.flatMap((c) => c.evidence) });
  }
  const n = human.length;
  const exact = human.filter((h, i) => h === machine[i]).length;
  const within = human.filter((h, i) => Math.abs(h - machine[i]!) <= 1).length;
  return {
    summary: {
      answers: rows.length,
      pairs: n,
      spearman: round(spearman(human, machine)),
      qwk: round(quadraticWeightedKappa(human, machine)),
      exactLevel: round(n ? exact / n : 0),
      withinOneLevel: round(n ? within / n : 0),
      bandAgreement: round(rows.length ? bandsAgree / rows.length : 0),
      p95Ms: round(percentile(times, 95), 2),
      skipped,
      prepareMs: round(prepareMs, 1),
    },
    rows,
  };
}
