/**
 * The candidate's feedback report as a self-contained HTML page (no scripts, no external
 * resources; Chromium prints it to PDF). Per competency: the level, the threshold, evidence
 * excerpts from the candidate's own answers, and a development tip taken from the next level's
 * indicator. No suitability verdict unless the pack's policy allows one (`showVerdict`).
 */
import type { Pack, PackText } from '../packs/pack-schema';
import type { Lang } from './lexicon';
import type { AnswerScore, EvidenceKind, EvidenceSpan } from './rubric';
import { bandFor, type Band } from './rubric';
import { levelScore } from './signals';

const T = {
  title: { 'zh-CN': '面试反馈报告', en: 'Interview feedback report' },
  intro: {
    'zh-CN': '以下内容根据你在面试中的文字回答生成，只依据回答内容本身，不涉及任何视频、声音或外貌信息。',
    en: 'This report is based only on the content of your answers — never on video, voice or appearance.',
  },
  level: { 'zh-CN': '等级', en: 'Level' },
  threshold: { 'zh-CN': '岗位要求', en: 'Required' },
  evidence: { 'zh-CN': '你的回答中体现的地方', en: 'Where your answers showed it' },
  noEvidence: { 'zh-CN': '回答中暂未找到明确体现这一能力的内容。', en: 'Your answers did not yet show this clearly.' },
  tip: { 'zh-CN': '提升建议', en: 'To develop further' },
  top: { 'zh-CN': '你已达到这一能力的最高等级。', en: 'You reached the top level for this competency.' },
  awaiting: { 'zh-CN': '待人工评估', en: 'Awaiting human review' },
  pending: { 'zh-CN': '部分回答正在由人工评估，结果以最终通知为准。', en: 'Some answers are being assessed by a person; the final notice prevails.' },
  verdict: { 'zh-CN': '综合结果', en: 'Overall' },
  bands: {
    pass: { 'zh-CN': '达到岗位要求', en: 'Meets the requirements' },
    borderline: { 'zh-CN': '接近岗位要求，待人工复核', en: 'Close to the requirements; under human review' },
    below: { 'zh-CN': '暂未达到岗位要求', en: 'Does not yet meet the requirements' },
  } satisfies Record<Band, Record<Lang, string>>,
} as const;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export interface ReportInput {
  readonly pack: Pack;
  readonly locale: Lang;
  readonly answers: readonly { readonly score: AnswerScore; readonly text: string }[];
  /** From the pack's policy (HR decides): whether the report may state a verdict. */
  readonly showVerdict: boolean;
  /** Bounds the band when the verdict is shown (the pack's borderline margin). */
  readonly margin?: number;
}

/** One competency in the report: a level with evidence and a tip, or awaiting a person. */
export type ReportCompetency =
  | {
      readonly status: 'scored';
      readonly competencyId: string;
      readonly name: PackText;
      readonly level: number;
      readonly levelScore: number;
      readonly threshold: number;
      /** Short excerpts of the candidate's own answers (plain text; render escaped). */
      readonly evidence: readonly string[];
      /** The next level's indicator; null at level 5. */
      readonly tip: PackText | null;
    }
  | { readonly status: 'awaiting_review'; readonly competencyId: string; readonly name: PackText; readonly threshold: number };

/** The report as data: the kiosk's screen and the HTML page both render this. */
export interface FeedbackReportData {
  readonly title: PackText;
  readonly competencies: readonly ReportCompetency[];
  /** Answers a person must assess (spoken without a transcript, other language). */
  readonly awaitingReview: number;
  /** Present only when the pack allows a verdict and nothing awaits a person. */
  readonly verdict: Band | null;
}

const EXCERPT_CONTEXT = 12;
const MAX_EXCERPTS = 3;

/**
 * Which evidence the report quotes first: the pack's own indicator phrases, then what the candidate
 * did and achieved (STAR action, result, numbers), then the setting. A level raised by STAR
 * structure alone still shows the candidate the words that earned it.
 */
const EXCERPT_RANK: Record<EvidenceKind, number> = {
  indicator_phrase: 0,
  star_action: 1,
  star_result: 2,
  quantity: 3,
  star_task: 4,
  star_situation: 5,
  indicator_description: 99, // matched the indicator's wording, not a span of the answer
};

