import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { loadPackBytes, MAX_PACK_BYTES } from '../../../../main/services/packs/pack-format';
import { parseProvisioning, trustStoreOf, type TrustStore } from '../../../../main/services/packs/provisioning';

const dir = path.resolve(import.meta.dirname, '../../../fixtures/packs');
const root = path.resolve(dir, '../../..');
interface Case {
  file: string;
  code: string;
  path?: string;
  unlockCode?: string;
  provisioning?: 'production' | 'demo';
  generate?: 'oversized';
  note: string;
}
const corpus = JSON.parse(readFileSync(path.join(dir, 'corpus.json'), 'utf8')) as { at: string; cases: Case[] };

function trust(which: 'production' | 'demo'): TrustStore {
  const file = which === 'production' ? path.join(dir, 'provisioning-production.json') : path.join(root, 'build/provisioning/demo-provisioning.json');
  const r = parseProvisioning(readFileSync(file, 'utf8'));
  if (!r.ok) throw new Error(r.error.message);
  return trustStoreOf(r.value);
}
const trusts = { production: trust('production'), demo: trust('demo') };

function bytesOf(c: Case): Buffer {
  if (c.generate === 'oversized') return Buffer.alloc(MAX_PACK_BYTES + 1, 0x20);
  return readFileSync(path.join(dir, 'corpus', c.file));
}

describe('the broken-pack corpus', () => {
  it('has at least 30 broken packs and one control', () => {
    expect(corpus.cases.filter((c) => c.code !== 'OK').length).toBeGreaterThanOrEqual(30);
    expect(new Set(corpus.cases.map((c) => c.code)).size).toBeGreaterThanOrEqual(12);
  });

  for (const c of corpus.cases) {
    it(`${c.file}: ${c.note} → ${c.code}`, () => {
      const clock = new ManualClock(Date.parse(corpus.at));
      const r = loadPackBytes(bytesOf(c), trusts[c.provisioning ?? 'production'], clock, c.unlockCode ? { code: c.unlockCode } : {});
      if (c.code === 'OK') {
        expect(r.ok).toBe(true);
        return;
      }
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.error.code).toBe(c.code);
      if (c.path !== undefined && c.path !== '') expect(r.error.message).toContain(`${c.path}:`);
      // A manager-readable message first, never a stack trace.
      expect(r.error.message).not.toMatch(/\n\s+at /);
    });
  }
});
