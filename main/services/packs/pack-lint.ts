/**
 * Lint for interview packs: shape (zod) and meaning. Every problem has a path an author can find
 * (`stages[1].questions[2].answerSeconds`), a stable code and a short message, e.g.
 * `stages[1].questions[2].answerSeconds: must be ≥ 10 [shape.too_small]`.
 *
 * Two profiles: `runtime` is what any pack must satisfy to be run at all (ids resolve, weights sum
 * to 1); `authoring` adds what a signed pack must have (indicators for every level, each
 * competency measured twice, both languages really written, a validity window).
 */
import type { z } from 'zod';
import { Pack, type PackText } from './pack-schema';

export type LintSeverity = 'error' | 'warning';

export interface LintIssue {
  readonly severity: LintSeverity;
  readonly code: string;
  readonly path: string;
  readonly message: string;
}

export type LintProfile = 'runtime' | 'authoring';

export interface LintResult {
  readonly ok: boolean;
  /** The parsed pack when its shape is valid (even if meaning checks failed). */
  readonly pack: Pack | undefined;
  readonly issues: readonly LintIssue[];
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export function formatIssue(i: LintIssue): string {
  return `${i.path || '(pack)'}: ${i.message} [${i.code}]`;
}

/** Turns zod's issues into author-readable ones with our codes. */
export function shapeIssues(error: z.ZodError, prefix: readonly PropertyKey[] = []): LintIssue[] {
  return error.issues.map((issue) => {
    const path = formatPath([...prefix, ...issue.path]);
    let message = issue.message;
    switch (issue.code) {
      case 'too_small': {
        const op = issue.inclusive === false ? '>' : '≥';
        const min = String(issue.minimum);
        message =
          issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint'
            ? `must be ${op} ${min}`
            : issue.origin === 'array' || issue.origin === 'set'
              ? `needs at least ${min} item${min === '1' ? '' : 's'}`
              : issue.origin === 'string'
                ? `must be at least ${min} character${min === '1' ? '' : 's'}`
                : message;
        break;
      }
      case 'too_big': {
        const op = issue.inclusive === false ? '<' : '≤';
        const max = String(issue.maximum);
        message =
          issue.origin === 'number' || issue.origin === 'int' || issue.origin === 'bigint'
            ? `must be ${op} ${max}`
            : issue.origin === 'array' || issue.origin === 'set'
              ? `has more than ${max} items`
              : issue.origin === 'string'
                ? `is longer than ${max} characters`
                : message;
        break;
      }
      case 'invalid_type':
        message = /received undefined/.test(issue.message) ? `is required (${issue.expected})` : `must be ${issue.expected}`;
        break;
      case 'unrecognized_keys':
        message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
        break;
      case 'invalid_value':
        message = `must be ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}`;
        break;
      case 'invalid_format':
        message = issue.message.startsWith('Invalid') ? `must be a valid ${issue.format}` : issue.message;
        break;
      default:
        break;
    }
    return { severity: 'error' as const, code: `shape.${issue.code}`, path, message };
  });
}

const CJK = /[\u3400-\u9FFF\uF900-\uFAFF]/;
const LATIN = /[A-Za-z]/;

function checkText(t: PackText, path: string, add: (code: string, path: string, message: string, severity?: LintSeverity) => void): void {
  if (!CJK.test(t['zh-CN'])) add('text.zh_missing', `${path}.zh-CN`, 'has no Chinese characters: write the zh-CN text in Chinese');
  if (!LATIN.test(t.en)) add('text.en_missing', `${path}.en`, 'has no Latin letters: write the en text in English');
  if (t['zh-CN'].trim() === t.en.trim()) add('text.untranslated', path, 'zh-CN and en are identical: translate it');
}

/** Checks meaning on a pack whose shape is valid. */
export function meaningIssues(pack: Pack, profile: LintProfile): LintIssue[] {
  const issues: LintIssue[] = [];
  const add = (code: string, path: string, message: string, severity: LintSeverity = 'error'): void => {
    issues.push({ severity, code, path, message });
  };
  const authoring = profile === 'authoring';

  // competencies: unique ids, weights sum to 1, indicators for levels 1–5
  const competencyIds = new Map<string, number>();
  pack.competencies.forEach((c, i) => {
    if (competencyIds.has(c.id)) add('competency.duplicate_id', `competencies[${i}].id`, `duplicate competency id "${c.id}"`);
    competencyIds.set(c.id, i);
    if (!authoring) return;
    checkText(c.name, `competencies[${i}].name`, add);
    const levels = new Set<number>();
    c.indicators.forEach((ind, j) => {
      if (levels.has(ind.level)) add('indicator.duplicate_level', `competencies[${i}].indicators[${j}].level`, `level ${ind.level} is described twice`);
      levels.add(ind.level);
      checkText(ind.description, `competencies[${i}].indicators[${j}].description`, add);
      if (ind.evidence['zh-CN'].length === 0 || ind.evidence.en.length === 0) {
        add('indicator.evidence_missing', `competencies[${i}].indicators[${j}].evidence`, 'needs at least one example phrase in zh-CN and in en');
      }
    });
    const missing = [1, 2, 3, 4, 5].filter((l) => !levels.has(l));
    if (missing.length > 0) add('indicator.levels_missing', `competencies[${i}].indicators`, `needs a behavioural indicator for level${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  });
  const sum = pack.competencies.reduce((a, c) => a + c.weight, 0);
  if (Math.abs(sum - 1) > 1e-6) add('competency.weights_sum', 'competencies', `weights must sum to 1 (they sum to ${Number(sum.toFixed(6))})`);

  // tag dictionary
  const tagIds = new Set<string>();
  const synonymOwner = new Map<string, string>();
  pack.tags.forEach((t, i) => {
    if (tagIds.has(t.id)) add('tag.duplicate_id', `tags[${i}].id`, `duplicate tag "${t.id}"`);
    tagIds.add(t.id);
    if (t.synonyms['zh-CN'].length + t.synonyms.en.length === 0) add('tag.no_synonyms', `tags[${i}].synonyms`, 'needs at least one word to look for in a résumé');
    for (const lang of ['zh-CN', 'en'] as const) {
      t.synonyms[lang].forEach((s, j) => {
        const key = s.normalize('NFKC').toLowerCase().trim();
        const owner = synonymOwner.get(key);
        if (owner !== undefined && owner !== t.id) add('tag.ambiguous_synonym', `tags[${i}].synonyms.${lang}[${j}]`, `"${s}" also belongs to tag "${owner}"`);
        synonymOwner.set(key, t.id);
      });
    }
    // Tag labels are often proper nouns ("Java", "CRM") that read the same in both languages.
  });

  // stages and questions
  const stageIds = new Set<string>();
  const questionIds = new Set<string>();
  const measuredBy = new Map<string, number>();
  pack.stages.forEach((stage, s) => {
    if (stageIds.has(stage.id)) add('stage.duplicate_id', `stages[${s}].id`, `duplicate stage id "${stage.id}"`);
    stageIds.add(stage.id);
    if (authoring) checkText(stage.title, `stages[${s}].title`, add);
    stage.questions.forEach((q, i) => {
      const base = `stages[${s}].questions[${i}]`;
      if (questionIds.has(q.id)) add('question.duplicate_id', `${base}.id`, `duplicate question id "${q.id}"`);
      questionIds.add(q.id);
      const seen = new Set<string>();
      q.competencies.forEach((c, j) => {
        if (!competencyIds.has(c)) add('question.unknown_competency', `${base}.competencies[${j}]`, `unknown competency "${c}"`);
        else if (seen.has(c)) add('question.duplicate_competency', `${base}.competencies[${j}]`, `"${c}" is listed twice`);
        else measuredBy.set(c, (measuredBy.get(c) ?? 0) + 1);
        seen.add(c);
      });
      if (authoring) checkText(q.prompt, `${base}.prompt`, add);
      const variantIds = new Set<string>();
      q.variants.forEach((v, j) => {
        if (variantIds.has(v.id) || v.id === 'default') add('variant.duplicate_id', `${base}.variants[${j}].id`, `variant id "${v.id}" is used twice or is reserved`);
        variantIds.add(v.id);
        v.tags.forEach((t, k) => {
          if (!tagIds.has(t)) add('variant.unknown_tag', `${base}.variants[${j}].tags[${k}]`, `tag "${t}" is not in the tag dictionary`);
        });
        if (authoring) checkText(v.prompt, `${base}.variants[${j}].prompt`, add);
      });
      if (q.retakes > 0 && q.mode === 'text') add('question.text_retakes', `${base}.retakes`, 'typed answers can be edited before submitting; retakes have no effect', 'warning');
    });
  });
  if (authoring) {
    pack.competencies.forEach((c, i) => {
      const n = measuredBy.get(c.id) ?? 0;
      if (n < 2) add('competency.under_measured', `competencies[${i}]`, `"${c.id}" is measured by ${n} question${n === 1 ? '' : 's'}; at least 2 are needed for a fair score`);
    });
    pack.tags.forEach((t, i) => {
      const used = pack.stages.some((st) => st.questions.some((q) => q.variants.some((v) => v.tags.includes(t.id))));
      if (!used) add('tag.unused', `tags[${i}]`, `tag "${t.id}" selects no variant`, 'warning');
    });
    checkText(pack.title, 'title', add);
    if (!pack.validity) add('validity.missing', 'validity', 'a signed pack needs a validity window (notBefore, expiresAt)');
    else {
      const from = Date.parse(pack.validity.notBefore);
      const to = Date.parse(pack.validity.expiresAt);
      if (!(to > from)) add('validity.order', 'validity.expiresAt', 'must be after notBefore');
      else if (to - from > 400 * 24 * 3600 * 1000) add('validity.too_long', 'validity.expiresAt', 'a pack should not be valid for more than about a year', 'warning');
    }
    if (!pack.hrEndpoint) add('hr_endpoint.missing', 'hrEndpoint', 'without an HR endpoint the questions can only be unlocked with the proctor code', 'warning');
  }
  const sc = pack.policy.scoring;
  if (sc?.borderlineMargin !== undefined) {
    const lowest = Math.min(...pack.competencies.map((c) => c.threshold));
    const highest = Math.max(...pack.competencies.map((c) => c.threshold));
    if (sc.borderlineMargin === 0) add('policy.scoring.no_borderline', 'policy.scoring.borderlineMargin', 'a margin of 0 sends no answer to human review as borderline', 'warning');
    else if (lowest - sc.borderlineMargin < 0 || highest + sc.borderlineMargin > 100) add('policy.scoring.margin_out_of_range', 'policy.scoring.borderlineMargin', `threshold ± margin leaves 0–100 (thresholds ${lowest}–${highest})`, 'warning');
  }
  if (sc?.candidateVerdict === true && sc.borderlineMargin === 0) add('policy.scoring.verdict_without_review', 'policy.scoring.candidateVerdict', 'a verdict shown to candidates with no borderline band means no human ever reviews a close call');
  const r = pack.policy.resume;
  if (r.graceSeconds > r.returnWindowSeconds) add('policy.grace_after_window', 'policy.resume.graceSeconds', 'must not be longer than returnWindowSeconds');
  // Retention runs from HR's upload confirmation; the Illinois AI Video Interview Act asks for
  // deletion within 30 days of a request, and keeping recordings for years needs a stated reason.
  const days = pack.policy.retentionDays;
  if (days > 730) add('policy.retention_long', 'policy.retentionDays', `recordings and answers kept ${days} days after upload: more than two years needs a documented legal basis`, 'warning');
  if (days < 7) add('policy.retention_short', 'policy.retentionDays', `recordings and answers deleted ${days} days after upload: HR may not have reviewed them yet`, 'warning');
  return issues;
}

/** Shape then meaning. Meaning checks run only on a pack whose shape is valid. */
export function lintPack(raw: unknown, profile: LintProfile = 'authoring'): LintResult {
  const parsed = Pack.safeParse(raw);
  if (!parsed.success) return { ok: false, pack: undefined, issues: shapeIssues(parsed.error) };
  const issues = meaningIssues(parsed.data, profile);
  return { ok: !issues.some((i) => i.severity === 'error'), pack: parsed.data, issues };
}
