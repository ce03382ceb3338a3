/**
 * The analytics reports HR's console shows (contract: the API doc shared with the console). Each
 * report is grouped SQL over the facts maintained at ingest (facts.ts) and HR's imports, plus the
 * pure arithmetic in stats.ts. Every report answers the same shape: columns with zh-CN and en
 * labels, rows, an optional chart, notes and highlights, and meta.
 */
import { z } from 'zod';
import type pg from 'pg';
import type { HrRole } from '../auth/permissions';
import { HubError } from '../errors';
import { exactMedians } from './medians';
import { summaryBuilders, summarySessionCount } from './summary-reports';
import { dimensionsOf, fisherCi, IMPACT_THRESHOLD, impactRatios, MIN_N_FOR_NULL_FLAG, pearsonFromSums, validityFlag, type CategoryGroup } from './stats';

export type Text = { readonly 'zh-CN': string; readonly en: string };
export type ColumnKind = 'text' | 'integer' | 'number' | 'percent' | 'ratio';
export interface Column {
  readonly key: string;
  readonly label: Text;
  readonly kind: ColumnKind;
}
export type Cell = string | number | null;
export interface Note extends Text {
  readonly code: string;
  readonly severity: 'info' | 'warning';
}
export interface Report {
  readonly name: ReportName;
  readonly title: Text;
  readonly columns: readonly Column[];
  readonly rows: ReadonlyArray<Record<string, Cell>>;
  readonly chart: { type: 'bar' | 'line' | 'histogram'; x: string; series: string[] } | null;
  readonly notes: readonly Note[];
  readonly highlight?: ReadonlyArray<{ row: number; column: string; reason: string }>;
  readonly meta: { sessions: number; generatedAt: string; excluded?: unknown; unknown?: unknown };
}

export const REPORT_NAMES = ['exits', 'exit-returns', 'no-shows', 'precheck-failures', 'outcomes', 'score-distribution', 'review-overrides', 'validity', 'fairness'] as const;
export type ReportName = (typeof REPORT_NAMES)[number];

const ALL_READERS: readonly HrRole[] = ['hr_admin', 'recruiter', 'auditor'];
const OVERSIGHT: readonly HrRole[] = ['hr_admin', 'auditor'];

export const REPORT_INFO: Readonly<Record<ReportName, { title: Text; roles: readonly HrRole[] }>> = {
  exits: { title: { 'zh-CN': '中途退出', en: 'Exits' }, roles: ALL_READERS },
  'exit-returns': { title: { 'zh-CN': '退出后返回（断点续答）', en: 'Returns after an exit' }, roles: ALL_READERS },
  'no-shows': { title: { 'zh-CN': '缺席与改期', en: 'No-shows and reschedules' }, roles: ALL_READERS },
  'precheck-failures': { title: { 'zh-CN': '设备检测失败', en: 'Pre-check failures' }, roles: ALL_READERS },
  outcomes: { title: { 'zh-CN': '完成率与通过率', en: 'Completion and pass rates' }, roles: ALL_READERS },
  'score-distribution': { title: { 'zh-CN': '分数分布', en: 'Score distribution' }, roles: ALL_READERS },
  'review-overrides': { title: { 'zh-CN': '人工复核改分率', en: 'Review override rates' }, roles: OVERSIGHT },
  validity: { title: { 'zh-CN': '题目效度', en: 'Question validity' }, roles: OVERSIGHT },
  fairness: { title: { 'zh-CN': '公平性监测（纽约市第144号地方法）', en: 'Fairness monitor (NYC Local Law 144)' }, roles: OVERSIGHT },
};

export function isReportName(name: string): name is ReportName {
  return (REPORT_NAMES as readonly string[]).includes(name);
}

/** Hours of day are shown in this offset from UTC (China Standard Time). */
export const REPORT_UTC_OFFSET_HOURS = 8;
export const OUTCOME_STAGES = ['final_round', 'offer', 'probation'] as const;
export const STAGES = ['interview', ...OUTCOME_STAGES] as const;

const filterText = z.string().min(1).max(100).regex(/^[\p{L}\p{N} ._:/()@&,+-]+$/u);
const isoTime = z.string().max(40).refine((s) => /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/.test(s) && Number.isFinite(Date.parse(s)), 'an ISO 8601 date or time');
export const filterSchema = z
  .strictObject({ from: isoTime.optional(), to: isoTime.optional(), job: filterText.optional(), stage: z.enum(STAGES).optional(), centre: filterText.optional() })
  .refine((f) => !f.from || !f.to || Date.parse(f.from) < Date.parse(f.to), 'from must be before to');
export type Filters = z.infer<typeof filterSchema>;

