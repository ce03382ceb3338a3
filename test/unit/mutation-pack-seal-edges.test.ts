/**
 * Edges of pack sealing that the mutation ledger showed untested: AES-GCM accepts IVs of any
 * length, so `open` must itself refuse one that is not 12 bytes even when the key and the tag are
 * right; and the anti-rollback file lists its marks in sorted order whatever order they were raised.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyProtector } from '../../main/services/packs/key-protector';
import { open, seal } from '../../main/services/packs/pack-crypto';
import { SealedRollbackGuard } from '../../main/services/packs/rollback-guard';

/** AES-256-GCM sealed here with node's cipher directly (not the product's `seal`), with a chosen IV length. */
function sealWithIv(key: Buffer, plaintext: Buffer, aad: string, ivLength: number) {
  const iv = randomBytes(ivLength);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

describe('open: only the sealed format', () => {
  const key = randomBytes(32);
  const text = Buffer.from('the pack content');

  it('opens a 12-byte-IV seal made independently, and what `seal` makes', () => {
    expect(open(key, sealWithIv(key, text, 'aad', 12), 'aad')).toEqual(text);
    expect(open(key, seal(key, text, 'aad'), 'aad')).toEqual(text);
  });

  it('refuses a seal with a 16-byte or 8-byte IV even though GCM itself would accept it', () => {
    expect(open(key, sealWithIv(key, text, 'aad', 16), 'aad')).toBeUndefined();
    expect(open(key, sealWithIv(key, text, 'aad', 8), 'aad')).toBeUndefined();
  });
});

describe('the anti-rollback file', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('lists the marks sorted by pack id, whatever order they were raised in', () => {
    const d = mkdtempSync(path.join(tmpdir(), 'rollback-order-'));
    dirs.push(d);
    const g = new SealedRollbackGuard(d, new MemoryKeyProtector());
    for (const id of ['mm', 'zz', 'aa', 'qq', 'bb']) g.raise(id, { version: '1.0.0', hash: id });
    const sealed = JSON.parse(readFileSync(path.join(d, 'pack-high-water.json'), 'utf8')) as { marks: Record<string, unknown> };
    expect(Object.keys(sealed.marks)).toEqual(['aa', 'bb', 'mm', 'qq', 'zz']);
  });
});
