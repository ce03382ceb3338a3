/**
 * `npm run bench:vision [-- --json] [--reps N] [--keep DIR]`: the face detector the kiosk runs
 * (shared/vision/human-config.ts: blazeface + face mesh + iris, nothing else), in Node, on
 * TensorFlow.js's wasm backend with ONE thread, over 640×480 frames built here with Debian's
 * ImageMagick from photos shipped in @vladmandic/human (oracle: test/bench/vision-image-set.ts).
 *
 * Models and wasm binaries are the ones build/scripts/copy-models.mjs copied into native-models/
 * and checked against its sha256 manifest; they are served to Human from a loopback HTTP server,
 * as the renderer gets them from our own origin. Nothing is fetched from the network.
 *
 * Reports p50/p95 wall time per frame (every image × reps, first pass over the set is warm-up and
 * not counted), cpuShareAt2fps = 2 × mean process CPU seconds per frame (the share of one core a 2
 * fps loop needs), faceCountAccuracy over the whole set and per variant. Targets: p50 ≤ 80 ms,
 * cpuShareAt2fps ≤ 0.25, accuracy 1.0. Exit 1 on a miss. The last stdout line is one JSON object.
 *
 * Detection goes through shared/vision/edge-rescue.ts's detectFaces, as in the renderer: a frame
 * with no face is analysed once more mirror-padded, so a face cut by the frame edge is not lost.
 * `rescuedImages` counts the images whose faces came from that pass. `--no-edge-rescue` is an
 * ablation (plain human.detect): it shows what the rescue pass buys and never passes.
 *
 * What this does NOT measure: the renderer's worker (Chromium's wasm engine, camera frames); that
 * runs the same config but is proved only by the unit tests of the pure flag logic.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { detectFaces, humanFaceDetector } from '../../shared/vision/edge-rescue';
import { VISION_TF_FLAGS, visionHumanConfig } from '../../shared/vision/human-config';
import { HEIGHT, IMAGE_SET, WIDTH } from './vision-image-set';
import { buildImages, magick } from './vision-frames';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, reps: { type: 'string', default: '2' }, keep: { type: 'string' }, only: { type: 'string' }, 'no-edge-rescue': { type: 'boolean', default: false } } });
// Ablation only (the result says so and cannot pass): the plain detector without the edge rescue pass.
const EDGE_RESCUE = !values['no-edge-rescue'];
const REPS = Math.max(1, Number(values.reps));
const TARGET = { p50Ms: 80, cpuShareAt2fps: 0.25, faceCountAccuracy: 1 };

const root = path.resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const humanDir = path.join(root, 'node_modules/@vladmandic/human');

function serve(dir: string): Promise<{ server: Server; base: string }> {
  const types: Record<string, string> = { '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').split('?')[0]!).replace(/^\/+/, '');
    const file = path.resolve(dir, rel);
    if (!file.startsWith(dir + path.sep) || !existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': types[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const a = server.address();
    resolve({ server, base: `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}` });
  }));
}

const pct = (xs: number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? NaN;
};

async function main(): Promise<void> {
  const copy = spawnSync(process.execPath, [path.join(root, 'build/scripts/copy-models.mjs')], { encoding: 'utf8' });
  if (copy.status !== 0) throw new Error(`copy-models failed: ${copy.stdout}${copy.stderr}`);
  const modelsDir = path.join(root, 'native-models');
  const { server, base } = await serve(modelsDir);

  const bin = magick();
  const dir = values.keep ? path.resolve(values.keep) : mkdtempSync(path.join(os.tmpdir(), 'vision-bench-'));
  mkdirSync(dir, { recursive: true });
  const set = values.only ? IMAGE_SET.filter((i) => i.id.startsWith(values.only!)) : IMAGE_SET;
  const t0 = Date.now();
  const raws = await buildImages(bin, set, dir, Math.max(1, Math.min(4, os.availableParallelism())));
  const frames = set.map((img, i) => ({ img, raw: readFileSync(raws[i]!) }));
  const buildMs = Date.now() - t0;

  // One thread: the wasm backend reads this before it initialises.
  const wasm = require('@tensorflow/tfjs-backend-wasm') as { setThreadsCount: (n: number) => void };
  wasm.setThreadsCount(1);
  const { Human } = require(path.join(humanDir, 'dist/human.node-wasm.js')) as typeof import('@vladmandic/human');
  const config = visionHumanConfig(`${base}/human/`, path.join(modelsDir, 'wasm') + path.sep);
  const human = new Human(config as never);
  for (const [k, v] of Object.entries(VISION_TF_FLAGS)) human.tf.env().set(k, v);
  await human.load();
  await human.tf.ready();
  const backend = human.tf.getBackend();
  if (backend !== 'wasm') throw new Error(`backend is ${backend}, not wasm`);

  // The renderer's worker runs the same shared detectFaces (shared/vision/edge-rescue.ts).
  const detector = humanFaceDetector(human as never);
  let rescued = 0;
  const detect = async (raw: Buffer, count = false): Promise<number> => {
    const t = human.tf.tensor4d(new Int32Array(raw), [1, HEIGHT, WIDTH, 3], 'int32');
    try {
      if (!EDGE_RESCUE) return (await human.detect(t as never)).face.length;
      const r = await detectFaces(detector, t as never);
      if (count && r.rescued) rescued++;
      return r.faces.length;
    } finally {
      human.tf.dispose(t);
    }
  };

  // Warm-up pass (not timed): wasm compiles kernels on first use.
  for (const f of frames) await detect(f.raw);

  const wall: number[] = [];
  const cpuMs: number[] = [];
  let cpuUs = 0;
  const noFaceCpuUs: number[] = [];
  const perImage = new Map<string, number[]>();
  for (let r = 0; r < REPS; r++) {
    for (const f of frames) {
      const c0 = process.cpuUsage();
      const w0 = performance.now();
      const n = await detect(f.raw, r === 0);
      wall.push(performance.now() - w0);
      const c = process.cpuUsage(c0);
      cpuUs += c.user + c.system;
      cpuMs.push((c.user + c.system) / 1000);
      if (f.img.expectedFaces === 0) noFaceCpuUs.push(c.user + c.system);
      perImage.set(f.img.id, [...(perImage.get(f.img.id) ?? []), n]);
    }
  }
  server.close();

  const byVariant: Record<string, { images: number; correct: number; accuracy: number; misses: string[] }> = {};
  let correct = 0;
  for (const f of frames) {
    const counts = perImage.get(f.img.id) ?? [];
    const ok = counts.every((n) => n === f.img.expectedFaces);
    if (ok) correct++;
    const v = (byVariant[f.img.variant] ??= { images: 0, correct: 0, accuracy: 0, misses: [] });
    v.images++;
    if (ok) v.correct++;
    else v.misses.push(`${f.img.id}: expected ${f.img.expectedFaces}, got ${[...new Set(counts)].join('/')}`);
  }
  for (const v of Object.values(byVariant)) v.accuracy = Number((v.correct / v.images).toFixed(3));

  const p50Ms = Number(pct(wall, 0.5).toFixed(1));
  const p95Ms = Number(pct(wall, 0.95).toFixed(1));
  // CPU time per frame (reported, not gated): wall time on a loaded shared machine includes waiting
  // for a core; this does not, so a p50Ms miss with a low cpuP50Ms means contention, not the model.
  const cpuP50Ms = Number(pct(cpuMs, 0.5).toFixed(1));
  const cpuShareAt2fps = Number(((2 * cpuUs) / 1e6 / wall.length).toFixed(3));
  // The same share over the no-face images only (reported, not gated): what a 2 fps loop costs while
  // nobody is in view, when the edge rescue pass runs on every frame.
  const cpuShareAt2fpsNoFace = noFaceCpuUs.length ? Number(((2 * noFaceCpuUs.reduce((a, b) => a + b, 0)) / 1e6 / noFaceCpuUs.length).toFixed(3)) : null;
  const faceCountAccuracy = Number((correct / frames.length).toFixed(3));
  const pass = EDGE_RESCUE && p50Ms <= TARGET.p50Ms && cpuShareAt2fps <= TARGET.cpuShareAt2fps && faceCountAccuracy >= TARGET.faceCountAccuracy;
  if (!values.keep) rmSync(dir, { recursive: true, force: true });

  const result = {
    bench: 'vision', backend, threads: 1, humanVersion: human.version, images: frames.length, frames: wall.length, reps: REPS, edgeRescue: EDGE_RESCUE, rescuedImages: rescued, buildImagesMs: buildMs,
    p50Ms, p95Ms, cpuP50Ms, cpuShareAt2fps, cpuShareAt2fpsNoFace, faceCountAccuracy, perVariant: byVariant, target: TARGET, pass,
  };
  if (!values.json) {
    console.log(`vision bench: ${frames.length} images × ${REPS}, wasm 1 thread; p50 ${p50Ms} ms, p95 ${p95Ms} ms, cpu share at 2 fps ${cpuShareAt2fps}, face-count accuracy ${faceCountAccuracy}`);
    for (const [k, v] of Object.entries(byVariant)) console.log(`  ${k}: ${v.correct}/${v.images}${v.misses.length ? `  (${v.misses.join('; ')})` : ''}`);
  }
  console.log(JSON.stringify(result));
  process.exit(pass ? 0 : 1);
}

main().catch((e: unknown) => {
  console.log(JSON.stringify({ bench: 'vision', error: String(e instanceof Error ? e.stack ?? e.message : e), target: TARGET, pass: false }));
  process.exit(1);
});
