// `npm run build`: the renderer with Vite, the Electron main process and preload with esbuild.
import { build as esbuild } from 'esbuild';
import { readFileSync } from 'node:fs';
import { build as viteBuild } from 'vite';

const started = performance.now();
// Runtime dependencies stay external (electron-builder packs node_modules; native ones are rebuilt
// for Electron's ABI); only our own code and the contract are bundled.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const runtimeDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'zod');
await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  legalComments: 'none',
};
await Promise.all([
  esbuild({
    ...common,
    entryPoints: ['main/app/main.ts'],
    outfile: 'dist/main/main.cjs',
    format: 'cjs',
    external: ['electron', ...runtimeDeps],
  }),
  // Sandboxed preloads cannot require local files: bundle the contract (and zod) into one file.
  esbuild({
    ...common,
    entryPoints: ['preload/index.ts'],
    outfile: 'dist/preload/preload.cjs',
    format: 'cjs',
    platform: 'browser',
    external: ['electron'],
  }),
]);
console.log(`[build] renderer, main and preload built in ${Math.round(performance.now() - started)} ms`);
