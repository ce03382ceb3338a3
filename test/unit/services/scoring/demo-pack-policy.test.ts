/**
 * The shipped demo packs and the scoring policy (issue #10): the engineering pack carries
 * `policy.scoring` explicitly (signed, so the kiosk reads exactly what its source says), and the
 * sales pack, signed without it, still verifies and gets the kiosk's defaults (backward compatible).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { verifyPack } from '../../../../main/services/packs/pack-format';
import { scoringPolicyOf } from '../../../../main/services/packs/pack-schema';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const clock = new ManualClock(Date.parse('2026-12-07T04:00:00Z'));

function shipped(id: string) {
  const v = verifyPack(readFileSync(path.join(root, `build/packs/${id}.ikpack`)), trust, clock);
  if (!v.ok) throw new Error(`${id}: ${v.error.code} ${v.error.message}`);
  const src = JSON.parse(readFileSync(path.join(root, `build/packs/src/${id}.pack.json`), 'utf8')) as { policy: { scoring?: unknown } };
  return { manifest: v.value.manifest, src };
}

describe('demo packs and the scoring policy', () => {
  it('the engineering pack is signed with the scoring policy of its source', () => {
    const { manifest, src } = shipped('software-engineer');
    expect(src.policy.scoring).toBeDefined();
    expect(manifest.policy.scoring).toEqual(src.policy.scoring);
    expect(scoringPolicyOf(manifest)).toEqual({ hints: true, borderlineMargin: 5, candidateVerdict: false });
  });

  it('a pack signed without the field verifies unchanged and gets the defaults', () => {
    const { manifest, src } = shipped('regional-sales-manager');
    expect(src.policy.scoring).toBeUndefined();
    expect(manifest.policy.scoring).toBeUndefined();
    expect(scoringPolicyOf(manifest)).toEqual({ hints: true, borderlineMargin: 5, candidateVerdict: false });
  });
});