export function parseFilters(query: unknown): Filters {
  const r = filterSchema.safeParse(query ?? {});
  if (!r.success) throw new HubError(400, 'INVALID_FILTER', r.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ').slice(0, 500));
  return r.data;
}

/** WHERE clause over a table with started_at/job/centre columns (alias a), parameters appended to params. */
function where(f: Filters, params: unknown[], alias: string, timeCol = 'started_at', opts: { centre?: boolean } = {}): string {
  const parts: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.from) parts.push(`${alias}.${timeCol} >= ${p(new Date(f.from).toISOString())}::timestamptz`);
  if (f.to) parts.push(`${alias}.${timeCol} < ${p(new Date(f.to).toISOString())}::timestamptz`);
  if (f.job) parts.push(`${alias}.job = ${p(f.job)}`);
  if (f.centre && opts.centre !== false) parts.push(`${alias}.centre = ${p(f.centre)}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

const hourOf = (expr: string) => `extract(hour from ((${expr}) AT TIME ZONE 'UTC') + interval '${REPORT_UTC_OFFSET_HOURS} hours')::int`;

const T = (zh: string, en: string): Text => ({ 'zh-CN': zh, en });
const col = (key: string, zh: string, en: string, kind: ColumnKind): Column => ({ key, label: T(zh, en), kind });
const DIM = col('dimension', '维度', 'Dimension', 'text');
const VALUE = col('value', '取值', 'Value', 'text');
/** The demographic categories copied onto a fact row (JSON text), or none. */
function demoOf(text: string | null): Record<string, string> {
  if (!text) return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** What a report's queries run on: one client, inside the report's read-only transaction. */
export type Db = Pick<pg.PoolClient, 'query'>;

/** Runs the queries one after another on the report's client (a client runs one query at a time). */
async function inOrder<T extends readonly unknown[]>(_db: Db, thunks: { [K in keyof T]: () => Promise<T[K]> }): Promise<T> {
  const out: unknown[] = [];
  for (const t of thunks as ReadonlyArray<() => Promise<unknown>>) out.push(await t());
  return out as unknown as T;
}

async function sessionCount(db: Db, f: Filters): Promise<number> {
  const params: unknown[] = [];
  const r = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM analytics_sessions s WHERE ${where(f, params, 's')}`, params);
  return r.rows[0]?.n ?? 0;
}

export type Built = Omit<Report, 'name' | 'title' | 'meta'> & { meta?: Partial<Report['meta']> };

