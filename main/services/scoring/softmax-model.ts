/**
 * A multinomial logistic regression (one dense softmax layer over the model features) in
 * TensorFlow.js: deterministic (zero initial weights, full-batch, no shuffling), small, and its
 * weights are readable. Runs wherever it is called — train.ts calls it inside a worker.
 */
import { initTf, tf, type TfBackend } from './tf-backend';

export interface ModelArtifacts {
  readonly modelTopology: object;
  readonly weightSpecs: tf.io.WeightsManifestEntry[];
  readonly weightData: ArrayBuffer;
}

export interface FitInput {
  readonly x: number[][];
  readonly y: number[];
  readonly trainMask: boolean[];
  readonly epochs: number;
}

export interface FitOutput {
  readonly backend: TfBackend;
  readonly probs: number[][];
  readonly artifacts: ModelArtifacts;
}

export const LEVELS = 5;

export async function fitSoftmax(input: FitInput, log?: (l: string) => void): Promise<FitOutput> {
  const { backend } = await initTf(log);
  const dims = input.x[0]?.length ?? 0;
  const trainX = input.x.filter((_, i) => input.trainMask[i]);
  const trainY = input.y.filter((_, i) => input.trainMask[i]);
  if (trainX.length === 0 || dims === 0) throw new Error('no training rows');
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      inputShape: [dims],
      units: LEVELS,
      activation: 'softmax',
      kernelInitializer: 'zeros',
      biasInitializer: 'zeros',
      kernelRegularizer: tf.regularizers.l2({ l2: 1e-3 }),
    }),
  );
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
  const xs = tf.tensor2d(trainX);
  const ys = tf.oneHot(tf.tensor1d(trainY.map((l) => l - 1), 'int32'), LEVELS);
  await model.fit(xs, ys, { epochs: input.epochs, batchSize: trainX.length, shuffle: false, verbose: 0 });
  xs.dispose();
  ys.dispose();
  const all = tf.tensor2d(input.x);
  const p = model.predict(all) as tf.Tensor;
  const probs = (await p.array()) as number[][];
  all.dispose();
  p.dispose();
  let artifacts: ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = { modelTopology: a.modelTopology as object, weightSpecs: a.weightSpecs ?? [], weightData: a.weightData as ArrayBuffer };
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  return { backend, probs, artifacts: artifacts! };
}

/** Loads saved artifacts and returns a predictor of class probabilities. */
export async function loadSoftmax(a: ModelArtifacts): Promise<{ predict(x: number[][]): Promise<number[][]>; dispose(): void }> {
  await initTf(() => {});
  const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: a.modelTopology, weightSpecs: a.weightSpecs, weightData: a.weightData }));
  return {
    async predict(x) {
      const t = tf.tensor2d(x);
      const p = model.predict(t) as tf.Tensor;
      const out = (await p.array()) as number[][];
      t.dispose();
      p.dispose();
      return out;
    },
    dispose: () => model.dispose(),
  };
}
