/**
 * Word lists the rubric engine reads: STAR cues, ownership pronouns, negation, connectives,
 * result verbs, synonym groups and stop words, in zh-CN and en. Data only — what each list is
 * worth lives in signals.ts. Lists are deliberately generic (any job, any pack): pack-specific
 * meaning comes from the pack's own indicators and evidence phrases.
 */
export type Lang = 'zh-CN' | 'en';

export interface StarCues {
  readonly situation: readonly RegExp[];
  readonly task: readonly RegExp[];
  readonly action: readonly RegExp[];
  readonly result: readonly RegExp[];
}

const ZH_ACTION_VERBS =
  '做|分析|排查|设计|推动|组织|编写|写了|实现|沟通|定位|决定|提出|带领|建立|制定|引入|优化|重构|修复|搭建|梳理|拆解|协调|说服|整理|查|加了|改|上线|调研|对比|比较|评估|安排|主导|牵头|开发|测试|复现|联系|拜访|谈|约|申请|汇报|学|读|跟进|监控|回滚|扩容|限流|降级|选择|选了|采用|配合|区分|用了|加上|约|请|问|听|讲|解释|说明|提议|建议|拆|补|推|改写|写|换|找|摘|停|关|看|检查|查看|确认|发现|尝试';

export const STAR: Record<Lang, StarCues> = {
  'zh-CN': {
    situation: [/当时|那时|那次|有一次|去年|前年|之前在|上一家|在.{0,12}(公司|项目|团队)|背景是|情况是|遇到了|一次.{0,6}(故障|事故|问题|项目)|(\d{4}|[一二三四五六七八九十]+)年/],
    task: [/任务|负责|目标是|我的职责|需要我|要求我|我要|我需要|必须|我的角色|交给我|指派|接手/],
    action: [new RegExp(`我(?!们)(会先|会|会马上|打算|想先|就先|先|首先|然后|接着|随后|马上|立即|主动|亲自|就|又|也|还|再|便|一方面|另一方面|自己|单独|独立)?(${ZH_ACTION_VERBS})`)],
    result: [/结果|最终|最后|效果|成功|上线后|之后.{0,8}(降|升|提|减|增)|降低|降到|降至|提升|提高|减少|增长|增加|缩短|节省|挽回|避免了|达到|完成了|超额|从.{0,12}(降|提|减|增|缩)|\d+(\.\d+)?\s*(%|％|倍)/],
  },
  en: {
    situation: [/\b(at the time|last (year|month|quarter)|(a|one) (time|day)|when (i|we) (was|were|joined)|in my (previous|last|current)|at my (previous|last)|our (team|company|service|system) (was|had)|the situation|back in|once,|we had (a|an)|there was (a|an)|in \d{4})\b/i],
    task: [/\b(my (task|job|role|goal|responsibility) (was|is)|i was (responsible|asked|tasked|assigned|in charge)|i (had|needed) to|the goal was|we needed to|i owned|it was up to me|my part was)\b/i],
    action: [/\bi (would |'d |will |would first |would then |first |then |also |personally |quickly |immediately |carefully |still |finally )?(analy[sz]ed|checked|designed|built|wrote|led|organi[sz]ed|proposed|set up|introduced|added|reproduced|traced|found|fixed|rolled|refactored|compared|measured|tested|reviewed|scheduled|called|met|spoke|talked|asked|explained|negotiated|split|moved|replaced|drafted|created|ran|looked|dug|decided|started|pushed|migrated|automated|documented|coached|visited|prepared|escalated|reported|learned|read|implemented|changed|benchmarked|profiled|isolated|ruled|convinced|agreed|listened|raised|paired|trained|mapped|rebuilt|shipped|deployed|wrote up)\b/i],
    result: [/\b(as a result|result(s|ed)? (was|were|in)|in the end|eventually|finally|outcome|reduced|increased|improved|cut|dropped|fell|grew|saved|raised|shortened|went (down|up) from|from \S+ to|to \S+ (ms|%|percent)|which (meant|led)|led to|no (longer|more)|never happened again|on time|closed the deal|won|signed|exceeded|achieved|delivered)\b|\d+(\.\d+)?\s*(%|percent|x\b|times)/i],
  },
};

/** First-person singular vs plural, counted as tokens. 我们 is plural; 我 alone is singular. */
export const OWNERSHIP = {
  'zh-CN': { singular: /我(?!们)/g, plural: /我们|咱们|大家|团队(?!里的?我)/g },
  en: { singular: /\b(i|i'm|i've|i'd|i'll|me|my|myself)\b/gi, plural: /\b(we|we're|we've|we'd|us|our|ours|ourselves|the team|everyone)\b/gi },
} as const;

/** Negation before a matched phrase (within a short window in the same clause). */
export const NEGATION = {
  'zh-CN': /(没有|没|未曾|未|从未|从来没|并非|不是|不会|不曾|无法|不能|并不|别)$/,
  en: /\b(not|never|no|didn't|don't|doesn't|wasn't|weren't|haven't|hasn't|hadn't|couldn't|won't|without|neither|nor|cannot|can't)\b/i,
} as const;

/** Reasoning and sequencing connectives: an answer that explains, not lists. */
export const CONNECTIVES = {
  'zh-CN': /因为|所以|因此|于是|但是|不过|然而|然后|接着|首先|其次|最后|为了|由于|如果|权衡|取舍|代价|好处|缺点|相比|而是/g,
  en: /\b(because|so that|therefore|which meant|since|however|but|then|after that|first|second|finally|in order to|trade-?offs?|instead|rather than|the cost|downside|compared (to|with)|if)\b/gi,
} as const;

/** Quantities: numbers with a unit, a percentage, a multiple, money, time. */
export const QUANTITY = {
  'zh-CN': /(\d+(\.\d+)?|[一二三四五六七八九十百千万两]+)\s*(%|％|倍|万|千|百|个|次|人|天|周|小时|分钟|秒|毫秒|ms|元|块|笔|单|家|台|条|位|项|季度|月|年|qps|QPS|tps)|从\s*\d+.{0,8}(到|降|提)\s*\d+/g,
  en: /\b\d+(\.\d+)?\s*(%|percent|x|times|k|m|ms|s|seconds|minutes|hours|days|weeks|months|people|customers|users|requests|qps|rps|deals|accounts|dollars|usd|rmb|million|thousand)\b|[$¥€]\s?\d+|\bfrom \d+(\.\d+)?\S* to \d+/gi,
} as const;

/** Words that say "this is about work": an answer with none of them and no pack overlap is off-topic. */
export const WORK_WORDS = {
  'zh-CN': /项目|团队|客户|用户|系统|公司|同事|经理|领导|业务|产品|服务|需求|上线|代码|方案|问题|数据|销售|业绩|目标|市场|合同|订单|故障|测试|工作|岗位|部门/g,
  en: /\b(project|team|customer|client|user|system|company|colleague|manager|business|product|service|requirement|release|code|design|problem|data|sales|target|market|contract|order|incident|test|work|role|department|deal|account|pipeline|quota)s?\b/gi,
} as const;

/**
 * Synonym groups: members share one concept id, so "load test" meets "stress test" and 压测
 * meets 压力测试. English members are written as lemmas (see en-lemma in text.ts).
 */
export const SYNONYMS: Record<Lang, readonly (readonly string[])[]> = {
  'zh-CN': [
    ['压测', '压力测试', '性能测试', '负载测试', '基准测试'],
    ['根因', '根本原因', '根源', '真正原因'],
    ['日志', 'log', '链路追踪', 'trace'],
    ['监控', '告警', '报警', '看板'],
    ['复盘', '回顾', '总结会', '事后分析'],
    ['排查', '定位', '诊断', '追查'],
    ['止损', '回滚', '降级', '限流', '熔断'],
    ['同事', '同伴', '组员', '伙伴'],
    ['客户', '用户', '甲方'],
    ['提升', '提高', '增加', '增长', '上升'],
    ['降低', '减少', '下降', '缩短'],
    ['选择', '选了', '选用', '采用'],
    ['对比', '比较', '权衡', '取舍'],
    ['制定', '建立', '沉淀', '形成'],
    ['规范', '标准', '流程', '机制'],
    ['约定', '达成一致', '共识', '商定'],
    ['了解', '倾听', '听取', '询问'],
    ['文档', '记录', '文档化'],
    ['例会', '周会', '定期会议', '站会'],
    ['业绩', '销售额', '营收', '收入'],
    ['合规', '规定', '制度', '红线'],
  ],
  en: [
    ['load test', 'stress test', 'benchmark', 'performance test'],
    ['root cause', 'underlying cause'],
    ['log', 'trace', 'metric'],
    ['monitor', 'alert', 'alarm', 'dashboard'],
    ['post-mortem', 'postmortem', 'retrospective', 'retro', 'review'],
    ['rule out', 'eliminat', 'exclud'],
    ['colleague', 'teammate', 'coworker', 'peer'],
    ['customer', 'client', 'user'],
    ['choose', 'chose', 'pick', 'select', 'opt'],
    ['compar', 'weigh', 'contrast', 'evaluat'],
    ['agre', 'consensus', 'align'],
    ['understand', 'listen', 'ask', 'hear'],
    ['document', 'write down', 'record'],
    ['standard', 'guideline', 'convention', 'policy', 'checklist'],
    ['reduc', 'cut', 'lower', 'decreas', 'drop'],
    ['increas', 'improv', 'rais', 'grow', 'boost'],
    ['fix', 'resolv', 'solv', 'repair'],
    ['stop the bleed', 'mitigat', 'roll back', 'rollback'],
    ['measur', 'test', 'verif', 'validat'],
  ],
};

export const STOP_WORDS: Record<Lang, ReadonlySet<string>> = {
  'zh-CN': new Set(
    '的 了 和 是 在 就 都 而 及 与 着 或 一个 没有 我 我们 你 他 她 它 他们 这 那 这个 那个 也 还 很 会 能 要 把 被 让 给 对 从 到 为 以 于 上 下 中 里 去 来 说 做 有 吗 呢 吧 啊 呀 嗯 个 些 一些 什么 怎么 如何 请 你们 自己 其中 以及 并 等 过 又 再 但 如果 因为 所以 时 时候 之后 之前 然后 然后 一 二 这样 那样'.split(
      ' ',
    ),
  ),
  en: new Set(
    'a an the and or but if then so of to in on at by for with from as is are was were be been being it its this that these those i me my we our us you your he she they them their his her what which who whom how why when where do did does done have has had will would can could should may might must just also very really not no yes there here than too about into over under up down out more most some any all each other such only own same both few again once'.split(
      ' ',
    ),
  ),
};

/** Irregular English forms folded to their lemma before suffix stripping. */
export const IRREGULAR: Readonly<Record<string, string>> = {
  ran: 'run', led: 'lead', chose: 'choose', chosen: 'choose', found: 'find', built: 'build', made: 'make',
  took: 'take', taken: 'take', went: 'go', gone: 'go', did: 'do', done: 'do', saw: 'see', seen: 'see',
  wrote: 'write', written: 'write', taught: 'teach', brought: 'bring', thought: 'think', kept: 'keep',
  fell: 'fall', grew: 'grow', grown: 'grow', won: 'win', sold: 'sell', told: 'tell', spent: 'spend',
  lost: 'lose', understood: 'understand', began: 'begin', begun: 'begin', met: 'meet', spoke: 'speak',
  paid: 'pay', held: 'hold', set: 'set', put: 'put', cut: 'cut', got: 'get', gave: 'give', given: 'give',
  knew: 'know', known: 'know', felt: 'feel', left: 'leave', rose: 'rise', dug: 'dig', sent: 'send',
  better: 'good', best: 'good', worse: 'bad', worst: 'bad', heard: 'hear', learnt: 'learn',
  data: 'data', analyses: 'analysis', people: 'person', children: 'child',
};
