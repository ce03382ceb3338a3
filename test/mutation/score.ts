/**
 * Scores a StrykerJS report (mutation-testing-report-schema) against the equivalent-mutants list.
 * Kept free of Stryker imports so it is unit-tested on hand-made reports.
 *
 * score = (killed + timeout) / (killed + timeout + survived + noCoverage − equivalent) × 100,
 * Stryker's own formula with the survivors we judged equivalent left out of the denominator.
 * Mutants that do not compile (CompileError), crash the runtime or are ignored count nowhere.
 */

export type MutantStatus = 'Killed' | 'Survived' | 'NoCoverage' | 'Timeout' | 'CompileError' | 'RuntimeError' | 'Ignored' | 'Pending';

export interface ReportPosition {
  readonly line: number;
  readonly column: number;
}

export interface ReportMutant {
  readonly id: string;
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly location: { readonly start: ReportPosition; readonly end: ReportPosition };
  readonly status: MutantStatus;
}

export interface MutationReport {
  readonly files: Readonly<Record<string, { readonly source: string; readonly mutants: readonly ReportMutant[] }>>;
}

/** One survivor we judged equivalent: it behaves exactly like the original for every input. */
export interface EquivalentMutant {
  /** Path relative to the repository root, with forward slashes. */
  readonly file: string;
  readonly mutator: string;
  /** The source text the mutant replaces (exactly, as Stryker located it). */
  readonly original: string;
  readonly replacement: string;
  /** When the same mutant text occurs more than once in the file: the trimmed source line it sits on. */
  readonly lineText?: string;
  /** When it occurs more than once on that line too: its 1-based column. */
  readonly column?: number;
  readonly reason: string;
}

export interface Counts {
  mutants: number;
  killed: number;
  survived: number;
  timeout: number;
  noCoverage: number;
  equivalent: number;
  compileErrors: number;
  runtimeErrors: number;
  ignored: number;
}

export interface Survivor {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly lineText: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  readonly status: 'Survived' | 'NoCoverage';
}

export interface Scored {
  readonly total: Counts & { score: number | null };
  readonly byFolder: Readonly<Record<string, Counts & { score: number | null }>>;
  readonly survivors: readonly Survivor[];
  /** Equivalent entries that matched a mutant a test now kills: the entry is stale. */
  readonly killedEquivalents: readonly EquivalentMutant[];
  /** Equivalent entries that matched no mutant of the report (its code changed or was not mutated). */
  readonly unmatchedEquivalents: readonly EquivalentMutant[];
}

function emptyCounts(): Counts {
  return { mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, compileErrors: 0, runtimeErrors: 0, ignored: 0 };
}

/** Stryker's score with equivalent survivors removed; null when nothing could be scored. */
export function scoreOf(c: Counts): number | null {
  const detected = c.killed + c.timeout;
  const valid = detected + c.survived + c.noCoverage - c.equivalent;
  if (valid <= 0) return null;
  return Math.floor((detected / valid) * 10_000) / 100;
}

/** The text between two 1-based (line, column) positions of `source`, end exclusive. */
export function sliceLocation(source: string, start: ReportPosition, end: ReportPosition): string {
  const lines = source.split('\n');
  const offset = (p: ReportPosition): number => {
    let o = 0;
    for (let i = 0; i < p.line - 1 && i < lines.length; i++) o += lines[i]!.length + 1;
    return o + p.column - 1;
  };
  return source.slice(offset(start), offset(end));
}

/** The folder a file is reported under: the first two path segments (`main/db`, `preload/contract`). */
export function folderOf(file: string): string {
  return file.split('/').slice(0, 2).join('/');
}

function keyOf(file: string, mutator: string, original: string, replacement: string): string {
  return JSON.stringify([file, mutator, original, replacement]);
}

/** Whether an entry's optional position hints fit the mutant. */
function hintsFit(e: EquivalentMutant, lineText: string, column: number): boolean {
  return (e.lineText === undefined || e.lineText === lineText) && (e.column === undefined || e.column === column);
}

