/**
 * `score train`: fits a small model on an organisation's own human-graded answers, measures it
 * on a held-out split (QWK, Spearman, calibration error) and for fairness (impact ratio across a
 * group column), and saves it with a manifest — or refuses to, when the impact ratio on its own
 * data is below 0.8 and no written justification is given.
 */
import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Pack } from '../packs/pack-schema';
import type { Segmenter } from '../packs/resume-tags';
import type { GradedAnswer } from './evaluate';
import { quadraticWeightedKappa, round, spearman } from './metrics';
import { featureRow, hashedNgrams, MODEL_FEATURE_NAMES } from './model-features';
import { RubricScorer } from './rubric';
import { levelScore, SCORER_VERSION } from './signals';
import { fitSoftmax, loadSoftmax, type FitInput, type FitOutput, type ModelArtifacts } from './softmax-model';

export const MIN_IMPACT_RATIO = 0.8;

export interface ModelManifest {
  readonly schemaVersion: 1;
  readonly name: string;
  readonly kind: 'softmax-regression';
  readonly packId: string;
  readonly competencies: readonly string[];
  readonly scorerVersion: string;
  readonly features: readonly string[];
  readonly trainingDataSha256: string;
  readonly rows: { readonly train: number; readonly heldOut: number };
  readonly backend: string;
  readonly heldOut: { readonly qwk: number; readonly spearman: number; readonly exactLevel: number; readonly calibrationError: number };
  readonly fairness: { readonly groupColumn: string; readonly impactRatio: number | null; readonly selectionRates: Record<string, number>; readonly justification?: string };
  readonly files: readonly { readonly path: string; readonly sha256: string }[];
}

export type TrainResult =
  | { readonly ok: true; readonly manifest: ModelManifest; readonly dir: string }
  | { readonly ok: false; readonly code: 'IMPACT_RATIO_BELOW_0_8' | 'TOO_FEW_ROWS'; readonly message: string; readonly manifest?: Omit<ModelManifest, 'files'> };

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Held out: a stable fifth of the answers, chosen by a hash of the answer id. */
export function isHeldOut(id: string): boolean {
  return createHash('sha256').update(id).digest()[0]! < 52;
}

/** Expected calibration error over 10 confidence bins (top class). */
export function calibrationError(probs: readonly number[][], truth: readonly number[]): number {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, acc: 0 }));
  probs.forEach((p, i) => {
    let best = 0;
    for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
    const conf = p[best]!;
    const b = bins[Math.min(9, Math.floor(conf * 10))]!;
    b.n++;
    b.conf += conf;
    b.acc += best + 1 === truth[i] ? 1 : 0;
  });
  const n = probs.length || 1;
  return bins.reduce((s, b) => s + (b.n ? (b.n / n) * Math.abs(b.acc / b.n - b.conf / b.n) : 0), 0);
}

/** Lowest group selection rate over the highest (the four-fifths rule); null with under two groups. */
export function impactRatio(groups: readonly (string | undefined)[], selected: readonly boolean[]): { ratio: number | null; rates: Record<string, number> } {
  const tally = new Map<string, { n: number; s: number }>();
  groups.forEach((g, i) => {
    if (g === undefined) return;
    const t = tally.get(g) ?? { n: 0, s: 0 };
    t.n++;
    if (selected[i]) t.s++;
    tally.set(g, t);
  });
  const rates: Record<string, number> = {};
  for (const [g, t] of tally) rates[g] = round(t.s / t.n);
  const values = Object.values(rates);
  if (values.length < 2) return { ratio: null, rates };
  const max = Math.max(...values);
  return { ratio: max === 0 ? 1 : round(Math.min(...values) / max), rates };
}

function argmaxLevel(p: readonly number[]): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  return best + 1;
}

