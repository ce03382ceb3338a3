/**
 * `npm run bench:pack [-- --json]`: load and verify a signed 200-question pack (read the file,
 * parse, check the Ed25519 signature over the RFC 8785 form, validate the manifest), then the
 * same plus decrypting and checking the content. The budget is 200 ms for load + verify, gated on
 * the median of the warm runs (`loadVerifyMs.p50`): one slow run on a busy machine is noise, not a
 * miss, so neither the maximum nor the single cold call (first call in a fresh process, which
 * includes zod's and node:crypto's warm-up; reported) decides. Exit 1 on a miss.
 * The last stdout line is one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { systemClock } from '../../main/common/clock';
import { generateSigningKey } from '../../main/services/packs/pack-crypto';
import { buildPack, decryptPack, verifyPack } from '../../main/services/packs/pack-format';
import { trustStoreOf, type ProvisioningConfig } from '../../main/services/packs/provisioning';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, questions: { type: 'string', default: '200' }, runs: { type: 'string', default: '30' }, 'budget-ms': { type: 'string', default: '200' } } });
const QUESTIONS = Number(values.questions);
const RUNS = Number(values.runs);
const BUDGET_MS = Number(values['budget-ms']);

const source = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../../build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
type Q = { id: string; prompt: { 'zh-CN': string; en: string }; variants: { id: string }[] } & Record<string, unknown>;
const templates = (source.stages as { questions: Q[] }[]).flatMap((s) => s.questions);
const perStage = Math.ceil(QUESTIONS / 4);
const kinds = ['self_introduction', 'professional', 'professional', 'situational'] as const;
const stages = kinds.map((kind, s) => ({
  id: `stage-${s}`,
  kind,
  title: { 'zh-CN': `第 ${s + 1} 部分`, en: `Part ${s + 1}` },
  questions: Array.from({ length: Math.min(perStage, QUESTIONS - s * perStage) }, (_, i) => {
    const t = templates[(s * perStage + i) % templates.length]!;
    return { ...structuredClone(t), id: `q-${s}-${i}`, prompt: { 'zh-CN': `${t.prompt['zh-CN']}（第 ${i + 1} 题）`, en: `${t.prompt.en} (item ${i + 1})` } };
  }),
}));
const pack = { ...source, id: 'bench-pack', demo: false, stages, validity: { notBefore: new Date(Date.now() - 86_400_000).toISOString(), expiresAt: new Date(Date.now() + 86_400_000 * 30).toISOString() } };

const key = generateSigningKey();
const built = buildPack(pack, key, { issuedAt: new Date(), unlockCode: null });
if (!built.ok) throw new Error(built.error.message);
const contentKey = built.value.contentKey;
const dir = mkdtempSync(path.join(os.tmpdir(), 'pack-bench-'));
const file = path.join(dir, 'bench.ikpack');
writeFileSync(file, built.value.text);
const config: ProvisioningConfig = {
  provisioningVersion: 1,
  mode: 'production',
  kioskId: 'bench-kiosk',
  centreId: 'bench-centre',
  trustedKeys: [{ keyId: key.keyId, publicKey: key.publicKey, label: 'bench', purposes: ['pack'], demo: false }],
};
const trust = trustStoreOf(config);

function once(decrypt: boolean): number {
  const t0 = performance.now();
  const v = verifyPack(readFileSync(file), trust, systemClock);
  if (!v.ok) throw new Error(v.error.message);
  if (decrypt) {
    const d = decryptPack(v.value, contentKey);
    if (!d.ok) throw new Error(d.error.message);
    if (d.value.questions.length !== QUESTIONS) throw new Error('wrong question count');
  }
  return performance.now() - t0;
}
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  return { p50: +at(0.5).toFixed(2), p95: +at(0.95).toFixed(2), max: +s[s.length - 1]!.toFixed(2) };
};

const coldVerify = once(false);
const coldFull = once(true);
const verifyRuns = Array.from({ length: RUNS }, () => once(false));
const fullRuns = Array.from({ length: RUNS }, () => once(true));
rmSync(dir, { recursive: true, force: true });

const result = {
  bench: 'pack-load-verify',
  questions: QUESTIONS,
  bytes: built.value.text.length,
  runs: RUNS,
  budgetMs: BUDGET_MS,
  loadVerifyMs: { cold: +coldVerify.toFixed(2), ...stats(verifyRuns) },
  loadVerifyDecryptCheckMs: { cold: +coldFull.toFixed(2), ...stats(fullRuns) },
  target: { 'loadVerifyMs.p50': BUDGET_MS },
  pass: stats(verifyRuns).p50 <= BUDGET_MS,
};
if (!values.json) {
  process.stdout.write(`200-question pack, ${result.bytes} bytes\n`);
  process.stdout.write(`load+verify: cold ${result.loadVerifyMs.cold} ms, p50 ${result.loadVerifyMs.p50} ms, p95 ${result.loadVerifyMs.p95} ms (budget ${BUDGET_MS} ms)\n`);
  process.stdout.write(`load+verify+decrypt+check: cold ${result.loadVerifyDecryptCheckMs.cold} ms, p50 ${result.loadVerifyDecryptCheckMs.p50} ms\n`);
}
process.stdout.write(JSON.stringify(result) + '\n');
process.exitCode = result.pass ? 0 : 1;
