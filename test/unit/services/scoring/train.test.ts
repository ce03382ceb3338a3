import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { quadraticWeightedKappa } from '../../../../main/services/scoring/metrics';
import { featureRow, hashedNgrams } from '../../../../main/services/scoring/model-features';
import { RubricScorer } from '../../../../main/services/scoring/rubric';
import { impactRatio, loadModel, trainModel } from '../../../../main/services/scoring/train';
import { syntheticAnswers } from '../../../fixtures/scoring/synthetic';

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
let seg: JiebaSegmenter;
let dir: string;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
  dir = mkdtempSync(join(tmpdir(), 'score-train-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('score train', () => {
  it('recovers a known truth, and a saved model reloads with identical predictions', async () => {
    const rows = syntheticAnswers(200, 11);
    const r = await trainModel(pack, seg, rows, { name: 'syn', outDir: join(dir, 'syn'), groupColumn: 'group', inline: true, epochs: 200, trainingDataText: JSON.stringify(rows) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.manifest.heldOut.qwk).toBeGreaterThan(0.8);
    expect(r.manifest.fairness.impactRatio).not.toBeNull();

    // Fresh data from another seed: predictions of the reloaded model match the truth, and a
    // second reload predicts bit-for-bit the same.
    const fresh = syntheticAnswers(60, 99);
    const scorer = new RubricScorer(pack, seg);
    const x: number[][] = [];
    const truth: number[] = [];
    for (const a of fresh) {
      const s = scorer.score({ questionId: a.questionId, locale: a.locale, text: a.text });
      x.push(featureRow(s, 'problem_solving', hashedNgrams(a.text, a.locale, seg)));
      truth.push(a.grades.problem_solving!);
    }
    const m1 = await loadModel(join(dir, 'syn'));
    const m2 = await loadModel(join(dir, 'syn'));
    expect(m1.ok && m2.ok).toBe(true);
    if (!m1.ok || !m2.ok) return;
    const p1 = await m1.model.predict(x);
    const p2 = await m2.model.predict(x);
    expect(p2).toEqual(p1);
    const levels = p1.map((p) => p.indexOf(Math.max(...p)) + 1);
    expect(quadraticWeightedKappa(truth, levels)).toBeGreaterThan(0.8);
  });

  it('refuses a biased data set without a written justification, and stores one when given', async () => {
    const rows = syntheticAnswers(200, 5, true);
    const refused = await trainModel(pack, seg, rows, { name: 'b', outDir: join(dir, 'b'), groupColumn: 'group', inline: true, epochs: 200, trainingDataText: 'x' });
    expect(refused.ok).toBe(false);
    if (refused.ok) return;
    expect(refused.code).toBe('IMPACT_RATIO_BELOW_0_8');
    const justified = await trainModel(pack, seg, rows, { name: 'b', outDir: join(dir, 'b'), groupColumn: 'group', inline: true, epochs: 200, trainingDataText: 'x', justification: 'Pilot only; reviewed by the works council.' });
    expect(justified.ok).toBe(true);
    if (justified.ok) expect(justified.manifest.fairness.justification).toBe('Pilot only; reviewed by the works council.');
  });

  it('refuses a model whose files do not match the manifest', async () => {
    const rows = syntheticAnswers(120, 3);
    const r = await trainModel(pack, seg, rows, { name: 't', outDir: join(dir, 't'), groupColumn: 'group', inline: true, epochs: 50, trainingDataText: 'x' });
    expect(r.ok).toBe(true);
    const w = join(dir, 't', 'weights.bin');
    const b = readFileSync(w);
    b[0] = b[0]! ^ 0xff;
    writeFileSync(w, b);
    const m = await loadModel(join(dir, 't'));
    expect(m.ok).toBe(false);
    if (!m.ok) expect(m.code).toBe('MODEL_HASH_MISMATCH');
  });

  it('computes the impact ratio as lowest over highest group selection rate', () => {
    expect(impactRatio(['a', 'a', 'b', 'b'], [true, true, true, false]).ratio).toBe(0.5);
    expect(impactRatio(['a', 'a'], [true, false]).ratio).toBeNull();
  });
});
