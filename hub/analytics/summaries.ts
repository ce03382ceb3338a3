/**
 * Analytics summaries (#14): per day, month and year (China Standard Time, UTC+8) × job, the counts
 * and exact sums the slow reports need, maintained in the same transaction as the fact rows
 * (facts.ts: at ingest and at each HR import). A report reads the whole years, months and days of
 * its range from here and only the partial days at its edges from the fact rows, so a year-wide
 * report reads a few thousand summary rows instead of 300,000 answers.
 *
 * Exactness: every value a report returns from a summary equals the one computed from the fact
 * rows alone (the oracle, reports.ts with `source: 'raw'`). Counts are integers; sums of scores
 * are `numeric` (the float8 → numeric conversion is per value and deterministic, numeric addition
 * is exact, so the order rows are added in changes nothing); medians come from per-bucket counts
 * plus the raw rows of the one or two middle buckets; "above the median" per demographic group
 * comes from sorted score arrays (`width_bucket`, a binary search) since the median is only known
 * when the report runs.
 *
 * Centre: only the pre-check summary has a centre column (it groups by centre). The others are
 * per job, so a report filtered by centre (a small share of the data) reads the fact rows.
 *
 * Maintenance recomputes whole cells (grain, period, job) from the fact rows, for every cell a
 * change touched (old and new rows). The bench and migration 0006 build the same rows through the
 * same SQL with every cell as touched.
 */
import type pg from 'pg';

type Db = Pick<pg.PoolClient, 'query'>;

export const SUMMARY_UTC_OFFSET_HOURS = 8;
/** First key of the per-job advisory locks of summary maintenance (the second is the job's hash). */
const SUMMARY_LOCK_KEY = 7_402_114;
const OFFSET_MS = SUMMARY_UTC_OFFSET_HOURS * 3_600_000;
const DAY_MS = 86_400_000;

interface Dim {
  readonly col: string;
  readonly expr: string;
  readonly type: string;
}
interface Agg {
  readonly col: string;
  readonly expr: string;
  readonly type: string;
}
export interface SummarySpec {
  readonly table: string;
  /** The fact table, alias r. */
  readonly source: string;
  /** Its time column (r.…): the period a row belongs to. */
  readonly time: string;
  readonly where: string;
  readonly dims: readonly Dim[];
  readonly aggs: readonly Agg[];
}

export const OUTCOMES = ['final_round', 'offer', 'probation'] as const;
export const FAIR_STAGES = ['interview', ...OUTCOMES] as const;
const inStage = (st: string) => (st === 'interview' ? 'r.selected IS NOT NULL' : `r.${st} IS NOT NULL`);
const decision = (st: string) => (st === 'interview' ? 'r.selected' : `r.${st}`);
const cnt = (col: string, cond: string): Agg => ({ col, expr: `count(*) FILTER (WHERE ${cond})::int`, type: 'integer' });

const correlationSums = (x: string, sumType: 'numeric' | 'bigint', scored: string): Agg[] =>
  OUTCOMES.flatMap((o) => [
    cnt(`n_${o}`, `${scored} r.${o} IS NOT NULL`),
    { col: `sx_${o}`, expr: `sum(${x}) FILTER (WHERE ${scored} r.${o} IS NOT NULL)${sumType === 'bigint' ? '::bigint' : ''}`, type: sumType },
    { col: `sxx_${o}`, expr: `sum(${x} * ${x}) FILTER (WHERE ${scored} r.${o} IS NOT NULL)${sumType === 'bigint' ? '::bigint' : ''}`, type: sumType },
    cnt(`sy_${o}`, `${scored} r.${o}`),
    { col: `sxy_${o}`, expr: `sum(${x}) FILTER (WHERE ${scored} r.${o})${sumType === 'bigint' ? '::bigint' : ''}`, type: sumType },
  ]);

