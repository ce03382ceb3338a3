/**
 * `npm run test:mutation -- [--json] [--mutate <glob>]… [--changed [<ref>]] [--stale [--budget-mutants <n>]]
 *                          [--force] [--report [<stryker.json>]] [--target <n>] [--min-coverage <p>]
 *                          [--tests <glob>]… [--no-ledger] [--sample <n> [--seed <s>]]`
 *
 * Runs StrykerJS (stryker.config.mjs: vitest runner, TypeScript checker, perTest coverage,
 * incremental) over main/services, main/db, main/ipc and preload/contract, then scores the report
 * with the survivors listed in test/mutation/equivalent-mutants.json left out, and prints ONE JSON
 * object as the last line. Exits 1 below the target, 2 when Stryker itself failed.
 *
 * Every run that measured whole files records them in test/mutation/ledger.json (committed; see
 * ledger.ts): the sha256 of the source mutated, the counts and the survivors. The score
 * accumulates there across scoped runs.
 *
 * Modes:
 * - default: the whole scope, incremental — results in test-results/mutation/stryker-incremental.json
 *   (local, not committed) are reused for every mutant whose code and covering tests did not change;
 * - `--changed [ref]`: mutates only in-scope files that differ from the merge base with `ref`
 *   (default refs/heads/main; CI on main uses HEAD~1, the last merge) or are uncommitted. Where a
 *   local incremental file exists its results for the other files are reused and scored too. When
 *   no file in scope changed, it says so in the JSON (`mutants: 0`) and exits 0;
 * - `--stale`: mutates exactly the ledger's files whose source changed since they were measured;
 *   with `--budget-mutants n` it refuses (exit 1, nothing run) when their last measured mutant
 *   count exceeds n, so CI fails loudly instead of running for hours. Without `--tests` it uses
 *   the tests the entries were measured with (their globs, or every unit test if any entry used all);
 * - `--report`: runs nothing; scores the ledger against today's sources and prints the share of
 *   in-scope product lines it covers. Exit 1 when a measured file is stale or gone, or the score
 *   is below the target (or `--min-coverage p`: when fresh entries cover less than p % of the lines);
 * - `--report <file>`: only score an existing Stryker JSON report (and record it in the ledger);
 * - `--force`: re-runs every mutant (rebuilds the incremental file);
 * - `--mutate <glob>`: a scoped run while developing (repeatable). A glob with a line range
 *   (`file.ts:10-20`) measures part of a file and is not recorded in the ledger;
 * - `--tests <glob>`: run only these unit tests against each mutant (repeatable, or comma-separated):
 *   static mutants then cost a subset, not the whole suite. Fewer tests kill fewer mutants, so the
 *   score is a lower bound; the ledger entry lists the globs;
 * - `--no-ledger`: do not write the ledger.
 * - `--sample n [--seed s]`: the score of the WHOLE scope estimated from n mutants drawn uniformly at
 *   random from every mutant Stryker generates for it (sample.ts), with a 95 % interval. Only the
 *   sampled mutants run (plus the few sharing a sampled node), so it fits an hour where the full
 *   run (~18,000 mutants) takes most of a day. Not recorded in the ledger. The seed defaults to
 *   the time and is printed: repeat a run with it; draw a NEW seed to measure after writing tests
 *   against a sample's survivors (re-measuring the same sample would flatter the estimate).
 *
 * StrykerJS 10 declares Node >= 22 and its CLI refuses older versions at import time; the machine
 * runs Node 20, on which the engine itself works. So the engine is loaded from its file directly
 * (the package's `exports` does not expose it), which skips only that version guard.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { emptyLedger, mutatedBy, parseLedger, recordReport, reportLedger, sha256, type Ledger } from './ledger';
import { drawSample, fileFingerprint, mutateGlob, restrictToSample, toBabel, wilsonInterval, type BabelLocation, type PopulationMutant, type SamplePlan } from './sample';
import { parseEquivalents, scoreReport, type MutationReport } from './score';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EQUIVALENTS = path.join(root, 'test/mutation/equivalent-mutants.json');
const REPORT = path.join(root, 'test-results/mutation/mutation.json');
const LEDGER = path.join(root, 'test/mutation/ledger.json');
const SCOPE = ['main/services/', 'main/db/', 'main/ipc/', 'preload/contract/'];
const EXCLUDED = new Set(['main/ipc/electron-transport.ts']);
/** The exclusions of stryker.config.mjs, kept when --mutate replaces its list. */
const EXCLUDE_GLOBS = ['!main/ipc/electron-transport.ts', '!**/types.ts', '!**/*.generated.ts'];

