// Builds the HR and proctor console (hub/console, #14) into dist/console with Vite.
// `--if-stale`: only when dist/console is missing or older than any source of the console
// (what `npm run hub` does before starting, so a fresh clone serves a built console).
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { build as viteBuild } from 'vite';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const OUT = path.join(ROOT, 'dist/console');
const STAMP = path.join(OUT, '.built');

function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

export async function buildConsole({ ifStale = false } = {}) {
  const sources = Math.max(newest(path.join(ROOT, 'hub/console/web')), newest(path.join(ROOT, 'hub/console/logic')), statSync(path.join(ROOT, 'hub/console/vite.config.ts')).mtimeMs);
  if (ifStale && existsSync(STAMP) && existsSync(path.join(OUT, 'index.html')) && statSync(STAMP).mtimeMs >= sources) return { built: false, ms: 0 };
  const started = performance.now();
  await viteBuild({ configFile: path.join(ROOT, 'hub/console/vite.config.ts'), logLevel: 'warn' });
  writeFileSync(STAMP, new Date().toISOString());
  return { built: true, ms: Math.round(performance.now() - started) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const r = await buildConsole({ ifStale: process.argv.includes('--if-stale') });
  console.log(r.built ? `[build] console built in ${r.ms} ms` : '[build] console is up to date');
}
