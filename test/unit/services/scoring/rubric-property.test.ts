import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { RubricScorer } from '../../../../main/services/scoring/rubric';
import { starHint } from '../../../../main/services/scoring/star-hints';

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
let scorer: RubricScorer;
beforeAll(async () => {
  scorer = new RubricScorer(pack, await JiebaSegmenter.shared());
});

const pieces = ['我', '我们', '没有', '压测结果', '根因是', 'I ', 'we ', 'not ', 'root cause ', '50%', '。', '. ', '\n', '\u202e', '\ud800', '😀', '，', 'İ', 'ﬁ', 'Ｉ checked', 'e\u0301', '５０％'];
const hostile = fc.oneof(fc.string({ maxLength: 400 }), fc.array(fc.constantFrom(...pieces), { maxLength: 120 }).map((a) => a.join('')));

describe('rubric engine on arbitrary input', () => {
  it('never throws, keeps levels in 1–5 (or 0 when unscored) and spans inside the text', () => {
    fc.assert(
      fc.property(hostile, fc.constantFrom('zh-CN' as const, 'en' as const), fc.constantFrom('q3-incident', 'q5-consistency', 'q7-disagreement'), (text, locale, q) => {
        const s = scorer.score({ questionId: q, locale, text });
        for (const c of s.competencies) {
          expect(s.status === 'scored' ? c.level >= 1 && c.level <= 5 : c.level === 0).toBe(true);
          for (const e of c.evidence) {
            expect(e.start >= 0 && e.end <= text.length && e.start <= e.end).toBe(true);
            expect(text.slice(e.start, e.end)).toBe(e.text);
          }
        }
        expect(s.total).toBeGreaterThanOrEqual(0);
        expect(s.total).toBeLessThanOrEqual(100);
        const h = starHint(text, locale);
        expect(h === null || typeof h === 'string').toBe(true);
      }),
      { numRuns: 300, seed: 42 },
    );
  });
});
