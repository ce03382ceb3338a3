/**
 * A mutation score over the whole scope, estimated from a random sample of its mutants.
 *
 * The scope (main/services, main/db, main/ipc, preload/contract) has about 18,000 mutants; at 1–4 s
 * each (many more for a static mutant, which runs every unit test) a full run takes most of a day on
 * the 2-core build machine. A uniform random sample of n mutants gives an unbiased estimate of the
 * score with a known error: `npm run test:mutation -- --sample 600 --seed S --json`.
 *
 * How a sample runs through StrykerJS without mutating anything else:
 * - the population is every mutant Stryker's own instrumenter generates for the scope (same
 *   mutators, same exclusions), enumerated file by file;
 * - the sample is drawn with a seeded generator (the seed is printed, so a run can be repeated);
 * - Stryker is given each sampled mutant's exact location as a mutation range (`file:L:C-L:C`),
 *   so only nodes inside a sampled node are mutated;
 * - a small ignorer plugin (sample-ignorer.mjs) ignores every node strictly inside a sampled node
 *   unless it is, or contains, a sampled node: without it a sampled function body would bring in
 *   every mutant of the function;
 * - other mutants at a sampled node's exact location (another mutator on the same expression) and
 *   at nodes between two nested sampled nodes still run; they are left out of the estimate.
 *
 * Pure functions here; unit-tested in test/unit/mutation/sample.test.ts.
 */
import type { MutationReport, ReportMutant } from './score';

/** A position as Stryker's API gives it: 0-based line, 0-based column. */
export interface ApiPosition {
  readonly line: number;
  readonly column: number;
}

export interface ApiLocation {
  readonly start: ApiPosition;
  readonly end: ApiPosition;
}

/** One mutant of the population, identified as the report will identify it. */
export interface PopulationMutant {
  /** Repository-relative path with forward slashes. */
  readonly file: string;
  readonly mutator: string;
  readonly replacement: string;
  readonly location: ApiLocation;
}

/** A babel source location: 1-based line, 0-based column (what the ignorer sees on a node). */
export interface BabelLocation {
  readonly start: { readonly line: number; readonly column: number };
  readonly end: { readonly line: number; readonly column: number };
}

/** What the ignorer plugin reads: per file (found by its fingerprint) the sampled nodes' locations. */
export interface SamplePlan {
  readonly seed: number;
  readonly files: Readonly<Record<string, { readonly file: string; readonly ranges: readonly BabelLocation[] }>>;
}

/** mulberry32: a small, well-distributed 32-bit generator; the same seed gives the same sample. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * n distinct items drawn uniformly at random without replacement (a partial Fisher–Yates shuffle
 * of the indices), in population order. n at or above the population's size returns all of it.
 */
export function drawSample<T>(population: readonly T[], n: number, seed: number): T[] {
  if (!Number.isInteger(n) || n < 0) throw new Error('sample size must be a non-negative integer');
  const idx = population.map((_, i) => i);
  const take = Math.min(n, idx.length);
  const rnd = seededRandom(seed);
  for (let i = 0; i < take; i++) {
    const j = i + Math.floor(rnd() * (idx.length - i));
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
  }
  return idx
    .slice(0, take)
    .sort((a, b) => a - b)
    .map((i) => population[i]!);
}

/** Stryker's mutation-range glob for one mutant: 1-based lines, 0-based columns. */
export function mutateGlob(m: PopulationMutant): string {
  const { start, end } = m.location;
  return `${m.file}:${start.line + 1}:${start.column}-${end.line + 1}:${end.column}`;
}

export function toBabel(l: ApiLocation): BabelLocation {
  return { start: { line: l.start.line + 1, column: l.start.column }, end: { line: l.end.line + 1, column: l.end.column } };
}

const before = (a: { line: number; column: number }, b: { line: number; column: number }): boolean => a.line < b.line || (a.line === b.line && a.column <= b.column);

