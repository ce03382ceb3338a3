/**
 * The analytics arithmetic, pure and separately tested: the NYC Local Law 144 bias-audit method
 * (DCWP rules, 6 RCNY 5-300/5-301) and a correlation's 95 % confidence interval (Fisher z).
 *
 * LL144: for each category, selection rate = selected / assessed and scoring rate = share of the
 * category scoring above the median score of the whole sample; impact ratio = a category's rate
 * divided by the highest rate among the categories in the ratio. Individuals of an unknown
 * category are counted and left out of the rates; a category under 2 % of the known data may be
 * left out of the ratio (its count and rate are still shown).
 */

export const UNKNOWN = 'unknown';
/** Categories under this share of the known data are excluded from the impact ratio. */
export const EXCLUDE_SHARE = 0.02;
export const IMPACT_THRESHOLD = 0.8;

/** Aggregated input: how many of one category combination were assessed, selected, scored above the median. */
export interface CategoryGroup {
  readonly categories: Readonly<Record<string, string>>;
  readonly n: number;
  readonly selected: number;
  readonly aboveMedian: number;
}

export interface ImpactRow {
  /** The dimension: one category name ("sex") or an intersection ("sex×ethnicity"). */
  readonly dimension: string;
  readonly category: string;
  readonly n: number;
  readonly selected: number;
  readonly aboveMedian: number;
  readonly selectionRate: number;
  readonly scoringRate: number;
  /** Null when the category is excluded (under 2 %) or no category has a positive rate. */
  readonly selectionImpactRatio: number | null;
  readonly scoringImpactRatio: number | null;
  readonly excluded: boolean;
}

export interface ImpactResult {
  readonly rows: readonly ImpactRow[];
  /** Per dimension: how many assessed individuals had an unknown category. */
  readonly unknown: Readonly<Record<string, number>>;
  /** Per dimension: the categories left out of the ratio and their counts. */
  readonly excluded: Readonly<Record<string, ReadonlyArray<{ category: string; n: number }>>>;
}

const isUnknown = (v: string | undefined): boolean => v === undefined || v.trim() === '' || v.trim().toLowerCase() === UNKNOWN;

/**
 * The dimensions to report: each single category name, then every intersection of two or more
 * (all names together last), in the order given.
 */
export function dimensionsOf(names: readonly string[]): string[][] {
  const singles = names.map((n) => [n]);
  const out: string[][] = [...singles];
  const k = names.length;
  if (k < 2 || k > 6) return k > 6 ? [...singles, [...names]] : out;
  for (let mask = 1; mask < 1 << k; mask++) {
    const pick = names.filter((_, i) => mask & (1 << i));
    if (pick.length >= 2) out.push(pick);
  }
  return out;
}

