// @ts-check
/**
 * StrykerJS ignorer plugin for `npm run test:mutation -- --sample N` (see sample.ts): ignores every
 * node strictly inside a sampled node unless it is, or contains, a sampled node, so a sampled
 * function body does not bring in all of the function's mutants. Loaded by the runner through
 * `appendPlugins`; the plan comes from the file named by KIOSK_MUTATION_SAMPLE.
 *
 * Plain JavaScript because Stryker's worker processes load every plugin without a TypeScript
 * loader. `ignoreReason` and `fileFingerprint` mirror sample.ts; test/unit/mutation/sample.test.ts
 * checks that both give the same answers.
 */
import { readFileSync } from 'node:fs';
import { declareValuePlugin, PluginKind } from '@stryker-mutator/api/plugin';

export const NOT_SAMPLED = 'not in the mutation sample (test:mutation --sample)';

/** @typedef {{ start: { line: number, column: number }, end: { line: number, column: number } }} Loc */

/** @param {{ line: number, column: number }} a @param {{ line: number, column: number }} b */
const before = (a, b) => a.line < b.line || (a.line === b.line && a.column <= b.column);
/** @param {Loc} outer @param {Loc} inner */
const contains = (outer, inner) => before(outer.start, inner.start) && before(inner.end, outer.end);

/** @param {Loc | null | undefined} loc @param {readonly Loc[]} ranges @returns {string | undefined} */
export function ignoreReason(loc, ranges) {
  if (!loc) return undefined;
  let inside = false;
  for (const r of ranges) {
    if (contains(loc, r)) return undefined;
    if (contains(r, loc)) inside = true;
  }
  return inside ? NOT_SAMPLED : undefined;
}

/** @param {{ end?: number | null, comments?: readonly { value: string }[] | null }} fileNode */
export function fileFingerprint(fileNode) {
  const comments = fileNode.comments ?? [];
  return `${fileNode.end ?? -1}:${comments.length}:${comments.map((c) => c.value.length).join(',')}:${(comments[0]?.value ?? '').slice(0, 80)}`;
}

/** @type {{ files: Record<string, { file: string, ranges: Loc[] }> } | null} */
let plan = null;
/** @type {readonly Loc[]} */
let ranges = [];

function loadPlan() {
  const file = process.env.KIOSK_MUTATION_SAMPLE;
  if (!file) throw new Error('kiosk-mutation-sample: KIOSK_MUTATION_SAMPLE is not set');
  return JSON.parse(readFileSync(file, 'utf8'));
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, 'kiosk-mutation-sample', {
    /** @param {any} path */
    shouldIgnore(path) {
      // Files are instrumented one after another; each starts with its Program node.
      if (path.type === 'Program') {
        plan ??= loadPlan();
        ranges = path.parent ? (plan?.files[fileFingerprint(path.parent)]?.ranges ?? []) : [];
        return undefined;
      }
      return ignoreReason(path.node?.loc, ranges);
    },
  }),
];