interface Args {
  json: boolean;
  mutate: string[];
  changed: string | null;
  force: boolean;
  report: string | null;
  ledgerReport: boolean;
  stale: boolean;
  budgetMutants: number | null;
  writeLedger: boolean;
  minCoverage: number;
  tests: string[];
  target: number;
  sample: number | null;
  seed: number | null;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, mutate: [], changed: null, force: false, report: null, ledgerReport: false, stale: false, budgetMutants: null, writeLedger: true, minCoverage: 0, tests: [], target: 85, sample: null, seed: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '--json':
        a.json = true;
        break;
      case '--mutate':
        a.mutate.push(...value().split(','));
        break;
      case '--changed':
        a.changed = argv[i + 1] && !argv[i + 1]!.startsWith('--') ? argv[++i]! : 'refs/heads/main';
        break;
      case '--force':
        a.force = true;
        break;
      case '--report':
        if (argv[i + 1] && !argv[i + 1]!.startsWith('--')) a.report = path.resolve(argv[++i]!);
        else a.ledgerReport = true;
        break;
      case '--stale':
        a.stale = true;
        break;
      case '--budget-mutants':
        a.budgetMutants = Number(value());
        if (!Number.isInteger(a.budgetMutants) || a.budgetMutants < 0) throw new Error('--budget-mutants must be a non-negative integer');
        break;
      case '--min-coverage':
        a.minCoverage = Number(value());
        if (!Number.isFinite(a.minCoverage) || a.minCoverage < 0 || a.minCoverage > 100) throw new Error('--min-coverage must be a percentage');
        break;
      case '--tests':
        a.tests.push(...value().split(',').filter(Boolean));
        break;
      case '--sample':
        a.sample = Number(value());
        if (!Number.isInteger(a.sample) || a.sample < 1) throw new Error('--sample must be a positive integer');
        break;
      case '--seed':
        a.seed = Number(value());
        if (!Number.isInteger(a.seed) || a.seed < 0 || a.seed > 0xffffffff) throw new Error('--seed must be an integer from 0 to 4294967295');
        break;
      case '--no-ledger':
        a.writeLedger = false;
        break;
      case '--target':
        a.target = Number(value());
        if (!Number.isFinite(a.target) || a.target < 0 || a.target > 100) throw new Error('--target must be a percentage');
        break;
      default:
        throw new Error(`unknown argument ${arg}`);
    }
  }
  return a;
}