export const SUMMARIES = {
  sessions: {
    table: 'analytics_sum_sessions',
    source: 'analytics_sessions r',
    time: 'r.started_at',
    where: 'true',
    dims: [{ col: 'stage', expr: 'r.stage', type: 'text' }],
    aggs: [
      { col: 'n', expr: 'count(*)::int', type: 'integer' },
      cnt('done', 'r.completed'),
      cnt('pass', 'r.selected'),
      { col: 'score_n', expr: 'count(r.score_mean)::int', type: 'integer' },
      { col: 'score_sum', expr: 'sum(r.score_mean::numeric)', type: 'numeric' },
    ],
  },
  sessionBins: {
    table: 'analytics_sum_session_bins',
    source: 'analytics_sessions r',
    time: 'r.started_at',
    where: 'r.score_mean IS NOT NULL',
    // score-distribution's ten bins, by the report's own expression
    dims: [{ col: 'bin', expr: 'least(floor(r.score_mean / 10), 9)::int', type: 'integer' }],
    aggs: [{ col: 'n', expr: 'count(*)::int', type: 'integer' }],
  },
  sessionBuckets: {
    table: 'analytics_sum_session_buckets',
    source: 'analytics_sessions r',
    time: 'r.started_at',
    where: 'r.score_mean IS NOT NULL',
    dims: [{ col: 'bucket', expr: 'floor(r.score_mean)::int', type: 'integer' }],
    aggs: FAIR_STAGES.map((st) => cnt(`c_${st}`, inStage(st))),
  },
  sessionDemo: {
    table: 'analytics_sum_session_demo',
    source: 'analytics_sessions r',
    time: 'r.started_at',
    where: 'r.score_mean IS NOT NULL',
    dims: [{ col: 'demo', expr: "coalesce(r.demo, '')", type: 'text' }],
    aggs: FAIR_STAGES.flatMap((st) => [
      cnt(`n_${st}`, inStage(st)),
      cnt(`s_${st}`, decision(st)),
      { col: `scores_${st}`, expr: `array_agg(r.score_mean ORDER BY r.score_mean) FILTER (WHERE ${inStage(st)})`, type: 'double precision[]' },
    ]),
  },
  answers: {
    table: 'analytics_sum_answers',
    source: 'analytics_answers r',
    time: 'r.started_at',
    where: 'true',
    dims: [{ col: 'question_id', expr: 'r.question_id', type: 'text' }],
    aggs: [
      { col: 'n', expr: 'count(*)::int', type: 'integer' },
      cnt('pass', "r.band = 'pass'"),
      { col: 'total_sum', expr: 'sum(r.total::numeric)', type: 'numeric' },
      cnt('review_n', 'r.for_review'),
      cnt('review_o', 'r.for_review AND r.overrides > 0'),
      ...correlationSums('r.total::numeric', 'numeric', "r.status = 'scored' AND"),
    ],
  },
  answerBuckets: {
    table: 'analytics_sum_answer_buckets',
    source: 'analytics_answers r',
    time: 'r.started_at',
    where: "r.status = 'scored'",
    dims: [
      { col: 'question_id', expr: 'r.question_id', type: 'text' },
      { col: 'bucket', expr: 'floor(r.total)::int', type: 'integer' },
    ],
    aggs: [{ col: 'n', expr: 'count(*)::int', type: 'integer' }],
  },
  answerDemo: {
    table: 'analytics_sum_answer_demo',
    source: 'analytics_answers r',
    time: 'r.started_at',
    where: "r.status = 'scored'",
    dims: [
      { col: 'question_id', expr: 'r.question_id', type: 'text' },
      { col: 'demo', expr: "coalesce(r.demo, '')", type: 'text' },
    ],
    aggs: [
      { col: 'n', expr: 'count(*)::int', type: 'integer' },
      { col: 'totals', expr: 'array_agg(r.total ORDER BY r.total)', type: 'double precision[]' },
    ],
  },
  competencies: {
    table: 'analytics_sum_competencies',
    source: 'analytics_competencies r',
    time: 'r.started_at',
    where: 'true',
    dims: [
      { col: 'question_id', expr: 'r.question_id', type: 'text' },
      { col: 'competency_id', expr: 'r.competency_id', type: 'text' },
    ],
    aggs: [
      { col: 'n', expr: 'count(*)::int', type: 'integer' },
      cnt('pass', 'r.level >= 3'),
      { col: 'level_sum', expr: 'sum(r.level)::bigint', type: 'bigint' },
      cnt('review_n', 'r.for_review'),
      cnt('review_o', 'r.for_review AND r.overridden'),
      ...correlationSums('r.level', 'bigint', ''),
    ],
  },
  prechecks: {
    table: 'analytics_sum_prechecks',
    source: 'analytics_prechecks r',
    time: 'r.at',
    where: 'true',
    dims: [
      { col: 'centre', expr: 'r.centre', type: 'text' },
      { col: 'check_id', expr: 'r.check_id', type: 'text' },
      { col: 'cause', expr: "coalesce(r.cause, '-')", type: 'text' },
      { col: 'device', expr: 'r.device', type: 'text' },
    ],
    aggs: [
      { col: 'n', expr: 'count(*)::int', type: 'integer' },
      cnt('fails', "r.status = 'fail'"),
    ],
  },
} as const satisfies Record<string, SummarySpec>;

