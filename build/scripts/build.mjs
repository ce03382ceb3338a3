// `npm run build`: the renderer with Vite, the Electron main process and preload with esbuild.
import { build as esbuild } from 'esbuild';
import { existsSync, readFileSync } from 'node:fs';
import { build as viteBuild } from 'vite';
import { buildConsole } from './build-console.mjs';

const started = performance.now();
// Runtime dependencies stay external (electron-builder packs node_modules; native ones are rebuilt
// for Electron's ABI); only our own code and the contract are bundled.
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const runtimeDeps = Object.keys(pkg.dependencies ?? {}).filter((d) => d !== 'zod');
await viteBuild({ configFile: 'vite.config.ts', logLevel: 'warn' });
// The hub's HR and proctor console (#14): its own Vite config, output dist/console.
await buildConsole();

// The release public key (Ed25519; PEM file path or raw base64) compiled into main: it checks the signed
// hash list of app.asar.unpacked at start. Empty in development builds: a packaged build without it
// refuses to start (main/app/unpacked-integrity.ts).
const releaseKeySource = process.env.KIOSK_RELEASE_PUBLIC_KEY ?? '';
const releasePublicKey = releaseKeySource && existsSync(releaseKeySource) ? readFileSync(releaseKeySource, 'utf8') : releaseKeySource;

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
    define: { __KIOSK_RELEASE_PUBLIC_KEY__: JSON.stringify(releasePublicKey) },
    external: ['electron', ...runtimeDeps],
  }),
  // Integrity scans run in a worker thread (main/services/integrity/worker-scanner.ts looks for it beside main.cjs).
  esbuild({
    ...common,
    entryPoints: ['main/services/integrity/scan-worker.ts'],
    outfile: 'dist/main/integrity-worker.cjs',
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
console.log(`[build] renderer, console, main and preload built in ${Math.round(performance.now() - started)} ms`);