/** Up to MAX_EXCERPTS short, non-overlapping excerpts of the candidate's own words, best first. */
export function excerpts(answers: readonly { readonly text: string; readonly evidence: readonly EvidenceSpan[] }[]): string[] {
  const spans = answers.flatMap((a, answer) =>
    a.evidence
      .filter((e) => !e.negated && e.end > e.start && EXCERPT_RANK[e.kind] < 99)
      .map((e) => ({ answer, text: a.text, rank: EXCERPT_RANK[e.kind], start: Math.max(0, e.start - EXCERPT_CONTEXT), end: Math.min(a.text.length, e.end + EXCERPT_CONTEXT) })),
  );
  spans.sort((x, y) => x.rank - y.rank || x.answer - y.answer || x.start - y.start);
  const taken: { answer: number; start: number; end: number }[] = [];
  const out: string[] = [];
  for (const sp of spans) {
    if (out.length >= MAX_EXCERPTS) break;
    if (taken.some((t) => t.answer === sp.answer && sp.start < t.end && t.start < sp.end)) continue;
    const quote = sp.text.slice(sp.start, sp.end).replace(/\s+/g, ' ').trim();
    if (!quote || out.includes(quote)) continue;
    taken.push(sp);
    out.push(quote);
  }
  return out;
}

export function buildFeedbackReport(input: Omit<ReportInput, 'locale'>): FeedbackReportData {
  const scored = input.answers.filter((a) => a.score.status === 'scored');
  const awaitingReview = input.answers.length - scored.length;
  const out: ReportCompetency[] = [];
  const levels: { level: number; weight: number; threshold: number; competencyId: string }[] = [];
  for (const c of input.pack.competencies) {
    const mine = scored.flatMap((a) => a.score.competencies.filter((x) => x.competencyId === c.id).map((x) => ({ x, text: a.text })));
    if (mine.length === 0) {
      const pending = input.answers.some((a) => a.score.status !== 'scored' && a.score.competencies.some((x) => x.competencyId === c.id));
      if (pending) out.push({ status: 'awaiting_review', competencyId: c.id, name: c.name, threshold: c.threshold });
      continue;
    }
    const level = Math.max(1, Math.min(5, Math.round(mine.reduce((s, m) => s + m.x.level, 0) / mine.length)));
    levels.push({ level, weight: c.weight, threshold: c.threshold, competencyId: c.id });
    const evidence = excerpts(mine.map((m) => ({ text: m.text, evidence: m.x.evidence })));
    const next = c.indicators.find((i) => i.level === level + 1);
    out.push({ status: 'scored', competencyId: c.id, name: c.name, level, levelScore: levelScore(level), threshold: c.threshold, evidence, tip: next ? next.description : null });
  }
  const verdict = input.showVerdict && levels.length && awaitingReview === 0 ? bandFor(levels, input.margin).band : null;
  return { title: input.pack.title, competencies: out, awaitingReview, verdict };
}

export function renderFeedbackReport(input: ReportInput): string {
  const L = input.locale;
  const data = buildFeedbackReport(input);
  const sections = data.competencies.map((c) =>
    c.status === 'awaiting_review'
      ? `<section class="comp">
  <h2>${esc(c.name[L])}</h2>
  <p class="nums"><span>${T.awaiting[L]}</span> <span>${T.threshold[L]} ${c.threshold}</span></p>
</section>`
      : `<section class="comp">
  <h2>${esc(c.name[L])}</h2>
  <p class="nums"><span>${T.level[L]} <b>${c.level}</b>/5 (${c.levelScore})</span> <span>${T.threshold[L]} ${c.threshold}</span></p>
  <h3>${T.evidence[L]}</h3>
  ${c.evidence.length ? `<ul>${c.evidence.map((e) => `<li>…${esc(e)}…</li>`).join('')}</ul>` : `<p>${T.noEvidence[L]}</p>`}
  <h3>${T.tip[L]}</h3>
  <p>${c.tip ? esc(c.tip[L]) : T.top[L]}</p>
</section>`,
  );
  const pending = data.awaitingReview;
  const verdict = data.verdict ? `<p class="verdict">${T.verdict[L]}: ${T.bands[data.verdict][L]}</p>` : '';
  return `<!doctype html>
<html lang="${L}">
<head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${T.title[L]} — ${esc(input.pack.title[L])}</title>
<style>
body{font-family:system-ui,"Noto Sans CJK SC","PingFang SC",sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1f2933;line-height:1.6}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-bottom:.2rem}h3{font-size:1rem;color:#52606d;margin:.6rem 0 .2rem}
.comp{border-top:1px solid #d9e2ec;padding:.6rem 0}.nums span{margin-right:1.5rem}.verdict{font-weight:600}
@media print{body{margin:0}}
</style></head>
<body>
<h1>${T.title[L]}</h1>
<p>${esc(input.pack.title[L])}</p>
<p>${T.intro[L]}</p>
${pending ? `<p>${T.pending[L]}</p>` : ''}
${verdict}
${sections.join('\n')}
</body></html>
`;
}