export function scoreReport(report: MutationReport, equivalents: readonly EquivalentMutant[], normalize: (file: string) => string = (f) => f): Scored {
  const wanted = new Map<string, EquivalentMutant[]>();
  for (const e of equivalents) {
    const k = keyOf(e.file, e.mutator, e.original, e.replacement);
    wanted.set(k, [...(wanted.get(k) ?? []), e]);
  }
  const matched = new Set<EquivalentMutant>();
  const killedEquivalents: EquivalentMutant[] = [];
  const total = emptyCounts();
  const byFolder: Record<string, Counts> = {};
  const survivors: Survivor[] = [];
  for (const [rawFile, f] of Object.entries(report.files)) {
    const file = normalize(rawFile);
    const folder = (byFolder[folderOf(file)] ??= emptyCounts());
    const lines = f.source.split('\n');
    for (const m of f.mutants) {
      const original = sliceLocation(f.source, m.location.start, m.location.end);
      const replacement = m.replacement ?? '';
      const lineText = (lines[m.location.start.line - 1] ?? '').trim();
      const equivalent = (wanted.get(keyOf(file, m.mutatorName, original, replacement)) ?? []).find((e) => hintsFit(e, lineText, m.location.start.column));
      if (equivalent) matched.add(equivalent);
      for (const c of [total, folder]) {
        c.mutants++;
        switch (m.status) {
          case 'Killed':
            c.killed++;
            break;
          case 'Timeout':
            c.timeout++;
            break;
          case 'Survived':
            c.survived++;
            if (equivalent) c.equivalent++;
            break;
          case 'NoCoverage':
            c.noCoverage++;
            if (equivalent) c.equivalent++;
            break;
          case 'CompileError':
            c.compileErrors++;
            break;
          case 'RuntimeError':
            c.runtimeErrors++;
            break;
          case 'Ignored':
          case 'Pending':
            c.ignored++;
            break;
          default: {
            const never: never = m.status;
            throw new Error(`unknown mutant status ${String(never)}`);
          }
        }
      }
      if (equivalent && (m.status === 'Killed' || m.status === 'Timeout') && !killedEquivalents.includes(equivalent)) killedEquivalents.push(equivalent);
      if (!equivalent && (m.status === 'Survived' || m.status === 'NoCoverage')) {
        survivors.push({ file, line: m.location.start.line, column: m.location.start.column, lineText, mutator: m.mutatorName, original, replacement, status: m.status });
      }
    }
  }
  const withScore = (c: Counts) => ({ ...c, score: scoreOf(c) });
  return {
    total: withScore(total),
    byFolder: Object.fromEntries(Object.entries(byFolder).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, withScore(c)])),
    survivors,
    killedEquivalents,
    unmatchedEquivalents: equivalents.filter((e) => !matched.has(e)),
  };
}

/** Validates the equivalent-mutants file: every entry names its file, mutator, texts and a reason. */
export function parseEquivalents(raw: unknown): EquivalentMutant[] {
  if (!Array.isArray(raw)) throw new Error('equivalent mutants: expected a JSON array');
  return raw.map((e: unknown, i) => {
    const o = e as Record<string, unknown>;
    for (const k of ['file', 'mutator', 'original', 'replacement', 'reason'] as const) {
      if (typeof o?.[k] !== 'string') throw new Error(`equivalent mutants[${i}]: "${k}" must be a string`);
    }
    if ((o.reason as string).trim().length < 10) throw new Error(`equivalent mutants[${i}]: give a real reason`);
    if (o.lineText !== undefined && typeof o.lineText !== 'string') throw new Error(`equivalent mutants[${i}]: "lineText" must be a string`);
    if (o.column !== undefined && !Number.isInteger(o.column)) throw new Error(`equivalent mutants[${i}]: "column" must be an integer`);
    return {
      file: o.file as string,
      mutator: o.mutator as string,
      original: o.original as string,
      replacement: o.replacement as string,
      ...(o.lineText !== undefined ? { lineText: o.lineText as string } : {}),
      ...(o.column !== undefined ? { column: o.column as number } : {}),
      reason: o.reason as string,
    };
  });
}
