import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { buildFeedbackReport, excerpts, renderFeedbackReport } from '../../../../main/services/scoring/feedback-report';
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

  it('quotes the candidate\'s own words when the level comes from STAR structure rather than indicator phrases', () => {
    // No indicator phrase of the pack here: the level rests on STAR elements and numbers.
    const text = '去年我负责订单系统的缓存一致性。当时大促期间出现了脏读，我的任务是在一周内解决。我先写数据库再删除缓存，删除失败就放进重试队列，并加了延迟双删。最终脏读从每天两百多次降到零，接口延迟下降了百分之三十。';
    const score = scorer.score({ questionId: 'q2-design', locale: 'zh-CN', text });
    const td = score.competencies.find((c) => c.competencyId === 'technical_depth')!;
    expect(td.evidence.some((e) => e.kind === 'indicator_phrase' && !e.negated)).toBe(false);
    const data = buildFeedbackReport({ pack, answers: [{ score, text }], showVerdict: false });
    const c = data.competencies.find((x) => x.competencyId === 'technical_depth')!;
    expect(c.status).toBe('scored');
    if (c.status !== 'scored') return;
    expect(c.evidence.length).toBeGreaterThan(0);
    expect(c.evidence.length).toBeLessThanOrEqual(3);
    for (const q of c.evidence) expect(text).toContain(q);
    // The action comes first (what the candidate did), before the setting.
    expect(c.evidence[0]).toContain('我先写');
  });

  it('never quotes a negated phrase, skips overlapping spans and puts indicator phrases first', () => {
    const text = 'AAAA我没有做压测BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB我先写数据库CCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCCC用了一致性哈希DDDD';
    const at = (needle: string) => ({ start: text.indexOf(needle), end: text.indexOf(needle) + needle.length, text: needle });
    const out = excerpts([
      {
        text,
        evidence: [
          { ...at('做压测'), kind: 'indicator_phrase', negated: true },
          { ...at('我先写'), kind: 'star_action' },
          { ...at('先写数'), kind: 'star_result' },
          { ...at('一致性哈希'), kind: 'indicator_phrase' },
          { start: 0, end: 0, text: '', kind: 'indicator_description' },
        ],
      },
    ]);
    expect(out).toHaveLength(2);
    expect(out[0]).toContain('一致性哈希');
    expect(out[1]).toContain('我先写');
    expect(out.join('')).not.toContain('压测');
  });
});