/** Impact ratios for the given dimensions; a dimension is a list of category names (intersection when 2+). */
export function impactRatios(groups: readonly CategoryGroup[], dimensions: ReadonlyArray<readonly string[]>, excludeShare = EXCLUDE_SHARE): ImpactResult {
  const rows: ImpactRow[] = [];
  const unknown: Record<string, number> = {};
  const excludedOut: Record<string, Array<{ category: string; n: number }>> = {};
  // Each group's value per category name, trimmed, or null when unknown: once, not once per dimension.
  const norm = groups.map(() => new Map<string, string | null>());
  const valueOf = (i: number, name: string): string | null => {
    const m = norm[i]!;
    let v = m.get(name);
    if (v === undefined) {
      const raw = groups[i]!.categories[name];
      v = isUnknown(raw) ? null : raw!.trim();
      m.set(name, v);
    }
    return v;
  };
  for (const dim of dimensions) {
    const dimName = dim.join('×');
    const cells = new Map<string, { n: number; selected: number; above: number }>();
    let unk = 0;
    for (let i = 0; i < groups.length; i++) {
      const g = groups[i]!;
      let key = '';
      let known = true;
      for (let j = 0; j < dim.length; j++) {
        const v = valueOf(i, dim[j]!);
        if (v === null) {
          known = false;
          break;
        }
        key = j === 0 ? v : `${key} / ${v}`;
      }
      if (!known) {
        unk += g.n;
        continue;
      }
      const c = cells.get(key) ?? { n: 0, selected: 0, above: 0 };
      c.n += g.n;
      c.selected += g.selected;
      c.above += g.aboveMedian;
      cells.set(key, c);
    }
    unknown[dimName] = unk;
    const known = [...cells.values()].reduce((s, c) => s + c.n, 0);
    const entries = [...cells.entries()].filter(([, c]) => c.n > 0).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    const isExcluded = (n: number) => known > 0 && n / known < excludeShare;
    const included = entries.filter(([, c]) => !isExcluded(c.n));
    const maxSel = Math.max(0, ...included.map(([, c]) => c.selected / c.n));
    const maxScore = Math.max(0, ...included.map(([, c]) => c.above / c.n));
    excludedOut[dimName] = entries.filter(([, c]) => isExcluded(c.n)).map(([category, c]) => ({ category, n: c.n }));
    for (const [category, c] of entries) {
      const excluded = isExcluded(c.n);
      const sr = c.selected / c.n;
      const sc = c.above / c.n;
      rows.push({
        dimension: dimName,
        category,
        n: c.n,
        selected: c.selected,
        aboveMedian: c.above,
        selectionRate: sr,
        scoringRate: sc,
        selectionImpactRatio: excluded || maxSel === 0 ? null : sr / maxSel,
        scoringImpactRatio: excluded || maxScore === 0 ? null : sc / maxScore,
        excluded,
      });
    }
  }
  return { rows, unknown, excluded: excludedOut };
}

/** The median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of nothing');
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface CorrelationCi {
  readonly n: number;
  readonly r: number | null;
  readonly low: number | null;
  readonly high: number | null;
}

/** Standard normal quantile for a two-sided 95 % interval. */
export const Z95 = 1.959963984540054;

/** 95 % CI of a correlation by Fisher's z transform; undefined (nulls) for n < 4 or |r| = 1 or no r. */
export function fisherCi(r: number | null, n: number): CorrelationCi {
  if (r === null || !Number.isFinite(r) || n < 4) return { n, r: r !== null && Number.isFinite(r) ? r : null, low: null, high: null };
  const rr = Math.max(-1, Math.min(1, r));
  if (Math.abs(rr) >= 1) return { n, r: rr, low: rr, high: rr };
  const z = Math.atanh(rr);
  const se = 1 / Math.sqrt(n - 3);
  return { n, r: rr, low: Math.tanh(z - Z95 * se), high: Math.tanh(z + Z95 * se) };
}

/** Pearson r from running sums (point-biserial when y is 0/1); null when either side has no variance. */
export function pearsonFromSums(n: number, sx: number, sy: number, sxx: number, syy: number, sxy: number): number | null {
  if (n < 2) return null;
  const vx = n * sxx - sx * sx;
  const vy = n * syy - sy * sy;
  if (vx <= 0 || vy <= 0) return null;
  return (n * sxy - sx * sy) / Math.sqrt(vx * vy);
}

/** Minimum n before "the interval includes 0" is read as "predicts nothing". */
export const MIN_N_FOR_NULL_FLAG = 30;

export type ValidityFlag = 'predicts_nothing' | 'hurts_fairness' | 'too_few' | null;

export function validityFlag(ci: CorrelationCi, minImpactRatio: number | null, minN = MIN_N_FOR_NULL_FLAG): ValidityFlag {
  if (minImpactRatio !== null && minImpactRatio < IMPACT_THRESHOLD) return 'hurts_fairness';
  if (ci.n < minN || ci.low === null || ci.high === null) return 'too_few';
  if (ci.low <= 0 && ci.high >= 0) return 'predicts_nothing';
  return null;
}