const ALL_SPECS: readonly SummarySpec[] = Object.values(SUMMARIES);

/** The CREATE TABLE statements (migration 0006). */
export function summaryDdl(): string {
  return ALL_SPECS.map(
    (s) => `CREATE TABLE ${s.table} (
      grain char(1) NOT NULL CHECK (grain IN ('d','m','y')),
      period timestamptz NOT NULL,
      job text NOT NULL,
      ${[...s.dims.map((d) => `${d.col} ${d.type} NOT NULL`), ...s.aggs.map((a) => `${a.col} ${a.type}`)].join(',\n      ')},
      PRIMARY KEY (grain, period, job, ${s.dims.map((d) => d.col).join(', ')})
    );${
      // The roll-up merges one key's score arrays over the months of a year: one short index range per key.
      s.aggs.some((a) => a.type === 'double precision[]') ? `\n    CREATE INDEX ${s.table}_rollup ON ${s.table} (grain, job, ${s.dims.map((d) => d.col).join(', ')}, period);` : ''
    }`,
  ).join('\n');
}

// Periods in UTC+8, computed on timestamps without time zone so the session's TimeZone plays no part.
const local = (x: string) => `((${x}) AT TIME ZONE 'UTC' + interval '${SUMMARY_UTC_OFFSET_HOURS} hours')`;
const back = (x: string) => `((${x}) - interval '${SUMMARY_UTC_OFFSET_HOURS} hours') AT TIME ZONE 'UTC'`;
export type Grain = 'd' | 'm' | 'y';
const UNIT: Record<Grain, string> = { d: 'day', m: 'month', y: 'year' };
const periodOf = (grain: Grain, x: string) => back(`date_trunc('${UNIT[grain]}', ${local(x)})`);
const periodEnd = (grain: Grain, p: string) => back(`${local(p)} + interval '1 ${UNIT[grain]}'`);

/**
 * Recomputes every (grain, period, job) cell that holds one of the given (job, time) points: the
 * cells' rows are deleted and rebuilt from the fact rows. `cells` is SQL yielding columns (job, at).
 */
function rebuildStatements(cells: string): string[] {
  // Per grain, days first: a day is rebuilt from the fact rows (the join can hash on (job, period)
  // when many cells are touched, a rebuild, and use the (job, time) index when few are, an ingest
  // batch); a month from its days and a year from its months (counts and exact sums add up; score
  // arrays are merged and re-sorted), so a year-wide report reads one row per key.
  return (['d', 'm', 'y'] as const).flatMap((g) => {
    const cellSql = `SELECT DISTINCT c.job, ${periodOf(g, 'c.at')} AS period FROM (${cells}) c`;
    const cellsWithEnd = `(SELECT x.*, ${periodEnd(g, 'x.period')} AS period_end FROM (${cellSql}) x) x`;
    return ALL_SPECS.flatMap((s) => {
      const dims = s.dims.map((d) => d.expr);
      const cols = [...s.dims.map((d) => d.col), ...s.aggs.map((a) => a.col)].join(', ');
      const del = `DELETE FROM ${s.table} t USING (${cellSql}) x WHERE t.grain = '${g}' AND t.job = x.job AND t.period = x.period`;
      if (g !== 'd') {
        const from = g === 'm' ? 'd' : 'm';
        const isArray = (a: Agg) => a.type === 'double precision[]';
        const combine = (a: Agg) => (a.type === 'numeric' ? `sum(d.${a.col}) AS ${a.col}` : `sum(d.${a.col})::${a.type} AS ${a.col}`);
        const sums = s.aggs.filter((a) => !isArray(a));
        const grouped = `SELECT x.period, x.period_end, d.job, ${[...s.dims.map((dm) => `d.${dm.col}`), ...sums.map(combine)].join(', ')}
           FROM ${cellsWithEnd} JOIN ${s.table} d ON d.grain = '${from}' AND d.job = x.job AND d.period >= x.period AND d.period < x.period_end
           GROUP BY x.period, x.period_end, d.job, ${s.dims.map((dm) => `d.${dm.col}`).join(', ')}`;
        const merged = (a: Agg) =>
          `(SELECT array_agg(v ORDER BY v) FROM ${s.table} d2 CROSS JOIN LATERAL unnest(d2.${a.col}) AS v
            WHERE d2.grain = '${from}' AND d2.job = gr.job AND d2.period >= gr.period AND d2.period < gr.period_end AND ${s.dims.map((dm) => `d2.${dm.col} = gr.${dm.col}`).join(' AND ')})`;
        return [
          del,
          `INSERT INTO ${s.table} (grain, period, job, ${cols})
           SELECT '${g}', gr.period, gr.job, ${[...s.dims.map((dm) => `gr.${dm.col}`), ...s.aggs.map((a) => (isArray(a) ? merged(a) : `gr.${a.col}`))].join(', ')}
           FROM (${grouped}) gr`,
        ];
      }
      return [
        del,
        `INSERT INTO ${s.table} (grain, period, job, ${cols})
         SELECT '${g}', x.period, r.job, ${[...dims, ...s.aggs.map((a) => a.expr)].join(', ')}
         FROM ${cellsWithEnd}
         JOIN ${s.source} ON r.job = x.job AND ${periodOf(g, s.time)} = x.period AND ${s.time} >= x.period AND ${s.time} < x.period_end
         WHERE ${s.where}
         GROUP BY x.period, r.job, ${dims.map((_, i) => i + 4).join(', ')}`,
      ];
    });
  });
}

