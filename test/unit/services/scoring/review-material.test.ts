/**
 * What a scored answer carries to the hub's human review (#14): the rubric the score used (only
 * the question's competencies, bounded), sealed with a spoken answer's transcript under the
 * session key in the scoring transaction (migration 0021), and the score's outbox body with the
 * sealed answer, rubric, transcript and HR-wrapped key exactly as stored — never opened.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { migration0021 } from '../../../../main/db/migrations/0021-create-score-material';
import { getScoreMaterial } from '../../../../main/db/queries/scoring';
import { insertAnswer, insertSession } from '../../../../main/db/queries/sessions';
import { recordForOutbox } from '../../../../main/db/queries/outbox';
import { eraseSessionContent } from '../../../../main/db/queries/erasure';
import { setTextSealer } from '../../../../main/db/text-sealing';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { FileKeyProtector } from '../../../../main/services/packs/key-protector';
import { Pack } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { MAX_RUBRIC_CHARS, reviewRubricOf } from '../../../../main/services/scoring/review-rubric';
import { scoreSubmittedAnswer, type ScoringDeps } from '../../../../main/services/scoring/scoring-service';
import { generateHrKeyPair, recipientKeyId, unwrapForHr } from '../../../../main/services/storage/crypto/hr-wrap';
import { openMessage } from '../../../../main/services/storage/crypto/aead';
import { textAad } from '../../../../main/services/storage/crypto/identity';
import { SessionKeyring } from '../../../../main/services/storage/crypto/session-keyring';

const pack = Pack.parse(JSON.parse(readFileSync('build/packs/src/software-engineer.pack.json', 'utf8')));
const TEXT_Q = 4;
const SPOKEN_Q = 3;
const TYPED = 'We chose to write the database and then delete the cache, because of the data volume. If the delete fails I retry it.';
const SPOKEN = 'In Go I rely on goroutines and channels; a worker pool of 8 cut p99 latency from 90 ms to 30 ms.';
const HR = generateHrKeyPair();

let seg: JiebaSegmenter;
let dir: string;
let db: Db;
let deps: ScoringDeps;
const clock = new ManualClock();

beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'review-material-'));
  db = openDatabase(join(dir, 'kiosk.sqlite'));
  insertSession(db, {
    id: 's1', invite_code: 'INV-1', candidate_ref: 'c1', pack_id: pack.id, pack_hash: 'a'.repeat(64), locale: 'en', state: 'in_progress',
    question_index: 0, resume_count: 0, interrupted_at: null, interruption: null, exit_reason: null, failed_codes: 0, created_at: 1, updated_at: 1,
  });
  deps = { db, journal: new SqliteJournal(db), clock, segmenter: seg, packFor: () => ({ pack, locale: 'en' }), transcripts: { transcript: (_s, q) => (q === SPOKEN_Q ? SPOKEN : undefined) } };
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const submit = (q: number, mode: 'text' | 'audio', text: string | null) =>
  insertAnswer(db, { session_id: 's1', question_index: q, attempt: 0, mode, text, chunk_count: 0, elapsed_ms: 1000, submitted_at: clock.now() });

describe('review material of a score', () => {
  it('has its migration at the assigned number', () => {
    expect(migration0021.version).toBe(21);
  });

  it('the rubric is the question’s competencies with their level indicators, not the pack, and bounded', () => {
    const r = reviewRubricOf(pack, TEXT_Q)!;
    const q = pack.stages.flatMap((s) => s.questions)[TEXT_Q]!;
    expect(r.questionId).toBe(q.id);
    expect(r.competencies.map((c) => c.id)).toEqual(q.competencies);
    expect(r.trimmed).toBe('none');
    expect(JSON.stringify(r)).not.toContain(pack.stages[0]!.questions[0]!.prompt.en);
    // A pack at its schema limits: eight competencies with five long indicators each.
    const long = (n: number) => ({ 'zh-CN': '长'.repeat(n), en: 'x'.repeat(n) });
    const huge = structuredClone(pack);
    huge.competencies = Array.from({ length: 8 }, (_, i) => ({ id: `c${i}x`, name: long(4000), weight: 0.1, threshold: 50, indicators: [1, 2, 3, 4, 5].map((level) => ({ level, description: long(4000), evidence: { 'zh-CN': Array(20).fill('长'.repeat(200)), en: Array(20).fill('y'.repeat(200)) } })) }));
    huge.stages[0]!.questions[0]!.competencies = huge.competencies.map((c) => c.id);
    const big = reviewRubricOf(huge, 0)!;
    expect(big.trimmed).toBe('descriptions');
    expect(JSON.stringify(big).length).toBeLessThanOrEqual(MAX_RUBRIC_CHARS);
    expect(big.competencies).toHaveLength(8);
  });

  it('with a sealing kiosk: rubric and transcript stored sealed; the score body carries the stored ciphertexts and the HR-wrapped key, which HR opens', async () => {
    const keyring = new SessionKeyring({ db, protector: new FileKeyProtector(dir), clock, logger: silentLogger, hr: { publicKey: HR.publicKey } });
    setTextSealer(db, keyring);
    submit(TEXT_Q, 'text', TYPED);
    submit(SPOKEN_Q, 'audio', null);
    expect((await scoreSubmittedAnswer(deps, 's1', TEXT_Q, 0)).ok).toBe(true);
    expect((await scoreSubmittedAnswer(deps, 's1', SPOKEN_Q, 0)).ok).toBe(true);
    const m = getScoreMaterial(db, 's1', SPOKEN_Q, 0)!;
    expect(m.rubric).toBeNull();
    expect(m.rubric_sealed).not.toBeNull();
    expect(m.transcript_sealed).not.toBeNull();
    expect(getScoreMaterial(db, 's1', TEXT_Q, 0)!.transcript_sealed).toBeNull();
    const dump = JSON.stringify(db.prepare('SELECT * FROM score_material').all(), (_k, v: unknown) => (Buffer.isBuffer(v) ? v.toString('latin1') : v));
    expect(dump).not.toContain('goroutines');
    expect(dump).not.toContain(pack.competencies[0]!.name.en);

    const body = recordForOutbox(db, 'score', 's1', { questionIndex: TEXT_Q, attempt: 0 })!;
    expect(JSON.stringify(body)).not.toContain('delete the cache');
    const review = body.review as { mode: string; answer: { state: string; identity: string; sealed: string }; rubric: { identity: string; sealed: string }; sessionKey: { hrWrapped: string; hrKeyId: string } };
    expect(review.mode).toBe('text');
    const stored = db.prepare('SELECT sealed FROM answers WHERE session_id = ? AND question_index = ?').get('s1', TEXT_Q) as { sealed: Buffer };
    expect(Buffer.from(review.answer.sealed, 'base64').equals(stored.sealed)).toBe(true);
    expect(review.answer.identity).toBe(textAad('answer', 's1', TEXT_Q, 0).toString('ascii'));
    expect(review.sessionKey.hrKeyId).toBe(recipientKeyId(HR.publicKey));
    const dataKey = unwrapForHr(Buffer.from(review.sessionKey.hrWrapped, 'base64'), HR, 's1')!;
    expect(openMessage(dataKey, Buffer.from(review.answer.sealed, 'base64'), textAad('answer', 's1', TEXT_Q, 0))?.toString()).toBe(TYPED);
    const rubric = JSON.parse(openMessage(dataKey, Buffer.from(review.rubric.sealed, 'base64'), textAad('review_rubric', 's1', TEXT_Q, 0))!.toString()) as { questionId: string };
    expect(rubric.questionId).toBe(reviewRubricOf(pack, TEXT_Q)!.questionId);
    const spoken = recordForOutbox(db, 'score', 's1', { questionIndex: SPOKEN_Q, attempt: 0 })!.review as { mode: string; answer: unknown; transcript: { sealed: string } };
    expect(spoken.mode).toBe('audio');
    expect(spoken.answer).toBeNull();
    expect(openMessage(dataKey, Buffer.from(spoken.transcript.sealed, 'base64'), textAad('transcript', 's1', SPOKEN_Q, 0))?.toString()).toBe(SPOKEN);
    // The same database gives the same body (a resend is a duplicate on the hub, not a conflict).
    expect(recordForOutbox(db, 'score', 's1', { questionIndex: TEXT_Q, attempt: 0 })).toEqual(body);
    // Erasure removes the material with the rest of the session's content.
    expect(eraseSessionContent(db, 's1').material).toBe(2);
    expect(getScoreMaterial(db, 's1', TEXT_Q, 0)).toBeUndefined();
  });

  it('without a sealer: the rubric is kept plain, and a plain (legacy) answer is never sent', async () => {
    submit(TEXT_Q, 'text', TYPED);
    expect((await scoreSubmittedAnswer(deps, 's1', TEXT_Q, 0)).ok).toBe(true);
    const m = getScoreMaterial(db, 's1', TEXT_Q, 0)!;
    expect(JSON.parse(m.rubric!)).toEqual(reviewRubricOf(pack, TEXT_Q));
    const body = recordForOutbox(db, 'score', 's1', { questionIndex: TEXT_Q, attempt: 0 })!;
    expect(JSON.stringify(body)).not.toContain('delete the cache');
    expect(body.review).toMatchObject({ answer: { state: 'plain_not_sent' }, rubric: { state: 'plain' }, sessionKey: null });
  });
});
