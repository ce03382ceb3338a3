import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatIssue, lintPack } from '../../../../main/services/packs/pack-lint';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = (id: string) => JSON.parse(readFileSync(path.join(root, 'build/packs/src', `${id}.pack.json`), 'utf8')) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('pack lint', () => {
  it('passes both demo packs without a single issue', () => {
    for (const id of ['software-engineer', 'regional-sales-manager']) {
      const r = lintPack(source(id));
      expect(r.issues.map(formatIssue)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });

  it('names the exact path and a code for a shape error', () => {
    const p = source('software-engineer');
    p.stages[1].questions[2].answerSeconds = 5;
    const r = lintPack(p);
    expect(r.ok).toBe(false);
    expect(r.issues.map(formatIssue)).toContain('stages[1].questions[2].answerSeconds: must be ≥ 10 [shape.too_small]');
  });

  it('checks meaning: weights, coverage, languages and variant tags', () => {
    const p = source('software-engineer');
    p.competencies[0].weight = 0.5;
    p.stages[1].questions[2].variants[0].tags = ['cobol'];
    p.stages[2].questions[1].prompt['zh-CN'] = p.stages[2].questions[1].prompt.en;
    p.competencies[3].indicators.pop();
    const codes = lintPack(p).issues.map((i) => `${i.path} ${i.code}`);
    expect(codes).toContain('competencies competency.weights_sum');
    expect(codes).toContain('stages[1].questions[2].variants[0].tags[0] variant.unknown_tag');
    expect(codes).toContain('stages[2].questions[1].prompt.zh-CN text.zh_missing');
    expect(codes).toContain('competencies[3].indicators indicator.levels_missing');
  });

  it('requires every competency to be measured by at least two questions', () => {
    const p = source('regional-sales-manager');
    for (const st of p.stages) for (const q of st.questions) q.competencies = q.competencies.filter((c: string) => c !== 'team_leadership' || q.id === 'q7-underperformer');
    const issue = lintPack(p).issues.find((i) => i.code === 'competency.under_measured');
    expect(issue?.path).toBe('competencies[2]');
    expect(issue?.message).toMatch(/measured by 1 question/);
  });

  it('keeps the runtime profile lenient for in-process packs without indicators', () => {
    const p = source('software-engineer');
    for (const c of p.competencies) c.indicators = [];
    expect(lintPack(p, 'runtime').ok).toBe(true);
    expect(lintPack(p, 'authoring').ok).toBe(false);
  });
});
