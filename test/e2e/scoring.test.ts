/**
 * Scoring as the candidate meets it, in Debian Chromium against the real web shell: STAR hints
 * appear and change while a STAR-less answer is typed (and are journaled), typed answers are
 * scored after submit, a spoken answer without a transcript shows "awaiting human review" rather
 * than a score, and the feedback report renders in zh-CN and en (screenshots under
 * test-results/screens) and prints to a non-empty PDF whose text carries the competency names
 * (read back with pdfjs, not with the kiosk's code).
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { answerCurrent, advanceTo, byTestId, captureScreen, openKiosk, readJournal, RESULTS, setLang, toInterview, type Kiosk, type Lang } from './candidate-kit';
import { chromiumPath, ROOT } from './harness';

const hasChromium = chromiumPath() !== null;
if (!hasChromium) console.warn('[e2e] scoring: Chromium not found, skipped (install Debian chromium)');

let open: Kiosk[] = [];
afterEach(async () => {
  for (const k of open) await k.close();
  open = [];
});

// An action with no result: the hint asks for the result.
const NO_RESULT_ZH = '当时线上接口报错，我负责排查。我先看日志，然后排查了数据库连接池的配置，又检查了最近的发布记录。';
// Then a result without a number: the hint asks to quantify it.
const WITH_RESULT_ZH = `${NO_RESULT_ZH}最终延迟明显降低了，问题解决了。`;
const STRONG_ZH =
  '去年我负责订单系统的缓存一致性。当时大促期间出现了脏读，我的任务是在一周内解决。我先写数据库再删除缓存，删除失败就放进重试队列，并加了延迟双删。最终脏读从每天两百多次降到零，接口延迟下降了百分之三十。';

/**
 * The PDF's embedded CJK font maps some glyphs to radicals: Kangxi radicals (⼼ for 心) fold back
 * under NFKC, CJK radicals supplement (⻓ for 长) do not, so such a character may stand for any.
 */
const flat = (s: string): string => s.normalize('NFKC').replace(/\s+/g, '');
const inPdf = (s: string): RegExp => new RegExp([...flat(s)].map((ch) => `(?:${ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}|[\u2E80-\u2EFF])`).join(''));

async function pdfText(file: string): Promise<string> {
  const pdfjs = (await import(path.join(ROOT, 'node_modules/pdfjs-dist/legacy/build/pdf.mjs'))) as typeof import('pdfjs-dist');
  const doc = await pdfjs.getDocument({ data: new Uint8Array(readFileSync(file)), isEvalSupported: false, useSystemFonts: false, verbosity: 0 }).promise;
  let text = '';
  for (let n = 1; n <= doc.numPages; n++) {
    const content = await (await doc.getPage(n)).getTextContent();
    for (const item of content.items) if ('str' in item) text += item.str;
  }
  return text;
}

