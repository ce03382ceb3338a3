import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { evaluate, parseGradedJsonl } from '../../../../main/services/scoring/evaluate';

const SETS = [
  { name: 'tune', pack: 'build/packs/src/software-engineer.pack.json', answers: 'test/fixtures/scoring/software-engineer.tune.jsonl' },
  { name: 'held-out SE', pack: 'build/packs/src/software-engineer.pack.json', answers: 'test/fixtures/scoring/software-engineer.heldout.jsonl' },
  { name: 'held-out sales', pack: 'build/packs/src/regional-sales-manager.pack.json', answers: 'test/fixtures/scoring/regional-sales-manager.heldout.jsonl' },
  { name: 'held-out new job', pack: 'test/fixtures/scoring/packs/customer-service-lead.pack.json', answers: 'test/fixtures/scoring/customer-service-lead.heldout.jsonl' },
];

let seg: JiebaSegmenter;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});

describe('agreement with the graded fixtures', () => {
  for (const set of SETS) {
    it(`meets the targets on ${set.name} (QWK ≥ 0.6, Spearman ≥ 0.6, within one level ≥ 0.8)`, () => {
      const pack = Pack.parse(JSON.parse(readFileSync(set.pack, 'utf8')));
      const parsed = parseGradedJsonl(readFileSync(set.answers, 'utf8'));
      expect(parsed.errors).toEqual([]);
      const { summary, rows } = evaluate(pack, seg, parsed.rows);
      expect(summary.qwk).toBeGreaterThanOrEqual(0.6);
      expect(summary.spearman).toBeGreaterThanOrEqual(0.6);
      expect(summary.withinOneLevel).toBeGreaterThanOrEqual(0.8);
      // Gaming never passes: stuffed, echoed, off-topic, other-language, repeated, injected answers.
      const kinds = new Map(parsed.rows.map((r) => [r.id, String((r as Record<string, unknown>).kind ?? '')]));
      for (const r of rows) {
        const kind = kinds.get(r.id)!;
        if (['keyword_stuffed', 'echoed', 'off_topic', 'other_language', 'repeated', 'injection'].includes(kind)) {
          expect(Math.max(...Object.values(r.levels)), `${r.id} (${kind})`).toBeLessThanOrEqual(2);
        }
        if (kind === 'team_not_me') expect(Math.max(...Object.values(r.levels)), r.id).toBeLessThanOrEqual(3);
        if (kind !== 'strong' && kind !== 'good' && kind !== 'synonym_only' && kind !== 'mixed_terms') expect(r.band, r.id).not.toBe('pass');
      }
    });
  }
});
