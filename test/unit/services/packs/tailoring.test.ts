import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { journalRows } from '../../../../main/db/queries/journal';
import { sessionVariants } from '../../../../main/db/queries/packs';
import { loadPackBytes } from '../../../../main/services/packs/pack-format';
import { RESUME_MEDIA_TYPES, type LoadedPack, type ResumeDocument } from '../../../../main/services/packs/pack-provider';
import { parseProvisioning, trustStoreOf } from '../../../../main/services/packs/provisioning';
import { extractResumeText } from '../../../../main/services/packs/resume-text';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { tailorInterview, type Tailoring } from '../../../../main/services/packs/variants';
import { makeFixture } from '../../../support/session-fixture';

const root = path.resolve(import.meta.dirname, '../../../..');
const resumes = path.join(root, 'test/fixtures/resumes');
const demoConfig = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as { demoUnlockCodes: Record<string, string> };

function signedDemo(id: string): LoadedPack {
  const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
  if (!prov.ok) throw new Error(prov.error.message);
  const r = loadPackBytes(readFileSync(path.join(root, 'build/packs', `${id}.ikpack`)), trustStoreOf(prov.value), new ManualClock(), { code: demoConfig.demoUnlockCodes[id]! });
  if (!r.ok || !r.value.loaded) throw new Error(r.ok ? 'not unlocked' : r.error.message);
  return r.value.loaded;
}

function resume(file: string): ResumeDocument {
  const mediaType = file.endsWith('.pdf') ? RESUME_MEDIA_TYPES[1] : file.endsWith('.docx') ? RESUME_MEDIA_TYPES[2] : RESUME_MEDIA_TYPES[0];
  return { mediaType, data: readFileSync(path.join(resumes, file)) };
}

const variantOf = (t: Tailoring, questionId: string) => t.choices.find((c) => c.questionId === questionId)!;

let engineer: LoadedPack;
let sales: LoadedPack;
beforeAll(() => {
  engineer = signedDemo('software-engineer');
  sales = signedDemo('regional-sales-manager');
});
const seg = () => JiebaSegmenter.shared();

describe('résumé text extraction', () => {
  it('reads Chinese text out of a PDF (Type0 font with ToUnicode)', async () => {
    const r = await extractResumeText(resume('zh-graduate-python.pdf'));
    expect(r.ok && r.value.kind).toBe('pdf');
    expect(r.ok && r.value.text).toContain('应届毕业生');
    expect(r.ok && r.value.text).toContain('推荐算法');
  });
  it('reads a DOCX with mammoth', async () => {
    const r = await extractResumeText(resume('zh-sales-fmcg.docx'));
    expect(r.ok && r.value.kind).toBe('docx');
    expect(r.ok && r.value.text).toContain('经销商体系');
  });
  it('turns a broken PDF into a refusal value, not an exception', async () => {
    const r = await extractResumeText({ mediaType: 'application/pdf', data: Buffer.from('%PDF-1.7\n garbage') });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('RESUME_UNREADABLE');
  });
});

