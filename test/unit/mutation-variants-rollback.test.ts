/**
 * Variant choice and the sealed anti-rollback state, pinned branch by branch for mutation testing
 * of main/services/packs/variants.ts and rollback-guard.ts. The seal is checked with node:crypto
 * directly (an HMAC computed here), not with the guard's own code.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryKeyProtector, type KeyProtector } from '../../main/services/packs/key-protector';
import type { LoadedPack } from '../../main/services/packs/pack-provider';
import type { Question } from '../../main/services/packs/pack-schema';
import type { TagHit } from '../../main/services/packs/resume-tags';
import { MemoryRollbackGuard, SealedRollbackGuard } from '../../main/services/packs/rollback-guard';
import { chooseVariant, chooseVariants, DEFAULT_VARIANT, promptOf, tailorInterview, untailored } from '../../main/services/packs/variants';

const text = (s: string) => ({ 'zh-CN': `${s}（中文）`, en: s });

function question(id: string, variants: { id: string; tags: string[]; match?: 'any' | 'all' }[]): Question {
  return {
    id,
    prompt: text(`${id} default`),
    mode: 'video',
    prepSeconds: 0,
    answerSeconds: 60,
    retakes: 0,
    competencies: ['c'],
    variants: variants.map((v) => ({ id: v.id, tags: v.tags, match: v.match ?? 'any', prompt: text(`${id} ${v.id}`) })),
  } as Question;
}

const hits = (o: Record<string, number>) => new Map<string, TagHit>(Object.entries(o).map(([tagId, count]) => [tagId, { tagId, count, matched: [tagId] }]));

describe('variant choice', () => {
  it('with no tag found the question keeps its default prompt', () => {
    expect(chooseVariant(question('q', [{ id: 'a', tags: ['java'] }]), hits({}))).toEqual({ variantId: DEFAULT_VARIANT, matchedTags: [] });
    expect(DEFAULT_VARIANT).toBe('default');
  });

  it('`any` needs one of its tags; `all` needs every one', () => {
    const q = question('q', [{ id: 'both', tags: ['java', 'sql'], match: 'all' }, { id: 'one', tags: ['go', 'rust'] }]);
    expect(chooseVariant(q, hits({ java: 5 }))).toEqual({ variantId: DEFAULT_VARIANT, matchedTags: [] });
    expect(chooseVariant(q, hits({ rust: 1 }))).toEqual({ variantId: 'one', matchedTags: ['rust'] });
    expect(chooseVariant(q, hits({ java: 1, sql: 1 }))).toEqual({ variantId: 'both', matchedTags: ['java', 'sql'] });
  });

  it('the variant with more matched tags wins, whatever the counts', () => {
    const q = question('q', [{ id: 'few', tags: ['a'] }, { id: 'many', tags: ['b', 'c'] }]);
    expect(chooseVariant(q, hits({ a: 100, b: 1, c: 1 })).variantId).toBe('many');
    const r = question('r', [{ id: 'many', tags: ['b', 'c'] }, { id: 'few', tags: ['a'] }]);
    expect(chooseVariant(r, hits({ a: 100, b: 1, c: 1 })).variantId).toBe('many');
  });

  it('on equal matched tags, the one whose tags occur more often wins', () => {
    const q = question('q', [{ id: 'rare', tags: ['a'] }, { id: 'often', tags: ['b'] }]);
    expect(chooseVariant(q, hits({ a: 2, b: 3 })).variantId).toBe('often');
    expect(chooseVariant(q, hits({ a: 3, b: 2 })).variantId).toBe('rare');
  });

  it('sums the occurrences of every matched tag', () => {
    const q = question('q', [{ id: 'two', tags: ['a', 'b'] }, { id: 'pair', tags: ['c', 'd'] }]);
    expect(chooseVariant(q, hits({ a: 2, b: 2, c: 3, d: 0 })).variantId).toBe('two');
    expect(chooseVariant(q, hits({ a: 1, b: 1, c: 1, d: 2 })).variantId).toBe('pair');
  });

  it('on a full tie the first written wins', () => {
    const q = question('q', [{ id: 'first', tags: ['a'] }, { id: 'second', tags: ['b'] }]);
    expect(chooseVariant(q, hits({ a: 2, b: 2 })).variantId).toBe('first');
  });

  it('lists the tags that chose it, sorted, without the ones not found', () => {
    const q = question('q', [{ id: 'v', tags: ['zeta', 'alpha', 'mid'] }]);
    expect(chooseVariant(q, hits({ zeta: 1, alpha: 1 }))).toEqual({ variantId: 'v', matchedTags: ['alpha', 'zeta'] });
  });

  it('chooses per question of a pack, by index and id', () => {
    const pack = { questions: [{ index: 0, question: question('q0', [{ id: 'x', tags: ['a'] }]) }, { index: 1, question: question('q1', [{ id: 'y', tags: ['b'] }]) }] } as unknown as LoadedPack;
    expect(chooseVariants(pack, [{ tagId: 'b', count: 1, matched: ['b'] }])).toEqual([
      { questionIndex: 0, questionId: 'q0', variantId: DEFAULT_VARIANT, matchedTags: [] },
      { questionIndex: 1, questionId: 'q1', variantId: 'y', matchedTags: ['b'] },
    ]);
  });

  it('shows the chosen variant prompt; default, unknown or no variant shows the question prompt', () => {
    const q = question('q', [{ id: 'v', tags: ['a'] }]);
    expect(promptOf(q, 'v')).toEqual(text('q v'));
    expect(promptOf(q, DEFAULT_VARIANT)).toEqual(text('q default'));
    expect(promptOf(q, undefined)).toEqual(text('q default'));
    expect(promptOf(q, 'nope')).toEqual(text('q default'));
  });

  it('untailored: every question gets its default, and the problem only when there is one', () => {
    const pack = { questions: [{ index: 0, question: question('q0', [{ id: 'x', tags: ['a'] }]) }] } as unknown as LoadedPack;
    expect(untailored(pack)).toEqual({ source: 'none', resumeSha256: null, tags: [], choices: [{ questionIndex: 0, questionId: 'q0', variantId: DEFAULT_VARIANT, matchedTags: [] }] });
    expect(untailored(pack, 'unreadable')).toMatchObject({ problem: 'unreadable' });
    expect('problem' in untailored(pack, '')).toBe(false);
  });

  it('tailors from text extracted at import, and never calls the segmenter for a pack without tags', async () => {
    const pack = { pack: { tags: [] }, questions: [{ index: 0, question: question('q0', [{ id: 'x', tags: ['a'] }]) }] } as unknown as LoadedPack;
    const never = () => Promise.reject(new Error('segmenter must not be loaded'));
    const t = await tailorInterview(pack, undefined, never, { ok: true, kind: 'pdf', text: 'hello', sha256: 'ab'.repeat(32) } as never);
    expect(t).toEqual({ source: 'pdf', resumeSha256: 'ab'.repeat(32), tags: [], choices: [{ questionIndex: 0, questionId: 'q0', variantId: DEFAULT_VARIANT, matchedTags: [] }] });
    const failed = await tailorInterview(pack, undefined, never, { ok: false, problem: 'too big' } as never);
    expect(failed).toMatchObject({ source: 'none', resumeSha256: null, problem: 'too big' });
    expect(await tailorInterview(pack, undefined, never)).toEqual(untailored(pack));
  });
});

describe('sealed anti-rollback state', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const dir = () => {
    const d = mkdtempSync(path.join(tmpdir(), 'rollback-'));
    dirs.push(d);
    return d;
  };
  const file = (d: string) => path.join(d, 'pack-high-water.json');
  const keyFile = (d: string) => path.join(d, 'keys', 'rollback-seal.key');

  it('a first start creates a wrapped 32-byte key, trusts itself and holds no marks', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    const g = new SealedRollbackGuard(d, keys);
    expect(g.tampered).toBe(false);
    expect(g.reason).toBeUndefined();
    expect(g.get('p')).toBeUndefined();
    expect(keys.unprotect(readFileSync(keyFile(d)))!.length).toBe(32);
    expect(existsSync(file(d))).toBe(false);
  });

  it('raises are sealed with an HMAC over the sorted marks, kept private, and read back at the next start', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    const g = new SealedRollbackGuard(d, keys);
    g.raise('zz', { version: '2.0.0', hash: 'h2' });
    g.raise('aa', { version: '1.0.0', hash: 'h1' });
    const raw = readFileSync(file(d), 'utf8');
    expect(raw.endsWith('\n')).toBe(true);
    const sealed = JSON.parse(raw) as { v: number; marks: Record<string, unknown>; mac: string };
    expect(sealed.v).toBe(1);
    expect(Object.keys(sealed.marks)).toEqual(['aa', 'zz']);
    const key = keys.unprotect(readFileSync(keyFile(d)))!;
    const mac = createHmac('sha256', key).update('interview-kiosk/pack-high-water/v1\n').update('{"aa":{"hash":"h1","version":"1.0.0"},"zz":{"hash":"h2","version":"2.0.0"}}').digest('hex');
    expect(sealed.mac).toBe(mac);
    expect(statSync(file(d)).mode & 0o777).toBe(0o600);
    const again = new SealedRollbackGuard(d, keys);
    expect(again.tampered).toBe(false);
    expect(again.get('aa')).toEqual({ version: '1.0.0', hash: 'h1' });
    expect(again.get('zz')).toEqual({ version: '2.0.0', hash: 'h2' });
  });

  it('a lowered mark with the old seal is tampering: nothing is trusted and raising refuses', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    new SealedRollbackGuard(d, keys).raise('p', { version: '2.0.0', hash: 'h' });
    writeFileSync(file(d), readFileSync(file(d), 'utf8').replace('2.0.0', '1.0.0'));
    const g = new SealedRollbackGuard(d, keys);
    expect(g.tampered).toBe(true);
    expect(g.reason).toBe('the high-water file does not match its seal');
    expect(g.get('p')).toBeUndefined();
    expect(() => g.raise('p', { version: '3.0.0', hash: 'h' })).toThrow('anti-rollback state is not trusted (the high-water file does not match its seal)');
  });

  it('refuses a seal of the wrong length, a missing seal, a wrong version and unreadable JSON', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    new SealedRollbackGuard(d, keys).raise('p', { version: '1.0.0', hash: 'h' });
    const good = JSON.parse(readFileSync(file(d), 'utf8')) as { v: number; marks: object; mac: string };
    const cases: [string, string][] = [
      [JSON.stringify({ ...good, mac: good.mac.slice(0, 62) }), 'the high-water file does not match its seal'],
      [JSON.stringify({ v: good.v, marks: good.marks }), 'the high-water file does not match its seal'],
      [JSON.stringify({ ...good, v: 2 }), 'the high-water file does not match its seal'],
      ['{not json', 'the high-water file is unreadable'],
    ];
    for (const [content, reason] of cases) {
      writeFileSync(file(d), content);
      const g = new SealedRollbackGuard(d, keys);
      expect(g.tampered, content).toBe(true);
      expect(g.reason).toBe(reason);
    }
    writeFileSync(file(d), JSON.stringify(good));
    expect(new SealedRollbackGuard(d, keys).tampered).toBe(false);
  });

  it('an empty seal over no marks is only valid when it is the real HMAC', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    new SealedRollbackGuard(d, keys);
    writeFileSync(file(d), JSON.stringify({ v: 1, mac: '' }));
    expect(new SealedRollbackGuard(d, keys).reason).toBe('the high-water file does not match its seal');
  });

  it('a key another machine wrapped, or of the wrong size, cannot be used', () => {
    const d = dir();
    new SealedRollbackGuard(d, new MemoryKeyProtector()).raise('p', { version: '1.0.0', hash: 'h' });
    const other = new SealedRollbackGuard(d, new MemoryKeyProtector());
    expect(other.tampered).toBe(true);
    expect(other.reason).toBe('the seal key cannot be unwrapped on this machine');
    const shortKey: KeyProtector = { kind: 'memory', protect: (b) => b, unprotect: () => Buffer.alloc(16) };
    const d2 = dir();
    new SealedRollbackGuard(d2, shortKey);
    const g = new SealedRollbackGuard(d2, shortKey);
    expect(g.tampered).toBe(true);
    expect(g.reason).toBe('the seal key cannot be unwrapped on this machine');
  });

  it('a high-water file without its key is tampering, and no new key is made', () => {
    const d = dir();
    const keys = new MemoryKeyProtector();
    new SealedRollbackGuard(d, keys).raise('p', { version: '1.0.0', hash: 'h' });
    rmSync(keyFile(d));
    const g = new SealedRollbackGuard(d, keys);
    expect(g.tampered).toBe(true);
    expect(g.reason).toBe('the seal key is missing');
    expect(existsSync(keyFile(d))).toBe(false);
    expect(() => g.raise('p', { version: '2.0.0', hash: 'h' })).toThrow(/the seal key is missing/);
  });

  it('the memory guard keeps marks in memory and is never tampered', () => {
    const g = new MemoryRollbackGuard();
    expect(g.tampered).toBe(false);
    g.raise('p', { version: '1.0.0', hash: 'h' });
    expect(g.get('p')).toEqual({ version: '1.0.0', hash: 'h' });
    expect(g.get('q')).toBeUndefined();
  });
});