async function rebuild(db: Db, cells: string, params: readonly unknown[]): Promise<void> {
  for (const sql of rebuildStatements(cells)) await db.query(sql, [...params]);
}

export interface CellPoint {
  readonly job: string;
  readonly at: Date | string | number;
}

/** Recomputes the summary cells of these (job, time) points (the ingest and import paths). */
export async function refreshSummaryCells(db: Db, points: readonly CellPoint[]): Promise<void> {
  const uniq = new Map<string, CellPoint>();
  for (const p of points) {
    const ms = p.at instanceof Date ? p.at.getTime() : typeof p.at === 'number' ? p.at : Date.parse(p.at);
    if (!Number.isFinite(ms)) continue;
    // One point per day and job is enough (a day lies inside one month).
    const day = Math.floor((ms + OFFSET_MS) / DAY_MS);
    uniq.set(`${p.job}\u0000${day}`, { job: p.job, at: new Date(ms).toISOString() });
  }
  if (uniq.size === 0) return;
  const v = [...uniq.values()];
  // One writer per job at a time, until commit: a concurrent transaction's rebuild of the same
  // cells must start after this one commits, so its (read committed) statements see these rows
  // and facts — else the two would interleave delete and insert of the same keys. Taken in one
  // order (by hash) so two transactions touching several jobs cannot deadlock.
  await db.query(`SELECT pg_advisory_xact_lock(${SUMMARY_LOCK_KEY}, h) FROM (SELECT DISTINCT hashtext(j) AS h FROM unnest($1::text[]) AS j ORDER BY 1) x`, [v.map((p) => p.job)]);
  await rebuild(db, 'SELECT * FROM unnest($1::text[], $2::timestamptz[]) AS c(job, at)', [v.map((p) => p.job), v.map((p) => p.at)]);
}

/** The (job, time) points of the fact rows of these sessions (before and after a change). */
export async function factPointsOfSessions(db: Db, kioskId: string, sessionIds: readonly string[]): Promise<CellPoint[]> {
  if (sessionIds.length === 0) return [];
  const r = await db.query<{ job: string; at: Date }>(
    `SELECT job, started_at AS at FROM analytics_sessions WHERE kiosk_id = $1 AND session_id = ANY($2::text[])
     UNION SELECT job, at FROM analytics_prechecks WHERE kiosk_id = $1 AND session_id = ANY($2::text[])`,
    [kioskId, [...sessionIds]],
  );
  return r.rows;
}

/** Every cell that holds a fact row. */
const ALL_CELLS = 'SELECT job, started_at AS at FROM analytics_sessions UNION SELECT job, at FROM analytics_prechecks';

/** Rebuilds every summary from the fact rows (the bench after seeding) through the ingest path's SQL. */
export async function rebuildAllSummaries(db: Db): Promise<void> {
  for (const s of ALL_SPECS) await db.query(`DELETE FROM ${s.table}`);
  await rebuild(db, ALL_CELLS, []);
}

/** The same as SQL text (migration 0006 summarises an existing hub's facts). */
export function rebuildAllSql(): string {
  return rebuildStatements(ALL_CELLS).map((x) => `${x};`).join('\n');
}

// ---- Reading: whole months and days from the summaries, the partial days from the fact rows ----

export interface Span {
  readonly from: number | null;
  readonly to: number | null;
}
export interface Plan {
  readonly summary: ReadonlyArray<Span & { readonly grain: Grain }>;
  readonly raw: readonly Span[];
}

