/**
 * What `pack init` writes: a complete pack that passes lint, so an author edits a working example
 * instead of filling a blank form. It is the software-engineer demo pack re-labelled as a
 * non-demo draft with a fresh validity window.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const SOURCE = path.resolve(import.meta.dirname, '..', '..', 'build', 'packs', 'src', 'software-engineer.pack.json');

export function examplePack(id: string, now = new Date()): Record<string, unknown> {
  const pack = JSON.parse(readFileSync(SOURCE, 'utf8')) as Record<string, unknown>;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  const end = new Date(start.getTime() + 180 * 24 * 3600 * 1000);
  return {
    ...pack,
    id,
    version: '0.1.0',
    demo: false,
    title: { 'zh-CN': '新岗位面试（请修改）', en: 'New role interview (edit me)' },
    validity: { notBefore: start.toISOString(), expiresAt: end.toISOString() },
    hrEndpoint: { url: 'https://hr.example.com/interview-kiosk', publicKey: (pack.hrEndpoint as { publicKey: string }).publicKey },
  };
}
