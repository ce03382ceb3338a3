/**
 * What the candidate meets of scoring: the pack's hint policy, hint events (validated against the
 * session, deduplicated, bounded) and the feedback report after a real interview.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { DemoInviteDirectory, demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../../../main/services/packs/pack-provider';
import { lintPack } from '../../../../main/services/packs/pack-lint';
import { DEFAULT_PACK_BORDERLINE_MARGIN, Pack, scoringPolicyOf, type ScoringPackPolicy } from '../../../../main/services/packs/pack-schema';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { CandidateFeedback, MAX_HINTS_PER_QUESTION } from '../../../../main/services/scoring/candidate-feedback';
import { ReviewQueue, type TranscriptSource } from '../../../../main/services/scoring/scoring-service';
import { ScoringRunner } from '../../../../main/services/scoring/scoring-runner';
import { DEFAULT_BORDERLINE_MARGIN } from '../../../../main/services/scoring/signals';
import { HmacResumeCodes } from '../../../../main/services/session/resume-codes';
import { SessionService } from '../../../../main/services/session/session-service';
import { TEST_SECRET, tempDbPath } from '../../../support/session-fixture';

let seg: JiebaSegmenter;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});

const STRONG = 'Last year I owned the checkout service when it kept timing out, and my task was to fix it. I checked the logs, found a pool change and rolled it back; as a result latency went from 4 s to 240 ms.';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

function packWithScoring(scoring: ScoringPackPolicy | undefined): LoadedPack {
  const base = structuredClone(demoPack().pack);
  if (scoring) base.policy.scoring = scoring;
  const r = loadPack(base);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function rig(pack: LoadedPack, transcripts?: TranscriptSource) {
  const db = openDatabase(tempDbPath());
  opened.push(db);
  const clock = new ManualClock();
  const journal = new SqliteJournal(db);
  const packs = new StaticPackProvider([pack]);
  const runner = new ScoringRunner({
    db,
    journal,
    clock,
    logger: silentLogger,
    segmenter: () => Promise.resolve(seg),
    ...(transcripts ? { transcripts } : {}),
    packFor: (id) => {
      const s = db.prepare('SELECT locale FROM sessions WHERE id = ?').get(id) as { locale: 'zh-CN' | 'en' } | undefined;
      return s ? { pack: pack.pack, locale: s.locale } : undefined;
    },
  });
  const service = new SessionService({
    db,
    journal,
    clock,
    packs,
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(TEST_SECRET),
    environment: new OsEnvironmentProbe('0.0.0-test', 'node'),
    logger: silentLogger,
    onAnswerSubmitted: (s, q, a) => runner.schedule(s, q, a),
  });
  const feedback = new CandidateFeedback({ db, journal, clock, packs, ...(transcripts ? { transcripts } : {}) });
  const s = must(service.checkIn('DEMO-6001', 'en'));
  must(service.giveConsent(s.sessionId, true, s.consentVersion));
  must(service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  must(service.start(s.sessionId));
  const hints = () => (db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'hint_shown' ORDER BY seq`).all(s.sessionId) as { payload: string }[]).map((r) => JSON.parse(r.payload) as { hint: string });
  /** Answers every question: typed ones with `text`, spoken ones with nothing (no transcript). */
  const finish = async (text: string) => {
    for (let i = 0; i < 10; i++) {
      const cur = must(service.current(s.sessionId));
      if (cur.kind !== 'question') break;
      const q = cur.question;
      if (q.phase === 'preparing') must(service.beginAnswer(s.sessionId, q.questionIndex));
      must(service.submitAnswer(s.sessionId, q.questionIndex, q.attempt, q.mode === 'text' ? text : undefined));
    }
    await new Promise((r) => setTimeout(r, 0));
    await runner.whenIdle();
  };
  return { db, service, feedback, sessionId: s.sessionId, hints, finish };
}

