import { describe, expect, it } from 'vitest';
import { parseEquivalents, scoreReport, sliceLocation, type MutationReport, type ReportMutant } from '../../mutation/score';

const source = 'export function f(a: number) {\n  return a > 1 ? "big" : "small";\n}\n';
const at = (line: number, column: number, endColumn: number) => ({ start: { line, column }, end: { line, column: endColumn } });
let id = 0;
const mutant = (status: ReportMutant['status'], mutatorName = 'EqualityOperator', replacement = 'a >= 1', location = at(2, 10, 15)): ReportMutant => ({ id: String(id++), mutatorName, replacement, location, status });

function report(files: Record<string, ReportMutant[]>): MutationReport {
  return { files: Object.fromEntries(Object.entries(files).map(([f, mutants]) => [f, { source, mutants }])) };
}

describe('mutation score', () => {
  it('slices the mutated text out of the source by 1-based line and column', () => {
    expect(sliceLocation(source, { line: 2, column: 10 }, { line: 2, column: 15 })).toBe('a > 1');
    expect(sliceLocation(source, { line: 1, column: 1 }, { line: 1, column: 7 })).toBe('export');
  });

  it('is (killed + timeout) / (killed + timeout + survived + noCoverage), ignoring compile errors', () => {
    const r = scoreReport(
      report({ 'main/db/a.ts': [mutant('Killed'), mutant('Killed'), mutant('Timeout'), mutant('Survived'), mutant('NoCoverage'), mutant('CompileError'), mutant('Ignored')] }),
      [],
    );
    expect(r.total).toMatchObject({ mutants: 7, killed: 2, timeout: 1, survived: 1, noCoverage: 1, compileErrors: 1, ignored: 1, equivalent: 0, score: 60 });
    expect(r.survivors.map((s) => s.status)).toEqual(['Survived', 'NoCoverage']);
    expect(r.survivors[0]).toMatchObject({ file: 'main/db/a.ts', line: 2, column: 10, original: 'a > 1', replacement: 'a >= 1' });
  });

  it('leaves listed equivalent survivors out of the denominator, matched by file, mutator and both texts', () => {
    const eq = { file: 'main/db/a.ts', mutator: 'EqualityOperator', original: 'a > 1', replacement: 'a >= 1', reason: 'a is an integer here and never 1' };
    const r = scoreReport(report({ 'main/db/a.ts': [mutant('Killed'), mutant('Survived')], 'main/ipc/b.ts': [mutant('Survived')] }), [eq]);
    expect(r.total).toMatchObject({ survived: 2, equivalent: 1, score: 50 });
    expect(r.byFolder['main/db']).toMatchObject({ equivalent: 1, score: 100 });
    expect(r.byFolder['main/ipc']).toMatchObject({ equivalent: 0, score: 0 });
    expect(r.survivors).toHaveLength(1);
    expect(r.unmatchedEquivalents).toEqual([]);
  });

  it('reports an equivalent entry that a test now kills, or that matches nothing, as stale', () => {
    const killed = { file: 'main/db/a.ts', mutator: 'EqualityOperator', original: 'a > 1', replacement: 'a >= 1', reason: 'claimed equivalent, but a test kills it' };
    const gone = { ...killed, original: 'a > 2', reason: 'the code this named has changed since' };
    const r = scoreReport(report({ 'main/db/a.ts': [mutant('Killed')] }), [killed, gone]);
    expect(r.total).toMatchObject({ killed: 1, equivalent: 0, score: 100 });
    expect(r.killedEquivalents).toEqual([killed]);
    expect(r.unmatchedEquivalents).toEqual([gone]);
  });

  it('tells apart identical mutants by their line and column when the entry says which', () => {
    const twice = 'const a = x === 1 || y === 1;\nconst b = x === 1;\n';
    const m = (line: number, column: number, status: ReportMutant['status']): ReportMutant => ({ id: String(id++), mutatorName: 'EqualityOperator', replacement: 'x !== 1', location: at(line, column, column + 7), status });
    const r: MutationReport = { files: { 'main/db/a.ts': { source: twice, mutants: [m(1, 11, 'Survived'), m(2, 11, 'Survived')] } } };
    const eq = { file: 'main/db/a.ts', mutator: 'EqualityOperator', original: 'x === 1', replacement: 'x !== 1', reason: 'only the first line is redundant', lineText: 'const a = x === 1 || y === 1;', column: 11 };
    const scored = scoreReport(r, [eq]);
    expect(scored.total).toMatchObject({ survived: 2, equivalent: 1 });
    expect(scored.survivors.map((s) => s.line)).toEqual([2]);
    expect(scoreReport(r, [{ ...eq, column: 12 }]).unmatchedEquivalents).toHaveLength(1);
  });

  it('has no score when nothing could be scored', () => {
    expect(scoreReport(report({ 'main/db/a.ts': [mutant('CompileError')] }), []).total.score).toBeNull();
  });

  it('refuses an equivalent entry without a real reason', () => {
    expect(() => parseEquivalents([{ file: 'a', mutator: 'm', original: 'x', replacement: 'y', reason: 'same' }])).toThrow(/real reason/);
    expect(() => parseEquivalents([{ file: 'a', mutator: 'm', original: 'x', reason: 'a long enough reason' }])).toThrow(/replacement/);
    expect(() => parseEquivalents({})).toThrow(/array/);
  });
});
