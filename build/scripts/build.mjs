// `npm run build`: the renderer with Vite, the Electron main process and preload with esbuild.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';

const started = performance.now();
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
    external: ['electron', 'better-sqlite3', 'electron-log'],
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
