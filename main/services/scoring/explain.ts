/**
 * Reasons rendered for people, in zh-CN and en. Codes are data (rubric.ts); this is the only
 * place that turns them into sentences.
 */
import type { Lang } from './lexicon';
import type { Reason } from './rubric';

type Table = Record<string, { 'zh-CN': string; en: string }>;

const TEXT: Table = {
  no_transcript: { 'zh-CN': '口述作答暂无文字稿，需人工评分', en: 'Spoken answer without a transcript: needs human scoring' },
  empty_answer: { 'zh-CN': '未作答', en: 'No answer given' },
  total_pass: { 'zh-CN': '加权总分 {total} 高于门槛 {threshold}（±{margin}）', en: 'Weighted total {total} is above the threshold {threshold} (±{margin})' },
  total_borderline: { 'zh-CN': '加权总分 {total} 在门槛 {threshold} 附近（±{margin}）', en: 'Weighted total {total} is near the threshold {threshold} (±{margin})' },
  total_below: { 'zh-CN': '加权总分 {total} 低于门槛 {threshold}（±{margin}）', en: 'Weighted total {total} is below the threshold {threshold} (±{margin})' },
  competency_borderline: { 'zh-CN': '{competency} 得分 {score}，接近门槛 {threshold}', en: '{competency} scored {score}, close to its threshold {threshold}' },
  competency_below: { 'zh-CN': '{competency} 得分 {score}，低于门槛 {threshold}', en: '{competency} scored {score}, below its threshold {threshold}' },
  penalty_other_language: { 'zh-CN': '回答使用的语言与面试语言不一致（已转人工复核）', en: 'The answer is not in the interview language (sent to a human)' },
  penalty_off_topic: { 'zh-CN': '回答与问题和考察能力基本无关', en: 'The answer is almost unrelated to the question and the competencies' },
  penalty_echo: { 'zh-CN': '回答主要是在复述题目', en: 'The answer mostly repeats the question' },
  penalty_too_short: { 'zh-CN': '回答过短，无法体现能力', en: 'The answer is too short to show the competency' },
  penalty_short: { 'zh-CN': '回答较短，细节不足', en: 'The answer is short and lacks detail' },
  penalty_keyword_stuffing: { 'zh-CN': '堆砌关键词，缺少连贯的亲身事例', en: 'Key phrases strung together without a coherent example of their own' },
  penalty_repetition: { 'zh-CN': '重复同样的句子来凑篇幅', en: 'The same sentences repeated to pad the answer' },
  penalty_team_not_me: { 'zh-CN': '主要在讲“我们”做了什么，看不出本人的贡献', en: 'Mostly what "we" did; the candidate\'s own part is missing' },
  penalty_no_outcome: { 'zh-CN': '没有说明结果，也没有数据', en: 'No result and no numbers' },
  penalty_level5_unsupported: { 'zh-CN': '最高等级需要体现系统性改进，或包含数据与取舍的完整事例', en: 'The top level needs systemic improvement, or a full example with numbers and trade-offs' },
  missing_star_situation: { 'zh-CN': '缺少具体情境（何时、何地、什么情况）', en: 'No concrete situation (when, where, what was going on)' },
  missing_star_task: { 'zh-CN': '没有说明本人的任务或目标', en: 'Own task or goal not stated' },
  missing_star_action: { 'zh-CN': '没有说明本人采取的具体行动', en: 'No concrete actions of their own' },
  missing_star_result: { 'zh-CN': '没有说明结果', en: 'No result stated' },
  no_quantity: { 'zh-CN': '没有用数据说明效果', en: 'No numbers to show the effect' },
  next_indicator_not_shown: { 'zh-CN': '未体现 {level} 级表现：{indicator}', en: 'Level {level} not shown: {indicator}' },
};

export function describeReason(r: Reason, lang: Lang): string {
  const t = TEXT[r.code];
  if (!t) return r.code;
  return t[lang].replace(/\{(\w+)\}/g, (_, k: string) => String(r.params?.[k] ?? ''));
}

/** Every reason code the engine can emit has both languages (tested). */
export const REASON_CODES = Object.keys(TEXT);
