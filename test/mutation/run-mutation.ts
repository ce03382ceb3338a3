/**
 * `npm run test:mutation -- [--json] [--mutate <glob>]… [--changed [<ref>]] [--force] [--report <file>] [--target <n>]`
 *
 * Runs StrykerJS (stryker.config.mjs: vitest runner, TypeScript checker, perTest coverage,
 * incremental) over main/services, main/db, main/ipc and preload/contract, then scores the report
 * with the survivors listed in test/mutation/equivalent-mutants.json left out, and prints ONE JSON
 * object as the last line. Exits 1 below the target, 2 when Stryker itself failed.
 *
 * Modes:
 * - default: the whole scope, incremental — results in test-results/mutation/stryker-incremental.json
 *   (local, not committed) are reused for every mutant whose code and covering tests did not change;
 * - `--changed [ref]`: mutates only in-scope files that differ from the merge base with `ref`
 *   (default refs/heads/main; CI on main uses HEAD~1, the last merge) or are uncommitted. Where a
 *   local incremental file exists its results for the other files are reused and scored too. When
 *   no file in scope changed, it says so in the JSON (`mutants: 0`) and exits 0;
 * - `--force`: re-runs every mutant (rebuilds the incremental file);
 * - `--mutate <glob>`: a scoped run while developing (repeatable);
 * - `--report <file>`: only score an existing Stryker JSON report.
 *
 * StrykerJS 10 declares Node >= 22 and its CLI refuses older versions at import time; the machine
 * runs Node 20, on which the engine itself works. So the engine is loaded from its file directly
 * (the package's `exports` does not expose it), which skips only that version guard.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseEquivalents, scoreReport, type MutationReport } from './score';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const EQUIVALENTS = path.join(root, 'test/mutation/equivalent-mutants.json');
const REPORT = path.join(root, 'test-results/mutation/mutation.json');
const SCOPE = ['main/services/', 'main/db/', 'main/ipc/', 'preload/contract/'];
const EXCLUDED = new Set(['main/ipc/electron-transport.ts']);
/** The exclusions of stryker.config.mjs, kept when --mutate replaces its list. */
const EXCLUDE_GLOBS = ['!main/ipc/electron-transport.ts', '!**/types.ts'];

interface Args {
  json: boolean;
  mutate: string[];
  changed: string | null;
  force: boolean;
  report: string | null;
  target: number;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { json: false, mutate: [], changed: null, force: false, report: null, target: 85 };
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
        a.report = path.resolve(value());
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

/** In-scope TypeScript files that differ from `ref`'s merge base, or are uncommitted. */
function changedFiles(ref: string): string[] {
  const base = git(['merge-base', 'HEAD', ref])[0]!;
  const files = new Set([...git(['diff', '--name-only', base, '--']), ...git(['ls-files', '--others', '--exclude-standard'])]);
  return [...files]
    .filter((f) => f.endsWith('.ts') && !f.endsWith('types.ts') && SCOPE.some((s) => f.startsWith(s)) && !EXCLUDED.has(f) && existsSync(path.join(root, f)))
    .sort();
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
  let mode = args.report ? 'report' : args.force ? 'full' : 'incremental';
  let mutated: string[] | 'scope' = 'scope';
  const started = Date.now();
  if (!args.report) {
    const options: Record<string, unknown> = { force: args.force };
    if (args.changed !== null) {
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
      options.mutate = [...args.mutate, ...EXCLUDE_GLOBS];
    }
    if (args.json) options.reporters = ['json', 'html', 'progress-append-only'];
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
  const scored = scoreReport(report, equivalents, (f) => path.relative(root, path.resolve(root, f)).split(path.sep).join('/'));
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
    // How many source files the score covers (a scoped or changed run reuses earlier results too).
    files: Object.keys(report.files).length,
    folders: Object.fromEntries(Object.entries(scored.byFolder).map(([k, c]) => [k, c.score])),
    staleEquivalents: scored.killedEquivalents.length + scored.unmatchedEquivalents.length,
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
