/**
 * The mutation ledger (test/mutation/ledger.json, committed): one entry per product file that a
 * Stryker run measured in full — the sha256 of the source it mutated, its counts and its
 * survivors. A full run takes hours on the build machine, so the score accumulates across scoped
 * runs; an entry whose file has changed since (different sha256) is stale and must be measured
 * again, and a stale entry makes the ledger report fail.
 *
 * Equivalent survivors are matched against test/mutation/equivalent-mutants.json when the ledger is
 * reported, not when it is written, so adding or removing an entry there takes effect at once.
 *
 * Pure functions only (no file system): run-mutation.ts reads and writes the files.
 */
import { createHash } from 'node:crypto';
import { scoreOf, scoreReport, type Counts, type EquivalentMutant, type MutationReport } from './score';

export const LEDGER_VERSION = 1;

export interface LedgerSurvivor {
  readonly line: number;
  readonly column: number;
  readonly lineText: string;
  readonly mutator: string;
  readonly original: string;
  readonly replacement: string;
  readonly status: 'Survived' | 'NoCoverage';
}

export interface LedgerEntry {
  /** sha256 (hex) of the exact source Stryker mutated. */
  readonly sha256: string;
  /** Lines of that source (for the share of product code the ledger covers). */
  readonly lines: number;
  readonly mutants: number;
  readonly killed: number;
  readonly timeout: number;
  readonly survived: number;
  readonly noCoverage: number;
  readonly compileErrors: number;
  readonly runtimeErrors: number;
  readonly ignored: number;
  /** UTC date of the run (YYYY-MM-DD). */
  readonly date: string;
  /** Survived and NoCoverage mutants, equivalent or not (matched at report time). */
  readonly survivors: readonly LedgerSurvivor[];
  /** Set when the run used only these test globs (`--tests`): a lower bound on the full score. */
  readonly tests?: readonly string[];
}

export interface Ledger {
  readonly version: number;
  readonly files: Readonly<Record<string, LedgerEntry>>;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Lines of a source text, the way `wc -l` counts a file that ends with a newline. */
export function countLines(text: string): number {
  if (text.length === 0) return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

export function emptyLedger(): Ledger {
  return { version: LEDGER_VERSION, files: {} };
}

const COUNT_KEYS = ['lines', 'mutants', 'killed', 'timeout', 'survived', 'noCoverage', 'compileErrors', 'runtimeErrors', 'ignored'] as const;

/** Validates a parsed ledger.json; throws with the entry's path on anything malformed. */
export function parseLedger(raw: unknown): Ledger {
  const o = raw as { version?: unknown; files?: unknown };
  if (typeof o !== 'object' || o === null || o.version !== LEDGER_VERSION || typeof o.files !== 'object' || o.files === null || Array.isArray(o.files)) {
    throw new Error(`mutation ledger: expected {"version":${LEDGER_VERSION},"files":{…}}`);
  }
  const files: Record<string, LedgerEntry> = {};
  for (const [file, value] of Object.entries(o.files as Record<string, unknown>)) {
    const e = value as Record<string, unknown>;
    if (typeof e !== 'object' || e === null) throw new Error(`mutation ledger: ${file}: not an object`);
    if (typeof e.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.sha256)) throw new Error(`mutation ledger: ${file}: sha256 must be 64 hex digits`);
    for (const k of COUNT_KEYS) {
      if (!Number.isInteger(e[k]) || (e[k] as number) < 0) throw new Error(`mutation ledger: ${file}: ${k} must be a non-negative integer`);
    }
    if (typeof e.date !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(e.date)) throw new Error(`mutation ledger: ${file}: date must be YYYY-MM-DD`);
    if (!Array.isArray(e.survivors)) throw new Error(`mutation ledger: ${file}: survivors must be an array`);
    if (e.tests !== undefined && !(Array.isArray(e.tests) && e.tests.every((t) => typeof t === 'string'))) throw new Error(`mutation ledger: ${file}: tests must be a list of globs`);
    const entry = e as unknown as LedgerEntry;
    const statuses = entry.killed + entry.timeout + entry.survived + entry.noCoverage + entry.compileErrors + entry.runtimeErrors + entry.ignored;
    if (statuses !== entry.mutants) throw new Error(`mutation ledger: ${file}: the counts add up to ${statuses}, not ${entry.mutants} mutants`);
    if (entry.survivors.length !== entry.survived + entry.noCoverage) throw new Error(`mutation ledger: ${file}: ${entry.survivors.length} survivors listed for ${entry.survived + entry.noCoverage} counted`);
    files[file] = entry;
  }
  return { version: LEDGER_VERSION, files };
}

/**
 * A Stryker `mutate` glob as a RegExp over a repository-relative path: `**` (any folders), `*`
 * and `?` (within one path segment), `{a,b}` alternatives; everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more folders; a trailing `**` matches the rest of the path.
      if (glob[i + 2] === '/') {
        re += '(?:[^/]*/)*';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether a file is mutated by these globs: some positive glob matches it and no `!` glob does. */