describe('pack scoring policy', () => {
  it('defaults to hints on, a 5-point margin and no verdict; an old pack decodes exactly as signed', () => {
    const p = demoPack().pack;
    expect(p.policy.scoring).toBeUndefined();
    expect(scoringPolicyOf(p)).toEqual({ hints: true, borderlineMargin: 5, candidateVerdict: false });
    expect(DEFAULT_PACK_BORDERLINE_MARGIN).toBe(DEFAULT_BORDERLINE_MARGIN);
  });

  it('refuses unknown fields and out-of-range margins, and lint flags a verdict with no borderline band', () => {
    const base = structuredClone(demoPack().pack) as unknown as { policy: Record<string, unknown> };
    base.policy.scoring = { hints: false, extra: 1 };
    expect(Pack.safeParse(base).success).toBe(false);
    base.policy.scoring = { borderlineMargin: 40 };
    expect(Pack.safeParse(base).success).toBe(false);
    base.policy.scoring = { borderlineMargin: 0, candidateVerdict: true };
    const lint = lintPack(base);
    expect(lint.issues.map((i) => i.code)).toEqual(expect.arrayContaining(['policy.scoring.no_borderline', 'policy.scoring.verdict_without_review']));
  });
});

describe('STAR hint events', () => {
  it('journals a hint shown on the open typed question, once per change, and never twice in a row', () => {
    const r = rig(packWithScoring(undefined));
    expect(must(r.feedback.policy(r.sessionId))).toEqual({ hints: true, candidateVerdict: false });
    expect(must(r.feedback.hintShown(r.sessionId, 0, 0, 'add_result')).recorded).toBe(true);
    expect(must(r.feedback.hintShown(r.sessionId, 0, 0, 'add_result')).recorded).toBe(false);
    expect(must(r.feedback.hintShown(r.sessionId, 0, 0, 'quantify_result')).recorded).toBe(true);
    expect(r.hints().map((h) => h.hint)).toEqual(['add_result', 'quantify_result']);
  });

  it('refuses a hint for another question or a spoken one, and bounds what a looping page can journal', () => {
    const r = rig(packWithScoring(undefined));
    expect(r.feedback.hintShown(r.sessionId, 2, 0, 'add_result')).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    for (let i = 0; i < MAX_HINTS_PER_QUESTION * 2; i++) r.feedback.hintShown(r.sessionId, 0, 0, i % 2 ? 'add_task' : 'add_result');
    expect(r.hints()).toHaveLength(MAX_HINTS_PER_QUESTION);
    must(r.service.submitAnswer(r.sessionId, 0, 0, STRONG));
    const cur = must(r.service.current(r.sessionId));
    expect(cur.kind === 'question' && cur.question.mode).toBe('video');
    expect(r.feedback.hintShown(r.sessionId, 1, 0, 'add_result')).toMatchObject({ ok: false, error: { code: 'ANSWER_MODE_MISMATCH' } });
  });

  it('refuses hints when the pack turns them off', () => {
    const r = rig(packWithScoring({ hints: false }));
    expect(must(r.feedback.policy(r.sessionId)).hints).toBe(false);
    expect(r.feedback.hintShown(r.sessionId, 0, 0, 'add_result').ok).toBe(false);
    expect(r.hints()).toHaveLength(0);
  });
});

