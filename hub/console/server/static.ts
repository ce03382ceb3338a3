/**
 * Serves the built console (dist/console) at /console/. Only files found by walking the build
 * folder are ever served (an allow-list, so no request path reaches the file system); a path with
 * anything but plain name characters is refused; unknown paths without an extension get
 * index.html (client-side routes). Every answer carries a strict CSP: scripts and styles from this
 * origin only, no inline script, no framing.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HubError } from '../../errors';

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};
const SAFE_PATH = /^(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,100}\/){0,4}(?:[A-Za-z0-9_-][A-Za-z0-9._-]{0,100})?$/;
const MAX_FILES = 2000;

function walk(dir: string, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (out.size >= MAX_FILES) break;
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) walk(full, rel, out);
    else if (e.isFile() && TYPES[path.extname(e.name)]) out.set(rel, full);
  }
  return out;
}

/** Pure: the file a request path names, 'index' for a client-side route, or null (refused). */
export function resolveConsolePath(requested: string, files: ReadonlySet<string>): string | 'index' | null {
  if (requested.length > 300 || !SAFE_PATH.test(requested)) return null;
  if (requested.split('/').some((seg) => seg === '.' || seg === '..' || seg.startsWith('.'))) return null;
  if (requested === '' || requested === 'index.html') return 'index';
  if (files.has(requested)) return requested;
  return path.extname(requested) === '' ? 'index' : null;
}

export function registerConsoleStatic(app: FastifyInstance, dir: string): void {
  let files: Map<string, string> | null = null;
  const load = (): Map<string, string> => {
    if (files && files.size > 0) return files;
    files = existsSync(dir) && statSync(dir).isDirectory() ? walk(dir) : new Map();
    return files;
  };
  const secure = (reply: FastifyReply) =>
    reply
      .header('content-security-policy', CONSOLE_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('x-frame-options', 'DENY')
      .header('referrer-policy', 'no-referrer')
      .header('cross-origin-opener-policy', 'same-origin');
  const serve = async (requested: string, reply: FastifyReply) => {
    const map = load();
    if (!map.has('index.html')) throw new HubError(503, 'CONSOLE_NOT_BUILT', 'the console is not built: run `npm run build`');
    const hit = resolveConsolePath(requested, new Set(map.keys()));
    if (hit === null) throw new HubError(404, 'NOT_FOUND', 'no such console file');
    const rel = hit === 'index' ? 'index.html' : hit;
    const full = map.get(rel)!;
    secure(reply)
      .header('content-type', TYPES[path.extname(rel)] ?? 'application/octet-stream')
      .header('cache-control', rel === 'index.html' ? 'no-cache' : 'public, max-age=3600');
    return reply.send(readFileSync(full));
  };
  // /console itself serves the app too (asset URLs are absolute under /console/).
  app.get('/console', async (_req, reply) => serve('', reply));
  app.get('/console/*', async (req, reply) => serve((req.params as Record<string, string | undefined>)['*'] ?? '', reply));
}
