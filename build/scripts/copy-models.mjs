#!/usr/bin/env node
/**
 * Copies the ONLY vision models the kiosk may load — Human's face detector (blazeface), face mesh
 * and iris — and TensorFlow.js's wasm backend binaries from node_modules into native-models/
 * (gitignored), then checks every file against native-models/manifest.json (committed): the
 * manifest is the reviewed lock, so a changed npm tarball fails here instead of shipping.
 *
 * Nothing is ever fetched from the network. Emotion, age/gender, anti-spoof, liveness and face
 * description (faceres) models are never copied (issue #15; EU AI Act Art. 5(1)(f)).
 *
 *   node build/scripts/copy-models.mjs            copy + verify against the manifest (exit 1 on mismatch)
 *   node build/scripts/copy-models.mjs --update   copy + rewrite the manifest's vision entries
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const nm = join(root, 'node_modules');
const outDir = join(root, 'native-models');

/** The allow-list. Anything not named here is never copied. */
export const VISION_MODELS = [
  { name: 'blazeface', role: 'face detector', pkg: '@vladmandic/human', files: ['models/blazeface.json', 'models/blazeface.bin'], dest: 'human' },
  { name: 'facemesh', role: 'face mesh (head pose)', pkg: '@vladmandic/human', files: ['models/facemesh.json', 'models/facemesh.bin'], dest: 'human' },
  { name: 'iris', role: 'iris (gaze)', pkg: '@vladmandic/human', files: ['models/iris.json', 'models/iris.bin'], dest: 'human' },
  {
    name: 'tfjs-backend-wasm',
    role: 'TensorFlow.js wasm backend binaries',
    pkg: '@tensorflow/tfjs-backend-wasm',
    files: ['dist/tfjs-backend-wasm.wasm', 'dist/tfjs-backend-wasm-simd.wasm', 'dist/tfjs-backend-wasm-threaded-simd.wasm'],
    dest: 'wasm',
  },
];

/** Model names that must never appear in native-models/ (checked again by test/unit/vision). */
export const FORBIDDEN_MODEL_PATTERN = /emotion|affectnet|age|gender|gear|ssrnet|antispoof|liveness|faceres|insightface|mobilefacenet/i;

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

function main() {
  const update = process.argv.includes('--update');
  const manifestPath = join(outDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  if (manifest.schemaVersion !== 1 || !Array.isArray(manifest.models)) throw new Error('native-models/manifest.json: unknown schema');
  const problems = [];
  const entries = [];
  for (const m of VISION_MODELS) {
    const pkgJson = JSON.parse(readFileSync(join(nm, m.pkg, 'package.json'), 'utf8'));
    const files = [];
    for (const f of m.files) {
      const base = f.split('/').pop();
      if (FORBIDDEN_MODEL_PATTERN.test(base)) throw new Error(`refusing forbidden model file ${base}`);
      const src = join(nm, m.pkg, f);
      const buf = readFileSync(src);
      const rel = `${m.dest}/${base}`;
      mkdirSync(join(outDir, m.dest), { recursive: true });
      copyFileSync(src, join(outDir, rel));
      files.push({ path: rel, sha256: sha256(buf), bytes: buf.length });
    }
    entries.push({ name: m.name, kind: 'vision', role: m.role, version: pkgJson.version, source: `npm:${m.pkg}@${pkgJson.version}`, files });
  }
  const others = manifest.models.filter((e) => e.kind !== 'vision');
  if (update) {
    writeFileSync(manifestPath, `${JSON.stringify({ ...manifest, models: [...others, ...entries] }, null, 2)}\n`);
  } else {
    const byName = new Map(manifest.models.filter((e) => e.kind === 'vision').map((e) => [e.name, e]));
    for (const e of entries) {
      const want = byName.get(e.name);
      if (!want) { problems.push(`${e.name}: not in manifest.json`); continue; }
      for (const f of e.files) {
        const w = want.files.find((x) => x.path === f.path);
        if (!w) problems.push(`${f.path}: not in manifest.json`);
        else if (w.sha256 !== f.sha256) problems.push(`${f.path}: sha256 ${f.sha256} != manifest ${w.sha256}`);
      }
      byName.delete(e.name);
    }
    for (const name of byName.keys()) problems.push(`${name}: in manifest.json but not on the allow-list`);
  }
  const ok = problems.length === 0;
  console.log(JSON.stringify({ copied: entries.flatMap((e) => e.files.map((f) => f.path)), problems, updated: update, pass: ok, target: { manifestMatches: true } }));
  if (!ok) process.exit(1);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
