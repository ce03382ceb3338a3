import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databasePath } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { openDatabase } from '../../main/db/connection';
import { insertAnswer, insertSession } from '../../main/db/queries/sessions';
import { SqliteJournal } from '../../main/services/journal/journal';
import { Pack } from '../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../main/services/packs/resume-tags';
import { scoreSubmittedAnswer } from '../../main/services/scoring/scoring-service';

const PACK = 'build/packs/src/software-engineer.pack.json';
const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'main/dev/score-cli.ts', ...args], { encoding: 'utf8' });
const lastJson = (s: string) => JSON.parse(s.trim().split('\n').pop()!) as Record<string, unknown>;

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'score-cli-'));
  const pack = Pack.parse(JSON.parse(readFileSync(PACK, 'utf8')));
  const db = openDatabase(databasePath(dir));
  insertSession(db, {
    id: 's9', invite_code: 'INV-9', candidate_ref: 'c9', pack_id: pack.id, pack_hash: 'b'.repeat(64), locale: 'zh-CN', state: 'completed',
    question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1,
  });
  insertAnswer(db, { session_id: 's9', question_index: 4, attempt: 0, mode: 'text', text: '我们选择了先写数据库再删缓存，因为数据量大。我加了重试，压测结果显示不一致窗口小于 1 秒。', chunk_count: 0, elapsed_ms: 1, submitted_at: 1 });
  const seg = await JiebaSegmenter.shared();
  await scoreSubmittedAnswer({ db, journal: new SqliteJournal(db), clock: new ManualClock(), segmenter: seg, packFor: () => ({ pack, locale: 'zh-CN' }) }, 's9', 4, 0);
  db.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('npm run score', () => {
  it('explains a session from evidence to level to band', () => {
    const r = cli(['explain', '--session', 's9', '--data-dir', dir]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/technical_depth: level \d/);
    expect(r.stdout).toMatch(/evidence \[\d+,\d+\)/);
    expect(r.stdout).toMatch(/band (pass|borderline|below)/);
    expect(lastJson(r.stdout)).toMatchObject({ ok: true, answers: 1 });
  });

  it('scores one answer and fails eval when a target is missed', () => {
    const f = join(dir, 'a.txt');
    writeFileSync(f, 'I checked the logs first, ruled out the database, and the root cause was a pool size change. Latency went from 3 s to 200 ms.');
    const one = cli(['answer', '--pack-source', PACK, '--question', 'q3-incident', '--locale', 'en', '--text-file', f, '--json']);
    expect(one.status).toBe(0);
    expect(lastJson(one.stdout)).toMatchObject({ questionId: 'q3-incident', status: 'scored' });
    const miss = cli(['eval', '--pack-source', PACK, '--answers', 'test/fixtures/scoring/software-engineer.tune.jsonl', '--json', '--min-qwk', '0.99']);
    expect(miss.status).toBe(1);
    expect(lastJson(miss.stdout)).toMatchObject({ ok: false, answers: 40 });
  });

  it('renders the feedback report in both languages and prints it to PDF through Chromium', (ctx) => {
    for (const locale of ['zh-CN', 'en']) {
      const html = join(dir, `report-${locale}.html`);
      const r = cli(['report', '--session', 's9', '--pack-source', PACK, '--locale', locale, '--out', html, '--data-dir', dir]);
      expect(r.status).toBe(0);
      const page = readFileSync(html, 'utf8');
      expect(page).toContain(locale === 'zh-CN' ? '面试反馈报告' : 'Interview feedback report');
      expect(page).not.toMatch(/class="verdict"/);
    }
    if (!existsSync('/usr/bin/chromium')) {
      console.log('PDF step skipped: /usr/bin/chromium is not installed');
      ctx.skip();
      return;
    }
    const pdf = join(dir, 'report.pdf');
    const r = cli(['report', '--session', 's9', '--pack-source', PACK, '--locale', 'zh-CN', '--out', join(dir, 'r.html'), '--pdf', pdf, '--data-dir', dir]);
    expect(r.status).toBe(0);
    expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('refuses bad usage with a code', () => {
    const r = cli(['answer', '--pack-source', PACK, '--question', 'nope', '--locale', 'en', '--text-file', join(dir, 'a.txt'), '--json']);
    expect(r.status).toBe(2);
    expect(lastJson(r.stdout)).toMatchObject({ ok: false, code: 'USAGE' });
  });
});
