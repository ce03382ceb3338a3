/**
 * Pack format v2, per-stage content release (main/services/packs/stage-content.ts): each stage
 * after the first opens only with its own key; one stage's envelope tampered with, moved or
 * opened with another key is refused while the others still open; the HR side releases stage
 * N+1's key only after stage N was submitted, sealed to one request.
 */
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generateSigningKey } from '../../../../main/services/packs/pack-crypto';
import { Stage } from '../../../../main/services/packs/pack-schema';
import {
  grantStageKey,
  mayReleaseStage,
  newStageKeyRequest,
  openStage,
  openStageGrant,
  sealStages,
  stageKeyOf,
  type StageContent,
} from '../../../../main/services/packs/stage-content';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as { id: string; version: string; stages: unknown[] };
const stages = source.stages.map((s) => Stage.parse(s));
const ids = { id: source.id, version: source.version };
const outline = stages.map((s) => s.id);

function flipByte(b64: string, at: number): string {
  const b = Buffer.from(b64, 'base64');
  b[at % b.length]! ^= 1 << (at % 8);
  return b.toString('base64');
}

describe('per-stage content (pack format v2)', () => {
  it('has a pack with at least three stages to test with', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('opens each later stage with its own derived key only; stage 1 is not in the stage envelopes', () => {
    const { stageContent, master } = sealStages(ids, stages, 'hr');
    expect(stageContent.stages.map((s) => s.stageId)).toEqual(outline.slice(1));
    for (let i = 1; i < stages.length; i++) {
      const r = openStage(ids, stageContent, i, outline[i]!, stageKeyOf(master, ids, i, outline[i]!));
      expect(r.ok && r.value).toEqual(stages[i]!.questions);
      // Every other stage's key, and the master key itself, fail on this stage.
      for (let j = 1; j < stages.length; j++) {
        if (j === i) continue;
        const wrong = openStage(ids, stageContent, i, outline[i]!, stageKeyOf(master, ids, j, outline[j]!));
        expect(wrong.ok).toBe(false);
      }
      expect(openStage(ids, stageContent, i, outline[i]!, master).ok).toBe(false);
    }
    // No plaintext question text in the sealed form.
    const text = JSON.stringify(stageContent);
    for (const q of stages.slice(1).flatMap((s) => s.questions)) expect(text).not.toContain(q.prompt['zh-CN']);
  });

  it('independently: the stage key is HKDF-SHA256(master, "id|version", "interview-kiosk/stage-key/v2|i|stageId")', () => {
    const master = randomBytes(32);
    const expected = Buffer.from(hkdfSync('sha256', master, Buffer.from(`${ids.id}|${ids.version}`), Buffer.from(`interview-kiosk/stage-key/v2|2|${outline[2]}`), 32));
    expect(stageKeyOf(master, ids, 2, outline[2]!).equals(expected)).toBe(true);
    // And an envelope sealed by hand with the documented AAD opens.
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', expected, iv);
    c.setAAD(Buffer.from(`interview-kiosk/stage-content/v2|${ids.id}|${ids.version}|2|${outline[2]}`));
    const ct = Buffer.concat([c.update(JSON.stringify(stages[2]!.questions)), c.final()]);
    const handmade: StageContent = { format: 2, alg: 'A256GCM', release: 'offline', stages: [{ index: 2, stageId: outline[2]!, sealed: { iv: iv.toString('base64'), ciphertext: ct.toString('base64'), tag: c.getAuthTag().toString('base64') } }] };
    const r = openStage(ids, handmade, 2, outline[2]!, expected);
    expect(r.ok && r.value).toEqual(stages[2]!.questions);
  });

  it('property: one byte changed in one stage envelope refuses that stage and no other', () => {
    const { stageContent, master } = sealStages(ids, stages, 'offline');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: stages.length - 1 }), fc.constantFrom('iv', 'ciphertext', 'tag'), fc.nat(100_000), (victim, field, at) => {
        const tampered = structuredClone(stageContent) as { stages: Array<{ index: number; sealed: Record<string, string> }> };
        const e = tampered.stages.find((s) => s.index === victim)!;
        e.sealed[field] = flipByte(e.sealed[field]!, at);
        for (let i = 1; i < stages.length; i++) {
          const r = openStage(ids, tampered, i, outline[i]!, stageKeyOf(master, ids, i, outline[i]!));
          if (i === victim) {
            expect(r.ok).toBe(false);
            if (!r.ok) expect(r.error.code).toBe('UNLOCK_CODE_INVALID');
          } else expect(r.ok).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('refuses envelopes moved between stages or packs, duplicated, or malformed', () => {
    const { stageContent, master } = sealStages(ids, stages, 'hr');
    const k2 = stageKeyOf(master, ids, 2, outline[2]!);
    // Swap the envelopes of stages 1 and 2 (ids kept at their index): AAD names index and id.
    const swapped = structuredClone(stageContent);
    const [a, b] = [swapped.stages[0]!, swapped.stages[1]!];
    [a.sealed, b.sealed] = [b.sealed, a.sealed];
    expect(openStage(ids, swapped, 2, outline[2]!, k2).ok).toBe(false);
    // Relabel stage 1's envelope as stage 2: the outline's stage id at that index does not match.
    const relabelled = structuredClone(stageContent);
    relabelled.stages[1] = { ...relabelled.stages[0]!, index: 2 };
    const r = openStage(ids, relabelled, 2, outline[2]!, k2);
    expect(!r.ok && r.error.code).toBe('PACK_INCONSISTENT');
    // The same master key reused for another pack version: the envelope does not open there.
    const other = { id: ids.id, version: '99.0.0' };
    expect(openStage(other, stageContent, 2, outline[2]!, stageKeyOf(master, other, 2, outline[2]!)).ok).toBe(false);
    // Two envelopes for one index, unknown fields, a wrong-size key.
    const dup = structuredClone(stageContent);
    dup.stages.push({ ...dup.stages[1]! });
    expect(openStage(ids, dup, 2, outline[2]!, k2).ok).toBe(false);
    expect(openStage(ids, { ...stageContent, extra: 1 }, 2, outline[2]!, k2).ok).toBe(false);
    expect(openStage(ids, stageContent, 2, outline[2]!, k2.subarray(0, 16)).ok).toBe(false);
  });

  it('release rule: stage N+1 only after every earlier stage was submitted', () => {
    expect(mayReleaseStage(0, new Set(), outline)).toBe(false);
    expect(mayReleaseStage(1, new Set(), outline)).toBe(false);
    expect(mayReleaseStage(1, new Set([outline[0]!]), outline)).toBe(true);
    expect(mayReleaseStage(2, new Set([outline[1]!]), outline)).toBe(false);
    expect(mayReleaseStage(2, new Set([outline[0]!, outline[1]!]), outline)).toBe(true);
    expect(mayReleaseStage(outline.length, new Set(outline), outline)).toBe(false);
    expect(mayReleaseStage(1.5, new Set(outline), outline)).toBe(false);
  });

  it('online release: the endpoint seals K(N+1) to one request after stage N; the kiosk refuses anything else', () => {
    const { stageContent, master } = sealStages(ids, stages, 'hr');
    const hrKey = generateSigningKey();
    const fields = { packId: ids.id, packVersion: ids.version, packHash: 'a'.repeat(64), inviteCode: 'INV-1', kioskId: 'kiosk-1', stageIndex: 1, stageId: outline[1]!, submittedStageId: outline[0]! };
    const { request, secret } = newStageKeyRequest(fields);
    const now = new Date('2026-12-07T10:00:00Z');

    const early = grantStageKey(request, { master, outlineStageIds: outline, submittedStageIds: new Set(), hrKey, now });
    expect(early).toEqual({ ok: false, reason: 'not_submitted' });
    const skip = grantStageKey(newStageKeyRequest({ ...fields, stageIndex: 2, stageId: outline[2]! }).request, { master, outlineStageIds: outline, submittedStageIds: new Set([outline[0]!]), hrKey, now });
    expect(skip).toEqual({ ok: false, reason: 'wrong_stage' });
    expect(grantStageKey({ ...request, extra: 1 }, { master, outlineStageIds: outline, submittedStageIds: new Set([outline[0]!]), hrKey, now })).toEqual({ ok: false, reason: 'malformed' });

    const g = grantStageKey(request, { master, outlineStageIds: outline, submittedStageIds: new Set([outline[0]!]), hrKey, now });
    if (!g.ok) throw new Error(g.reason);
    const opened = openStageGrant(g, request, secret, hrKey.publicKey);
    if (!opened.ok) throw new Error(opened.reason);
    const r = openStage(ids, stageContent, 1, outline[1]!, opened.key);
    expect(r.ok && r.value).toEqual(stages[1]!.questions);

    // Another kiosk's secret, another request (replayed grant), another signer, an altered grant.
    expect(openStageGrant(g, request, newStageKeyRequest(fields).secret, hrKey.publicKey).ok).toBe(false);
    expect(openStageGrant(g, newStageKeyRequest(fields).request, secret, hrKey.publicKey).ok).toBe(false);
    expect(openStageGrant(g, request, secret, generateSigningKey().publicKey).ok).toBe(false);
    const altered = { ...g, grant: { ...g.grant, request: { ...g.grant.request, stageIndex: 2, stageId: outline[2]! } } };
    expect(openStageGrant(altered, request, secret, hrKey.publicKey).ok).toBe(false);
  });
});
