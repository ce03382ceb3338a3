/**
 * Pack format v2 through the real builder and loader: v1 packs unchanged, v2 packs whose later
 * stages are sealed one by one (offline and HR release), and tampering with one stage's envelope.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { canonicalize } from '../../../../main/services/packs/canonical-json';
import { generateSigningKey, open, publicKeyObject } from '../../../../main/services/packs/pack-crypto';
import { buildPack, decryptPack, verifyPack, writeEnvelope } from '../../../../main/services/packs/pack-format';
import type { TrustStore } from '../../../../main/services/packs/provisioning';
import { stageKeyOf } from '../../../../main/services/packs/stage-content';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
const key = generateSigningKey();
const trust: TrustStore = {
  mode: 'demo',
  keys: new Map([[key.keyId, { keyId: key.keyId, key: publicKeyObject(key.publicKey), purposes: ['pack'] as const, demo: true }]]),
};
const clock = new ManualClock();
const issuedAt = new Date(clock.now());

function built(stageRelease?: 'hr' | 'offline') {
  const b = buildPack(source, key, { issuedAt, unlockCode: null, ...(stageRelease ? { stageRelease } : {}) });
  if (!b.ok) throw new Error(b.error.message);
  return b.value;
}
function verified(text: string) {
  const v = verifyPack(Buffer.from(text, 'utf8'), trust, clock);
  if (!v.ok) throw new Error(v.error.message);
  return v.value;
}

describe('pack format v2 (per-stage content) through buildPack / verifyPack / decryptPack', () => {
  const v1 = built();
  const v1Loaded = decryptPack(verified(v1.text), v1.contentKey);
  if (!v1Loaded.ok) throw new Error(v1Loaded.error.message);
  const stages = v1Loaded.value.pack.stages;

  it('v1 stays v1: no stageContent, no master key, loads as before', () => {
    expect(v1.manifest.stageContent).toBeUndefined();
    expect(v1.stageMasterKey).toBeUndefined();
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('v2 content under the pack key holds stage 1\'s questions only', () => {
    for (const release of ['hr', 'offline'] as const) {
      const b = built(release);
      const plain = open(b.contentKey, b.manifest.content.sealed, `interview-kiosk/pack-content/v1|${b.manifest.id}|${b.manifest.version}`)!.toString('utf8');
      expect(plain).toContain(stages[0]!.questions[0]!.prompt.en);
      for (const q of stages.slice(1).flatMap((s) => s.questions)) {
        expect(plain).not.toContain(q.prompt.en);
        expect(b.text).not.toContain(q.prompt.en);
      }
      expect(plain.includes('stageMaster')).toBe(release === 'offline');
      expect(b.manifest.stageContent?.release).toBe(release);
    }
  });

  it('offline release: the kiosk derives the stage keys and gets the same pack as v1', () => {
    const b = built('offline');
    const r = decryptPack(verified(b.text), b.contentKey);
    if (!r.ok) throw new Error(r.error.message);
    expect(canonicalize(r.value.pack.stages)).toBe(canonicalize(stages));
  });

  it('HR release: locked without the stage keys, complete with them, refused with the wrong ones', () => {
    const b = built('hr');
    const v = verified(b.text);
    const locked = decryptPack(v, b.contentKey);
    expect(!locked.ok && locked.error.code).toBe('PACK_LOCKED');
    const keys = new Map(stages.slice(1).map((s, i) => [i + 1, stageKeyOf(b.stageMasterKey!, b.manifest, i + 1, s.id)] as const));
    const r = decryptPack(v, b.contentKey, keys);
    if (!r.ok) throw new Error(r.error.message);
    expect(canonicalize(r.value.pack.stages)).toBe(canonicalize(stages));
    const swapped = new Map([[1, keys.get(2)!], [2, keys.get(1)!], ...[...keys].filter(([i]) => i > 2)]);
    const bad = decryptPack(v, b.contentKey, swapped);
    expect(!bad.ok && bad.error.code).toBe('UNLOCK_CODE_INVALID');
  });

  it('one stage envelope changed in the file: the signature refuses the pack', () => {
    const b = built('hr');
    const ct = b.manifest.stageContent!.stages[1]!.sealed.ciphertext;
    const flipped = (ct[10] === 'A' ? 'B' : 'A');
    const text = b.text.replace(ct, ct.slice(0, 10) + flipped + ct.slice(11));
    expect(text).not.toBe(b.text);
    const r = verifyPack(Buffer.from(text, 'utf8'), trust, clock);
    expect(!r.ok && r.error.code).toBe('SIGNATURE_INVALID');
  });

  it('one stage envelope changed before signing (a signer\'s bug or a swapped envelope): that stage is refused', () => {
    const b = built('offline');
    const m = structuredClone(b.manifest);
    const [s1, s2] = [m.stageContent!.stages[0]!, m.stageContent!.stages[1]!];
    [s1.sealed, s2.sealed] = [s2.sealed, s1.sealed];
    const text = writeEnvelope('pack', m as unknown as Record<string, unknown>, key);
    expect(verifyPack(Buffer.from(text, 'utf8'), trust, clock).ok).toBe(true);
    const r = decryptPack(verified(text), b.contentKey);
    expect(!r.ok && r.error.code).toBe('UNLOCK_CODE_INVALID');
    // Dropping a stage envelope is refused as inconsistent with the outline.
    const m2 = structuredClone(b.manifest);
    m2.stageContent!.stages.pop();
    const r2 = decryptPack(verified(writeEnvelope('pack', m2 as unknown as Record<string, unknown>, key)), b.contentKey);
    expect(!r2.ok && r2.error.code).toBe('PACK_INCONSISTENT');
  });
});
