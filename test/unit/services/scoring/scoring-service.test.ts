import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { migration0009 } from '../../../../main/db/migrations/0009-create-scoring-tables';
import { overridesFor, sessionScores } from '../../../../main/db/queries/scoring';
import { insertAnswer, insertSession } from '../../../../main/db/queries/sessions';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { effectiveLevels, recordHintShown, ReviewQueue, scoreSubmittedAnswer, type ScoringDeps } from '../../../../main/services/scoring/scoring-service';
import { loadModel, trainModel } from '../../../../main/services/scoring/train';
import { syntheticAnswers } from '../../../fixtures/scoring/synthetic';

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
// q5-consistency (index 4) is a text question; q4-language (index 3) is spoken.
const TEXT_Q = 4;
const SPOKEN_Q = 3;

let seg: JiebaSegmenter;
let dir: string;
let db: Db;
let deps: ScoringDeps;
const clock = new ManualClock();

beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'scoring-svc-'));
  db = openDatabase(join(dir, 'kiosk.sqlite'));
  insertSession(db, {
    id: 's1', invite_code: 'INV-1', candidate_ref: 'c1', pack_id: pack.id, pack_hash: 'a'.repeat(64), locale: 'en', state: 'in_progress',
    question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1,
  });
  deps = { db, journal: new SqliteJournal(db), clock, segmenter: seg, packFor: (id) => (id === 's1' ? { pack, locale: 'en' } : undefined) };
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

function submit(questionIndex: number, mode: 'text' | 'audio', text: string | null): void {
  insertAnswer(db, { session_id: 's1', question_index: questionIndex, attempt: 0, mode, text, chunk_count: 0, elapsed_ms: 1000, submitted_at: clock.now() });
}

describe('scoring service', () => {
  it('has its migration at the assigned number', () => {
    expect(migration0009.version).toBe(9);
  });

  it('scores a submitted typed answer, stores it and journals score_computed with the scorer version', async () => {
    submit(TEXT_Q, 'text', 'We chose to write the database and then delete the cache, because of the data volume. If the delete fails I retry it, so stale reads last at most a second in our load test.');
    const r = await scoreSubmittedAnswer(deps, 's1', TEXT_Q, 0);
    expect(r.ok).toBe(true);
    const rows = sessionScores(db, 's1');
    expect(rows).toHaveLength(1);
    expect(rows[0]!.scorer_version).toMatch(/^rubric-/);
    const ev = deps.journal.recent('s1', 5).find((e) => e.type === 'score_computed');
    expect(ev?.payload).toMatchObject({ questionIndex: TEXT_Q, attempt: 0, engine: 'rubric', modelSha256: null });
    expect(deps.journal.verify('s1').ok).toBe(true);
  });

  it('queues a spoken answer without a transcript as needs_human_scoring, and scores it once a transcript exists', async () => {
    submit(SPOKEN_Q, 'audio', null);
    const r = await scoreSubmittedAnswer(deps, 's1', SPOKEN_Q, 0);
    expect(r.ok && r.value.status).toBe('needs_human_scoring');
    const q = new ReviewQueue(db, deps.journal, clock);
    expect(q.list().map((i) => i.reason)).toEqual(['needs_human_scoring']);
    const withTranscript = { ...deps, transcripts: { transcript: () => 'In Go I rely on goroutines and channels; I measured that a worker pool of 8 cut p99 latency from 90 ms to 30 ms because it bounds contention.' } };
    const r2 = await scoreSubmittedAnswer(withTranscript, 's1', SPOKEN_Q, 0);
    expect(r2.ok && r2.value.status).toBe('scored');
  });

  it('records a reviewer override with who, old and new level and a reason code, journaled and append-only', async () => {
    submit(SPOKEN_Q, 'audio', null);
    await scoreSubmittedAnswer(deps, 's1', SPOKEN_Q, 0);
    const q = new ReviewQueue(db, deps.journal, clock);
    const bad = q.override({ sessionId: 's1', questionIndex: SPOKEN_Q, attempt: 0, competencyId: 'technical_depth', reviewer: 'hr.li', newLevel: 4, reasonCode: 'because' });
    expect(bad.ok).toBe(false);
    expect(overridesFor(db, 's1', SPOKEN_Q, 0)).toHaveLength(0);
    const wrongComp = q.override({ sessionId: 's1', questionIndex: SPOKEN_Q, attempt: 0, competencyId: 'collaboration', reviewer: 'hr.li', newLevel: 4, reasonCode: 'human_scoring_required' });
    expect(wrongComp.ok).toBe(false);
    const good = q.override({ sessionId: 's1', questionIndex: SPOKEN_Q, attempt: 0, competencyId: 'technical_depth', reviewer: 'hr.li', newLevel: 4, reasonCode: 'human_scoring_required', note: 'listened to the recording' });
    expect(good).toMatchObject({ ok: true, value: { oldLevel: 0, newLevel: 4 } });
    expect(effectiveLevels(db, 's1', SPOKEN_Q, 0)?.technical_depth).toEqual({ level: 4, by: 'hr.li' });
    expect(q.list()).toHaveLength(0);
    const ev = deps.journal.recent('s1', 5).find((e) => e.type === 'review_override');
    expect(ev?.payload).toMatchObject({ reviewer: 'hr.li', oldLevel: 0, newLevel: 4, reasonCode: 'human_scoring_required' });
    expect(() => db.prepare('DELETE FROM review_overrides').run()).toThrow(/append-only/);
    expect(deps.journal.verify('s1').ok).toBe(true);
  });

  it('uses a provisioned model only when its manifest names the pack, and journals its hash', async () => {
    const rows = syntheticAnswers(120, 4);
    const trained = await trainModel(pack, seg, rows, { name: 'm', outDir: join(dir, 'm'), groupColumn: 'group', inline: true, epochs: 60, trainingDataText: 'x' });
    expect(trained.ok).toBe(true);
    const loaded = await loadModel(join(dir, 'm'));
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    submit(TEXT_Q, 'text', 'Last year I owned the cache layer. I chose to write the database and then delete the cache because updates raced; as a result stale reads fell from 2% to 0.1%.');
    const r = await scoreSubmittedAnswer({ ...deps, model: loaded.model }, 's1', TEXT_Q, 0);
    expect(r.ok && r.value.engine).toBe('rubric+model');
    const ev = deps.journal.recent('s1', 3).find((e) => e.type === 'score_computed');
    expect(String(ev?.payload.modelSha256)).toMatch(/^[0-9a-f]{64}$/);
    const otherPack = { ...loaded.model, manifest: { ...loaded.model.manifest, packId: 'another-pack' } };
    const r2 = await scoreSubmittedAnswer({ ...deps, model: otherPack }, 's1', TEXT_Q, 0);
    expect(r2.ok && r2.value.engine).toBe('rubric');
  });

  it('journals which STAR hint was shown and when', () => {
    recordHintShown(deps.journal, 's1', 2, 'add_result', 12345);
    const ev = deps.journal.recent('s1', 1)[0];
    expect(ev).toMatchObject({ type: 'hint_shown', at: 12345, payload: { questionIndex: 2, hint: 'add_result' } });
  });

  it('refuses to score what does not exist, changing nothing', async () => {
    const r = await scoreSubmittedAnswer(deps, 's1', 0, 0);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('SCORE_NO_ANSWER');
    expect(sessionScores(db, 's1')).toHaveLength(0);
  });
});
