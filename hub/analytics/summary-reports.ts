/**
 * The reports that would scan the large fact tables, answered from the summaries (summaries.ts):
 * whole months and days from the summary rows, the partial days of the range from the fact rows
 * aggregated the same way, combined in SQL (integer and numeric sums are exact, so the result is
 * the same whatever way the rows are split). The presentation is reports.ts's; the numbers must
 * equal the raw path's (reports.ts with `source: 'raw'`), which the integration tests check on
 * random data.
 */
import { mediansFromBuckets, type BucketCounts } from './medians';
import {
  formatFairness,
  formatOutcomes,
  formatOverrides,
  formatPrechecks,
  formatScoreDistribution,
  formatValidity,
  STAGES,
  type Built,
  type Db,
  type DemoAboveRow,
  type FairnessRow,
  type Filters,
  type OutcomeItemRow,
  type OutcomeSessionRow,
  type OverrideRow,
  type PrecheckRow,
  type ReportName,
  type SumsRow,
} from './reports';
import { OUTCOMES, SUMMARIES, summaryUnion } from './summaries';

/** The raw-row conditions of a filter (for the medians' second pass, which reads the rows of one or two buckets). */
function rowWhere(f: Filters, params: unknown[], alias: string): string {
  const parts: string[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  if (f.from) parts.push(`${alias}.started_at >= ${p(new Date(f.from).toISOString())}::timestamptz`);
  if (f.to) parts.push(`${alias}.started_at < ${p(new Date(f.to).toISOString())}::timestamptz`);
  if (f.job) parts.push(`${alias}.job = ${p(f.job)}`);
  if (f.centre) parts.push(`${alias}.centre = ${p(f.centre)}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

function bucketCounts(rows: ReadonlyArray<{ g: string; b: number } & Record<string, unknown>>, pops: number): BucketCounts {
  const out: BucketCounts = new Map();
  for (const r of rows) {
    const list = out.get(r.g) ?? [];
    list.push({ b: Number(r.b), c: Array.from({ length: pops }, (_, i) => Number(r[`c${i}`] ?? 0)) });
    out.set(r.g, list);
  }
  return out;
}

export async function summarySessionCount(db: Db, f: Filters): Promise<number> {
  const params: unknown[] = [];
  const r = await db.query<{ n: number | null }>(`SELECT sum(u.n)::int AS n FROM (${summaryUnion(SUMMARIES.sessions, f, params)}) u`, params);
  return r.rows[0]?.n ?? 0;
}

export const summaryBuilders: Partial<Record<ReportName, (db: Db, f: Filters) => Promise<Built>>> = {
  async 'precheck-failures'(db, f) {
    const params: unknown[] = [];
    const r = await db.query<PrecheckRow>(
      `SELECT CASE WHEN GROUPING(cause)=0 THEN 'check_cause' WHEN GROUPING(check_id)=0 THEN 'check' WHEN GROUPING(centre)=0 THEN 'centre' ELSE 'device' END AS d,
              CASE WHEN GROUPING(cause)=0 THEN check_id || ' · ' || cause ELSE coalesce(check_id, centre, device) END AS v,
              sum(n)::int AS n, sum(fails)::int AS fails
       FROM (${summaryUnion(SUMMARIES.prechecks, f, params)}) u GROUP BY GROUPING SETS ((check_id), (check_id, cause), (centre), (device)) ORDER BY 1, 4 DESC, 2`,
      params,
    );
    return formatPrechecks(r.rows);
  },

  async outcomes(db, f) {
    const p1: unknown[] = [];
    const sess = await db.query<OutcomeSessionRow>(
      `SELECT CASE WHEN GROUPING(job)=0 THEN 'job' ELSE 'stage' END AS d, coalesce(job, stage) AS v, sum(n)::int AS n,
              sum(done)::int AS done, sum(pass)::int AS pass, sum(score_n)::int AS sn, sum(score_sum)::text AS ss
       FROM (${summaryUnion(SUMMARIES.sessions, f, p1)}) u GROUP BY GROUPING SETS ((job), (stage)) ORDER BY 1, 2`,
      p1,
    );
    const p2: unknown[] = [];
    const ans = await db.query<OutcomeItemRow>(
      `SELECT question_id AS v, sum(n)::int AS n, sum(pass)::int AS pass, sum(total_sum)::text AS sum FROM (${summaryUnion(SUMMARIES.answers, f, p2)}) u GROUP BY 1 ORDER BY 1`,
      p2,
    );
    const p3: unknown[] = [];
    const comp = await db.query<OutcomeItemRow>(
      `SELECT competency_id AS v, sum(n)::int AS n, sum(pass)::int AS pass, sum(level_sum)::text AS sum FROM (${summaryUnion(SUMMARIES.competencies, f, p3)}) u GROUP BY 1 ORDER BY 1`,
      p3,
    );
    return formatOutcomes(sess.rows, ans.rows, comp.rows);
  },

  async 'score-distribution'(db, f) {
    const params: unknown[] = [];
    const r = await db.query<{ b: number; n: number }>(`SELECT bin AS b, sum(n)::int AS n FROM (${summaryUnion(SUMMARIES.sessionBins, f, params)}) u GROUP BY 1 ORDER BY 1`, params);
    return formatScoreDistribution(r.rows);
  },

  async 'review-overrides'(db, f) {
    const p1: unknown[] = [];
    const q = await db.query<OverrideRow>(
      `SELECT question_id AS v, sum(review_n)::int AS n, sum(review_o)::int AS o FROM (${summaryUnion(SUMMARIES.answers, f, p1)}) u GROUP BY 1 HAVING sum(review_n) > 0 ORDER BY 1`,
      p1,
    );
    const p2: unknown[] = [];
    const c = await db.query<OverrideRow>(
      `SELECT competency_id AS v, sum(review_n)::int AS n, sum(review_o)::int AS o FROM (${summaryUnion(SUMMARIES.competencies, f, p2)}) u GROUP BY 1 HAVING sum(review_n) > 0 ORDER BY 1`,
      p2,
    );
    return formatOverrides(q.rows, c.rows);
  },

  async validity(db, f) {
    // Medians: bucket counts from the summaries, then the rows of the middle buckets.
    const p1: unknown[] = [];
    const buckets = await db.query<{ g: string; b: number; c0: number }>(
      `SELECT question_id AS g, bucket AS b, sum(n)::int AS c0 FROM (${summaryUnion(SUMMARIES.answerBuckets, f, p1)}) u GROUP BY 1, 2`,
      p1,
    );
    const mp: unknown[] = [];
    const medians = await mediansFromBuckets(
      db,
      { from: 'analytics_answers a', value: 'a.total', group: 'a.question_id', where: `a.status = 'scored' AND ${rowWhere(f, mp, 'a')}`, params: mp, populations: ['true'] },
      bucketCounts(buckets.rows, 1),
    );
    const qs = [...medians.keys()].filter((q) => typeof medians.get(q)![0] === 'number');
    // Above the median per demographic combination: a binary search in each sorted score array.
    const p2: unknown[] = [qs, qs.map((q) => medians.get(q)![0])];
    const grouped = await db.query<DemoAboveRow>(
      `SELECT u.question_id AS q, nullif(u.demo, '') AS demo, sum(u.n)::int AS n, sum(cardinality(u.totals) - width_bucket(m.med, u.totals))::int AS above
       FROM (${summaryUnion(SUMMARIES.answerDemo, f, p2)}) u JOIN unnest($1::text[], $2::float8[]) AS m(q, med) ON m.q = u.question_id
       GROUP BY 1, 2`,
      p2,
    );
    const sumCols = OUTCOMES.map((o, i) => `sum(n_${o})::int AS n${i}, sum(sx_${o})::text AS sx${i}, sum(sxx_${o})::text AS sxx${i}, sum(sy_${o})::int AS sy${i}, sum(sxy_${o})::text AS sxy${i}`).join(', ');
    const p3: unknown[] = [];
    const byQuestion = await db.query<SumsRow>(`SELECT question_id AS q, '' AS c, ${sumCols} FROM (${summaryUnion(SUMMARIES.answers, f, p3)}) u GROUP BY 1`, p3);
    const p4: unknown[] = [];
    const byCompetency = await db.query<SumsRow>(`SELECT question_id AS q, competency_id AS c, ${sumCols} FROM (${summaryUnion(SUMMARIES.competencies, f, p4)}) u GROUP BY 1, 2`, p4);
    return formatValidity(f, grouped.rows, [...byQuestion.rows.filter((x) => qs.includes(x.q)), ...byCompetency.rows]);
  },

  async fairness(db, f) {
    const stages = f.stage ? [f.stage] : [...STAGES];
    const inStage = (st: string) => (st === 'interview' ? 's.selected IS NOT NULL' : `s.${st} IS NOT NULL`);
    const p1: unknown[] = [];
    const buckets = await db.query<{ g: string; b: number } & Record<string, number>>(
      `SELECT job AS g, bucket AS b, ${stages.map((st, i) => `sum(c_${st})::int AS c${i}`).join(', ')} FROM (${summaryUnion(SUMMARIES.sessionBuckets, f, p1)}) u GROUP BY 1, 2`,
      p1,
    );
    const mp: unknown[] = [];
    const medians = await mediansFromBuckets(
      db,
      { from: 'analytics_sessions s', value: 's.score_mean', group: 's.job', where: rowWhere(f, mp, 's'), params: mp, populations: stages.map(inStage) },
      bucketCounts(buckets.rows, stages.length),
    );
    const jobs = [...medians.keys()];
    const p2: unknown[] = [jobs, ...stages.map((_, i) => jobs.map((j) => medians.get(j)![i] ?? null))];
    const union = summaryUnion(SUMMARIES.sessionDemo, f, p2);
    const r = await db.query<FairnessRow>(
      `SELECT u.job, nullif(u.demo, '') AS demo, ${stages
        .map((st) => `sum(u.n_${st})::int AS n_${st}, sum(u.s_${st})::int AS s_${st}, coalesce(sum(cardinality(u.scores_${st}) - width_bucket(m.m_${st}, u.scores_${st})), 0)::int AS a_${st}`)
        .join(', ')}
       FROM (${union}) u JOIN unnest($1::text[], ${stages.map((_, i) => `$${i + 2}::float8[]`).join(', ')}) AS m(job, ${stages.map((st) => `m_${st}`).join(', ')}) USING (job)
       GROUP BY 1, 2`,
      p2,
    );
    return formatFairness(stages, r.rows);
  },
};
