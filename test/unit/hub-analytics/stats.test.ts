/**
 * The analytics arithmetic against hand-computed oracles: LL144 rates, impact ratios, the 2 %
 * exclusion and unknown counts (numbers worked out by hand in the comments), intersections, the
 * median, and the correlation's Fisher-z interval against values computed here from first
 * principles (logarithms and exponentials, not Math.atanh/tanh as the code uses).
 */
import { describe, expect, it } from 'vitest';
import { dimensionsOf, fisherCi, impactRatios, median, pearsonFromSums, validityFlag, type CategoryGroup } from '../../../hub/analytics/stats';

describe('LL144 impact ratios', () => {
  // 200 assessed: male 100 (50 selected, 60 above the median), female 80 (30, 32), "x" 2 (2, 2), unknown 18.
  // Known = 182; x is 2/182 = 1.1 % < 2 %: excluded from the ratio although its rates (1.0) are the highest.
  // Selection: male 0.5, female 0.375 → female 0.375/0.5 = 0.75. Scoring: male 0.6, female 0.4 → 0.4/0.6 = 0.6667.
  const groups: CategoryGroup[] = [
    { categories: { sex: 'male' }, n: 100, selected: 50, aboveMedian: 60 },
    { categories: { sex: 'female' }, n: 80, selected: 30, aboveMedian: 32 },
    { categories: { sex: 'x' }, n: 2, selected: 2, aboveMedian: 2 },
    { categories: { sex: 'unknown' }, n: 10, selected: 9, aboveMedian: 9 },
    { categories: {}, n: 8, selected: 8, aboveMedian: 8 },
  ];
  const res = impactRatios(groups, [['sex']]);
  const row = (c: string) => res.rows.find((r) => r.category === c)!;

  it('computes rates and ratios against the highest included category', () => {
    expect(row('male')).toMatchObject({ n: 100, selectionRate: 0.5, scoringRate: 0.6, selectionImpactRatio: 1, scoringImpactRatio: 1, excluded: false });
    expect(row('female').selectionRate).toBe(0.375);
    expect(row('female').selectionImpactRatio).toBeCloseTo(0.75, 12);
    expect(row('female').scoringImpactRatio).toBeCloseTo(2 / 3, 12);
  });

  it('excludes a category under 2 % from the ratio but still shows its count and rates', () => {
    expect(row('x')).toMatchObject({ n: 2, selectionRate: 1, scoringRate: 1, selectionImpactRatio: null, scoringImpactRatio: null, excluded: true });
    expect(res.excluded.sex).toEqual([{ category: 'x', n: 2 }]);
  });

  it('counts unknown or missing categories and leaves them out of every rate', () => {
    expect(res.unknown.sex).toBe(18);
    expect(res.rows.map((r) => r.category).sort()).toEqual(['female', 'male', 'x']);
  });

  it('a category at exactly 2 % stays in the ratio', () => {
    const r = impactRatios(
      [
        { categories: { s: 'a' }, n: 98, selected: 49, aboveMedian: 49 },
        { categories: { s: 'b' }, n: 2, selected: 2, aboveMedian: 0 },
      ],
      [['s']],
    );
    const b = r.rows.find((x) => x.category === 'b')!;
    expect(b.excluded).toBe(false);
    expect(b.selectionImpactRatio).toBe(1);
    expect(r.rows.find((x) => x.category === 'a')!.selectionImpactRatio).toBeCloseTo(0.5, 12);
    expect(b.scoringImpactRatio).toBe(0);
  });

  it('intersections: a person with any unknown part is unknown for that intersection', () => {
    const g = [
      { categories: { sex: 'f', eth: 'A' }, n: 40, selected: 10, aboveMedian: 20 },
      { categories: { sex: 'f', eth: 'B' }, n: 40, selected: 20, aboveMedian: 20 },
      { categories: { sex: 'm', eth: 'A' }, n: 40, selected: 20, aboveMedian: 10 },
      { categories: { sex: 'm', eth: '' }, n: 5, selected: 5, aboveMedian: 5 },
    ];
    const r = impactRatios(g, [['sex'], ['sex', 'eth']]);
    expect(r.unknown['sex×eth']).toBe(5);
    expect(r.unknown.sex).toBe(0);
    const fa = r.rows.find((x) => x.dimension === 'sex×eth' && x.category === 'f / A')!;
    // f/A selection 10/40 = 0.25 vs the highest 20/40 = 0.5 → 0.5; scoring 0.5 vs 0.5 → 1.
    expect(fa.selectionImpactRatio).toBeCloseTo(0.5, 12);
    expect(fa.scoringImpactRatio).toBe(1);
    // sex alone: f = 30/80 = 0.375, m = 25/45 = 0.5556 → f ratio 0.675
    expect(r.rows.find((x) => x.dimension === 'sex' && x.category === 'f')!.selectionImpactRatio).toBeCloseTo(0.375 / (25 / 45), 12);
  });

  it('no positive rate anywhere gives no ratio instead of dividing by zero', () => {
    const r = impactRatios([{ categories: { s: 'a' }, n: 10, selected: 0, aboveMedian: 0 }], [['s']]);
    expect(r.rows[0]!.selectionImpactRatio).toBeNull();
  });

  it('lists single dimensions then every intersection of two or more', () => {
    expect(dimensionsOf(['a', 'b', 'c'])).toEqual([['a'], ['b'], ['c'], ['a', 'b'], ['a', 'c'], ['b', 'c'], ['a', 'b', 'c']]);
    expect(dimensionsOf(['a'])).toEqual([['a']]);
    expect(dimensionsOf([])).toEqual([]);
  });

  it('median of odd and even counts (the mean of the middle two)', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([20, 80, 20, 80])).toBe(50);
    expect(() => median([])).toThrow();
  });
});