export function mutatedBy(globs: readonly string[], file: string): boolean {
  const positive = globs.filter((g) => !g.startsWith('!'));
  const negative = globs.filter((g) => g.startsWith('!')).map((g) => g.slice(1));
  return positive.some((g) => globToRegExp(g).test(file)) && !negative.some((g) => globToRegExp(g).test(file));
}

/**
 * The ledger with the files of a Stryker report recorded (replacing their earlier entries). A file
 * with a mutant still Pending was not measured to the end and is not recorded. With `measured`,
 * only the files this run mutated are recorded: an incremental report also carries the results of
 * earlier runs for other files (measured with other tests), and those keep their own entries.
 */
export function recordReport(
  ledger: Ledger,
  report: MutationReport,
  date: string,
  normalize: (file: string) => string = (f) => f,
  tests?: readonly string[],
  measured?: (file: string) => boolean,
): { ledger: Ledger; recorded: string[]; skipped: string[]; reused: string[] } {
  const files: Record<string, LedgerEntry> = { ...ledger.files };
  const recorded: string[] = [];
  const skipped: string[] = [];
  const reused: string[] = [];
  for (const [rawFile, f] of Object.entries(report.files)) {
    const file = normalize(rawFile);
    if (measured && !measured(file)) {
      reused.push(file);
      continue;
    }
    if (f.mutants.some((m) => m.status === 'Pending')) {
      skipped.push(file);
      continue;
    }
    const scored = scoreReport({ files: { [file]: f } }, []);
    const t = scored.total;
    files[file] = {
      sha256: sha256(f.source),
      lines: countLines(f.source),
      mutants: t.mutants,
      killed: t.killed,
      timeout: t.timeout,
      survived: t.survived,
      noCoverage: t.noCoverage,
      compileErrors: t.compileErrors,
      runtimeErrors: t.runtimeErrors,
      ignored: t.ignored,
      date,
      survivors: scored.survivors.map((s) => ({ line: s.line, column: s.column, lineText: s.lineText, mutator: s.mutator, original: s.original, replacement: s.replacement, status: s.status })),
      ...(tests && tests.length > 0 ? { tests: [...tests] } : {}),
    };
    recorded.push(file);
  }
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return { ledger: { version: LEDGER_VERSION, files: sorted }, recorded, skipped, reused };
}

export interface LedgerFileState {
  readonly file: string;
  /** fresh: measured and unchanged; stale: changed since it was measured; missing: no longer exists. */
  readonly state: 'fresh' | 'stale' | 'missing';
  readonly counts: Counts & { score: number | null };
  /** Survivors not listed as equivalent. */
  readonly open: readonly LedgerSurvivor[];
}