describe.skipIf(!hasChromium)('scoring in a real browser', () => {
  // No retry: a flaky pass here would hide a real race between scoring and the report.
  it('hints while typing, scores typed answers, awaits a human for spoken ones, and reports in both languages with a PDF', { retry: 0, timeout: 240_000 }, async () => {
    const k = await openKiosk();
    open.push(k);
    const page = k.page;
    await toInterview(page, 'zh-CN');
    const textIndex = await advanceTo(page, 'text', '');
    await page.waitForSelector('[data-testid="question"][data-phase="answering"]');

    const hint = byTestId(page, 'star-hint');
    await expect.poll(() => hint.getAttribute('data-enabled')).toBe('true');
    expect(await hint.getAttribute('aria-live')).toBe('polite');
    await byTestId(page, 'answer-text').fill(NO_RESULT_ZH);
    await expect.poll(() => hint.getAttribute('data-hint'), { timeout: 10_000 }).toBe('add_result');
    expect(await hint.innerText()).toContain('可以补充结果');
    await captureScreen(page, 'scoring-01-hint');
    await byTestId(page, 'answer-text').fill(WITH_RESULT_ZH);
    await expect.poll(() => hint.getAttribute('data-hint'), { timeout: 10_000 }).toBe('quantify_result');
    // The textarea stays usable while a hint is shown (never blocking).
    expect(await byTestId(page, 'answer-text').isEditable()).toBe(true);
    await byTestId(page, 'answer-text').fill(STRONG_ZH);
    await answerCurrent(page, { text: STRONG_ZH });

    // The rest of the interview: typed answers strong, spoken ones ~1 s of fake recording.
    for (let guard = 0; guard < 12 && (await byTestId(page, 'question').count()) > 0; guard++) await answerCurrent(page, { text: STRONG_ZH, seconds: 1 });
    await byTestId(page, 'done').waitFor();

    const journal = readJournal(k.dataDir);
    const hints = journal.filter((e) => e.type === 'hint_shown').map((e) => JSON.parse(e.payload) as { questionIndex: number; hint: string });
    expect(hints.filter((h) => h.questionIndex === textIndex).map((h) => h.hint)).toEqual(expect.arrayContaining(['add_result', 'quantify_result']));
    const report = byTestId(page, 'feedback-report');
    // Generous: on a loaded machine the kiosk may still be scoring (jieba's first load included).
    await page.locator('[data-testid="feedback-report"], [data-testid="report-unavailable"]').first().waitFor({ timeout: 90_000 });
    expect(await byTestId(page, 'report-unavailable').count()).toBe(0);
    await expect.poll(() => report.getAttribute('data-pending'), { timeout: 30_000 }).toBe('0');
    const after = readJournal(k.dataDir);
    const computed = after.filter((e) => e.type === 'score_computed').map((e) => JSON.parse(e.payload) as { questionIndex: number; status: string });
    const submitted = after.filter((e) => e.type === 'answer_submitted').map((e) => JSON.parse(e.payload) as { questionIndex: number; mode: string });
    expect(computed).toHaveLength(submitted.length);
    for (const s of submitted) expect(computed.find((c) => c.questionIndex === s.questionIndex)?.status).toBe(s.mode === 'text' ? 'scored' : 'needs_human_scoring');
    // The record keeps what the candidate was shown (once, with nothing left to score).
    const shown = after.filter((e) => e.type === 'feedback_report_shown').map((e) => JSON.parse(e.payload) as { report: { scoringPending: number; competencies: { competencyId: string }[] } });
    expect(shown).toHaveLength(1);
    expect(shown[0]!.report.scoringPending).toBe(0);
    expect(shown[0]!.report.competencies.map((c) => c.competencyId)).toEqual(expect.arrayContaining(['technical_depth', 'ownership']));

    // ownership is measured only by spoken questions in this pack: awaiting a human, no level.
    const ownership = page.locator('[data-testid="report-competency"][data-competency="ownership"]');
    expect(await ownership.getAttribute('data-status')).toBe('awaiting_review');
    expect(await ownership.locator('[data-level]').count()).toBe(0);
    const technical = page.locator('[data-testid="report-competency"][data-competency="technical_depth"]');
    expect(await technical.getAttribute('data-status')).toBe('scored');
    // Evidence quotes are the candidate's own words (the strong answer above).
    const quotes = await technical.locator('.report-evidence li').allInnerTexts();
    expect(quotes.length).toBeGreaterThan(0);
    for (const q of quotes) expect(STRONG_ZH).toContain(q.replace(/^…|…$/g, ''));
    expect(await byTestId(page, 'report-verdict').count()).toBe(0);

    const names: Record<Lang, { technical: string; ownership: string; awaiting: string }> = {
      'zh-CN': { technical: '', ownership: '', awaiting: '待人工评估' },
      en: { technical: '', ownership: '', awaiting: 'Awaiting human review' },
    };
    const pack = JSON.parse(readFileSync(path.join(ROOT, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as { competencies: { id: string; name: Record<Lang, string> }[] };
    for (const lang of ['zh-CN', 'en'] as const) {
      names[lang].technical = pack.competencies.find((c) => c.id === 'technical_depth')!.name[lang];
      names[lang].ownership = pack.competencies.find((c) => c.id === 'ownership')!.name[lang];
    }
    await captureScreen(page, 'scoring-02-report');
    mkdirSync(RESULTS, { recursive: true });
    for (const lang of ['zh-CN', 'en'] as const) {
      await setLang(page, lang);
      expect(await technical.locator('h3').innerText()).toBe(names[lang].technical);
      expect(await ownership.innerText()).toContain(names[lang].awaiting);
      await page.emulateMedia({ media: 'print' });
      const file = path.join(RESULTS, `feedback-report-${lang}.pdf`);
      await page.pdf({ path: file, format: 'A4', printBackground: true });
      await page.emulateMedia({ media: 'screen' });
      expect(statSync(file).size).toBeGreaterThan(1000);
      const text = flat(await pdfText(file));
      expect(text).toMatch(inPdf(names[lang].technical));
      expect(text).toMatch(inPdf(names[lang].ownership));
      expect(text).toMatch(inPdf(names[lang].awaiting));
    }
  });
});
