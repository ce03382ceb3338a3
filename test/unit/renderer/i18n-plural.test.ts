import { describe, expect, it } from 'vitest';
import { en } from '../../../renderer/i18n/en';
import { zhCN } from '../../../renderer/i18n/zh-CN';
import { formatMessage, translate } from '../../../renderer/i18n';

describe('plural messages', () => {
  it('picks the English form by Intl.PluralRules, an exact =n first', () => {
    const m = '{count, plural, =0 {none yet} one {# answer} other {# answers}}';
    expect([0, 1, 2, 11].map((count) => formatMessage(m, 'en', { count }))).toEqual(['none yet', '1 answer', '2 answers', '11 answers']);
    expect(formatMessage('Saved {n}: {count, plural, one {# part} other {# parts}}.', 'en', { n: 'x', count: 1 })).toBe('Saved x: 1 part.');
  });

  it('leaves an unknown argument visible rather than guessing', () => {
    expect(formatMessage('{count, plural, one {# a} other {# b}}', 'en', {})).toBe('{count, plural, one {# a} other {# b}}');
    expect(formatMessage('{name}', 'en', {})).toBe('{name}');
  });

  it('never shows “(s)” or a number agreeing wrongly in English', () => {
    const bad = Object.entries(en).filter(([, v]) => /\(s\)|\b1 \w+s\b/.test(v));
    expect(bad).toEqual([]);
    expect(translate('en', 'question.retakeLeft', { count: 1 })).toBe('You may record this answer again one more time.');
    expect(translate('en', 'precheck.unit.displays', { n: 1 })).toBe('1 screen');
    expect(translate('en', 'precheck.unit.displays', { n: 2 })).toBe('2 screens');
    expect(translate('en', 'question.stageIntroBody', { count: 1 })).toMatch(/^This part has one question\./);
  });

  it('says “no answer yet” instead of “0 questions” in both languages', () => {
    expect(translate('zh-CN', 'exit.saved', { answered: 0 })).not.toMatch(/0 道题/);
    expect(translate('en', 'exit.saved', { answered: 0 })).not.toMatch(/\b0\b/);
    expect(translate('zh-CN', 'exit.saved', { answered: 3 })).toBe('您已提交的 3 道题都已保存。');
  });

  it('uses one phrasing for the interview part in every message', () => {
    const zhStage = Object.values(zhCN).filter((v) => /阶段/.test(v));
    expect(zhStage).toEqual([]);
    expect(translate('zh-CN', 'question.stageIntro', { stage: 1, stages: 3, title: '自我介绍' })).toBe('第 1/3 部分：自我介绍');
    expect(translate('zh-CN', 'question.progress', { stage: 1, stages: 3, n: 2, total: 9 })).toMatch(/^第 1\/3 部分/);
    // Leaving the interview is "退出" everywhere (the button says 退出面试), never also "离开".
    expect(Object.entries(zhCN).filter(([k, v]) => k.startsWith('exit.') && /离开/.test(v))).toEqual([]);
  });

  it('shows candidates no technical words', () => {
    const technical = /段|指纹|chunk|fingerprint|hash|luma/i;
    const shown = ['question.saved', 'exit.savedRecording', 'precheck.unit.luma'] as const;
    for (const k of shown) {
      expect(zhCN[k], k).not.toMatch(technical);
      expect(en[k], k).not.toMatch(technical);
    }
    expect(Object.keys(en)).not.toContain('done.fingerprint');
  });
});