describe('variant choice from résumé tags', () => {
  it('zh-CN text: a Java payments engineer gets the payments, JVM and database variants', async () => {
    const t = await tailorInterview(engineer, resume('zh-java-backend.txt'), seg);
    expect(t.source).toBe('text');
    expect(variantOf(t, 'q2-design')).toMatchObject({ variantId: 'payments', matchedTags: ['payments'] });
    expect(variantOf(t, 'q4-language')).toMatchObject({ variantId: 'jvm', matchedTags: ['java', 'spring'] });
    expect(variantOf(t, 'q3-incident').variantId).toBe('db-incident');
    expect(variantOf(t, 'q1-intro')).toMatchObject({ variantId: 'default', matchedTags: [] });
    expect(t.tags.find((h) => h.tagId === 'payments')?.matched).toEqual(expect.arrayContaining(['支付', '对账']));
  });

  it('en text: a Go tech lead gets the lead, Go and test-strategy variants', async () => {
    const t = await tailorInterview(engineer, resume('en-go-lead.txt'), seg);
    expect(variantOf(t, 'q1-intro')).toMatchObject({ variantId: 'lead', matchedTags: ['team_lead'] });
    expect(variantOf(t, 'q4-language')).toMatchObject({ variantId: 'golang', matchedTags: ['go'] });
    expect(variantOf(t, 'q6-quality').variantId).toBe('test-strategy');
    expect(variantOf(t, 'q5-consistency')).toMatchObject({ variantId: 'distributed-tx', matchedTags: ['distributed', 'microservices'] });
  });

  it('zh-CN PDF: a graduate gets the graduate variants', async () => {
    const t = await tailorInterview(engineer, resume('zh-graduate-python.pdf'), seg);
    expect(t.source).toBe('pdf');
    expect(variantOf(t, 'q1-intro').variantId).toBe('graduate');
    expect(variantOf(t, 'q9-learning').variantId).toBe('graduate-learning');
    expect(variantOf(t, 'q4-language').variantId).toBe('python-gil');
  });

  it('en DOCX: "JavaScript" is not Java, but a Java résumé in Word is', async () => {
    const t = await tailorInterview(engineer, resume('en-java-backend.docx'), seg);
    expect(t.source).toBe('docx');
    expect(variantOf(t, 'q4-language').variantId).toBe('jvm');
    expect(variantOf(t, 'q2-design').variantId).toBe('flash-sale');
    const js = await tailorInterview(engineer, { mediaType: 'text/plain', data: Buffer.from('Front-end developer: JavaScript, TypeScript, Google Maps') }, seg);
    expect(js.tags.map((h) => h.tagId)).not.toContain('java');
    expect(js.tags.map((h) => h.tagId)).not.toContain('go');
  });

  it('en PDF and zh-CN DOCX pick the sales variants', async () => {
    const med = await tailorInterview(sales, resume('en-sales-medical.pdf'), seg);
    expect(variantOf(med, 'q4-big-deal').variantId).toBe('hospital');
    expect(variantOf(med, 'q1-intro').variantId).toBe('manager');
    const fmcg = await tailorInterview(sales, resume('zh-sales-fmcg.docx'), seg);
    expect(variantOf(fmcg, 'q5-discount').variantId).toBe('fmcg-pricing');
    expect(variantOf(fmcg, 'q3-forecast').variantId).toBe('crm-forecast');
    expect(variantOf(fmcg, 'q8-channel-conflict').variantId).toBe('channel-conflict');
  });

  it('an unreadable résumé gives the default questions and says why', async () => {
    const t = await tailorInterview(sales, { mediaType: 'application/pdf', data: Buffer.from('%PDF-broken') }, seg);
    expect(t.problem).toMatch(/could not be read|no text/);
    expect(t.choices.every((c) => c.variantId === 'default')).toBe(true);
  });
});

describe('the journal explains the choice', () => {
  it('records which variant each question got and which tags chose it, and shows that prompt', async () => {
    const f = makeFixture({ pack: sales });
    const t = await tailorInterview(sales, resume('en-sales-medical.pdf'), seg);
    const view = f.service.checkIn('DEMO-SALE', 'en', t);
    expect(view.ok).toBe(true);
    if (!view.ok) return;
    const checkedIn = journalRows(f.db, view.value.sessionId).find((r) => r.type === 'checked_in')!;
    const payload = JSON.parse(checkedIn.payload) as { tailoring: { resume: string; resumeSha256: string; variants: { questionId: string; variantId: string; chosenBy: string[] }[]; tags: { tag: string; matched: string[] }[] } };
    expect(payload.tailoring.resume).toBe('pdf');
    expect(payload.tailoring.resumeSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(payload.tailoring.variants).toContainEqual({ questionIndex: 0, questionId: 'q1-intro', variantId: 'manager', chosenBy: ['team_mgmt'] });
    expect(payload.tailoring.tags.find((x) => x.tag === 'medical')?.matched).toEqual(expect.arrayContaining(['medical devices']));
    expect(sessionVariants(f.db, view.value.sessionId)).toHaveLength(sales.questions.length);

    const id = view.value.sessionId;
    expect(f.service.giveConsent(id, true, sales.pack.policy.consentVersion).ok).toBe(true);
    expect(f.service.reportPrecheck(id, 'ok', 'ok').ok).toBe(true);
    const started = f.service.start(id);
    expect(started.ok && started.value.kind === 'question' && started.value.question.prompt.en).toMatch(/sales team you managed/);
    const qs = journalRows(f.db, id).find((r) => r.type === 'question_started')!;
    expect(JSON.parse(qs.payload)).toMatchObject({ questionId: 'q1-intro', variantId: 'manager', chosenBy: ['team_mgmt'] });
  });

  it('without a résumé every question keeps its own prompt', () => {
    const f = makeFixture({ pack: engineer });
    const view = f.service.checkIn('DEMO-2027', 'zh-CN');
    expect(view.ok).toBe(true);
    if (!view.ok) return;
    expect(sessionVariants(f.db, view.value.sessionId).every((v) => v.variant_id === 'default')).toBe(true);
  });
});
