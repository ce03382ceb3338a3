/**
 * Scoring as the candidate meets it: the pack's hint policy, the journal record of each STAR hint
 * shown, and the feedback report once the interview is over. Everything a hostile page could send
 * is checked against the session (its state, its open question, its pack's policy) and bounded.
 */
import { createHash } from 'node:crypto';
import type { FeedbackReportView, HintKey as ContractHintKey, ScoringPolicyView } from '../../../preload/contract/scoring';
import type { HintKey as SharedHintKey } from '../../../shared/scoring/star-hints';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { getAnswer, getSession } from '../../db/queries/sessions';
import { lastJournalRowOfType } from '../../db/queries/journal';
import { getAnswerScore, overridesWithoutNotes, submittedAnswers } from '../../db/queries/scoring';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';
import { scoringPolicyOf } from '../packs/pack-schema';
import { buildFeedbackReport } from './feedback-report';
import type { AnswerScore } from './rubric';
import { recordHintShown, type TranscriptSource } from './scoring-service';

// The contract's hint keys and the shared rules' keys are one set (fails to compile otherwise).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _sameHintKeys: Same<ContractHintKey, SharedHintKey> = true;
void _sameHintKeys;

/** Most hint events journaled per question (a page reporting in a loop cannot flood the journal). */
export const MAX_HINTS_PER_QUESTION = 40;

export interface CandidateFeedbackDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
  /** The same source the scorer reads: a spoken answer's evidence offsets point into its transcript. */
  readonly transcripts?: TranscriptSource;
}

export class CandidateFeedback {
  /** Per session: the question and attempt last reported, its last hint and how many were journaled. */
  private readonly lastHint = new Map<string, { key: string; hint: string; count: number }>();

  constructor(private readonly deps: CandidateFeedbackDeps) {}

  policy(sessionId: string): Result<ScoringPolicyView> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not available`);
    const policy = scoringPolicyOf(p.pack);
    return ok({ hints: policy.hints, candidateVerdict: policy.candidateVerdict });
  }

  /**
   * Journals a hint the page displayed. Refused unless the session is in progress on that typed
   * question and its pack has hints on; the same hint reported twice in a row is recorded once.
   */
  hintShown(sessionId: string, questionIndex: number, attempt: number, hint: ContractHintKey): Result<{ recorded: boolean }> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    if (s.state !== 'in_progress') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}, not in progress`);
    if (s.question_index !== questionIndex) return err('QUESTION_MISMATCH', `question ${questionIndex} is not the open question`);
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p || p.hash !== s.pack_hash) return err('PACK_NOT_FOUND', 'the interview pack is not available');
    const q = p.questions[questionIndex];
    if (!q || q.question.mode !== 'text') return err('ANSWER_MODE_MISMATCH', 'hints are for typed answers only');
    if (!scoringPolicyOf(p.pack).hints) return err('ILLEGAL_TRANSITION', 'this interview pack has hints turned off');
    const key = `${questionIndex}:${attempt}`;
    const last = this.lastHint.get(sessionId);
    const count = last && last.key === key ? last.count : 0;
    if (last && last.key === key && last.hint === hint) return ok({ recorded: false });
    if (count >= MAX_HINTS_PER_QUESTION) return ok({ recorded: false });
    transact(this.deps.db, () => recordHintShown(this.deps.journal, sessionId, questionIndex, hint, this.deps.clock.now()));
    this.lastHint.set(sessionId, { key, hint, count: count + 1 });
    return ok({ recorded: true });
  }

  /**
   * The candidate's feedback report, once the interview is completed. Reviewers' levels replace
   * the scorer's; answers the scorer has not reached yet are counted in `scoringPending`.
   */
  report(sessionId: string): Result<FeedbackReportView> {
    const { db } = this.deps;
    const s = getSession(db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    if (s.state !== 'completed') return err('ILLEGAL_TRANSITION', 'the feedback report is available once the interview is completed');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not available`);
    const answers: { score: AnswerScore; text: string }[] = [];
    let scoringPending = 0;
    for (const a of submittedAnswers(db, sessionId)) {
      const row = getAnswerScore(db, sessionId, a.question_index, a.attempt);
      if (!row) {
        scoringPending++;
        continue;
      }
      const score = JSON.parse(row.result) as AnswerScore;
      const latest = new Map(overridesWithoutNotes(db, sessionId, a.question_index, a.attempt).map((o) => [o.competency_id, o.new_level]));
      const competencies = score.competencies.map((c) => {
        const level = latest.get(c.competencyId);
        return level === undefined ? c : { ...c, level, score: level * 20 };
      });
      const reviewed = score.status === 'needs_human_scoring' && competencies.length > 0 && competencies.every((c) => latest.has(c.competencyId));
      const answer = getAnswer(db, sessionId, a.question_index);
      const text = answer?.mode === 'text' ? (answer.text ?? '') : (this.deps.transcripts?.transcript(sessionId, a.question_index, a.attempt) ?? '');
      answers.push({ score: { ...score, competencies, status: reviewed ? 'scored' : score.status }, text });
    }
    const policy = scoringPolicyOf(p.pack);
    const data = buildFeedbackReport({ pack: p.pack, answers, showVerdict: policy.candidateVerdict && scoringPending === 0, margin: policy.borderlineMargin });
    const view: FeedbackReportView = { sessionId, title: data.title, competencies: data.competencies.map((c) => (c.status === 'scored' ? { ...c, evidence: [...c.evidence] } : c)), awaitingReview: data.awaitingReview, scoringPending, verdict: data.verdict };
    if (scoringPending === 0) this.journalShown(view);
    return ok(view);
  }

  /**
   * The session record keeps exactly what the candidate was shown: each complete report (nothing
   * left to score) is journaled once, and again only when it changes (a reviewer's override).
   * Best effort: a journal failure is not the candidate's problem and never hides the report.
   */
  private journalShown(view: FeedbackReportView): void {
    const sha256 = createHash('sha256').update(JSON.stringify(view)).digest('hex');
    try {
      const last = lastJournalRowOfType(this.deps.db, view.sessionId, 'feedback_report_shown');
      if (last && (JSON.parse(last.payload) as { sha256?: string }).sha256 === sha256) return;
      transact(this.deps.db, () => this.deps.journal.append(view.sessionId, 'feedback_report_shown', { sha256, report: view }, this.deps.clock.now()));
    } catch {
      // The report was still shown; the next request tries to journal it again.
    }
  }
}
