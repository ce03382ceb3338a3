import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { canonicalize } from '../../../../main/services/packs/canonical-json';
import { generateSigningKey, publicKeyObject } from '../../../../main/services/packs/pack-crypto';
import { buildPack, loadPackBytes, verifyPack } from '../../../../main/services/packs/pack-format';
import type { TrustStore } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const source = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as Record<string, unknown>;
const key = generateSigningKey();
const trust: TrustStore = {
  mode: 'demo',
  keys: new Map([[key.keyId, { keyId: key.keyId, key: publicKeyObject(key.publicKey), purposes: ['pack'] as const, demo: true }]]),
};
const clock = new ManualClock();
const issuedAt = new Date(clock.now());
// The cheapest scrypt cost the manifest schema accepts, so a property can unlock dozens of packs.
const scrypt = { N: 1 << 14, r: 8, p: 1 };

/** Text a pack title or prompt may hold: printable, no leading or trailing space, Chinese included. */
const text = fc
  .string({ unit: fc.constantFrom(...'面试终端问题回答时间ABCxyz0189 .,!?'.split('')), minLength: 1, maxLength: 40 })
  .map((s) => s.trim())
  .filter((s) => s.length > 0);

const variant = fc.record({
  titleZh: text.map((t) => `岗位${t}`),
  titleEn: text.map((t) => `Pack ${t}`),
  promptZh: text.map((t) => `请谈谈${t}`),
  promptEn: text.map((t) => `Tell us about ${t}`),
  version: fc.tuple(fc.nat(999), fc.nat(999), fc.nat(999)).map((v) => v.join('.')),
  grace: fc.integer({ min: 0, max: 86_400 }), // at most the source's return window
  maxResumes: fc.integer({ min: 0, max: 20 }),
  timerMode: fc.constantFrom('paused', 'wallclock'),
});

type Variant = typeof variant extends fc.Arbitrary<infer T> ? T : never;

function sourceWith(v: Variant): Record<string, unknown> {
  const s = structuredClone(source) as {
    title: Record<string, string>;
    version: string;
    policy: { resume: Record<string, unknown> };
    stages: Array<{ questions: Array<{ prompt: Record<string, string> }> }>;
  };
  s.title = { 'zh-CN': v.titleZh, en: v.titleEn };
  s.version = v.version;
  s.policy.resume = { ...s.policy.resume, graceSeconds: v.grace, maxResumes: v.maxResumes, timerMode: v.timerMode };
  s.stages[0]!.questions[0]!.prompt = { 'zh-CN': v.promptZh, en: v.promptEn };
  return s as unknown as Record<string, unknown>;
}

describe('the pack codec (properties)', () => {
  it('accepts the file without its final newline, and nothing else around the signature', () => {
    const b = buildPack(source, key, { issuedAt, unlockCode: null });
    if (!b.ok) throw new Error(b.error.message);
    const t = b.value.text;
    expect(t.endsWith('=="}}\n')).toBe(true);
    expect(verifyPack(Buffer.from(t.slice(0, -1)), trust, clock).ok).toBe(true);
    // The signature's last symbol before the padding holds 4 zero bits: any other symbol that
    // decodes to the same 64 bytes is a different file and must be refused.
    const last = t.length - 7;
    for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') {
      if (c === t[last]) continue;
      const altered = t.slice(0, last) + c + t.slice(last + 1);
      expect(verifyPack(Buffer.from(altered), trust, clock).ok, `last signature symbol ${t[last]} -> ${c}`).toBe(false);
    }
  });

  it('decodes what it encoded: the same content, with the key or with the offline code', () => {
    fc.assert(
      fc.property(variant, fc.boolean(), (v, withCode) => {
        const src = sourceWith(v);
        const built = buildPack(src, key, { issuedAt, scrypt, unlockCode: withCode ? undefined : null });
        if (!built.ok) throw new Error(built.error.message);
        const bytes = Buffer.from(built.value.text, 'utf8');
        const r = loadPackBytes(bytes, trust, clock, withCode ? { code: built.value.unlockCode! } : { key: built.value.contentKey });
        if (!r.ok) throw new Error(r.error.message);
        expect(r.value.verified.hash).toBe(built.value.hash);
        expect(r.value.verified.bytes).toBe(bytes.length);
        const pack = r.value.loaded!.pack as unknown as Record<string, unknown>;
        for (const k of ['title', 'version', 'policy', 'stages', 'competencies', 'tags'] as const) {
          // Decoded content is compared with the author's source, not with another decode.
          expect(canonicalize(pack[k]), k).toBe(canonicalize((src as Record<string, unknown>)[k]));
        }
        expect(r.value.loaded!.questions.length).toBe((src.stages as Array<{ questions: unknown[] }>).reduce((a, s) => a + s.questions.length, 0));
      }),
      { numRuns: 12 },
    );
  });

  const built = buildPack(source, key, { issuedAt, unlockCode: null });
  if (!built.ok) throw new Error(built.error.message);
  const good = Buffer.from(built.value.text, 'utf8');

  it('refuses any single changed byte, anywhere in the file, whatever it becomes', () => {
    expect(verifyPack(good, trust, clock).ok).toBe(true);
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, delta) => {
        const b = Buffer.from(good);
        b[at] = (b[at]! + delta) & 0xff;
        const r = verifyPack(b, trust, clock);
        expect(r.ok, `byte ${at} ${good[at]} -> ${b[at]}`).toBe(false);
        if (!r.ok) expect(['SIGNATURE_INVALID', 'KEY_UNTRUSTED', 'PACK_MALFORMED', 'PACK_SCHEMA_FROM_FUTURE']).toContain(r.error.code);
      }),
      { numRuns: 400 },
    );
  });

  it('refuses a removed or an inserted byte', () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 0, max: 255 }), fc.boolean(), (at, value, insert) => {
        // The one accepted variation: the file's final newline may be missing (pack-format.ts).
        fc.pre(insert || at !== good.length - 1);
        const b = insert ? Buffer.concat([good.subarray(0, at), Buffer.from([value]), good.subarray(at)]) : Buffer.concat([good.subarray(0, at), good.subarray(at + 1)]);
        expect(verifyPack(b, trust, clock).ok, `${insert ? 'insert' : 'remove'} at ${at}`).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
