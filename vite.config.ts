import react from '@vitejs/plugin-react';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defineConfig, type Plugin } from 'vite';

/**
 * ffmpeg.wasm's core (~31 MB) is served from our own origin, never a CDN: copy it next to
 * index.html at build time (it is not committed to git).
 */
function ffmpegCore(): Plugin {
  return {
    name: 'kiosk-ffmpeg-core',
    apply: 'build',
    writeBundle(options) {
      const out = path.join(options.dir ?? 'dist/renderer', 'ffmpeg');
      mkdirSync(out, { recursive: true });
      for (const f of ['ffmpeg-core.js', 'ffmpeg-core.wasm']) {
        copyFileSync(path.resolve('node_modules/@ffmpeg/core/dist/esm', f), path.join(out, f));
      }
    },
  };
}

/**
 * The vision models and tfjs wasm binaries (issue #15) are served from our own origin at ./models/:
 * build/scripts/copy-models.mjs copies them from node_modules into native-models/ and checks them
 * against the committed sha256 manifest; each file is hashed again here before it is copied.
 */
function visionModels(): Plugin {
  return {
    name: 'kiosk-vision-models',
    apply: 'build',
    writeBundle(options) {
      execFileSync(process.execPath, [path.resolve('build/scripts/copy-models.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] });
      const manifest = JSON.parse(readFileSync('native-models/manifest.json', 'utf8')) as { models: { kind?: string; files: { path: string; sha256: string }[] }[] };
      for (const f of manifest.models.filter((m) => m.kind === 'vision').flatMap((m) => m.files)) {
        const src = path.resolve('native-models', f.path);
        if (createHash('sha256').update(readFileSync(src)).digest('hex') !== f.sha256) throw new Error(`native-models/${f.path}: sha256 does not match the manifest`);
        const dest = path.join(options.dir ?? 'dist/renderer', 'models', f.path);
        mkdirSync(path.dirname(dest), { recursive: true });
        copyFileSync(src, dest);
      }
    },
  };
}

/**
 * Voice activity (issue #15): the Silero VAD v5 model, served from our own origin next to
 * index.html (not committed; the worker checks its hash). onnxruntime-web's wasm runtime needs no
 * copy: Vite emits it into assets/ from the runtime's own `new URL(…, import.meta.url)`.
 */
function vadAssets(): Plugin {
  return {
    name: 'kiosk-vad-assets',
    apply: 'build',
    writeBundle(options) {
      const out = path.join(options.dir ?? 'dist/renderer', 'vad');
      mkdirSync(out, { recursive: true });
      copyFileSync(path.resolve('node_modules/@ricky0123/vad-web/dist/silero_vad_v5.onnx'), path.join(out, 'silero_vad_v5.onnx'));
    },
  };
}

// The renderer only. Relative base so the same build loads from app://kiosk/ (Electron) and from
// the development web shell on 127.0.0.1.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react(), ffmpegCore(), visionModels(), vadAssets()],
  // ffmpeg.wasm's class worker is an ES module worker.
  worker: { format: 'es' },
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