describe('feedback report', () => {
  it('is refused before the interview is completed', () => {
    const r = rig(packWithScoring(undefined));
    expect(r.feedback.report(r.sessionId)).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
  });

  it('gives per-competency levels with evidence for typed answers, awaiting review for spoken-only ones, and no verdict by default', async () => {
    const r = rig(packWithScoring(undefined));
    await r.finish(STRONG);
    const rep = must(r.feedback.report(r.sessionId));
    expect(rep.scoringPending).toBe(0);
    expect(rep.verdict).toBeNull();
    // The demo pack: q1 and q3 are typed (communication, problem_solving); the video answers have no transcript.
    expect(rep.awaitingReview).toBe(3);
    const byId = new Map(rep.competencies.map((c) => [c.competencyId, c]));
    expect(byId.get('problem_solving')?.status).toBe('scored');
    expect(byId.get('teamwork')?.status).toBe('awaiting_review');
    const ps = byId.get('problem_solving');
    if (ps?.status !== 'scored') throw new Error('unreachable');
    expect(ps.level).toBeGreaterThanOrEqual(1);
    expect(ps.name.en.length).toBeGreaterThan(0);
  });

  it('states no verdict while answers await a person, even when the pack allows verdicts', async () => {
    const r = rig(packWithScoring({ candidateVerdict: true }));
    await r.finish(STRONG);
    const rep = must(r.feedback.report(r.sessionId));
    expect(rep.awaitingReview).toBeGreaterThan(0);
    expect(rep.verdict).toBeNull();
  });

  it('journals the complete report the candidate saw, once per distinct content', async () => {
    const r = rig(packWithScoring(undefined));
    const shown = () =>
      (r.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'feedback_report_shown' ORDER BY seq`).all(r.sessionId) as { payload: string }[]).map(
        (x) => JSON.parse(x.payload) as { sha256: string; report: unknown },
      );
    await r.finish(STRONG);
    const rep = must(r.feedback.report(r.sessionId));
    must(r.feedback.report(r.sessionId));
    must(r.feedback.report(r.sessionId));
    expect(shown()).toHaveLength(1);
    expect(shown()[0]!.report).toEqual(rep);
    // A reviewer's override changes what the candidate sees: journaled again.
    const ps = rep.competencies.find((c) => c.competencyId === 'problem_solving');
    if (ps?.status !== 'scored') throw new Error('unreachable');
    const row = r.db.prepare(`SELECT question_index, attempt FROM answer_scores WHERE session_id = ? AND status = 'scored' AND result LIKE '%"problem_solving"%' ORDER BY question_index LIMIT 1`).get(r.sessionId) as { question_index: number; attempt: number };
    const review = new ReviewQueue(r.db, new SqliteJournal(r.db), new ManualClock());
    const o = review.override({ sessionId: r.sessionId, questionIndex: row.question_index, attempt: row.attempt, competencyId: 'problem_solving', reviewer: 'reviewer-1', newLevel: ps.level === 5 ? 4 : 5, reasonCode: 'evidence_missed' });
    expect(o.ok).toBe(true);
    must(r.feedback.report(r.sessionId));
    expect(shown()).toHaveLength(2);
    expect(shown()[1]!.sha256).not.toBe(shown()[0]!.sha256);
  });

  it('journals nothing while answers are still being scored', async () => {
    const r = rig(packWithScoring(undefined));
    const count = () => r.db.prepare(`SELECT COUNT(*) AS n FROM journal WHERE session_id = ? AND type = 'feedback_report_shown'`).get(r.sessionId);
    // finish() without letting the runner take its turn: every answer submitted, none scored yet.
    const done = r.finish(STRONG);
    const early = must(r.feedback.report(r.sessionId));
    expect(early.scoringPending).toBeGreaterThan(0);
    expect(count()).toEqual({ n: 0 });
    await done;
    expect(must(r.feedback.report(r.sessionId)).scoringPending).toBe(0);
    expect(count()).toEqual({ n: 1 });
  });

  it('scores a spoken answer from its transcript and quotes the transcript, not the empty text', async () => {
    const r = rig(packWithScoring(undefined), { transcript: () => STRONG });
    await r.finish(STRONG);
    const rep = must(r.feedback.report(r.sessionId));
    expect(rep.awaitingReview).toBe(0);
    const teamwork = rep.competencies.find((c) => c.competencyId === 'teamwork');
    expect(teamwork?.status).toBe('scored');
    if (teamwork?.status !== 'scored') throw new Error('unreachable');
    for (const q of teamwork.evidence) expect(STRONG.replace(/\s+/g, ' ')).toContain(q);
    expect(teamwork.evidence.length).toBeGreaterThan(0);
  });
});