function git(args: string[]): string[] {
  return execFileSync('git', args, { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
}

/** Whether a repository path is product code Stryker mutates (the scope of stryker.config.mjs). */
function inScope(f: string): boolean {
  return f.endsWith('.ts') && !f.endsWith('.generated.ts') && path.posix.basename(f) !== 'types.ts' && SCOPE.some((s) => f.startsWith(s)) && !EXCLUDED.has(f);
}

/** In-scope TypeScript files that differ from `ref`'s merge base, or are uncommitted. */
function changedFiles(ref: string): string[] {
  const base = git(['merge-base', 'HEAD', ref])[0]!;
  const files = new Set([...git(['diff', '--name-only', base, '--']), ...git(['ls-files', '--others', '--exclude-standard'])]);
  return [...files].filter((f) => inScope(f) && existsSync(path.join(root, f))).sort();
}

/** Every in-scope product file (tracked or new) with its current text. */
function scopeSources(): Map<string, string> {
  const files = new Set(git(['ls-files', '--cached', '--others', '--exclude-standard', '--', ...SCOPE]));
  const out = new Map<string, string>();
  for (const f of [...files].sort()) if (inScope(f) && existsSync(path.join(root, f))) out.set(f, readFileSync(path.join(root, f), 'utf8'));
  return out;
}

function readLedger(): Ledger {
  return existsSync(LEDGER) ? parseLedger(JSON.parse(readFileSync(LEDGER, 'utf8'))) : emptyLedger();
}

/** Written whole and renamed into place, so an interrupted write never leaves half a ledger. */
function writeLedger(ledger: Ledger): void {
  const tmp = `${LEDGER}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(ledger, null, 1)}\n`);
  renameSync(tmp, LEDGER);
}

const rel = (f: string): string => path.relative(root, path.resolve(root, f)).split(path.sep).join('/');

/** `--report`: the score over the ledger, against today's sources. */
function ledgerReport(args: Args, equivalents: ReturnType<typeof parseEquivalents>): number {
  const ledger = readLedger();
  const r = reportLedger(ledger, scopeSources(), equivalents);
  for (const f of r.files) {
    const e = ledger.files[f.file]!;
    console.log(`${f.state === 'fresh' ? '' : `${f.state.toUpperCase()} `}${f.file}: ${f.counts.score ?? '-'} % (${f.counts.killed} killed, ${f.counts.timeout} timeout, ${f.counts.survived + f.counts.noCoverage} survived, ${f.counts.equivalent} equivalent; ${e.date}${e.tests ? `; tests ${e.tests.join(',')}` : ''})`);
    if (f.state === 'fresh') for (const s of f.open) console.log(`  survivor ${s.status}: ${f.file}:${s.line}:${s.column} ${s.mutator} ${JSON.stringify(s.original.slice(0, 80))} -> ${JSON.stringify(s.replacement.slice(0, 80))}`);
  }
  for (const e of r.unmatchedEquivalents) console.log(`equivalent entry matches no survivor in the ledger: ${e.file} ${e.mutator} ${JSON.stringify(e.original)}`);
  if (r.unmeasured.length > 0) console.log(`not measured yet (${r.unmeasured.length}): ${r.unmeasured.join(' ')}`);
  const scoreOk = r.total.score !== null && r.total.score >= args.target;
  const ok = scoreOk && r.stale.length === 0 && r.missing.length === 0 && r.linesCoveredPct >= args.minCoverage;
  const t = r.total;
  console.log(
    JSON.stringify({
      mode: 'ledger',
      mutants: t.mutants,
      killed: t.killed,
      survived: t.survived,
      timeout: t.timeout,
      noCoverage: t.noCoverage,
      equivalent: t.equivalent,
      compileErrors: t.compileErrors,
      score: t.score,
      target: args.target,
      ok,
      filesMeasured: r.files.length - r.stale.length - r.missing.length,
      scopeFiles: r.scopeFiles,
      measuredLines: r.measuredLines,
      scopeLines: r.scopeLines,
      linesCoveredPct: r.linesCoveredPct,
      minCoveragePct: args.minCoverage,
      stale: r.stale,
      missing: r.missing,
      unmeasuredFiles: r.unmeasured.length,
      folders: Object.fromEntries(Object.entries(r.byFolder).map(([k, c]) => [k, c.score])),
      staleEquivalents: r.unmatchedEquivalents.length,
      // Entries measured with a subset of the tests (--tests): their scores are lower bounds.
      narrowedFiles: Object.values(ledger.files).filter((e) => e.tests).length,
      gate: `score >= ${args.target} over fresh entries, no stale or missing entry, linesCoveredPct >= ${args.minCoverage}`,
    }),
  );
  return ok ? 0 : 1;
}

const SAMPLE_PLAN = path.join(root, 'test-results/mutation/sample-plan.json');

/** A logger for the instrumenter used directly (warnings and errors only). */
const quietLogger = {
  trace() {},
  debug() {},
  info() {},
  warn: (...a: unknown[]) => console.warn(...a),
  error: (...a: unknown[]) => console.error(...a),
  fatal: (...a: unknown[]) => console.error(...a),
  isTraceEnabled: () => false,
  isDebugEnabled: () => false,
  isInfoEnabled: () => false,
  isWarnEnabled: () => true,
  isErrorEnabled: () => true,
  isFatalEnabled: () => true,
};

interface InstrumenterModule {
  Instrumenter: new (logger: unknown) => {
    instrument(
      files: { name: string; content: string; mutate: true }[],
      options: unknown,
    ): Promise<{ mutants: readonly { mutatorName: string; replacement: string; location: PopulationMutant['location'] }[] }>;
  };
}

/**
 * Every mutant Stryker's own instrumenter generates for the scope (the mutators and exclusions of a
 * real run), file by file, with each file's fingerprint for the sample ignorer.
 */
async function enumerateScope(): Promise<{ mutants: PopulationMutant[]; fingerprintOf: Map<string, string> }> {
  const coreRequire = createRequire(createRequire(path.join(root, 'package.json')).resolve('@stryker-mutator/core/package.json'));
  const entry = path.join(path.dirname(coreRequire.resolve('@stryker-mutator/instrumenter/package.json')), 'dist/src/index.js');
  const { Instrumenter } = (await import(pathToFileURL(entry).href)) as InstrumenterModule;
  const mutants: PopulationMutant[] = [];
  const fingerprintOf = new Map<string, string>();
  const fileOf = new Map<string, string>();
  for (const [file, content] of scopeSources()) {
    let fingerprint: string | null = null;
    const probe = {
      shouldIgnore(p: { type: string; parent?: Parameters<typeof fileFingerprint>[0] | null }): undefined {
        if (p.type === 'Program' && p.parent) fingerprint = fileFingerprint(p.parent);
        return undefined;
      },
    };
    const r = await new Instrumenter(quietLogger).instrument([{ name: path.join(root, file), content, mutate: true }], { plugins: null, excludedMutations: [], ignorers: [probe] });
    if (fingerprint === null) throw new Error(`${file}: the instrumenter never visited its Program node`);
    const clash = fileOf.get(fingerprint);
    if (clash) throw new Error(`${file} and ${clash} have the same fingerprint; the sample ignorer could not tell them apart`);
    fileOf.set(fingerprint, file);
    fingerprintOf.set(file, fingerprint);
    for (const m of r.mutants) mutants.push({ file, mutator: m.mutatorName, replacement: m.replacement, location: m.location });
  }
  return { mutants, fingerprintOf };
}

/** `--sample n`: the whole scope's score estimated from n randomly drawn mutants (sample.ts). */
async function runSample(args: Args, equivalents: ReturnType<typeof parseEquivalents>): Promise<number> {
  const started = Date.now();
  const seed = args.seed ?? Math.floor(Math.random() * 0xffffffff);
  const { mutants, fingerprintOf } = await enumerateScope();
  const sample = drawSample(mutants, args.sample!, seed);
  const files: Record<string, { file: string; ranges: BabelLocation[] }> = {};
  for (const m of sample) (files[fingerprintOf.get(m.file)!] ??= { file: m.file, ranges: [] }).ranges.push(toBabel(m.location));
  const plan: SamplePlan = { seed, files };
  mkdirSync(path.dirname(SAMPLE_PLAN), { recursive: true });
  writeFileSync(SAMPLE_PLAN, `${JSON.stringify(plan)}\n`);
  process.env.KIOSK_MUTATION_SAMPLE = SAMPLE_PLAN;
  if (args.tests.length > 0) process.env.KIOSK_MUTATION_TESTS = args.tests.join(',');
  console.log(`sample: ${sample.length} of ${mutants.length} mutants (seed ${seed}) in ${Object.keys(files).length} files`);
  try {
    await runStryker({
      mutate: [...new Set(sample.map(mutateGlob))],
      appendPlugins: [path.join(root, 'test/mutation/sample-ignorer.mjs')],
      ignorers: ['kiosk-mutation-sample'],
      // Its own incremental file: a rerun of the same seed reuses what did not change.
      incrementalFile: 'test-results/mutation/stryker-incremental-sample.json',
      force: args.force,
      reporters: args.json ? ['json', 'progress-append-only'] : ['json', 'progress'],
    });
  } catch (e) {
    console.error(e);
    console.log(JSON.stringify({ ok: false, error: 'STRYKER_FAILED', message: e instanceof Error ? e.message : String(e), mode: 'sample', seed, target: args.target }));
    return 2;
  }
  const report = JSON.parse(readFileSync(REPORT, 'utf8')) as MutationReport;
  const restricted = restrictToSample(report, sample, rel);
  const scored = scoreReport(restricted.report, equivalents, rel);
  for (const s of scored.survivors) console.log(`survivor ${s.status}: ${s.file}:${s.line}:${s.column} ${s.mutator} ${JSON.stringify(s.original.slice(0, 80))} -> ${JSON.stringify(s.replacement.slice(0, 80))}`);
  for (const m of restricted.missing) console.log(`not measured: ${mutateGlob(m)} ${m.mutator}`);
  const t = scored.total;
  const detected = t.killed + t.timeout;
  const valid = detected + t.survived + t.noCoverage - t.equivalent;
  const ci95 = wilsonInterval(detected, valid);
  const ok = t.score !== null && t.score >= args.target && restricted.missing.length === 0;
  console.log(
    JSON.stringify({
      mode: 'sample',
      mutated: 'main/services,main/db,main/ipc,preload/contract',
      population: mutants.length,
      seed,
      sampled: sample.length,
      measured: restricted.matched,
      missing: restricted.missing.length,
      mutants: t.mutants,
      killed: t.killed,
      survived: t.survived,
      timeout: t.timeout,
      noCoverage: t.noCoverage,
      equivalent: t.equivalent,
      compileErrors: t.compileErrors,
      runtimeErrors: t.runtimeErrors,
      scored: valid,
      score: t.score,
      ci95,
      target: args.target,
      ok,
      gate: `estimated score >= ${args.target} (95 % Wilson interval reported) and every sampled mutant measured`,
      tests: args.tests.length > 0 ? args.tests : 'all unit tests',
      folders: Object.fromEntries(Object.entries(scored.byFolder).map(([k, c]) => [k, { sampled: c.mutants - c.compileErrors - c.ignored, score: c.score }])),
      extraMutantsRun: restricted.extra,
      ledger: 'not written (a sample measures parts of files)',
      seconds: Math.round((Date.now() - started) / 1000),
    }),
  );
  return ok ? 0 : 1;
}

async function runStryker(options: Record<string, unknown>): Promise<void> {
  const require = createRequire(path.join(root, 'package.json'));
  const core = path.dirname(require.resolve('@stryker-mutator/core/package.json'));
  const mod = (await import(pathToFileURL(path.join(core, 'dist/src/stryker.js')).href)) as {
    Stryker: new (o: Record<string, unknown>) => { runMutationTest(): Promise<unknown> };
  };
  await new mod.Stryker({ configFile: path.join(root, 'stryker.config.mjs'), ...options }).runMutationTest();
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const equivalents = existsSync(EQUIVALENTS) ? parseEquivalents(JSON.parse(readFileSync(EQUIVALENTS, 'utf8'))) : [];
  if (args.ledgerReport) return ledgerReport(args, equivalents);
  if (args.sample !== null) return runSample(args, equivalents);
  let mode = args.report ? 'report' : args.force ? 'full' : 'incremental';
  let mutated: string[] | 'scope' = 'scope';
  let partial = false;
  const started = Date.now();
  if (!args.report) {
    const options: Record<string, unknown> = { force: args.force };
    if (args.stale) {
      mode = 'stale';
      const ledger = readLedger();
      const sources = scopeSources();
      const files = Object.keys(ledger.files).filter((f) => sources.has(f) && sha256(sources.get(f)!) !== ledger.files[f]!.sha256);
      const previous = files.reduce((n, f) => n + ledger.files[f]!.mutants, 0);
      if (files.length === 0) {
        const note = 'every file in the ledger is unchanged: nothing to mutate';
        console.log(note);
        console.log(JSON.stringify({ mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, score: null, target: args.target, ok: true, mode, mutated: [], note }));
        return 0;
      }
      if (args.budgetMutants !== null && previous > args.budgetMutants) {
        const note = `${files.length} stale file(s) had ${previous} mutants when last measured, over the budget of ${args.budgetMutants}: run \`npm run test:mutation -- --stale --json\` outside CI and commit the ledger`;
        console.log(note);
        console.log(JSON.stringify({ ok: false, error: 'OVER_BUDGET', mode, mutated: files, previousMutants: previous, budgetMutants: args.budgetMutants, target: args.target, note }));
        return 1;
      }
      mutated = files;
      options.mutate = files;
      // Re-measured with the tests each entry was measured with: the union of their globs, or
      // every unit test as soon as one of them was measured with every test.
      if (args.tests.length === 0 && files.every((f) => ledger.files[f]!.tests)) args.tests = [...new Set(files.flatMap((f) => ledger.files[f]!.tests!))];
    } else if (args.changed !== null) {
      mode = 'changed';
      const files = changedFiles(args.changed);
      mutated = files;
      if (files.length === 0) {
        const note = `no TypeScript file under ${SCOPE.join(', ')} differs from ${args.changed}: nothing to mutate`;
        console.log(note);
        console.log(JSON.stringify({ mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, score: null, target: args.target, ok: true, mode, mutated: [], note }));
        return 0;
      }
      options.mutate = files;
    } else if (args.mutate.length > 0) {
      mode = 'scoped';
      mutated = args.mutate;
      partial = args.mutate.some((g) => /:\d/.test(g));
      options.mutate = [...args.mutate, ...EXCLUDE_GLOBS];
    }
    if (args.json) options.reporters = ['json', 'html', 'progress-append-only'];
    // Read by vitest.mutation.config.ts in Stryker's test-runner processes (they inherit the environment).
    if (args.tests.length > 0) process.env.KIOSK_MUTATION_TESTS = args.tests.join(',');
    try {
      await runStryker(options);
    } catch (e) {
      console.error(e);
      console.log(JSON.stringify({ ok: false, error: 'STRYKER_FAILED', message: e instanceof Error ? e.message : String(e), target: args.target }));
      return 2;
    }
  }
  const reportFile = args.report ?? REPORT;
  if (!existsSync(reportFile)) {
    console.log(JSON.stringify({ ok: false, error: 'NO_REPORT', message: `${path.relative(root, reportFile)} does not exist`, target: args.target }));
    return 2;
  }
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as MutationReport;
  const scored = scoreReport(report, equivalents, rel);
  let ledgerNote: { recorded: number; skipped: string[]; reused: number } | string = 'not written (--no-ledger)';
  if (partial) ledgerNote = 'not written (a --mutate glob with a line range measures part of a file)';
  else if (args.writeLedger) {
    // Only the files this run mutated: the incremental report also carries earlier runs' results.
    const globs = mutated === 'scope' || args.report ? null : [...mutated, ...EXCLUDE_GLOBS];
    const measured = globs ? (f: string) => mutatedBy(globs, f) : undefined;
    const r = recordReport(readLedger(), report, new Date().toISOString().slice(0, 10), rel, args.report ? undefined : args.tests, measured);
    writeLedger(r.ledger);
    ledgerNote = { recorded: r.recorded.length, skipped: r.skipped, reused: r.reused.length };
  }
  const t = scored.total;
  for (const s of scored.survivors) console.log(`survivor ${s.status}: ${s.file}:${s.line}:${s.column} ${s.mutator} ${JSON.stringify(s.original.slice(0, 80))} -> ${JSON.stringify(s.replacement.slice(0, 80))}`);
  for (const e of scored.killedEquivalents) console.log(`stale equivalent (now killed): ${e.file} ${e.mutator} ${JSON.stringify(e.original)}`);
  for (const e of scored.unmatchedEquivalents) console.log(`equivalent entry matches no mutant in this report: ${e.file} ${e.mutator} ${JSON.stringify(e.original)}`);
  for (const [folder, c] of Object.entries(scored.byFolder)) console.log(`${folder}: ${c.score ?? '-'} % (${c.killed} killed, ${c.timeout} timeout, ${c.survived} survived, ${c.noCoverage} no coverage, ${c.equivalent} equivalent)`);
  const pass = t.score !== null && t.score >= args.target;
  const summary = {
    mutants: t.mutants,
    killed: t.killed,
    survived: t.survived,
    timeout: t.timeout,
    noCoverage: t.noCoverage,
    equivalent: t.equivalent,
    compileErrors: t.compileErrors,
    runtimeErrors: t.runtimeErrors,
    ignored: t.ignored,
    score: t.score,
    scoreFormula: '(killed+timeout)/(killed+timeout+survived+noCoverage-equivalent); equivalent = survivors listed in test/mutation/equivalent-mutants.json',
    target: args.target,
    ok: pass,
    mode,
    mutated: args.report ? `report ${path.relative(root, args.report)}` : mutated === 'scope' ? 'main/services,main/db,main/ipc,preload/contract' : mutated,
    tests: args.tests.length > 0 ? args.tests : 'all unit tests',
    // How many source files the score covers (a scoped or changed run reuses earlier results too).
    files: Object.keys(report.files).length,
    folders: Object.fromEntries(Object.entries(scored.byFolder).map(([k, c]) => [k, c.score])),
    staleEquivalents: scored.killedEquivalents.length + scored.unmatchedEquivalents.length,
    ledger: ledgerNote,
    seconds: Math.round((Date.now() - started) / 1000),
  };
  console.log(JSON.stringify(summary));
  return pass ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    console.log(JSON.stringify({ ok: false, error: 'BAD_ARGUMENTS', message: e instanceof Error ? e.message : String(e), target: 85 }));
    process.exit(2);
  },
);
