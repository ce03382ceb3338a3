/**
 * Résumés are read when a schedule is imported (in the parser's child process), not at check-in:
 * the invite carries the extracted text, or the reason it could not be read. A résumé bomb in a
 * schedule does not refuse the schedule and does not reach check-in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/common/clock';
import { openDatabase } from '../../main/db/connection';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { parseProvisioning, trustStoreOf } from '../../main/services/packs/provisioning';
import { ChildResumeParser } from '../../main/services/packs/resume-parser';
import { buildSchedule, importSchedule, ScheduleInviteDirectory } from '../../main/services/packs/schedule';
import { generateBombs } from '../fixtures/resumes/generate-bombs';
import { makeDocx } from '../fixtures/resumes/generate-resumes';

const root = path.resolve(import.meta.dirname, '../..');
const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
if (!prov.ok) throw new Error(prov.error.message);
const trust = trustStoreOf(prov.value);
const centreId = prov.value.centreId;
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
const parser = new ChildResumeParser({ timeoutMs: 5000 });
afterAll(() => parser.close());

describe('résumés read at schedule import', () => {
  it('stores the text of a good résumé and the reason for a bomb; check-in parses nothing', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sched-cv-'));
    writeFileSync(path.join(dir, 'good.docx'), makeDocx(['Senior Java engineer', 'Spring Boot, MySQL, Kafka']));
    writeFileSync(path.join(dir, 'bomb.docx'), generateBombs().find((b) => b.name === 'docx-deflate-bomb.docx')!.data);
    const window = { start: '2026-12-07T01:00:00Z', end: '2026-12-07T09:00:00Z' };
    const built = buildSchedule(
      {
        scheduleId: 'cv-day',
        centreId,
        day: '2026-12-07',
        invites: [
          { code: 'CV-GOOD-01', candidateRef: 'c-1', packId: 'software-engineer', window, resumeFile: 'good.docx' },
          { code: 'CV-BOMB-01', candidateRef: 'c-2', packId: 'software-engineer', window, resumeFile: 'bomb.docx' },
        ],
      },
      dir,
      demoKey,
      new Date('2026-12-06T00:00:00Z'),
    );
    if (!built.ok) throw new Error(built.error.message);
    const db = openDatabase(path.join(dir, 'k.sqlite'));
    const r = await importSchedule(db, Buffer.from(built.value.text), trust, centreId, new ManualClock(Date.parse('2026-12-07T00:00:00Z')), parser);
    expect(r).toMatchObject({ ok: true, value: { invites: 2, resumesRead: 1, resumesUnreadable: 1 } });
    const invites = new ScheduleInviteDirectory(db);
    const good = invites.lookup('CV-GOOD-01')!;
    expect(good.extracted).toMatchObject({ ok: true, kind: 'docx' });
    expect(good.extracted?.ok && good.extracted.text).toContain('Spring Boot');
    const bomb = invites.lookup('CV-BOMB-01')!;
    expect(bomb.extracted).toMatchObject({ ok: false });
    expect(!bomb.extracted?.ok && bomb.extracted?.problem).toMatch(/expands/);

    // Check-in tailors from the stored text alone: the document itself is not even passed.
    const { tailorInterview } = await import('../../main/services/packs/variants');
    const { loadPack } = await import('../../main/services/packs/pack-provider');
    const src = JSON.parse(readFileSync(path.join(root, 'build/packs/src/software-engineer.pack.json'), 'utf8')) as unknown;
    const pack = loadPack(src);
    if (!pack.ok) throw new Error(pack.error.message);
    const { JiebaSegmenter } = await import('../../main/services/packs/resume-tags');
    const tGood = await tailorInterview(pack.value, undefined, () => JiebaSegmenter.shared(), good.extracted);
    expect(tGood.source).toBe('docx');
    expect(tGood.choices.some((c) => c.variantId !== 'default')).toBe(true);
    const tBomb = await tailorInterview(pack.value, undefined, () => JiebaSegmenter.shared(), bomb.extracted);
    expect(tBomb.problem).toMatch(/expands/);
    db.close();
  });
});
