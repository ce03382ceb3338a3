import { describe, expect, it } from 'vitest';
import * as plugin from '../../mutation/sample-ignorer.mjs';
import { contains, drawSample, fileFingerprint, ignoreReason, mutateGlob, NOT_SAMPLED, restrictToSample, seededRandom, toBabel, wilsonInterval, type BabelLocation, type PopulationMutant } from '../../mutation/sample';
import type { MutationReport, ReportMutant } from '../../mutation/score';

const loc = (sl: number, sc: number, el: number, ec: number): BabelLocation => ({ start: { line: sl, column: sc }, end: { line: el, column: ec } });

describe('drawSample', () => {
  const population = Array.from({ length: 1000 }, (_, i) => i);

  it('draws n distinct members, in population order, the same for the same seed', () => {
    const a = drawSample(population, 100, 42);
    expect(a).toHaveLength(100);
    expect(new Set(a).size).toBe(100);
    expect([...a].sort((x, y) => x - y)).toEqual(a);
    expect(drawSample(population, 100, 42)).toEqual(a);
    expect(drawSample(population, 100, 43)).not.toEqual(a);
  });

  it('returns the whole population when n is larger, and refuses a bad n', () => {
    expect(drawSample([1, 2, 3], 10, 1)).toEqual([1, 2, 3]);
    expect(() => drawSample(population, -1, 1)).toThrow();
    expect(() => drawSample(population, 1.5, 1)).toThrow();
  });

  it('is uniform: over many seeds every member is drawn about n/N of the time', () => {
    const counts = new Array<number>(20).fill(0);
    const runs = 4000;
    for (let s = 0; s < runs; s++) for (const x of drawSample(population.slice(0, 20), 5, s)) counts[x]!++;
    // Expected 1000 each; a chi-square over 19 degrees of freedom stays far below 50 unless biased.
    const chi = counts.reduce((acc, c) => acc + (c - 1000) ** 2 / 1000, 0);
    expect(chi).toBeLessThan(50);
    // The first and last members are not favoured (an off-by-one in the swap would show here).
    expect(counts[0]).toBeGreaterThan(850);
    expect(counts[19]).toBeGreaterThan(850);
  });

  it('seededRandom stays in [0, 1)', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 10_000; i++) {
      const x = r();
      expect(x >= 0 && x < 1).toBe(true);
    }
  });
});

describe('mutation ranges', () => {
  const m: PopulationMutant = { file: 'main/db/x.ts', mutator: 'EqualityOperator', replacement: 'a > b', location: { start: { line: 4, column: 10 }, end: { line: 6, column: 2 } } };

  it("writes Stryker's range glob with 1-based lines and 0-based columns", () => {
    expect(mutateGlob(m)).toBe('main/db/x.ts:5:10-7:2');
    expect(toBabel(m.location)).toEqual(loc(5, 10, 7, 2));
  });

  it('contains is inclusive at both ends and compares columns only on the same line', () => {
    expect(contains(loc(5, 10, 7, 2), loc(5, 10, 7, 2))).toBe(true);
    expect(contains(loc(5, 10, 7, 2), loc(5, 11, 7, 1))).toBe(true);
    expect(contains(loc(5, 10, 7, 2), loc(5, 9, 7, 2))).toBe(false);
    expect(contains(loc(5, 10, 7, 2), loc(5, 10, 7, 3))).toBe(false);
    expect(contains(loc(5, 10, 7, 2), loc(6, 0, 6, 99))).toBe(true);
  });
});

