/**
 * Exact medians (percentile_cont(0.5) semantics: the middle value, or the mean of the two middle
 * values) without sorting every row: a first pass counts values per unit-wide bucket (a hash
 * aggregate), the middle rank(s) are located in JS, and a second pass sorts only the rows of the
 * one or two buckets that hold them. Several populations (SQL conditions) share both passes.
 */
import type pg from 'pg';

export interface MedianSpec {
  /** FROM clause, e.g. `analytics_sessions s`. */
  readonly from: string;
  /** The value (0–100 scores here; any finite range works). */
  readonly value: string;
  /** The grouping key (text). */
  readonly group: string;
  readonly where: string;
  readonly params: readonly unknown[];
  /** One SQL condition per population. */
  readonly populations: readonly string[];
}

type Db = Pick<pg.PoolClient, 'query'>;

/** The 1-based ranks whose values make the median of n values. */
export function middleRanks(n: number): number[] {
  if (n <= 0) return [];
  return n % 2 ? [(n + 1) / 2] : [n / 2, n / 2 + 1];
}

/** Per group: the count of each population in each unit-wide bucket `floor(value)`. */
export type BucketCounts = Map<string, Array<{ b: number; c: number[] }>>;

export async function exactMedians(db: Db, spec: MedianSpec): Promise<Map<string, Array<number | null>>> {
  const pops = spec.populations;
  const counts = await db.query<{ g: string; b: number } & Record<string, number>>(
    `SELECT ${spec.group} AS g, floor(${spec.value})::int AS b, ${pops.map((c, i) => `count(*) FILTER (WHERE ${c})::int AS c${i}`).join(', ')}
     FROM ${spec.from} WHERE ${spec.value} IS NOT NULL AND ${spec.where} GROUP BY 1, 2`,
    [...spec.params],
  );
  const byGroup: BucketCounts = new Map();
  for (const r of counts.rows) {
    let list = byGroup.get(r.g);
    if (!list) byGroup.set(r.g, (list = []));
    list.push({ b: r.b, c: pops.map((_, i) => Number(r[`c${i}`] ?? 0)) });
  }
  return mediansFromBuckets(db, spec, byGroup);
}

/**
 * The second pass alone: given the bucket counts of every group (from the first pass above, or
 * from the hourly/daily/monthly summaries), sorts only the rows of the buckets holding the middle
 * ranks. A group present in `byGroup` gets an entry (null per population with no rows).
 */
export async function mediansFromBuckets(db: Db, spec: MedianSpec, byGroup: BucketCounts): Promise<Map<string, Array<number | null>>> {
  const pops = spec.populations;
  // For each group and population: which bucket holds each middle rank, and the rank inside it.
  const wanted: Array<{ g: string; pop: number; bucket: number; rankInBucket: number }> = [];
  const out = new Map<string, Array<number | null>>();
  for (const [g, buckets] of byGroup) {
    buckets.sort((x, y) => x.b - y.b);
    out.set(g, pops.map(() => null));
    pops.forEach((_, i) => {
      const n = buckets.reduce((t, x) => t + x.c[i]!, 0);
      for (const rank of middleRanks(n)) {
        let before = 0;
        for (const x of buckets) {
          if (before + x.c[i]! >= rank) {
            wanted.push({ g, pop: i, bucket: x.b, rankInBucket: rank - before });
            break;
          }
          before += x.c[i]!;
        }
      }
    });
  }
  if (wanted.length === 0) return out;
  const k = spec.params.length;
  const params = [...spec.params, wanted.map((w) => w.g), wanted.map((w) => w.bucket), wanted.map((w) => w.pop), wanted.map((w) => w.rankInBucket)];
  const rows = await db.query<{ i: number; v: number }>(
    // One index probe per wanted rank: the lateral subquery makes the planner use the
    // (group, floor(value)) index of migrations 0005/0006 for each (group, bucket), where a
    // semi-join over the pairs was planned as a full scan; with 0006's covering indexes the probe
    // is index-only. Only the value at the rank comes back (the bucket's rows are sorted there).
    `SELECT w.i::int AS i, x.v
     FROM unnest($${k + 1}::text[], $${k + 2}::int[], $${k + 3}::int[], $${k + 4}::int[]) WITH ORDINALITY AS w(g, b, pop, rk, i)
     CROSS JOIN LATERAL (SELECT (${spec.value})::float8 AS v FROM ${spec.from}
       WHERE ${spec.value} IS NOT NULL AND ${spec.where} AND ${spec.group} = w.g AND floor(${spec.value})::int = w.b
         AND CASE w.pop ${pops.map((c, i) => `WHEN ${i} THEN (${c})`).join(' ')} ELSE false END
       ORDER BY 1 OFFSET w.rk - 1 LIMIT 1) x`,
    params,
  );
  const valueAt = new Map<number, number>(rows.rows.map((r) => [Number(r.i) - 1, Number(r.v)]));
  const picked = new Map<string, number[]>();
  for (const [wi, w] of wanted.entries()) {
    const v = valueAt.get(wi);
    if (v === undefined) continue;
    const key = `${w.g}\u0000${w.pop}`;
    let list = picked.get(key);
    if (!list) picked.set(key, (list = []));
    list.push(v);
  }
  for (const [key, vs] of picked) {
    const [g, pop] = key.split('\u0000') as [string, string];
    out.get(g)![Number(pop)] = vs.reduce((a, b) => a + b, 0) / vs.length;
  }
  return out;
}
