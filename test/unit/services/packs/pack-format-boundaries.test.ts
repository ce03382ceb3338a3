/**
 * Pack format edges pinned with hand-written expectations (from the mutation sample's survivors in
 * main/services/packs/pack-format.ts): a time zone offset in issuedAt, invalid UTF-8, a file that
 * is not JSON, the path of an unsafe string inside an array, decrypted content that is not an
 * object, and the HR endpoint kept in the signed manifest.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { generateSigningKey, publicKeyObject } from '../../../../main/services/packs/pack-crypto';
import { buildPack, decryptPack, verifyPack, writeEnvelope } from '../../../../main/services/packs/pack-format';
import type { TrustStore } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
const key = generateSigningKey();
const trust: TrustStore = {
  mode: 'demo',
  keys: new Map([[key.keyId, { keyId: key.keyId, key: publicKeyObject(key.publicKey), purposes: ['pack'] as const, demo: true }]]),
};
const clock = new ManualClock();

function build(options: Record<string, unknown> = {}, src: Record<string, unknown> = source) {
  const b = buildPack(src, key, { issuedAt: new Date(clock.now()), unlockCode: null, ...options });
  if (!b.ok) throw new Error(b.error.message);
  return b.value;
}

describe('pack format edges', () => {
  it('accepts an issuedAt written with a time zone offset (a signing tool in UTC+8)', () => {
    const m = structuredClone(build().manifest) as unknown as Record<string, unknown>;
    const text = writeEnvelope('pack', { ...m, issuedAt: '2026-12-07T18:00:00+08:00' }, key);
    const v = verifyPack(Buffer.from(text, 'utf8'), trust, clock);
    expect(v.ok, v.ok ? '' : v.error.message).toBe(true);
  });

  it('refuses bytes that are not UTF-8 instead of decoding them with replacement characters', () => {
    const b = Buffer.from(build().text, 'utf8');
    const at = b.indexOf('"title"') + 20;
    const bad = Buffer.concat([b.subarray(0, at), Buffer.from([0xff, 0xfe]), b.subarray(at)]);
    const r = verifyPack(bad, trust, clock);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.code, r.error.message]).toEqual(['SIGNATURE_INVALID', expect.stringMatching(/not valid UTF-8/)]);
    // Not signed at all: the same bytes in a plain JSON file.
    const plain = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    const p = verifyPack(plain, trust, clock);
    expect(p.ok).toBe(false);
    if (!p.ok) expect([p.error.code, p.error.message]).toEqual(['PACK_MALFORMED', expect.stringMatching(/not UTF-8/)]);
  });

  it('says a file that is not JSON is not a pack', () => {
    const r = verifyPack(Buffer.from('hello, this is a résumé', 'utf8'), trust, clock);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('PACK_MALFORMED');
      expect(r.error.message).toMatch(/not JSON/);
    }
  });

  it('refuses decrypted content that is not an object', () => {
    for (const raw of [42, 'text', [1, 2]]) {
      const b = build({ rawContent: raw, skipLint: true });
      const v = verifyPack(Buffer.from(b.text, 'utf8'), trust, clock);
      if (!v.ok) throw new Error(v.error.message);
      const d = decryptPack(v.value, b.contentKey);
      expect(d.ok).toBe(false);
      if (!d.ok) {
        expect(d.error.code).toBe('PACK_INVALID');
        expect(d.error.message).toMatch(/not an object/);
      }
    }
  });

  it('keeps the HR endpoint in the signed manifest', () => {
    const hrEndpoint = { url: 'https://hr.example.com/kiosk', publicKey: generateSigningKey().publicKey };
    const b = buildPack({ ...source, hrEndpoint }, key, { issuedAt: new Date(clock.now()), unlockCode: null });
    if (!b.ok) throw new Error(b.error.message);
    expect(b.value.manifest.hrEndpoint).toEqual(hrEndpoint);
    expect(b.value.manifest.unlock.online).toBe(true);
    expect((JSON.parse(b.value.text) as { payload: unknown }).payload).toHaveProperty('hrEndpoint', hrEndpoint);
  });
});
