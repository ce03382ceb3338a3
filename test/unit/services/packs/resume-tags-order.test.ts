/**
 * findTags orders its hits by count, then by tag id, so the same résumé always tailors the same
 * way (from the mutation sample's survivors in main/services/packs/resume-tags.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Tag } from '../../../../main/services/packs/pack-schema';
import { findTags, JiebaSegmenter } from '../../../../main/services/packs/resume-tags';

let seg: JiebaSegmenter;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});

const tag = (id: string, zh: string[], en: string[]): Tag => ({ id, label: { 'zh-CN': id, en: id }, synonyms: { 'zh-CN': zh, en } });

describe('findTags order', () => {
  it('puts the most frequent first and breaks ties by tag id, whatever the dictionary order', () => {
    const dict = [tag('zeta', ['数据库'], ['database']), tag('alpha', ['缓存'], ['cache']), tag('mid', ['监控'], ['monitoring'])];
    const text = '我负责数据库和缓存。\nI tuned the cache and the database, and set up monitoring and more monitoring.';
    const hits = findTags(seg, text, dict);
    expect(hits.map((h) => [h.tagId, h.count])).toEqual([
      ['alpha', 2],
      ['mid', 2],
      ['zeta', 2],
    ]);
    expect(findTags(seg, text, [...dict].reverse()).map((h) => h.tagId)).toEqual(['alpha', 'mid', 'zeta']);
    const more = findTags(seg, text + '\n数据库', dict);
    expect(more.map((h) => h.tagId)).toEqual(['zeta', 'alpha', 'mid']);
  });
});
