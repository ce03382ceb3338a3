import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { verifyPack } from '../../../../main/services/packs/pack-format';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const clock = new ManualClock();

describe('one changed byte anywhere in a signed pack', () => {
  it('is refused: SIGNATURE_INVALID, or KEY_UNTRUSTED inside the key id', () => {
    const good = readFileSync(path.join(root, 'build/packs/software-engineer.ikpack'));
    expect(verifyPack(good, trust, clock).ok).toBe(true);
    const keyIdAt = good.lastIndexOf('"keyId":"ed25519:');
    const positions = new Set<number>();
    for (let i = 0; i < 400; i++) positions.add(i).add(good.length - 1 - i);
    for (let i = 0; i < good.length; i += 13) positions.add(i);
    for (const i of positions) {
      const b = Buffer.from(good);
      b[i] = b[i] === 0x41 ? 0x42 : 0x41;
      const r = verifyPack(b, trust, clock);
      expect(r.ok, `byte ${i}`).toBe(false);
      if (r.ok) continue;
      if (r.error.code === 'KEY_UNTRUSTED') expect(i >= keyIdAt && i < keyIdAt + 60, `byte ${i}`).toBe(true);
      else expect(r.error.code, `byte ${i}`).toBe('SIGNATURE_INVALID');
    }
  });
});