export interface LedgerReport {
  readonly total: Counts & { score: number | null };
  readonly byFolder: Readonly<Record<string, Counts & { score: number | null }>>;
  readonly files: readonly LedgerFileState[];
  readonly stale: readonly string[];
  readonly missing: readonly string[];
  /** In-scope product files with no ledger entry. */
  readonly unmeasured: readonly string[];
  readonly scopeFiles: number;
  readonly scopeLines: number;
  /** Lines of in-scope files whose entry is fresh. */
  readonly measuredLines: number;
  /** measuredLines / scopeLines, percent with two decimals. */
  readonly linesCoveredPct: number;
  readonly unmatchedEquivalents: readonly EquivalentMutant[];
}

function sameSurvivor(e: EquivalentMutant, file: string, s: LedgerSurvivor): boolean {
  return (
    e.file === file &&
    e.mutator === s.mutator &&
    e.original === s.original &&
    e.replacement === s.replacement &&
    (e.lineText === undefined || e.lineText === s.lineText) &&
    (e.column === undefined || e.column === s.column)
  );
}

/**
 * Scores the ledger against the current sources. `current` maps every in-scope product file to its
 * current text (files outside the scope, or deleted, are absent). Stale and missing entries are
 * reported and left out of the score: what they measured is not the code that ships.
 */
export function reportLedger(ledger: Ledger, current: ReadonlyMap<string, string>, equivalents: readonly EquivalentMutant[]): LedgerReport {
  const total = zero();
  const byFolder: Record<string, Counts> = {};
  const files: LedgerFileState[] = [];
  const stale: string[] = [];
  const missing: string[] = [];
  const matched = new Set<EquivalentMutant>();
  let measuredLines = 0;
  for (const [file, e] of Object.entries(ledger.files)) {
    const text = current.get(file);
    const state: LedgerFileState['state'] = text === undefined ? 'missing' : sha256(text) === e.sha256 ? 'fresh' : 'stale';
    const c: Counts = { mutants: e.mutants, killed: e.killed, survived: e.survived, timeout: e.timeout, noCoverage: e.noCoverage, equivalent: 0, compileErrors: e.compileErrors, runtimeErrors: e.runtimeErrors, ignored: e.ignored };
    const open: LedgerSurvivor[] = [];
    const used = new Set<EquivalentMutant>();
    for (const s of e.survivors) {
      // One entry stands for one mutant: two identical survivors need two entries (or hints).
      const eq = equivalents.find((x) => !used.has(x) && sameSurvivor(x, file, s));
      if (eq) {
        used.add(eq);
        c.equivalent++;
      } else open.push(s);
    }
    if (state === 'fresh') for (const eq of used) matched.add(eq);
    files.push({ file, state, counts: { ...c, score: scoreOf(c) }, open });
    if (state === 'stale') stale.push(file);
    if (state === 'missing') missing.push(file);
    if (state !== 'fresh') continue;
    measuredLines += countLines(text!);
    add(total, c);
    add((byFolder[file.split('/').slice(0, 2).join('/')] ??= zero()), c);
  }
  let scopeLines = 0;
  for (const text of current.values()) scopeLines += countLines(text);
  const unmeasured = [...current.keys()].filter((f) => !(f in ledger.files)).sort();
  const measuredFiles = new Set(Object.keys(ledger.files));
  return {
    total: { ...total, score: scoreOf(total) },
    byFolder: Object.fromEntries(Object.entries(byFolder).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, c]) => [k, { ...c, score: scoreOf(c) }])),
    files,
    stale,
    missing,
    unmeasured,
    scopeFiles: current.size,
    scopeLines,
    measuredLines,
    linesCoveredPct: scopeLines === 0 ? 0 : Math.floor((measuredLines / scopeLines) * 10_000) / 100,
    // Entries for a measured, fresh file that match none of its survivors: a test kills the mutant now, or the code moved.
    unmatchedEquivalents: equivalents.filter((e) => measuredFiles.has(e.file) && current.has(e.file) && !matched.has(e) && !stale.includes(e.file)),
  };
}

function zero(): Counts {
  return { mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, compileErrors: 0, runtimeErrors: 0, ignored: 0 };
}

function add(into: Counts, c: Counts): void {
  for (const k of Object.keys(into) as (keyof Counts)[]) into[k] += c[k];
}