/** Runs the fit in a worker thread (the caller's event loop stays free). */
export function fitInWorker(input: FitInput): Promise<FitOutput & { logs: string[] }> {
  return new Promise((resolve, reject) => {
    const url = new URL('./train-worker.ts', import.meta.url);
    // From sources (tsx), the worker registers tsx itself before importing the TypeScript file;
    // a built bundle would point at compiled JavaScript and skip this.
    const boot = `import('tsx/esm/api').then((t) => { t.register(); return import(${JSON.stringify(url.href)}); })`;
    const w = new Worker(boot, { eval: true, workerData: input });
    w.once('message', (m: { ok: true; out: FitOutput; logs: string[] } | { ok: false; message: string; logs: string[] }) => {
      void w.terminate();
      if (m.ok) resolve({ ...m.out, logs: m.logs });
      else reject(new Error(m.message));
    });
    w.once('error', reject);
  });
}

function writeDurable(path: string, data: string | Uint8Array): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, data);
  const fd = openSync(tmp, 'r');
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, path);
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

export interface TrainOptions {
  readonly name: string;
  readonly outDir: string;
  readonly groupColumn: string;
  readonly justification?: string;
  readonly epochs?: number;
  /** Train in this thread instead of a worker (tests that count on one process). */
  readonly inline?: boolean;
  readonly trainingDataText: string;
}

export async function trainModel(pack: Pack, seg: Segmenter, answers: readonly GradedAnswer[], opts: TrainOptions): Promise<TrainResult> {
  const scorer = new RubricScorer(pack, seg);
  scorer.prepare();
  const x: number[][] = [];
  const y: number[] = [];
  const trainMask: boolean[] = [];
  const groups: (string | undefined)[] = [];
  const thresholds: number[] = [];
  for (const a of answers) {
    if (!scorer.question(a.questionId)) continue;
    const s = scorer.score({ questionId: a.questionId, locale: a.locale, text: a.text });
    if (s.status !== 'scored') continue;
    const ngrams = hashedNgrams(a.text, a.locale, seg);
    const g = (a as Record<string, unknown>)[opts.groupColumn];
    for (const c of s.competencies) {
      const grade = a.grades[c.competencyId];
      if (grade === undefined) continue;
      x.push(featureRow(s, c.competencyId, ngrams));
      y.push(grade);
      trainMask.push(!isHeldOut(a.id));
      groups.push(typeof g === 'string' || typeof g === 'number' ? String(g) : undefined);
      thresholds.push(c.threshold);
    }
  }
  const nTrain = trainMask.filter(Boolean).length;
  const nHeld = trainMask.length - nTrain;
  if (nTrain < 10 || nHeld < 3) return { ok: false, code: 'TOO_FEW_ROWS', message: `need at least 10 training and 3 held-out rows (have ${nTrain} and ${nHeld})` };
  const fitIn: FitInput = { x, y, trainMask, epochs: opts.epochs ?? 300 };
  const out = opts.inline ? { ...(await fitSoftmax(fitIn)), logs: [] } : await fitInWorker(fitIn);
  for (const l of out.logs) process.stderr.write(l + '\n');
  const pred = out.probs.map(argmaxLevel);
  const hIdx = trainMask.map((t, i) => (t ? -1 : i)).filter((i) => i >= 0);
  const hTruth = hIdx.map((i) => y[i]!);
  const hPred = hIdx.map((i) => pred[i]!);
  const fairness = impactRatio(groups, pred.map((l, i) => levelScore(l) >= thresholds[i]!));
  const base = {
    schemaVersion: 1 as const,
    name: opts.name,
    kind: 'softmax-regression' as const,
    packId: pack.id,
    competencies: pack.competencies.map((c) => c.id),
    scorerVersion: SCORER_VERSION,
    features: MODEL_FEATURE_NAMES,
    trainingDataSha256: sha256(opts.trainingDataText),
    rows: { train: nTrain, heldOut: nHeld },
    backend: out.backend,
    heldOut: {
      qwk: round(quadraticWeightedKappa(hTruth, hPred)),
      spearman: round(spearman(hTruth, hPred)),
      exactLevel: round(hTruth.filter((t, i) => t === hPred[i]).length / hTruth.length),
      calibrationError: round(calibrationError(hIdx.map((i) => out.probs[i]!), hTruth)),
    },
    fairness: {
      groupColumn: opts.groupColumn,
      impactRatio: fairness.ratio,
      selectionRates: fairness.rates,
      ...(opts.justification ? { justification: opts.justification } : {}),
    },
  };
  if (fairness.ratio !== null && fairness.ratio < MIN_IMPACT_RATIO && !opts.justification?.trim()) {
    return {
      ok: false,
      code: 'IMPACT_RATIO_BELOW_0_8',
      message: `impact ratio ${fairness.ratio} across "${opts.groupColumn}" is below ${MIN_IMPACT_RATIO}; not exported (give --justification "…" to export anyway; it is stored in the manifest)`,
      manifest: base,
    };
  }
  const dir = join(opts.outDir);
  mkdirSync(dir, { recursive: true });
  const modelJson = JSON.stringify({ format: 'layers-model', modelTopology: out.artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: out.artifacts.weightSpecs }] });
  const weights = new Uint8Array(out.artifacts.weightData);
  writeDurable(join(dir, 'weights.bin'), weights);
  writeDurable(join(dir, 'model.json'), modelJson);
  const manifest: ModelManifest = { ...base, files: [{ path: 'model.json', sha256: sha256(modelJson) }, { path: 'weights.bin', sha256: sha256(weights) }] };
  writeDurable(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  fsyncDir(dir);
  return { ok: true, manifest, dir };
}

