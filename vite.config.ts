import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The renderer only. Relative base so the same build loads from app://kiosk/ (Electron) and from
// the development web shell on 127.0.0.1.
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
  },
});
