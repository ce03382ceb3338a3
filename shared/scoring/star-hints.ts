/**
 * Real-time STAR hints while a candidate types: text → at most one hint key, or none. Pure and
 * synchronous (regular expressions only, no segmenter), the same rules for every candidate, so
 * the renderer can call it on each debounced keystroke and the journal can record which hint was
 * shown. Hints never see or change a score.
 */
import { OWNERSHIP, QUANTITY, STAR, type Lang } from './lexicon';

export type HintKey = 'add_situation' | 'add_task' | 'add_own_action' | 'add_result' | 'quantify_result';

export const HINT_TEXT: Record<HintKey, Record<Lang, string>> = {
  add_situation: { 'zh-CN': '可以先简单交代一下背景：当时是什么情况？', en: 'You could start with the background: what was the situation?' },
  add_task: { 'zh-CN': '可以说明一下你当时的任务或目标是什么。', en: 'You could say what your task or goal was.' },
  add_own_action: { 'zh-CN': '可以多讲讲你本人具体做了什么。', en: 'Tell us a little more about what you did yourself.' },
  add_result: { 'zh-CN': '你已经讲了做法，可以补充结果，最好用数据说明。', en: 'You have described what you did; you could add the result, ideally with numbers.' },
  quantify_result: { 'zh-CN': '结果如果能用数据说明，会更有说服力。', en: 'If you can, put a number on the result.' },
};

/** Hints wait until an answer has some substance, and stop once it is long. */
const MIN_UNITS: Record<Lang, number> = { 'zh-CN': 30, en: 12 };
const MAX_CHARS = 20_000;

function count(re: RegExp, text: string): number {
  let n = 0;
  for (const _ of text.matchAll(new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g'))) if (++n > 50) break;
  return n;
}

export function starHint(text: string, locale: Lang): HintKey | null {
  const t = (text.length > MAX_CHARS ? text.slice(0, MAX_CHARS) : text).toLowerCase();
  const units = locale === 'zh-CN' ? [...t].filter((c) => /[\p{L}\p{N}]/u.test(c)).length : (t.match(/[\p{L}\p{N}]+/gu) ?? []).length;
  if (units < MIN_UNITS[locale]) return null;
  const has = (el: 'situation' | 'task' | 'action' | 'result') => STAR[locale][el].some((re) => re.test(t));
  const singular = count(OWNERSHIP[locale].singular, t);
  const plural = count(OWNERSHIP[locale].plural, t);
  if (plural >= 2 && singular < plural / 3) return 'add_own_action';
  const action = has('action');
  const result = has('result');
  if (action && !result) return 'add_result';
  if (result && count(QUANTITY[locale], t) === 0) return 'quantify_result';
  if (!has('situation')) return 'add_situation';
  if (!action) return 'add_own_action';
  if (!has('task')) return 'add_task';
  return null;
}
