/**
 * Boundaries of the rubric scorer pinned with hand-computed expectations (each case fails on one
 * of the mutation sample's survivors in main/services/scoring/rubric.ts:
 * test/mutation/samples/2026-12-07-seed-20261207.txt).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { bandFor, RubricScorer } from '../../../../main/services/scoring/rubric';

const se = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
let scorer: RubricScorer;
beforeAll(async () => {
  scorer = new RubricScorer(se, await JiebaSegmenter.shared());
});

const STRONG_EN =
  'Last year the checkout service I owned started timing out: p99 latency went from 250 ms to 4 seconds. My task was to restore it within the hour. I first stopped the bleeding by switching off recommendations, then checked the logs, ruled out the database, and found the root cause was a shrunken connection pool. I rolled the config back and latency was back to 240 ms in ten minutes, because the pool had room again.';

describe('bandFor', () => {
  it('states the weighted mean of the thresholds in its total reason', () => {
    // (2 × 3.0 + 1 × 3.5) / 3 = 3.1666… → 3.2, whatever the levels are.
    const r = bandFor([
      { level: 3, weight: 2, threshold: 3, competencyId: 'a' },
      { level: 4, weight: 1, threshold: 3.5, competencyId: 'b' },
    ]);
    expect(r.reasons[0]!.code).toMatch(/^total_/);
    expect(r.reasons[0]!.params).toMatchObject({ threshold: 3.2 });
  });
});

describe('RubricScorer boundaries', () => {
  it('treats an answer of only white space as empty: a human scores it', () => {
    const s = scorer.score({ questionId: 'q3-incident', locale: 'en', text: ' \n\t \u3000 ' });
    expect(s.status).toBe('needs_human_scoring');
    expect(s.competencies.every((c) => c.level === 0 && c.whyNotHigher[0]?.code === 'empty_answer')).toBe(true);
  });

  it('reads only the first 20,000 characters: evidence after them is not seen', () => {
    const filler = 'x'.repeat(20_000);
    const s = scorer.score({ questionId: 'q3-incident', locale: 'en', text: filler + ' ' + STRONG_EN });
    const spans = s.competencies.flatMap((c) => c.evidence).filter((e) => e.end > e.start);
    expect(spans.every((e) => e.end <= 20_000)).toBe(true);
    expect(s.star).toEqual({ situation: false, task: false, action: false, result: false });
  });

  it('finds each STAR element of a full answer', () => {
    const s = scorer.score({ questionId: 'q3-incident', locale: 'en', text: STRONG_EN });
    expect(s.star.task).toBe(true);
    expect(s.features.star_task).toBe(1);
    expect(s.features.no_outcome).toBe(0);
  });

  it('penalises an answer with neither a result nor a number as having no outcome', () => {
    const s = scorer.score({ questionId: 'q3-incident', locale: 'en', text: 'The service was slow during the sale. I looked at the logs and the dashboards and asked the database team what they thought about the connection pool settings.' });
    expect(s.star.result).toBe(false);
    expect(s.features.no_outcome).toBe(1);
  });
});
