/**
 * What the loader refuses beyond the signature: a byte-order mark in front of a signed file, an
 * inverted validity window, invisible format characters anywhere in the signed payload (lint
 * already refuses them in authored text; the loader must too, for a file lint never saw), and
 * offline-unlock scrypt parameters that would cost the kiosk gigabytes and tens of seconds.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { scryptWithinLimits, type SigningKeyPair } from '../../../../main/services/packs/pack-crypto';
import { verifyPack, writeEnvelope, type PackManifest } from '../../../../main/services/packs/pack-format';
import { isSafeText } from '../../../../main/services/packs/pack-schema';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
const packBytes = readFileSync(path.join(root, 'build/packs/software-engineer.ikpack'));
const clock = new ManualClock(Date.parse('2026-12-07T04:00:00Z'));
const manifest = (JSON.parse(packBytes.toString('utf8')) as { payload: PackManifest }).payload;

/** A correctly signed file whose manifest was edited before signing. */
function resigned(edit: (m: PackManifest) => unknown): Buffer {
  return Buffer.from(writeEnvelope('pack', edit(structuredClone(manifest)) as Record<string, unknown>, demoKey));
}

describe('pack loader hardening', () => {
  it('the untouched pack verifies (control)', () => {
    expect(verifyPack(packBytes, trust, clock).ok).toBe(true);
    expect(verifyPack(resigned((m) => m), trust, clock).ok).toBe(true);
  });

  it('refuses a file with a byte-order mark in front', () => {
    const r = verifyPack(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), packBytes]), trust, clock);
    expect(!r.ok && r.error.code).toBe('SIGNATURE_INVALID');
    expect(!r.ok && r.error.message).toMatch(/byte-order mark/);
  });

  it('refuses an inverted validity window even when signed', () => {
    const r = verifyPack(resigned((m) => ({ ...m, validity: { notBefore: '2027-06-30T00:00:00Z', expiresAt: '2026-07-01T00:00:00Z' } })), trust, clock);
    expect(!r.ok && r.error.code).toBe('PACK_INVALID');
    expect(!r.ok && r.error.message).toMatch(/validity\.expiresAt: the validity window is inverted/);
  });

  const hidden: [string, string][] = [
    ['Unicode TAG characters', 'Software engineer\u{E0049}\u{E0047}\u{E004E}'],
    ['LINE SEPARATOR', 'Software\u2028engineer'],
    ['PARAGRAPH SEPARATOR', 'Software\u2029engineer'],
    ['LEFT-TO-RIGHT MARK', 'Software\u200Eengineer'],
    ['RIGHT-TO-LEFT MARK', 'Software\u200Fengineer'],
    ['ARABIC LETTER MARK', 'Software\u061Cengineer'],
    ['RIGHT-TO-LEFT OVERRIDE', 'Software\u202Eengineer'],
    ['WORD JOINER', 'Soft\u2060ware'],
    ['INTERLINEAR ANNOTATION', 'Soft\uFFF9ware'],
  ];
  it.each(hidden)('refuses %s in a signed title', (_name, text) => {
    expect(isSafeText(text)).toBe(false);
    const r = verifyPack(resigned((m) => ({ ...m, title: { ...m.title, en: text } })), trust, clock);
    expect(!r.ok && r.error.code).toBe('PACK_INVALID');
    expect(!r.ok && r.error.message).toContain('title.en');
  });

  it('refuses hidden characters in a field no text schema covers (the whole payload is scanned)', () => {
    // A URL schema accepts U+200F and TAG characters; the payload scan does not.
    const r = verifyPack(resigned((m) => ({ ...m, hrEndpoint: { ...m.hrEndpoint!, url: m.hrEndpoint!.url + '/\u{E0041}unlock' } })), trust, clock);
    expect(!r.ok && r.error.code).toBe('PACK_INVALID');
    expect(!r.ok && r.error.message).toContain('hrEndpoint.url');
  });

  it('keeps zero-width joiners and ordinary Chinese text', () => {
    expect(isSafeText('软件工程师（后端方向）')).toBe(true);
    expect(isSafeText('\u0915\u094D\u200D\u0937')).toBe(true);
  });

  it('refuses scrypt parameters beyond the kiosk limits (N=2^20, r=16, p=4 would cost 2 GiB and ~37 s)', () => {
    expect(scryptWithinLimits({ N: 1 << 15, r: 8, p: 1 })).toBe(true);
    expect(scryptWithinLimits({ N: 1 << 20, r: 16, p: 4 })).toBe(false);
    expect(scryptWithinLimits({ N: 1 << 17, r: 8, p: 1 })).toBe(false);
    expect(scryptWithinLimits({ N: 1 << 15, r: 8, p: 3 })).toBe(false);
    const off = manifest.unlock.offline!;
    for (const params of [{ N: 1 << 20 }, { r: 16 }, { p: 4 }]) {
      const r = verifyPack(resigned((m) => ({ ...m, unlock: { ...m.unlock, offline: { ...off, ...params } } })), trust, clock);
      expect(!r.ok && r.error.code).toBe('PACK_INVALID');
      expect(!r.ok && r.error.message).toContain('unlock.offline');
    }
  });
});
