/**
 * Pack lint, every rule and every message pinned (main/services/packs/pack-lint.ts): an author
 * reads these messages to fix a pack, so a changed word, path or severity is a regression. Each
 * test breaks one demo pack in known ways and lists every issue expected, in order.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { formatIssue, formatPath, lintPack, meaningIssues, shapeIssues, type LintIssue } from '../../main/services/packs/pack-lint';
import { Pack } from '../../main/services/packs/pack-schema';

const root = path.resolve(import.meta.dirname, '../..');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const source = (): Record<string, any> => JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8'));
const lines = (issues: readonly LintIssue[]) => issues.map((i) => `${i.severity} ${formatIssue(i)}`);

describe('pack lint: paths and formatting', () => {
  it('writes array indexes in brackets and keys with dots', () => {
    expect(formatPath([])).toBe('');
    expect(formatPath(['stages', 1, 'questions', 2, 'answerSeconds'])).toBe('stages[1].questions[2].answerSeconds');
    expect(formatPath([0, 'a'])).toBe('[0].a');
    expect(formatPath(['a', 'b'])).toBe('a.b');
  });

  it('names the pack itself when an issue has no path', () => {
    expect(formatIssue({ severity: 'error', code: 'x.y', path: '', message: 'is wrong' })).toBe('(pack): is wrong [x.y]');
    expect(formatIssue({ severity: 'error', code: 'x.y', path: 'a[0]', message: 'is wrong' })).toBe('a[0]: is wrong [x.y]');
  });
});

describe('pack lint: shape messages', () => {
  const issuesOf = (schema: z.ZodType, value: unknown, prefix: PropertyKey[] = []) => {
    const r = schema.safeParse(value);
    if (r.success) throw new Error('expected a shape error');
    return shapeIssues(r.error, prefix).map((i) => `${i.severity} ${formatIssue(i)}`);
  };

  it('numbers: inclusive and exclusive bounds, on both sides', () => {
    expect(issuesOf(z.object({ n: z.number().min(10) }), { n: 5 })).toEqual(['error n: must be ≥ 10 [shape.too_small]']);
    expect(issuesOf(z.object({ n: z.number().gt(0) }), { n: 0 })).toEqual(['error n: must be > 0 [shape.too_small]']);
    expect(issuesOf(z.object({ n: z.int().max(600) }), { n: 601 })).toEqual(['error n: must be ≤ 600 [shape.too_big]']);
    expect(issuesOf(z.object({ n: z.number().lt(1) }), { n: 1 })).toEqual(['error n: must be < 1 [shape.too_big]']);
    expect(issuesOf(z.object({ n: z.bigint().min(2n) }), { n: 1n })).toEqual(['error n: must be ≥ 2 [shape.too_small]']);
    expect(issuesOf(z.object({ n: z.bigint().max(2n) }), { n: 3n })).toEqual(['error n: must be ≤ 2 [shape.too_big]']);
  });

  it('arrays, sets and strings, singular and plural', () => {
    expect(issuesOf(z.object({ a: z.array(z.number()).min(1) }), { a: [] })).toEqual(['error a: needs at least 1 item [shape.too_small]']);
    expect(issuesOf(z.object({ a: z.array(z.number()).min(2) }), { a: [] })).toEqual(['error a: needs at least 2 items [shape.too_small]']);
    expect(issuesOf(z.object({ a: z.set(z.number()).min(2) }), { a: new Set() })).toEqual(['error a: needs at least 2 items [shape.too_small]']);
    expect(issuesOf(z.object({ a: z.array(z.number()).max(1) }), { a: [1, 2] })).toEqual(['error a: has more than 1 items [shape.too_big]']);
    expect(issuesOf(z.object({ a: z.set(z.number()).max(1) }), { a: new Set([1, 2]) })).toEqual(['error a: has more than 1 items [shape.too_big]']);
    expect(issuesOf(z.object({ s: z.string().min(1) }), { s: '' })).toEqual(['error s: must be at least 1 character [shape.too_small]']);
    expect(issuesOf(z.object({ s: z.string().min(3) }), { s: '' })).toEqual(['error s: must be at least 3 characters [shape.too_small]']);
    expect(issuesOf(z.object({ s: z.string().max(2) }), { s: 'abc' })).toEqual(['error s: is longer than 2 characters [shape.too_big]']);
  });

  it('other sizes keep zod\'s own message', () => {
    const small = z.object({ f: z.file().min(5) }).safeParse({ f: new File(['ab'], 'a.txt') });
    const big = z.object({ f: z.file().max(1) }).safeParse({ f: new File(['ab'], 'a.txt') });
    if (small.success || big.success) throw new Error('expected a shape error');
    expect(shapeIssues(small.error)[0]!.message).toBe(small.error.issues[0]!.message);
    expect(shapeIssues(big.error)[0]!.message).toBe(big.error.issues[0]!.message);
  });

  it('missing and mistyped fields, unknown keys, enum values and formats', () => {
    expect(issuesOf(z.object({ n: z.number() }), {})).toEqual(['error n: is required (number) [shape.invalid_type]']);
    expect(issuesOf(z.object({ n: z.number() }), { n: 'x' })).toEqual(['error n: must be number [shape.invalid_type]']);
    expect(issuesOf(z.object({}).strict(), { a: 1 })).toEqual(['error (pack): unknown field "a" [shape.unrecognized_keys]']);
    expect(issuesOf(z.object({}).strict(), { a: 1, b: 2 })).toEqual(['error (pack): unknown fields "a", "b" [shape.unrecognized_keys]']);
    expect(issuesOf(z.object({ m: z.enum(['video', 'text']) }), { m: 'x' })).toEqual(['error m: must be "video" or "text" [shape.invalid_value]']);
    expect(issuesOf(z.object({ t: z.iso.datetime() }), { t: 'x' })).toEqual(['error t: must be a valid datetime [shape.invalid_format]']);
    expect(issuesOf(z.object({ t: z.string().regex(/^a$/, 'an opaque reference') }), { t: 'b' })).toEqual(['error t: an opaque reference [shape.invalid_format]']);
    expect(issuesOf(z.object({ t: z.string().refine(() => false, 'custom words') }), { t: 'b' })).toEqual(['error t: custom words [shape.custom]']);
  });

  it('puts the prefix in front of the path', () => {
    expect(issuesOf(z.object({ n: z.number() }), { n: 'x' }, ['invites', 3])).toEqual(['error invites[3].n: must be number [shape.invalid_type]']);
  });

  it('a pack with a shape error has no parsed pack and no meaning checks', () => {
    const p = source();
    p.stages[1].questions[2].answerSeconds = 5;
    p.competencies[0].weight = 0.9;
    const r = lintPack(p);
    expect(r).toEqual({ ok: false, pack: undefined, issues: [{ severity: 'error', code: 'shape.too_small', path: 'stages[1].questions[2].answerSeconds', message: 'must be ≥ 10' }] });
  });
});

describe('pack lint: meaning', () => {
  it('the demo pack is clean in both profiles, and defaults to authoring', () => {
    const r = lintPack(source());
    expect(r.issues).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.pack?.id).toBe(source().id);
    const noIndicators = source();
    for (const c of noIndicators.competencies) c.indicators = [];
    expect(lintPack(noIndicators).ok).toBe(false);
    expect(lintPack(noIndicators, 'runtime').issues).toEqual([]);
  });

  it('competencies, indicators and their languages', () => {
    const p = source();
    p.competencies[0].name = { 'zh-CN': 'Technical depth', en: 'Technical depth' };
    p.competencies[1].name.en = '解决问题';
    p.competencies[0].indicators[1].level = 1;
    p.competencies[0].indicators[0].evidence.en = [];
    p.competencies[1].indicators[0].evidence['zh-CN'] = [];
    p.competencies[2].indicators = p.competencies[2].indicators.slice(0, 3);
    p.competencies[3].indicators[2].description = { 'zh-CN': '  同一句  ', en: '同一句' };
    p.competencies[3].weight = 0.3;
    expect(lines(lintPack(p).issues)).toEqual([
      'error competencies[0].name.zh-CN: has no Chinese characters: write the zh-CN text in Chinese [text.zh_missing]',
      'error competencies[0].name: zh-CN and en are identical: translate it [text.untranslated]',
      'error competencies[0].indicators[0].evidence: needs at least one example phrase in zh-CN and in en [indicator.evidence_missing]',
      'error competencies[0].indicators[1].level: level 1 is described twice [indicator.duplicate_level]',
      'error competencies[0].indicators: needs a behavioural indicator for level 2 [indicator.levels_missing]',
      'error competencies[1].name.en: has no Latin letters: write the en text in English [text.en_missing]',
      'error competencies[1].indicators[0].evidence: needs at least one example phrase in zh-CN and in en [indicator.evidence_missing]',
      'error competencies[2].indicators: needs a behavioural indicator for levels 4, 5 [indicator.levels_missing]',
      'error competencies[3].indicators[2].description.en: has no Latin letters: write the en text in English [text.en_missing]',
      'error competencies[3].indicators[2].description: zh-CN and en are identical: translate it [text.untranslated]',
      'error competencies: weights must sum to 1 (they sum to 1.1) [competency.weights_sum]',
    ]);
  });

  it('a duplicate competency id, and weights within a millionth of 1 pass', () => {
    const p = source();
    p.competencies[3].id = p.competencies[2].id;
    p.competencies[3].weight = 0.2000005;
    expect(lines(meaningIssues(Pack.parse(p), 'runtime'))).toEqual([
      'error competencies[3].id: duplicate competency id "collaboration" [competency.duplicate_id]',
      'error stages[0].questions[0].competencies[1]: unknown competency "ownership" [question.unknown_competency]',
      'error stages[1].questions[1].competencies[1]: unknown competency "ownership" [question.unknown_competency]',
      'error stages[2].questions[1].competencies[0]: unknown competency "ownership" [question.unknown_competency]',
      'error stages[2].questions[2].competencies[0]: unknown competency "ownership" [question.unknown_competency]',
    ]);
    p.competencies[3].weight = 0.200002;
    expect(lines(meaningIssues(Pack.parse(p), 'runtime'))).toContain('error competencies: weights must sum to 1 (they sum to 1.000002) [competency.weights_sum]');
    p.competencies[3].weight = 0.199998;
    expect(lines(meaningIssues(Pack.parse(p), 'runtime'))).toContain('error competencies: weights must sum to 1 (they sum to 0.999998) [competency.weights_sum]');
  });

  it('the tag dictionary', () => {
    const p = source();
    p.tags.push({ id: 'java', label: { 'zh-CN': '再来', en: 'Again' }, synonyms: { 'zh-CN': [], en: [] } });
    p.tags.push({ id: 'orphan', label: { 'zh-CN': '孤儿', en: 'Orphan' }, synonyms: { 'zh-CN': ['孤儿'], en: [' JVM '] } });
    p.tags[0].synonyms.en.push('JAVA');
    p.tags.push({ id: 'only_zh', label: { 'zh-CN': '中', en: 'Zh' }, synonyms: { 'zh-CN': ['只中文'], en: [] } });
    p.stages[1].questions[4].variants[0].tags.push('only_zh');
    expect(lines(lintPack(p).issues)).toEqual([
      'error tags[16].id: duplicate tag "java" [tag.duplicate_id]',
      'error tags[16].synonyms: needs at least one word to look for in a résumé [tag.no_synonyms]',
      'error tags[17].synonyms.en[0]: " JVM " also belongs to tag "java" [tag.ambiguous_synonym]',
      'warning tags[17]: tag "orphan" selects no variant [tag.unused]',
    ]);
  });

  it('stages, questions and variants', () => {
    const p = source();
    p.stages[2].id = p.stages[1].id;
    p.stages[0].title = { 'zh-CN': '同', en: '同' };
    p.stages[2].questions[1].id = p.stages[1].questions[0].id;
    p.stages[1].questions[1].competencies.push('nope', 'problem_solving');
    p.stages[1].questions[3].prompt.en = '只有中文';
    p.stages[1].questions[0].variants[1].id = 'payments';
    p.stages[1].questions[0].variants[2].id = 'default';
    p.stages[1].questions[0].variants[2].tags = ['cobol', 'ml'];
    p.stages[1].questions[0].variants[0].prompt = { 'zh-CN': 'Same words', en: 'Same words' };
    p.stages[1].questions[3].retakes = 1;
    expect(lines(lintPack(p).issues)).toEqual([
      'error stages[0].title.en: has no Latin letters: write the en text in English [text.en_missing]',
      'error stages[0].title: zh-CN and en are identical: translate it [text.untranslated]',
      'error stages[1].questions[0].variants[0].prompt.zh-CN: has no Chinese characters: write the zh-CN text in Chinese [text.zh_missing]',
      'error stages[1].questions[0].variants[0].prompt: zh-CN and en are identical: translate it [text.untranslated]',
      'error stages[1].questions[0].variants[1].id: variant id "payments" is used twice or is reserved [variant.duplicate_id]',
      'error stages[1].questions[0].variants[2].id: variant id "default" is used twice or is reserved [variant.duplicate_id]',
      'error stages[1].questions[0].variants[2].tags[0]: tag "cobol" is not in the tag dictionary [variant.unknown_tag]',
      'error stages[1].questions[1].competencies[2]: unknown competency "nope" [question.unknown_competency]',
      'error stages[1].questions[1].competencies[3]: "problem_solving" is listed twice [question.duplicate_competency]',
      'error stages[1].questions[3].prompt.en: has no Latin letters: write the en text in English [text.en_missing]',
      'warning stages[1].questions[3].retakes: typed answers can be edited before submitting; retakes have no effect [question.text_retakes]',
      'error stages[2].id: duplicate stage id "professional" [stage.duplicate_id]',
      'error stages[2].questions[1].id: duplicate question id "q2-design" [question.duplicate_id]',
    ]);
  });

  it('counts a competency once per question, and says how few questions measure it', () => {
    const p = source();
    for (const st of p.stages) for (const q of st.questions) if (q.competencies.length > 1) q.competencies = q.competencies.filter((c: string) => c !== 'ownership');
    p.stages[2].questions[2].competencies = ['ownership', 'ownership'];
    const r = lintPack(p);
    expect(lines(r.issues)).toEqual([
      'error stages[2].questions[2].competencies[1]: "ownership" is listed twice [question.duplicate_competency]',
      'error competencies[3]: "ownership" is measured by 1 question; at least 2 are needed for a fair score [competency.under_measured]',
    ]);
    p.stages[2].questions[2].competencies = ['technical_depth'];
    expect(lines(lintPack(p).issues)).toEqual(['error competencies[3]: "ownership" is measured by 0 questions; at least 2 are needed for a fair score [competency.under_measured]']);
    expect(lintPack(p, 'runtime').issues).toEqual([]);
  });

  it('the title, the validity window and the HR endpoint', () => {
    const p = source();
    p.title.en = p.title['zh-CN'];
    delete p.validity;
    delete p.hrEndpoint;
    const r = lintPack(p);
    expect(lines(r.issues)).toEqual([
      'error title.en: has no Latin letters: write the en text in English [text.en_missing]',
      'error title: zh-CN and en are identical: translate it [text.untranslated]',
      'error validity: a signed pack needs a validity window (notBefore, expiresAt) [validity.missing]',
      'warning hrEndpoint: without an HR endpoint the questions can only be unlocked with the proctor code [hr_endpoint.missing]',
    ]);
    expect(r.ok).toBe(false);
    expect(lintPack(p, 'runtime').issues).toEqual([]);
  });

  it('a validity window must run forward, and a window over 400 days is only a warning', () => {
    const p = source();
    const at = (notBefore: string, expiresAt: string) => {
      p.validity = { notBefore, expiresAt };
      return lintPack(p);
    };
    expect(lines(at('2026-07-01T00:00:00Z', '2026-07-01T00:00:00Z').issues)).toEqual(['error validity.expiresAt: must be after notBefore [validity.order]']);
    expect(lines(at('2026-07-02T00:00:00Z', '2026-07-01T00:00:00Z').issues)).toEqual(['error validity.expiresAt: must be after notBefore [validity.order]']);
    expect(at('2026-01-01T00:00:00Z', '2027-02-05T00:00:00Z').issues).toEqual([]);
    const long = at('2026-01-01T00:00:00Z', '2027-02-05T00:00:00.001Z');
    expect(lines(long.issues)).toEqual(['warning validity.expiresAt: a pack should not be valid for more than about a year [validity.too_long]']);
    expect(long.ok).toBe(true);
  });

  it('the grace window may equal the return window, not exceed it (in both profiles)', () => {
    const p = source();
    p.policy.resume.graceSeconds = p.policy.resume.returnWindowSeconds;
    expect(lintPack(p, 'runtime').issues).toEqual([]);
    p.policy.resume.graceSeconds = p.policy.resume.returnWindowSeconds + 1;
    expect(lines(lintPack(p, 'runtime').issues)).toEqual(['error policy.resume.graceSeconds: must not be longer than returnWindowSeconds [policy.grace_after_window]']);
  });
});