describe('correlation and its 95 % interval', () => {
  const atanh = (r: number) => 0.5 * Math.log((1 + r) / (1 - r));
  const tanh = (x: number) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1);

  it('Fisher z interval matches the textbook computation', () => {
    // r = 0.5, n = 103: z = 0.5493, se = 1/sqrt(100) = 0.1, z ± 1.96·0.1 → [0.3533, 0.7453] → r ∈ [0.339, 0.632]
    const ci = fisherCi(0.5, 103);
    expect(ci.low).toBeCloseTo(tanh(atanh(0.5) - 1.959964 * 0.1), 6);
    expect(ci.high).toBeCloseTo(tanh(atanh(0.5) + 1.959964 * 0.1), 6);
    expect(ci.low).toBeCloseTo(0.339, 3);
    expect(ci.high).toBeCloseTo(0.632, 3);
    // Symmetric in z, not in r: the interval of -r is the mirror image.
    const neg = fisherCi(-0.5, 103);
    expect(neg.low).toBeCloseTo(-ci.high!, 12);
  });

  it('too few samples or no correlation give no interval', () => {
    expect(fisherCi(0.3, 3)).toEqual({ n: 3, r: 0.3, low: null, high: null });
    expect(fisherCi(null, 50).low).toBeNull();
  });

  it('Pearson from sums equals the two-pass definition (point-biserial for a 0/1 outcome)', () => {
    const x = [55, 60, 72, 40, 90, 66, 48, 81, 35, 77];
    const y = [0, 1, 1, 0, 1, 0, 0, 1, 0, 1];
    const mx = x.reduce((a, b) => a + b) / x.length;
    const my = y.reduce((a, b) => a + b) / y.length;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    x.forEach((xi, i) => {
      sxy += (xi - mx) * (y[i]! - my);
      sxx += (xi - mx) ** 2;
      syy += (y[i]! - my) ** 2;
    });
    const want = sxy / Math.sqrt(sxx * syy);
    const got = pearsonFromSums(
      x.length,
      x.reduce((a, b) => a + b),
      y.reduce((a, b) => a + b),
      x.reduce((a, b) => a + b * b, 0),
      y.reduce((a, b) => a + b * b, 0),
      x.reduce((a, b, i) => a + b * y[i]!, 0),
    );
    expect(got).toBeCloseTo(want, 12);
    expect(pearsonFromSums(3, 3, 1, 3, 1, 1)).toBeNull(); // no variance in x
  });

  it('flags: hurts fairness first, then too few, then an interval through 0', () => {
    expect(validityFlag(fisherCi(0.05, 200), null)).toBe('predicts_nothing');
    expect(validityFlag(fisherCi(0.4, 200), null)).toBeNull();
    expect(validityFlag(fisherCi(0.05, 20), null)).toBe('too_few');
    expect(validityFlag(fisherCi(0.4, 200), 0.79)).toBe('hurts_fairness');
    expect(validityFlag(fisherCi(0.4, 200), 0.8)).toBeNull();
  });
});