const builders: Record<ReportName, (db: Db, f: Filters) => Promise<Built>> = {
  async exits(db, f) {
    const params: unknown[] = [];
    const r = await db.query<{ d: string; v: string; n: number; med: number | null }>(
      `WITH e AS (SELECT s.stage, coalesce(s.exit_reason,'unknown') AS reason, coalesce(s.exit_question::text, '-') AS question, ${hourOf('s.exit_at')} AS hour, s.exit_elapsed_ms
         FROM analytics_sessions s WHERE s.exited AND ${where(f, params, 's')})
       SELECT CASE WHEN GROUPING(stage)=0 THEN 'stage' WHEN GROUPING(reason)=0 THEN 'reason' WHEN GROUPING(question)=0 THEN 'question' ELSE 'hour' END AS d,
              coalesce(stage, reason, question, lpad(hour::text, 2, '0')) AS v, count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY exit_elapsed_ms) AS med
       FROM e GROUP BY GROUPING SETS ((stage), (reason), (question), (hour)) ORDER BY 1, 2`,
      params,
    );
    const total = await sessionCount(db, f);
    return {
      columns: [DIM, VALUE, col('exits', '退出人数', 'Exits', 'integer'), col('share', '占全部场次', 'Share of sessions', 'percent'), col('medianMinutes', '退出前作答时长中位数（分钟）', 'Median minutes in interview before leaving', 'number')],
      rows: r.rows.map((x) => ({ dimension: x.d, value: x.v, exits: x.n, share: rate(x.n, total), medianMinutes: x.med === null ? null : Math.round((Number(x.med) / 60000) * 10) / 10 })),
      chart: { type: 'bar', x: 'value', series: ['exits'] },
      notes: [{ code: 'HOURS_CST', severity: 'info', 'zh-CN': '小时按北京时间（UTC+8）统计。', en: 'Hours are in China Standard Time (UTC+8).' }],
    };
  },

  async 'exit-returns'(db, f) {
    const params: unknown[] = [];
    const r = await db.query<{ reason: string | null; n: number; back: number; done: number }>(
      `SELECT s.exit_reason AS reason, count(*)::int AS n, count(*) FILTER (WHERE s.returned)::int AS back, count(*) FILTER (WHERE s.returned AND s.completed)::int AS done
       FROM analytics_sessions s WHERE s.exited AND ${where(f, params, 's')} GROUP BY ROLLUP (s.exit_reason) ORDER BY s.exit_reason NULLS LAST`,
      params,
    );
    return {
      columns: [col('reason', '退出原因', 'Exit reason', 'text'), col('exits', '退出人数', 'Exits', 'integer'), col('returned', '返回续答', 'Came back', 'integer'), col('returnedCompleted', '返回并完成', 'Came back and completed', 'integer'), col('returnRate', '返回率', 'Return rate', 'percent'), col('completionRate', '返回者完成率', 'Completion after return', 'percent')],
      rows: r.rows.map((x) => ({ reason: x.reason ?? 'all', exits: x.n, returned: x.back, returnedCompleted: x.done, returnRate: rate(x.back, x.n), completionRate: rate(x.done, x.back) })),
      chart: { type: 'bar', x: 'reason', series: ['exits', 'returned', 'returnedCompleted'] },
      notes: [],
    };
  },

  async 'no-shows'(db, f) {
    const params: unknown[] = [];
    const conds: string[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    if (f.from) conds.push(`i.window_start >= ${p(Date.parse(f.from))}`);
    if (f.to) conds.push(`i.window_start < ${p(Date.parse(f.to))}`);
    if (f.job) conds.push(`i.job_id = ${p(f.job)}`);
    if (f.centre) conds.push(`i.centre = ${p(f.centre)}`);
    const w = conds.length ? conds.join(' AND ') : 'true';
    const r = await db.query<{ d: string; v: string; n: number; ns: number; rs: number }>(
      `WITH inv AS (
         SELECT i.id, i.status = 'no_show' AS no_show, coalesce(i.no_show_reason, CASE WHEN i.status='no_show' THEN 'unknown' ELSE '-' END) AS reason,
                CASE WHEN rj.invite_id IS NOT NULL THEN i.channel ELSE 'none' END AS channel,
                lpad(${hourOf('to_timestamp(i.window_start / 1000.0)')}::text, 2, '0') AS hour,
                CASE WHEN pc.overall IS NULL THEN 'not_run' WHEN pc.overall = 'NOT_READY' THEN 'run_not_passed' ELSE 'passed' END AS home_check,
                coalesce(rr.n, 0)::int AS reschedules
         FROM invites i
         LEFT JOIN (SELECT DISTINCT invite_id FROM reminder_jobs WHERE state = 'sent') rj ON rj.invite_id = i.id
         LEFT JOIN (SELECT DISTINCT ON (invite_id) invite_id, overall FROM invite_prechecks ORDER BY invite_id, id DESC) pc ON pc.invite_id = i.id
         LEFT JOIN (SELECT invite_id, count(*) AS n FROM reschedule_requests GROUP BY invite_id) rr ON rr.invite_id = i.id
         WHERE i.status <> 'cancelled' AND ${w})
       SELECT CASE WHEN GROUPING(reason)=0 THEN 'no_show_reason' WHEN GROUPING(channel)=0 THEN 'reminder_channel' WHEN GROUPING(hour)=0 THEN 'hour' ELSE 'home_check' END AS d,
              coalesce(reason, channel, hour, home_check) AS v, count(*)::int AS n, count(*) FILTER (WHERE no_show)::int AS ns, sum(reschedules)::int AS rs
       FROM inv GROUP BY GROUPING SETS ((reason), (channel), (hour), (home_check)) ORDER BY 1, 2`,
      params,
    );
    const rr = await db.query<{ v: string; rs: number }>(
      `SELECT q.reason AS v, count(*)::int AS rs FROM reschedule_requests q JOIN invites i ON i.id = q.invite_id WHERE ${w} GROUP BY q.reason ORDER BY 1`,
      params,
    );
    const rows = r.rows.filter((x) => !(x.d === 'no_show_reason' && x.v === '-')).map((x) => ({ dimension: x.d, value: x.v, invites: x.n, noShows: x.ns, noShowRate: rate(x.ns, x.n), reschedules: x.rs }));
    for (const x of rr.rows) rows.push({ dimension: 'reschedule_reason', value: x.v, invites: null as unknown as number, noShows: null as unknown as number, noShowRate: null, reschedules: x.rs });
    return {
      columns: [DIM, VALUE, col('invites', '邀约数', 'Invites', 'integer'), col('noShows', '缺席', 'No-shows', 'integer'), col('noShowRate', '缺席率', 'No-show rate', 'percent'), col('reschedules', '改期申请', 'Reschedule requests', 'integer')],
      rows,
      chart: { type: 'bar', x: 'value', series: ['noShows', 'reschedules'] },
      notes: [{ code: 'HOURS_CST', severity: 'info', 'zh-CN': '时段按预约开始时间的北京时间（UTC+8）统计。', en: 'Time of day is the booked start in China Standard Time (UTC+8).' }],
    };
  },

  async 'precheck-failures'(db, f) {
    const params: unknown[] = [];
    const r = await db.query<PrecheckRow>(
      `WITH p AS (SELECT p.check_id, coalesce(p.cause, '-') AS cause, p.centre, p.device, p.status FROM analytics_prechecks p WHERE ${where(f, params, 'p', 'at')})
       SELECT CASE WHEN GROUPING(cause)=0 THEN 'check_cause' WHEN GROUPING(check_id)=0 THEN 'check' WHEN GROUPING(centre)=0 THEN 'centre' ELSE 'device' END AS d,
              CASE WHEN GROUPING(cause)=0 THEN check_id || ' · ' || cause ELSE coalesce(check_id, centre, device) END AS v,
              count(*)::int AS n, count(*) FILTER (WHERE status = 'fail')::int AS fails
       FROM p GROUP BY GROUPING SETS ((check_id), (check_id, cause), (centre), (device)) ORDER BY 1, 4 DESC, 2`,
      params,
    );
    return formatPrechecks(r.rows);
  },

  async outcomes(db, f) {
    const p1: unknown[] = [];
    const p2: unknown[] = [];
    const p3: unknown[] = [];
    // Means as exact sums (numeric, integer) divided once: the same value whatever order rows are added in.
    const [sess, ans, comp] = await inOrder(db, [
      () => db.query<OutcomeSessionRow>(
        `SELECT CASE WHEN GROUPING(s.job)=0 THEN 'job' ELSE 'stage' END AS d, coalesce(s.job, s.stage) AS v, count(*)::int AS n,
                count(*) FILTER (WHERE s.completed)::int AS done, count(*) FILTER (WHERE s.selected)::int AS pass, count(s.score_mean)::int AS sn, sum(s.score_mean::numeric)::text AS ss
         FROM analytics_sessions s WHERE ${where(f, p1, 's')} GROUP BY GROUPING SETS ((s.job), (s.stage)) ORDER BY 1, 2`,
        p1,
      ),
      () => db.query<OutcomeItemRow>(
        `SELECT a.question_id AS v, count(*)::int AS n, count(*) FILTER (WHERE a.band = 'pass')::int AS pass, sum(a.total::numeric)::text AS sum FROM analytics_answers a WHERE ${where(f, p2, 'a')} GROUP BY a.question_id ORDER BY 1`,
        p2,
      ),
      () => db.query<OutcomeItemRow>(
        `SELECT c.competency_id AS v, count(*)::int AS n, count(*) FILTER (WHERE c.level >= 3)::int AS pass, sum(c.level)::text AS sum
         FROM analytics_competencies c WHERE ${where(f, p3, 'c')} GROUP BY c.competency_id ORDER BY 1`,
        p3,
      ),
    ]);
    return formatOutcomes(sess.rows, ans.rows, comp.rows);
  },

  async 'score-distribution'(db, f) {
    const params: unknown[] = [];
    const r = await db.query<{ b: number; n: number }>(
      `SELECT least(floor(s.score_mean / 10), 9)::int AS b, count(*)::int AS n FROM analytics_sessions s WHERE s.score_mean IS NOT NULL AND ${where(f, params, 's')} GROUP BY 1 ORDER BY 1`,
      params,
    );
    return formatScoreDistribution(r.rows);
  },

  async 'review-overrides'(db, f) {
    const p1: unknown[] = [];
    const p2: unknown[] = [];
    const [q, c] = await inOrder(db, [
      () => db.query<OverrideRow>(
        `SELECT a.question_id AS v, count(*)::int AS n, count(*) FILTER (WHERE a.overrides > 0)::int AS o FROM analytics_answers a WHERE a.for_review AND ${where(f, p1, 'a')} GROUP BY a.question_id ORDER BY 1`,
        p1,
      ),
      () => db.query<OverrideRow>(
        `SELECT c.competency_id AS v, count(*)::int AS n, count(*) FILTER (WHERE c.overridden)::int AS o
         FROM analytics_competencies c WHERE c.for_review AND ${where(f, p2, 'c')} GROUP BY c.competency_id ORDER BY 1`,
        p2,
      ),
    ]);
    return formatOverrides(q.rows, c.rows);
  },

  async validity(db, f) {
    // Per question: the exact median, then per demographic combination the count above it (the
    // scoring rates of the fairness flag); per question and per competency: the exact running
    // sums of the correlation (numeric for scores, integers for levels).
    const p1: unknown[] = [];
    const medians = await exactMedians(db, { from: 'analytics_answers a', value: 'a.total', group: 'a.question_id', where: `a.status = 'scored' AND ${where(f, p1, 'a')}`, params: p1, populations: ['true'] });
    const qs = [...medians.keys()].filter((q) => typeof medians.get(q)![0] === 'number');
    const p2: unknown[] = [qs, qs.map((q) => medians.get(q)![0])];
    const grouped = await db.query<{ q: string; demo: string | null; n: number; above: number }>(
      `SELECT a.question_id AS q, a.demo, count(*)::int AS n, count(*) FILTER (WHERE a.total > m.med)::int AS above
       FROM analytics_answers a JOIN unnest($1::text[], $2::float8[]) AS m(q, med) ON m.q = a.question_id
       WHERE a.status = 'scored' AND ${where(f, p2, 'a')} GROUP BY a.question_id, a.demo`,
      p2,
    );
    const p3: unknown[] = [];
    const sumCols = (x: string) =>
      OUTCOME_STAGES.map(
        (o, i) =>
          `count(*) FILTER (WHERE t.${o} IS NOT NULL)::int AS n${i}, sum(${x}) FILTER (WHERE t.${o} IS NOT NULL)::text AS sx${i}, sum(${x} * ${x}) FILTER (WHERE t.${o} IS NOT NULL)::text AS sxx${i}, count(*) FILTER (WHERE t.${o})::int AS sy${i}, sum(${x}) FILTER (WHERE t.${o})::text AS sxy${i}`,
      ).join(', ');
    const byQuestion = await db.query<SumsRow>(`SELECT t.question_id AS q, '' AS c, ${sumCols('t.total::numeric')} FROM analytics_answers t WHERE t.status = 'scored' AND ${where(f, p3, 't')} GROUP BY 1`, p3);
    const p4: unknown[] = [];
    const byCompetency = await db.query<SumsRow>(`SELECT t.question_id AS q, t.competency_id AS c, ${sumCols('t.level')} FROM analytics_competencies t WHERE ${where(f, p4, 't')} GROUP BY 1, 2`, p4);
    return formatValidity(f, grouped.rows, [...byQuestion.rows.filter((x) => qs.includes(x.q)), ...byCompetency.rows]);
  },

  async fairness(db, f) {
    const params: unknown[] = [];
    const w = where(f, params, 's');
    const stages = f.stage ? [f.stage] : [...STAGES];
    // The population of a stage: sessions with a score and a decision at that stage.
    const inStage = (st: string) => (st === 'interview' ? 's.selected IS NOT NULL' : `s.${st} IS NOT NULL`);
    const decision = (st: string) => (st === 'interview' ? 's.selected' : `s.${st}`);
    // Medians first (one narrow pass), then the grouping pass compares against them as parameters.
    const medians = await exactMedians(db, { from: 'analytics_sessions s', value: 's.score_mean', group: 's.job', where: w, params, populations: stages.map(inStage) });
    const jobs = [...medians.keys()];
    const p2: unknown[] = [jobs, ...stages.map((_, i) => jobs.map((j) => medians.get(j)![i] ?? null))];
    const w2 = where(f, p2, 's');
    const r = await db.query<{ job: string; demo: string | null } & Record<string, number>>(
      `SELECT s.job, s.demo, ${stages
        .map((st) => `count(*) FILTER (WHERE ${inStage(st)})::int AS n_${st}, count(*) FILTER (WHERE ${decision(st)})::int AS s_${st}, count(*) FILTER (WHERE ${inStage(st)} AND s.score_mean > m.m_${st})::int AS a_${st}`)
        .join(', ')}
       FROM analytics_sessions s JOIN unnest($1::text[], ${stages.map((_, i) => `$${i + 2}::float8[]`).join(', ')}) AS m(job, ${stages.map((st) => `m_${st}`).join(', ')}) USING (job)
       WHERE s.score_mean IS NOT NULL AND ${w2} GROUP BY s.job, s.demo`,
      p2,
    );
    return formatFairness(stages, r.rows);
  },
};

export function formatScoreDistribution(bins: ReadonlyArray<{ b: number; n: number }>): Built {
  const total = bins.reduce((t, x) => t + x.n, 0);
  const byBin = new Map(bins.map((x) => [x.b, x.n]));
  const rows = Array.from({ length: 10 }, (_, b) => ({ bin: `${b * 10}–${b === 9 ? 100 : b * 10 + 9.9}`, sessions: byBin.get(b) ?? 0, share: rate(byBin.get(b) ?? 0, total) }));
  return {
    columns: [col('bin', '分数段', 'Score range', 'text'), col('sessions', '场次', 'Sessions', 'integer'), col('share', '占比', 'Share', 'percent')],
    rows,
    chart: { type: 'histogram', x: 'bin', series: ['sessions'] },
    notes: [{ code: 'SESSION_SCORE', severity: 'info', 'zh-CN': '每场的分数为已评分题目总分的平均值（0–100）。', en: "A session's score is the mean of its scored answers' totals (0–100)." }],
  };
}

/** Presentation shared by the raw and the summary paths (no arithmetic on the data beyond the final division). */
export interface PrecheckRow {
  d: string;
  v: string;
  n: number;
  fails: number;
}
export function formatPrechecks(rows: readonly PrecheckRow[]): Built {
  return {
    columns: [DIM, VALUE, col('checks', '检测次数', 'Checks run', 'integer'), col('failures', '失败次数', 'Failures', 'integer'), col('failureRate', '失败率', 'Failure rate', 'percent')],
    rows: rows.filter((x) => x.d !== 'check_cause' || x.fails > 0).map((x) => ({ dimension: x.d, value: x.v, checks: x.n, failures: x.fails, failureRate: rate(x.fails, x.n) })),
    chart: { type: 'bar', x: 'value', series: ['failures'] },
    notes: [],
  };
}

export interface OutcomeSessionRow {
  d: string;
  v: string;
  n: number;
  done: number;
  pass: number;
  sn: number;
  ss: string | null;
}
export interface OutcomeItemRow {
  v: string;
  n: number;
  pass: number;
  sum: string | null;
}
/** A mean from an exact sum (numeric or integer, as text) and a count. */
const meanOf = (sum: string | null, n: number): number | null => (n > 0 && sum !== null ? Number(sum) / n : null);

export function formatOutcomes(sess: readonly OutcomeSessionRow[], ans: readonly OutcomeItemRow[], comp: readonly OutcomeItemRow[]): Built {
  return {
    columns: [DIM, VALUE, col('n', '人数/答题数', 'Count', 'integer'), col('completionRate', '完成率', 'Completion rate', 'percent'), col('passRate', '通过率', 'Pass rate', 'percent'), col('mean', '平均分/平均等级', 'Mean score / level', 'number')],
    rows: [
      ...sess.map((x) => ({ dimension: x.d, value: x.v, n: x.n, completionRate: rate(x.done, x.n), passRate: rate(x.pass, x.n), mean: meanOf(x.ss, x.sn) })),
      ...ans.map((x) => ({ dimension: 'question', value: x.v, n: x.n, completionRate: null, passRate: rate(x.pass, x.n), mean: meanOf(x.sum, x.n) })),
      ...comp.map((x) => ({ dimension: 'competency', value: x.v, n: x.n, completionRate: null, passRate: rate(x.pass, x.n), mean: meanOf(x.sum, x.n) })),
    ],
    chart: { type: 'bar', x: 'value', series: ['completionRate', 'passRate'] },
    notes: [
      {
        code: 'PASS_DEFINITION',
        severity: 'info',
        'zh-CN': '场次“通过”指完成面试且没有任何题目为“未达标”；题目通过指评分档为“通过”；能力通过指等级≥3（含人工复核后的等级）。',
        en: 'A session passes when it was completed with no answer banded "below"; a question passes when its band is "pass"; a competency passes at level 3 or higher (after human review).',
      },
    ],
  };
}

export interface OverrideRow {
  v: string;
  n: number;
  o: number;
}
export function formatOverrides(q: readonly OverrideRow[], c: readonly OverrideRow[]): Built {
  return {
    columns: [DIM, VALUE, col('n', '送复核答题数/能力评分数', 'Answers sent to review / competency levels', 'integer'), col('overridden', '被改分', 'Changed by a reviewer', 'integer'), col('overrideRate', '改分率', 'Override rate', 'percent')],
    rows: [...q.map((x) => ({ dimension: 'question', value: x.v, n: x.n, overridden: x.o, overrideRate: rate(x.o, x.n) })), ...c.map((x) => ({ dimension: 'competency', value: x.v, n: x.n, overridden: x.o, overrideRate: rate(x.o, x.n) }))],
    chart: { type: 'bar', x: 'value', series: ['overrideRate'] },
    notes: [],
  };
}

/** Exact running sums of one question (c = '') or competency, per outcome i (OUTCOME_STAGES order). */
export type SumsRow = { q: string; c: string } & Record<string, number | string | null>;
export interface DemoAboveRow {
  q: string;
  demo: string | null;
  n: number;
  above: number;
}

export function formatValidity(f: Filters, grouped: readonly DemoAboveRow[], sums: readonly SumsRow[]): Built {
  const outcomes = f.stage && f.stage !== 'interview' ? [f.stage] : [...OUTCOME_STAGES];
  const fairRows = grouped;
  const corr = sums
    .flatMap((x) =>
      outcomes.map((o) => {
        const i = OUTCOME_STAGES.indexOf(o as never);
        const n = Number(x[`n${i}`] ?? 0);
        const sy = Number(x[`sy${i}`] ?? 0);
        // The outcome is 0/1, so the sum of its squares is its sum.
        return { q: x.q, c: x.c, o, n, r: pearsonFromSums(n, Number(x[`sx${i}`] ?? 0), sy, Number(x[`sxx${i}`] ?? 0), sy, Number(x[`sxy${i}`] ?? 0)) };
      }),
    )
    .filter((x) => x.n > 0)
    .sort((a, b) => (a.q < b.q ? -1 : a.q > b.q ? 1 : a.c < b.c ? -1 : a.c > b.c ? 1 : OUTCOME_STAGES.indexOf(a.o as never) - OUTCOME_STAGES.indexOf(b.o as never)));
  // Per question: the lowest scoring-rate impact ratio over each single demographic category.
  const byQ = new Map<string, CategoryGroup[]>();
  for (const g of fairRows) byQ.set(g.q, [...(byQ.get(g.q) ?? []), { categories: demoOf(g.demo), n: g.n, selected: 0, aboveMedian: g.above }]);
  const minRatio = new Map<string, number | null>();
  for (const [q, groups] of byQ) {
    const names = [...new Set(groups.flatMap((g) => Object.keys(g.categories)))].sort();
    const res = impactRatios(groups, names.map((n) => [n]));
    const ratios = res.rows.map((r) => r.scoringImpactRatio).filter((x): x is number => x !== null);
    minRatio.set(q, ratios.length ? Math.min(...ratios) : null);
  }
  const rows = corr.map((x) => {
    const ci = fisherCi(x.r, x.n);
    const mr = x.c === '' ? (minRatio.get(x.q) ?? null) : null;
    return { question: x.q, competency: x.c || '—', outcome: x.o, n: x.n, r: ci.r, ciLow: ci.low, ciHigh: ci.high, minImpactRatio: mr, flag: validityFlag(ci, mr) ?? '' };
  });
  const highlight = rows.flatMap((r, i) => (r.flag === 'predicts_nothing' || r.flag === 'hurts_fairness' ? [{ row: i, column: 'flag', reason: r.flag.toUpperCase() }] : []));
  return {
    columns: [
      col('question', '题目', 'Question', 'text'),
      col('competency', '能力', 'Competency', 'text'),
      col('outcome', '后续结果', 'Later outcome', 'text'),
      col('n', '样本量', 'n', 'integer'),
      col('r', '相关系数 r（点二列）', 'Correlation r (point-biserial)', 'number'),
      col('ciLow', '95% 置信区间下限', '95% CI low', 'number'),
      col('ciHigh', '95% 置信区间上限', '95% CI high', 'number'),
      col('minImpactRatio', '最低影响比（得分率）', 'Lowest impact ratio (scoring rate)', 'ratio'),
      col('flag', '提示', 'Flag', 'text'),
    ],
    rows,
    chart: { type: 'bar', x: 'question', series: ['r'] },
    notes: [
      {
        code: 'VALIDITY_METHOD',
        severity: 'info',
        'zh-CN': `相关系数为分数与后续结果（通过=1，未通过=0）的点二列相关，置信区间用 Fisher z 变换计算。样本量≥${MIN_N_FOR_NULL_FLAG} 且区间包含 0 时标为“无预测力”；任一类别得分率影响比低于 0.8 时标为“可能损害公平”。`,
        en: `r is the point-biserial correlation of the score with the later outcome (pass=1, fail=0); the 95% interval uses Fisher's z. With n ≥ ${MIN_N_FOR_NULL_FLAG}, an interval that includes 0 is flagged "predicts nothing"; a scoring-rate impact ratio under 0.8 for any category is flagged "hurts fairness".`,
      },
      { code: 'HUMAN_DECIDES', severity: 'info', 'zh-CN': '这些提示供人工判断，不会自动改变任何分数。', en: 'These flags are for people to judge; they never change a score.' },
    ],
    highlight,
  };
}

export type FairnessRow = { job: string; demo: string | null } & Record<string, number | string | null>;
export function formatFairness(stages: readonly string[], fairRows: readonly FairnessRow[]): Built {
  const sets = new Map<string, CategoryGroup[]>();
  const parsed = new Map<string | null, Record<string, string>>();
  for (const x of fairRows) {
    let categories = parsed.get(x.demo);
    if (!categories) parsed.set(x.demo, (categories = demoOf(x.demo)));
    for (const st of stages) {
      const n = Number(x[`n_${st}`] ?? 0);
      if (n === 0) continue;
      const k = `${x.job}\u0000${st}`;
      let list = sets.get(k);
      if (!list) sets.set(k, (list = []));
      list.push({ categories, n, selected: Number(x[`s_${st}`] ?? 0), aboveMedian: Number(x[`a_${st}`] ?? 0) });
    }
  }
  const rows: Array<Record<string, Cell>> = [];
  const highlight: Array<{ row: number; column: string; reason: string }> = [];
  const excluded: Record<string, unknown> = {};
  const unknown: Record<string, unknown> = {};
  const keys = [...sets.keys()].sort((a, b) => {
    const [ja, sa] = a.split('\u0000') as [string, string];
    const [jb, sb] = b.split('\u0000') as [string, string];
    return ja < jb ? -1 : ja > jb ? 1 : STAGES.indexOf(sa as never) - STAGES.indexOf(sb as never);
  });
  for (const k of keys) {
    const [job, stage] = k.split('\u0000') as [string, string];
    const groups = sets.get(k)!;
    const names = [...new Set(groups.flatMap((g) => Object.keys(g.categories)))].sort();
    const res = impactRatios(groups, dimensionsOf(names));
    excluded[`${job} / ${stage}`] = res.excluded;
    unknown[`${job} / ${stage}`] = res.unknown;
    for (const x of res.rows) {
      const i = rows.length;
      rows.push({
        job,
        stage,
        dimension: x.dimension,
        category: x.category,
        n: x.n,
        selectionRate: x.selectionRate,
        selectionImpactRatio: x.selectionImpactRatio,
        scoringRate: x.scoringRate,
        scoringImpactRatio: x.scoringImpactRatio,
        excluded: x.excluded ? 'excluded_under_2pct' : '',
        unknown: res.unknown[x.dimension] ?? 0,
      });
      if (x.selectionImpactRatio !== null && x.selectionImpactRatio < IMPACT_THRESHOLD) highlight.push({ row: i, column: 'selectionImpactRatio', reason: 'IMPACT_RATIO_BELOW_0_8' });
      if (x.scoringImpactRatio !== null && x.scoringImpactRatio < IMPACT_THRESHOLD) highlight.push({ row: i, column: 'scoringImpactRatio', reason: 'IMPACT_RATIO_BELOW_0_8' });
    }
  }
  const notes: Note[] = [
    {
      code: 'HEURISTIC_0_8',
      severity: highlight.length ? 'warning' : 'info',
      'zh-CN': '影响比低于 0.8 的单元格已突出显示。0.8（“五分之四规则”）只是一个筛查用的经验界线：低于它并不证明存在歧视，高于它也不证明没有；样本较小时比值波动很大。请由人结合具体情况判断。',
      en: 'Impact ratios under 0.8 are highlighted. 0.8 (the "four-fifths rule") is a screening heuristic: a value below it does not prove discrimination and a value above it does not rule it out; small samples make ratios swing. A person must judge each case.',
    },
    {
      code: 'LL144_METHOD',
      severity: 'info',
      'zh-CN': '按纽约市第144号地方法的方法：选拔率=被选人数/被评估人数；得分率=该类别中得分高于全体样本中位数的比例；影响比=该类别的比率÷比率最高类别的比率。类别未知者单独计数、不计入比率；占已知数据不足 2% 的类别不参与影响比，但仍显示人数和比率。',
      en: 'NYC Local Law 144 method: selection rate = selected / assessed; scoring rate = share of the category scoring above the median of the whole sample; impact ratio = the category\'s rate / the highest category\'s rate. Unknown categories are counted but left out of the rates; categories under 2% of the known data are left out of the impact ratio (their counts and rates are still shown).',
    },
    {
      code: 'AGGREGATE_ONLY',
      severity: 'info',
      'zh-CN': '人口统计类别只用于本汇总监测，不会显示到个人，也不会进入任何评分。',
      en: 'Demographic categories are used only for this aggregate monitor; they are never shown per person and never enter a score.',
    },
  ];
  return {
    columns: [
      col('job', '岗位', 'Job', 'text'),
      col('stage', '阶段', 'Stage', 'text'),
      col('dimension', '类别维度', 'Category dimension', 'text'),
      col('category', '类别', 'Category', 'text'),
      col('n', '人数', 'Applicants', 'integer'),
      col('selectionRate', '选拔率', 'Selection rate', 'percent'),
      col('selectionImpactRatio', '选拔影响比', 'Selection impact ratio', 'ratio'),
      col('scoringRate', '得分率', 'Scoring rate', 'percent'),
      col('scoringImpactRatio', '得分影响比', 'Scoring impact ratio', 'ratio'),
      col('excluded', '不参与影响比', 'Excluded from ratio', 'text'),
      col('unknown', '类别未知人数', 'Unknown category (count)', 'integer'),
    ],
    rows,
    chart: { type: 'bar', x: 'category', series: ['selectionImpactRatio', 'scoringImpactRatio'] },
    notes,
    highlight,
    meta: { excluded, unknown },
  };
}

/**
 * Runs one report: its queries in one read-only transaction (one consistent snapshot, so the
 * counts of one report agree with each other) with enough working memory that a median's sort of
 * a few hundred thousand narrow rows stays in memory (PostgreSQL's 4 MB default spills to disk).
 */
export async function runReport(pool: pg.Pool, name: ReportName, f: Filters, now: () => number = Date.now, opts: { source?: 'summaries' | 'raw' } = {}): Promise<Report> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN TRANSACTION READ ONLY');
    await client.query("SET LOCAL work_mem = '32MB'");
    // The summaries (summary-reports.ts) answer the reports that would scan the large fact tables;
    // `source: 'raw'` computes every report from the fact rows alone (the oracle the tests compare with).
    const fromSummaries = opts.source !== 'raw';
    const summary = fromSummaries ? summaryBuilders[name] : undefined;
    const built = summary ? await summary(client, f) : await builders[name](client, f);
    const sessions = fromSummaries ? await summarySessionCount(client, f) : await sessionCount(client, f);
    await client.query('COMMIT');
    const { meta, ...rest } = built;
    return { name, title: REPORT_INFO[name].title, ...rest, meta: { sessions, generatedAt: new Date(now()).toISOString(), ...(meta ?? {}) } };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}
