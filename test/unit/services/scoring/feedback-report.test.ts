import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { renderFeedbackReport } from '../../../../main/services/scoring/feedback-report';
import { RubricScorer } from '../../../../main/services/scoring/rubric';

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
let scorer: RubricScorer;
beforeAll(async () => {
  scorer = new RubricScorer(pack, await JiebaSegmenter.shared());
});

const TEXT_ZH = '去年我负责结算服务。我先看日志<script>alert(1)</script>，排除了数据库，根因是连接池配置被改小了，我回滚后延迟从 3 秒降到 200 毫秒。';
const TEXT = 'Last year I owned the checkout service. I first checked the logs <script>alert(1)</script>, ruled out the database, and the root cause was a pool change; latency went from 3 s to 200 ms.';

describe('feedback report', () => {
  it('shows level, threshold, evidence and a tip from the next level, in both languages, with no verdict by default', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const text = locale === 'en' ? TEXT : TEXT_ZH;
      const score = scorer.score({ questionId: 'q3-incident', locale, text });
      const html = renderFeedbackReport({ pack, locale, answers: [{ score, text }], showVerdict: false });
      expect(html).toContain(pack.competencies.find((c) => c.id === 'problem_solving')!.name[locale]);
      expect(html).toMatch(locale === 'en' ? /ruled out/ : /排除了/);
      const ps = pack.competencies.find((c) => c.id === 'problem_solving')!;
      const level = score.competencies.find((c) => c.competencyId === 'problem_solving')!.level;
      if (level < 5) expect(html).toContain(ps.indicators.find((i) => i.level === level + 1)!.description[locale].slice(0, 10));
      expect(html).not.toContain('<script>');
      expect(html).not.toMatch(/class="verdict"/);
    }
  });

  it('states a verdict only when the policy allows it and nothing awaits a human', () => {
    const score = scorer.score({ questionId: 'q3-incident', locale: 'en', text: TEXT });
    expect(renderFeedbackReport({ pack, locale: 'en', answers: [{ score, text: TEXT }], showVerdict: true })).toMatch(/class="verdict"/);
    const unscored = scorer.score({ questionId: 'q4-language', locale: 'en', text: undefined });
    const html = renderFeedbackReport({ pack, locale: 'en', answers: [{ score, text: TEXT }, { score: unscored, text: '' }], showVerdict: true });
    expect(html).not.toMatch(/class="verdict"/);
    expect(html).toMatch(/assessed by a person/);
  });
});
