/**
 * `npm run bench:score -- [--json] [--runs N]`: scoring time per 1,000 characters of answer and
 * STAR-hint time per call, on this machine. Gates on p95 over many runs (never one maximum):
 * p95MsPer1000Chars < 100 and hintP95Ms < 30. Exits 1 on a miss; the last line is one JSON object.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Pack } from '../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../main/services/packs/resume-tags';
import { parseGradedJsonl } from '../../main/services/scoring/evaluate';
import { median, percentile, round } from '../../main/services/scoring/metrics';
import { RubricScorer } from '../../main/services/scoring/rubric';
import { starHint } from '../../main/services/scoring/star-hints';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, runs: { type: 'string', default: '300' } } });
const runs = Math.max(20, Number(values.runs) || 300);
const TARGET_SCORE = 100;
const TARGET_HINT = 30;

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
const answers = parseGradedJsonl(readFileSync('test/fixtures/scoring/software-engineer.tune.jsonl', 'utf8')).rows;
const seg = await JiebaSegmenter.shared();
const scorer = new RubricScorer(pack, seg);
scorer.prepare();

// Answers of realistic shape and about 1,000 characters: fixture answers of one language joined.
function longAnswer(i: number, locale: 'zh-CN' | 'en'): { q: string; text: string } {
  const pool = answers.filter((a) => a.locale === locale);
  let text = '';
  let k = i;
  while (text.length < 1000) text += pool[k++ % pool.length]!.text + (locale === 'zh-CN' ? '' : ' ');
  return { q: pool[i % pool.length]!.questionId, text };
}

for (let i = 0; i < 10; i++) scorer.score({ questionId: 'q3-incident', locale: 'en', text: longAnswer(i, 'en').text });

const perK: number[] = [];
const hint: number[] = [];
for (let r = 0; r < runs; r++) {
  const locale = r % 2 ? 'en' : 'zh-CN';
  const { q, text } = longAnswer(r, locale);
  const t0 = performance.now();
  scorer.score({ questionId: q, locale, text });
  perK.push((performance.now() - t0) / (text.length / 1000));
  // A hint is asked for on a prefix of what the candidate has typed so far.
  const prefix = text.slice(0, 50 + ((r * 37) % (text.length - 50)));
  const h0 = performance.now();
  starHint(prefix, locale);
  hint.push(performance.now() - h0);
}

const result = {
  runs,
  p95MsPer1000Chars: round(percentile(perK, 95), 2),
  p50MsPer1000Chars: round(median(perK), 2),
  hintP95Ms: round(percentile(hint, 95), 3),
  hintP50Ms: round(median(hint), 3),
  targets: { p95MsPer1000Chars: TARGET_SCORE, hintP95Ms: TARGET_HINT },
  ok: false,
};
result.ok = result.p95MsPer1000Chars < TARGET_SCORE && result.hintP95Ms < TARGET_HINT;
if (!values.json) process.stdout.write(`scoring p50 ${result.p50MsPer1000Chars} ms / 1000 chars, p95 ${result.p95MsPer1000Chars}; hint p50 ${result.hintP50Ms} ms, p95 ${result.hintP95Ms}\n`);
process.stdout.write(JSON.stringify(result) + '\n');
process.exitCode = result.ok ? 0 : 1;
