import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { countLines, emptyLedger, globToRegExp, mutatedBy, parseLedger, recordReport, reportLedger, type Ledger } from '../../mutation/ledger';
import type { MutationReport, ReportMutant } from '../../mutation/score';

const a = 'export function f(a: number) {\n  return a > 1 ? "big" : "small";\n}\n';
const b = 'export const g = (x: number) => x + 1;\n';
let id = 0;
const m = (status: ReportMutant['status'], replacement = 'a >= 1', line = 2, column = 10, end = 15, mutatorName = 'EqualityOperator'): ReportMutant => ({
  id: String(id++),
  mutatorName,
  replacement,
  location: { start: { line, column }, end: { line, column: end } },
  status,
});
/** An oracle that shares nothing with the ledger: node's own sha256 of the text. */
const hex = (t: string) => createHash('sha256').update(Buffer.from(t, 'utf8')).digest('hex');

function report(files: Record<string, [string, ReportMutant[]]>): MutationReport {
  return { files: Object.fromEntries(Object.entries(files).map(([f, [source, mutants]]) => [f, { source, mutants }])) };
}

const sources = (o: Record<string, string>) => new Map(Object.entries(o));

describe('mutation ledger', () => {
  it('records each measured file with the sha256 of the source mutated, its counts and its survivors', () => {
    const r = recordReport(
      emptyLedger(),
      report({ 'main/db/a.ts': [a, [m('Killed'), m('Timeout'), m('Survived', 'a < 1'), m('NoCoverage', 'false'), m('CompileError')]], 'main/db/b.ts': [b, [m('Killed', 'x - 1', 1, 33, 38)]] }),
      '2026-12-07',
    );
    expect(r.recorded).toEqual(['main/db/a.ts', 'main/db/b.ts']);
    expect(r.ledger.files['main/db/a.ts']).toMatchObject({ sha256: hex(a), lines: 3, mutants: 5, killed: 1, timeout: 1, survived: 1, noCoverage: 1, compileErrors: 1, date: '2026-12-07' });
    expect(r.ledger.files['main/db/a.ts']!.survivors.map((s) => [s.status, s.original, s.replacement, s.lineText])).toEqual([
      ['Survived', 'a > 1', 'a < 1', 'return a > 1 ? "big" : "small";'],
      ['NoCoverage', 'a > 1', 'false', 'return a > 1 ? "big" : "small";'],
    ]);
    expect(parseLedger(JSON.parse(JSON.stringify(r.ledger)))).toEqual(r.ledger);
  });

  it('notes the test globs of a narrowed run, and nothing for a run over every test', () => {
    const narrowed = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed')]] }), '2026-12-07', undefined, ['test/unit/db/**/*.test.ts']).ledger;
    expect(narrowed.files['main/db/a.ts']!.tests).toEqual(['test/unit/db/**/*.test.ts']);
    expect(parseLedger(JSON.parse(JSON.stringify(narrowed)))).toEqual(narrowed);
    expect('tests' in recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed')]] }), '2026-12-07', undefined, []).ledger.files['main/db/a.ts']!).toBe(false);
    expect(() => parseLedger({ version: 1, files: { 'main/db/a.ts': { ...narrowed.files['main/db/a.ts'], tests: [1] } } })).toThrow(/globs/);
  });

  it('records only the files the run mutated: results an incremental report carries over for other files keep their own entries', () => {
    const first = recordReport(emptyLedger(), report({ 'main/db/b.ts': [b, [m('Killed', 'x - 1', 1, 33, 38)]] }), '2026-12-06').ledger;
    const r = recordReport(
      first,
      report({ 'main/db/a.ts': [a, [m('Killed')]], 'main/db/b.ts': [b, [m('Survived', 'x - 1', 1, 33, 38)]] }),
      '2026-12-07',
      undefined,
      ['test/unit/db/a.test.ts'],
      (f) => f === 'main/db/a.ts',
    );
    expect(r.recorded).toEqual(['main/db/a.ts']);
    expect(r.reused).toEqual(['main/db/b.ts']);
    expect(r.ledger.files['main/db/b.ts']).toEqual(first.files['main/db/b.ts']);
    expect(r.ledger.files['main/db/a.ts']).toMatchObject({ killed: 1, tests: ['test/unit/db/a.test.ts'] });
  });

  it('matches mutate globs the way Stryker reads them', () => {
    expect(mutatedBy(['main/services/session/state-machine.ts'], 'main/services/session/state-machine.ts')).toBe(true);
    expect(mutatedBy(['main/services/session/state-machine.ts'], 'main/services/session/state-machineXts')).toBe(false);
    expect(mutatedBy(['main/services/**/*.ts'], 'main/services/a.ts')).toBe(true);
    expect(mutatedBy(['main/services/**/*.ts'], 'main/services/packs/deep/b.ts')).toBe(true);
    expect(mutatedBy(['main/services/**/*.ts'], 'main/db/a.ts')).toBe(false);
    expect(mutatedBy(['main/services/*.ts'], 'main/services/packs/b.ts')).toBe(false);
    expect(mutatedBy(['main/services/packs/{variants,schedule}.ts'], 'main/services/packs/schedule.ts')).toBe(true);
    expect(mutatedBy(['main/services/packs/{variants,schedule}.ts'], 'main/services/packs/pack-lint.ts')).toBe(false);
    expect(mutatedBy(['main/ipc/**/*.ts', '!main/ipc/electron-transport.ts'], 'main/ipc/electron-transport.ts')).toBe(false);
    expect(mutatedBy(['main/ipc/**/*.ts', '!**/types.ts'], 'main/ipc/x/types.ts')).toBe(false);
    expect(mutatedBy(['main/ipc/**/*.ts', '!**/types.ts'], 'main/ipc/router.ts')).toBe(true);
    expect(mutatedBy(['!main/ipc/router.ts'], 'main/ipc/router.ts')).toBe(false);
    expect(globToRegExp('main/db/?.ts').test('main/db/a.ts')).toBe(true);
    expect(globToRegExp('main/db/?.ts').test('main/db/ab.ts')).toBe(false);
    expect(globToRegExp('main/(db)/a+.ts').test('main/(db)/a+.ts')).toBe(true);
    expect(globToRegExp('main/(db)/a+.ts').test('main/db/aa.ts')).toBe(false);
  });

  it('does not record a file whose run did not finish, and keeps its earlier entry', () => {
    const first = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed')]] }), '2026-12-06').ledger;
    const r = recordReport(first, report({ 'main/db/a.ts': [a + '\n', [m('Killed'), m('Pending')]] }), '2026-12-07');
    expect(r.skipped).toEqual(['main/db/a.ts']);
    expect(r.ledger.files['main/db/a.ts']).toEqual(first.files['main/db/a.ts']);
  });

  it('a newer run replaces the file it measured and leaves the others', () => {
    const first = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Survived')]], 'main/db/b.ts': [b, [m('Killed')]] }), '2026-12-06').ledger;
    const second = recordReport(first, report({ 'main/db/a.ts': [a, [m('Killed')]] }), '2026-12-07').ledger;
    expect(second.files['main/db/a.ts']).toMatchObject({ killed: 1, survived: 0, date: '2026-12-07' });
    expect(second.files['main/db/b.ts']).toEqual(first.files['main/db/b.ts']);
  });

  it('scores fresh entries only, marks a changed file stale and a deleted one missing, and counts covered lines', () => {
    const ledger = recordReport(
      emptyLedger(),
      report({ 'main/db/a.ts': [a, [m('Killed'), m('Killed'), m('Killed'), m('Survived')]], 'main/db/b.ts': [b, [m('Survived', 'x - 1', 1, 33, 38)]], 'main/ipc/gone.ts': [b, [m('Killed')]] }),
      '2026-12-07',
    ).ledger;
    const now = sources({ 'main/db/a.ts': a, 'main/db/b.ts': b.replace('+ 1', '+ 2'), 'main/ipc/new.ts': 'export const n = 1;\n' });
    const r = reportLedger(ledger, now, []);
    expect(r.stale).toEqual(['main/db/b.ts']);
    expect(r.missing).toEqual(['main/ipc/gone.ts']);
    expect(r.unmeasured).toEqual(['main/ipc/new.ts']);
    expect(r.total).toMatchObject({ mutants: 4, killed: 3, survived: 1, score: 75 });
    expect(r.measuredLines).toBe(3);
    expect(r.scopeLines).toBe(5);
    expect(r.linesCoveredPct).toBe(60);
    expect(r.files.find((f) => f.file === 'main/db/a.ts')!.open).toHaveLength(1);
  });

  it('takes listed equivalents out of the denominator at report time, one entry per mutant', () => {
    const ledger = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed'), m('Survived'), m('Survived')]] }), '2026-12-07').ledger;
    const eq = { file: 'main/db/a.ts', mutator: 'EqualityOperator', original: 'a > 1', replacement: 'a >= 1', reason: 'a is an integer here and never 1' };
    const one = reportLedger(ledger, sources({ 'main/db/a.ts': a }), [eq]);
    expect(one.total).toMatchObject({ survived: 2, equivalent: 1, score: 50 });
    expect(reportLedger(ledger, sources({ 'main/db/a.ts': a }), [eq, { ...eq }]).total).toMatchObject({ equivalent: 2, score: 100 });
    const wrongLine = reportLedger(ledger, sources({ 'main/db/a.ts': a }), [{ ...eq, lineText: 'something else' }]);
    expect(wrongLine.total.equivalent).toBe(0);
    expect(wrongLine.unmatchedEquivalents).toHaveLength(1);
  });

  it('has no score when nothing fresh was measured', () => {
    const ledger = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed')]] }), '2026-12-07').ledger;
    expect(reportLedger(ledger, sources({ 'main/db/a.ts': a + '// edited\n' }), []).total.score).toBeNull();
    expect(reportLedger(emptyLedger(), sources({ 'main/db/a.ts': a }), []).linesCoveredPct).toBe(0);
  });

  it('refuses a malformed ledger: wrong version, bad hash, counts that do not add up, survivors not listed', () => {
    const good: Ledger = recordReport(emptyLedger(), report({ 'main/db/a.ts': [a, [m('Killed'), m('Survived')]] }), '2026-12-07').ledger;
    const entry = good.files['main/db/a.ts']!;
    const bad = (e: object) => ({ version: 1, files: { 'main/db/a.ts': { ...entry, ...e } } });
    expect(() => parseLedger({ version: 2, files: {} })).toThrow(/version/);
    expect(() => parseLedger(bad({ sha256: 'abc' }))).toThrow(/sha256/);
    expect(() => parseLedger(bad({ killed: 2 }))).toThrow(/add up/);
    expect(() => parseLedger(bad({ killed: -1, survived: 2 }))).toThrow(/non-negative/);
    expect(() => parseLedger(bad({ survivors: [] }))).toThrow(/survivors/);
    expect(() => parseLedger(bad({ date: 'today' }))).toThrow(/date/);
  });

  it('counts lines like wc -l', () => {
    expect(countLines('')).toBe(0);
    expect(countLines('x')).toBe(1);
    expect(countLines('x\n')).toBe(1);
    expect(countLines('x\ny')).toBe(2);
    expect(countLines('x\ny\n')).toBe(2);
  });
});