export type LoadedModel = { readonly manifest: ModelManifest; predict(x: number[][]): Promise<number[][]>; dispose(): void };

/**
 * Loads a saved model after checking every file's sha256 and the feature list against this
 * scorer's declared features; a mismatch is refused (the kiosk then scores with the rubric alone).
 */
export async function loadModel(dir: string): Promise<{ ok: true; model: LoadedModel } | { ok: false; code: 'MODEL_HASH_MISMATCH' | 'MODEL_FEATURES_MISMATCH' | 'MODEL_UNREADABLE'; message: string }> {
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as ModelManifest;
  } catch (e) {
    return { ok: false, code: 'MODEL_UNREADABLE', message: e instanceof Error ? e.message : String(e) };
  }
  if (JSON.stringify(manifest.features) !== JSON.stringify(MODEL_FEATURE_NAMES)) {
    return { ok: false, code: 'MODEL_FEATURES_MISMATCH', message: 'the model was trained on other features than this scorer declares' };
  }
  const bytes = new Map<string, Buffer>();
  for (const f of manifest.files ?? []) {
    if (!/^[\w.-]+$/.test(f.path)) return { ok: false, code: 'MODEL_UNREADABLE', message: `bad file name ${f.path}` };
    const b = readFileSync(join(dir, f.path));
    if (sha256(b) !== f.sha256) return { ok: false, code: 'MODEL_HASH_MISMATCH', message: `${f.path} does not match its sha256` };
    bytes.set(f.path, b);
  }
  const mj = JSON.parse(bytes.get('model.json')?.toString('utf8') ?? '{}') as { modelTopology: object; weightsManifest: { weights: ModelArtifacts['weightSpecs'] }[] };
  const w = bytes.get('weights.bin');
  if (!w) return { ok: false, code: 'MODEL_UNREADABLE', message: 'weights.bin missing' };
  const artifacts: ModelArtifacts = { modelTopology: mj.modelTopology, weightSpecs: mj.weightsManifest[0]?.weights ?? [], weightData: w.buffer.slice(w.byteOffset, w.byteOffset + w.byteLength) as ArrayBuffer };
  const p = await loadSoftmax(artifacts);
  return { ok: true, model: { manifest, predict: (x) => p.predict(x), dispose: () => p.dispose() } };
}