/** Whether `outer` contains `inner` (equal counts as contained). */
export function contains(outer: BabelLocation, inner: BabelLocation): boolean {
  return before(outer.start, inner.start) && before(inner.end, outer.end);
}

export const NOT_SAMPLED = 'not in the mutation sample (test:mutation --sample)';

/**
 * The ignorer's decision for a node at `loc` of a file with these sampled ranges: ignore it (and so
 * its whole subtree) when it lies strictly inside a sampled node and neither is nor contains one.
 */
export function ignoreReason(loc: BabelLocation | null | undefined, ranges: readonly BabelLocation[]): string | undefined {
  if (!loc) return undefined;
  let inside = false;
  for (const r of ranges) {
    if (contains(loc, r)) return undefined; // is, or contains, a sampled node
    if (contains(r, loc)) inside = true;
  }
  return inside ? NOT_SAMPLED : undefined;
}

/**
 * How the ignorer recognises a file: the parse tree carries no file name, so the File node's length
 * and comments stand in for it. The runner checks that no two files of the scope share one.
 */
export function fileFingerprint(fileNode: { end?: number | null; comments?: readonly { value: string }[] | null }): string {
  const comments = fileNode.comments ?? [];
  return `${fileNode.end ?? -1}:${comments.length}:${comments.map((c) => c.value.length).join(',')}:${(comments[0]?.value ?? '').slice(0, 80)}`;
}

function reportKey(file: string, mutator: string, replacement: string, l: ApiLocation): string {
  return JSON.stringify([file, mutator, replacement, l.start.line, l.start.column, l.end.line, l.end.column]);
}

/** The report's positions are 1-based lines and 1-based columns; the API's are both 0-based. */
function fromReport(m: ReportMutant): ApiLocation {
  return { start: { line: m.location.start.line - 1, column: m.location.start.column - 1 }, end: { line: m.location.end.line - 1, column: m.location.end.column - 1 } };
}

export interface SampledReport {
  /** The report with only the sampled mutants (for scoreReport). */
  readonly report: MutationReport;
  readonly matched: number;
  /** Sampled mutants the report does not contain: the run did not measure them. */
  readonly missing: readonly PopulationMutant[];
  /** Mutants the run measured that are not in the sample (same location, or between nested ones). */
  readonly extra: number;
}

/** Keeps only the sampled mutants of a Stryker report. */
export function restrictToSample(report: MutationReport, sample: readonly PopulationMutant[], normalize: (file: string) => string = (f) => f): SampledReport {
  const wanted = new Map(sample.map((m) => [reportKey(m.file, m.mutator, m.replacement, m.location), m]));
  const found = new Set<string>();
  let extra = 0;
  const files: Record<string, { source: string; mutants: ReportMutant[] }> = {};
  for (const [rawFile, f] of Object.entries(report.files)) {
    const file = normalize(rawFile);
    const kept: ReportMutant[] = [];
    for (const m of f.mutants) {
      const k = reportKey(file, m.mutatorName, m.replacement ?? '', fromReport(m));
      if (wanted.has(k) && !found.has(k)) {
        found.add(k);
        kept.push(m);
      } else if (m.status !== 'Ignored') extra++;
    }
    if (kept.length > 0) files[rawFile] = { source: f.source, mutants: kept };
  }
  const missing = [...wanted].filter(([k]) => !found.has(k)).map(([, m]) => m);
  return { report: { files }, matched: found.size, missing, extra };
}

/**
 * Wilson score interval for a proportion (95 % with z = 1.96), in percent with two decimals: an
 * honest interval even near 100 %, where the normal approximation would overshoot.
 */
export function wilsonInterval(successes: number, n: number, z = 1.96): [number, number] | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const pct = (x: number) => Math.round(Math.min(1, Math.max(0, x)) * 10_000) / 100;
  return [pct(centre - half), pct(centre + half)];
}