const dayFloor = (ms: number) => Math.floor((ms + OFFSET_MS) / DAY_MS) * DAY_MS - OFFSET_MS;
const unitFloor = (g: Grain, ms: number): number => {
  if (g === 'd') return dayFloor(ms);
  const d = new Date(ms + OFFSET_MS);
  return Date.UTC(d.getUTCFullYear(), g === 'm' ? d.getUTCMonth() : 0, 1) - OFFSET_MS;
};
const unitNext = (g: Grain, start: number): number => {
  if (g === 'd') return start + DAY_MS;
  const d = new Date(start + OFFSET_MS);
  return Date.UTC(d.getUTCFullYear() + (g === 'y' ? 1 : 0), d.getUTCMonth() + (g === 'm' ? 1 : 0), 1) - OFFSET_MS;
};
const unitCeil = (g: Grain, ms: number) => (unitFloor(g, ms) === ms ? ms : unitNext(g, unitFloor(g, ms)));

/** Splits [from, to) into whole years, months and days (UTC+8) and the partial days at the edges. */
export function planRange(from: number | null, to: number | null): Plan {
  const summary: Array<Span & { grain: Grain }> = [];
  const raw: Span[] = [];
  const cover = (a: number | null, b: number | null, levels: readonly Grain[]) => {
    if (a !== null && b !== null && a >= b) return;
    const [g, ...rest] = levels;
    if (!g) {
      raw.push({ from: a, to: b });
      return;
    }
    const s = a === null ? null : unitCeil(g, a);
    const e = b === null ? null : unitFloor(g, b);
    if (s === null || e === null || s < e) {
      summary.push({ grain: g, from: s, to: e });
      if (a !== null) cover(a, s, rest);
      if (b !== null) cover(e, b, rest);
    } else cover(a, b, rest);
  };
  cover(from, to, ['y', 'm', 'd']);
  return { summary, raw };
}

export interface RangeFilter {
  readonly from?: string;
  readonly to?: string;
  readonly job?: string;
  readonly centre?: string;
}

/**
 * SQL yielding the spec's columns (job, dims…, aggs…) for the filter: summary rows of the whole
 * periods, then the fact rows of the partial days aggregated the same way. The caller combines
 * them (sums; arrays per row). Parameters are appended to `params`.
 */
export function summaryUnion(spec: SummarySpec, f: RangeFilter, params: unknown[]): string {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const from = f.from ? new Date(f.from).getTime() : null;
  const to = f.to ? new Date(f.to).getTime() : null;
  const centreInSummary = spec.dims.some((d) => d.col === 'centre');
  const plan: Plan = f.centre && !centreInSummary ? { summary: [], raw: [{ from, to }] } : planRange(from, to);
  const iso = (ms: number) => new Date(ms).toISOString();
  const cols = ['job', ...spec.dims.map((d) => d.col), ...spec.aggs.map((a) => a.col)];
  const parts: string[] = [];
  if (plan.summary.length) {
    const seg = plan.summary
      .map((s) => `(t.grain = '${s.grain}'${s.from !== null ? ` AND t.period >= ${p(iso(s.from))}::timestamptz` : ''}${s.to !== null ? ` AND t.period < ${p(iso(s.to))}::timestamptz` : ''})`)
      .join(' OR ');
    const conds = [`(${seg})`];
    if (f.job) conds.push(`t.job = ${p(f.job)}`);
    if (f.centre) conds.push(`t.centre = ${p(f.centre)}`);
    parts.push(`SELECT ${cols.map((c) => `t.${c}`).join(', ')} FROM ${spec.table} t WHERE ${conds.join(' AND ')}`);
  }
  if (plan.raw.length) {
    const spans = plan.raw
      .map((s) => {
        const c = [s.from !== null ? `${spec.time} >= ${p(iso(s.from))}::timestamptz` : '', s.to !== null ? `${spec.time} < ${p(iso(s.to))}::timestamptz` : ''].filter(Boolean);
        return `(${c.length ? c.join(' AND ') : 'true'})`;
      })
      .join(' OR ');
    const conds = [spec.where, `(${spans})`];
    if (f.job) conds.push(`r.job = ${p(f.job)}`);
    if (f.centre) conds.push(`r.centre = ${p(f.centre)}`);
    parts.push(
      `SELECT r.job, ${[...spec.dims.map((d) => `${d.expr} AS ${d.col}`), ...spec.aggs.map((a) => `${a.expr} AS ${a.col}`)].join(', ')}
       FROM ${spec.source} WHERE ${conds.join(' AND ')} GROUP BY ${spec.dims.map((_, i) => i + 2).concat([1]).join(', ')}`,
    );
  }
  if (parts.length === 0) return `SELECT ${cols.map((c) => `t.${c}`).join(', ')} FROM ${spec.table} t WHERE false`;
  return parts.map((x) => `(${x})`).join(' UNION ALL ');
}