describe('ignoreReason (and the plugin, which must agree)', () => {
  const sampled = [loc(10, 0, 20, 1), loc(15, 4, 15, 20)];

  it('keeps a sampled node, a node containing one, and nodes outside every sampled node', () => {
    for (const f of [ignoreReason, plugin.ignoreReason]) {
      expect(f(loc(10, 0, 20, 1), sampled)).toBeUndefined();
      expect(f(loc(15, 4, 15, 20), sampled)).toBeUndefined();
      expect(f(loc(14, 0, 16, 0), sampled)).toBeUndefined(); // between the two: contains the inner one
      expect(f(loc(1, 0, 30, 0), sampled)).toBeUndefined(); // the whole file
      expect(f(loc(25, 0, 25, 5), sampled)).toBeUndefined(); // elsewhere: not in any range anyway
      expect(f(null, sampled)).toBeUndefined();
    }
  });

  it('ignores a node strictly inside a sampled node that holds no sampled node', () => {
    for (const f of [ignoreReason, plugin.ignoreReason]) {
      expect(f(loc(11, 2, 11, 9), sampled)).toBe(NOT_SAMPLED);
      expect(f(loc(15, 5, 15, 10), sampled)).toBe(NOT_SAMPLED);
    }
    expect(plugin.NOT_SAMPLED).toBe(NOT_SAMPLED);
  });

  it('gives the same decision as the plugin on random locations', () => {
    const r = seededRandom(99);
    const pos = () => ({ line: 1 + Math.floor(r() * 8), column: Math.floor(r() * 6) });
    const rand = (): BabelLocation => {
      const a = pos();
      const b = pos();
      return (a.line < b.line || (a.line === b.line && a.column <= b.column)) ? { start: a, end: b } : { start: b, end: a };
    };
    for (let i = 0; i < 2000; i++) {
      const ranges = [rand(), rand()];
      const l = rand();
      expect(plugin.ignoreReason(l, ranges)).toBe(ignoreReason(l, ranges));
    }
  });

  it('fingerprints a file by its length and comments, as the plugin does', () => {
    const node = { end: 1234, comments: [{ value: '* Header' }, { value: ' x' }] };
    expect(fileFingerprint(node)).toBe(plugin.fileFingerprint(node));
    expect(fileFingerprint(node)).not.toBe(fileFingerprint({ ...node, end: 1235 }));
    expect(fileFingerprint(node)).not.toBe(fileFingerprint({ end: 1234, comments: [{ value: '* Header' }] }));
  });
});

describe('restrictToSample', () => {
  const source = 'const a = b === c;\nconst d = e + f;\n';
  // Report positions: 1-based lines and columns; the sample's API positions are 0-based.
  const rm = (id: string, mutatorName: string, replacement: string, sl: number, sc: number, el: number, ec: number, status: ReportMutant['status']): ReportMutant => ({
    id,
    mutatorName,
    replacement,
    location: { start: { line: sl, column: sc }, end: { line: el, column: ec } },
    status,
  });
  const report: MutationReport = {
    files: {
      '/repo/main/db/x.ts': {
        source,
        mutants: [
          rm('1', 'EqualityOperator', 'b !== c', 1, 11, 1, 18, 'Survived'),
          rm('2', 'ConditionalExpression', 'true', 1, 11, 1, 18, 'Killed'), // same node, not sampled
          rm('3', 'ArithmeticOperator', 'e - f', 2, 11, 2, 16, 'Killed'),
          rm('4', 'StringLiteral', '""', 2, 1, 2, 2, 'Ignored'),
        ],
      },
    },
  };
  const sample: PopulationMutant[] = [
    { file: 'main/db/x.ts', mutator: 'EqualityOperator', replacement: 'b !== c', location: { start: { line: 0, column: 10 }, end: { line: 0, column: 17 } } },
    { file: 'main/db/x.ts', mutator: 'ArithmeticOperator', replacement: 'e - f', location: { start: { line: 1, column: 10 }, end: { line: 1, column: 15 } } },
    { file: 'main/db/x.ts', mutator: 'BooleanLiteral', replacement: 'false', location: { start: { line: 1, column: 0 }, end: { line: 1, column: 3 } } },
  ];
  const normalize = (f: string) => f.replace('/repo/', '');

  it('keeps exactly the sampled mutants, counts the extras that ran, and names what is missing', () => {
    const r = restrictToSample(report, sample, normalize);
    expect(r.matched).toBe(2);
    expect(r.report.files['/repo/main/db/x.ts']!.mutants.map((m) => m.id)).toEqual(['1', '3']);
    expect(r.extra).toBe(1); // mutant 2; the ignored one did not run
    expect(r.missing.map((m) => m.mutator)).toEqual(['BooleanLiteral']);
  });

  it('does not match a mutant one column off', () => {
    const shifted = sample.map((m) => ({ ...m, location: { ...m.location, start: { ...m.location.start, column: m.location.start.column + 1 } } }));
    expect(restrictToSample(report, shifted, normalize).matched).toBe(0);
  });
});

describe('wilsonInterval', () => {
  // Expected values computed independently (Python, the textbook formula).
  it('matches the textbook interval', () => {
    expect(wilsonInterval(81, 100)).toEqual([72.22, 87.49]);
    expect(wilsonInterval(340, 400)).toEqual([81.17, 88.17]);
    expect(wilsonInterval(300, 300)).toEqual([98.74, 100]);
    expect(wilsonInterval(0, 10)).toEqual([0, 27.75]);
    expect(wilsonInterval(0, 0)).toBeNull();
  });
});
