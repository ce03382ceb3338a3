import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

// The HR and proctor console (#14), served by the hub at /console/ (hub/console/server/static.ts).
export default defineConfig({
  root: path.join(here, 'web'),
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: path.join(here, '../../dist/console'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // No inline module-preload polyfill or inline assets: the CSP allows no inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
  },
});
