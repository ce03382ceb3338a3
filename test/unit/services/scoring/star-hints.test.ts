import { describe, expect, it } from 'vitest';
import { HINT_TEXT, starHint, type HintKey } from '../../../../main/services/scoring/star-hints';

describe('STAR hints', () => {
  it('stays quiet until the answer has some substance', () => {
    expect(starHint('我先看了日志', 'zh-CN')).toBeNull();
    expect(starHint('I checked the logs', 'en')).toBeNull();
  });

  it('asks for the result once the candidate has described their actions', () => {
    expect(starHint('当时线上接口报错，我负责排查。我先看日志，然后排查了数据库连接池的配置，又检查了最近的发布记录。', 'zh-CN')).toBe('add_result');
    expect(starHint('Last year our API kept failing and I was asked to fix it. I first checked the logs, then traced the calls to the database.', 'en')).toBe('add_result');
  });

  it('asks for numbers when a result has none', () => {
    expect(starHint('当时线上接口报错，我负责排查。我先看日志，发现是配置问题，最终延迟明显降低了，问题解决了。', 'zh-CN')).toBe('quantify_result');
  });

  it('asks for the candidate\'s own part when the answer is all "we"', () => {
    expect(starHint('We had an outage and we looked at it together, we found the cause and we fixed it as a team, and we were happy.', 'en')).toBe('add_own_action');
  });

  it('gives no hint to a complete STAR answer with numbers', () => {
    expect(starHint('Last year the checkout service I owned was timing out and my task was to fix it. I checked the logs and rolled back the config; as a result latency went from 4 s to 240 ms.', 'en')).toBeNull();
  });

  it('has calm copy in both languages for every hint', () => {
    for (const k of Object.keys(HINT_TEXT) as HintKey[]) {
      expect(HINT_TEXT[k]['zh-CN']).toMatch(/[\u4e00-\u9fff]/);
      expect(HINT_TEXT[k].en).toMatch(/^[A-Z]/);
    }
    expect(HINT_TEXT.add_result['zh-CN']).toBe('你已经讲了做法，可以补充结果，最好用数据说明。');
  });
});
