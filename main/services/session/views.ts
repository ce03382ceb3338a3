/**
 * What the renderer sees of a session: the session, the open question with its clocks, the
 * current screen and the completion receipt. Reading a view never changes a session, except that
 * an in-progress session without an open question gets one.
 */
import { createHash } from 'node:crypto';
import type { CompletionReceipt, CurrentView, QuestionView, SessionView } from '../../../preload/contract/session';
import { attemptChunkStats, segmentChunkCount } from '../../db/queries/media';
import { getSessionVariant } from '../../db/queries/packs';
import { getDraft } from '../../db/queries/drafts';
import { countAnswers, getProgress, type ProgressRow, type SessionRow } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { stageCountOf, totalQuestionsOf, type LoadedPack } from '../packs/pack-provider';
import type { FlatQuestion } from '../packs/pack-schema';
import { promptOf } from '../packs/variants';
import { dialogPolicyOf, type AnswerClock } from './answer-clock';
import { accommodationsView } from './accommodations';
import { identityModeOf } from '../../../shared/identity/policy';
import { identityCleared } from '../../../shared/identity/state';
import { identityStateOf } from '../identity/identity-check';

/** `{ key: value }` when value is defined, `{}` otherwise (exactOptionalPropertyTypes-friendly). */
function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
import type { SessionContext } from './context';

export function receiptIdFor(sessionId: string): string {
  return `RCP-${createHash('sha256').update(sessionId).digest('hex').slice(0, 10).toUpperCase()}`;
}

export class SessionViews {
  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
  ) {}

  sessionView(s: SessionRow): SessionView {
    const pack = this.ctx.packOf(s);
    return {
      sessionId: s.id,
      inviteCode: s.invite_code,
      state: s.state,
      locale: s.locale,
      packId: s.pack_id,
      packTitle: pack?.pack.title ?? { 'zh-CN': s.pack_id, en: s.pack_id },
      consentVersion: pack?.pack.policy.consentVersion ?? '',
      questionCount: pack ? totalQuestionsOf(pack) : 0,
      stageCount: pack ? stageCountOf(pack) : 0,
      answeredCount: countAnswers(this.ctx.db, s.id),
      resumeCount: s.resume_count,
      maxResumes: pack?.pack.policy.resume.maxResumes ?? 0,
      ...optional('accommodations', accommodationsView(this.ctx.db, s.id, pack?.pack)),
      ...optional('identity', this.identityOf(s, pack)),
    };
  }

  /** The pack's identity check (issue #15) while it matters: before the interview starts. */
  private identityOf(s: SessionRow, pack: LoadedPack | undefined): SessionView['identity'] {
    const mode = pack ? identityModeOf(pack.pack.policy) : 'off';
    if (mode === 'off' || (s.state !== 'checked_in' && s.state !== 'consented' && s.state !== 'prechecked')) return undefined;
    return { mode, cleared: identityCleared(mode, identityStateOf(this.ctx.db, s.id)) };
  }

  questionView(s: SessionRow, pack: LoadedPack, q: FlatQuestion, now: number): QuestionView {
    const { db } = this.ctx;
    const timer = this.clock.timerFor(s, q, now);
    const p = getProgress(db, s.id, q.index) as ProgressRow;
    const elapsed = this.clock.elapsed(timer, now);
    const prepElapsed = timer.phase === 'preparing' ? elapsed : timer.prepElapsed;
    const answerElapsed = timer.phase === 'answering' ? elapsed : 0;
    const stats = attemptChunkStats(db, s.id, q.index, p.attempt);
    const policy = dialogPolicyOf(pack.pack);
    const multiplier = accommodationsView(db, s.id, pack.pack)?.accommodations.timeMultiplier;
    const proctorPaused = this.ctx.proctorPauseOf(s) !== undefined;
    const draft = q.question.mode === 'text' && p.phase !== 'submitted' ? getDraft(db, s.id, q.index, p.attempt)?.text : undefined;
    return {
      sessionId: s.id,
      questionIndex: q.index,
      questionCount: totalQuestionsOf(pack),
      questionId: q.question.id,
      stageIndex: q.stageIndex,
      stageCount: stageCountOf(pack),
      stageTitle: q.stage.title,
      indexInStage: q.indexInStage,
      questionsInStage: q.stage.questions.length,
      prompt: promptOf(q.question, getSessionVariant(db, s.id, q.index)?.variant_id),
      mode: q.question.mode,
      prepSeconds: q.question.prepSeconds,
      answerSeconds: q.question.answerSeconds,
      retakesAllowed: q.question.retakes,
      attempt: p.attempt,
      segment: p.segment,
      phase: timer.phase,
      prepRemainingMs: Math.max(0, Math.round(q.question.prepSeconds * 1000 - prepElapsed)),
      answerRemainingMs: Math.max(0, Math.round(q.question.answerSeconds * 1000 - answerElapsed)),
      timerMode: pack.pack.policy.resume.timerMode,
      committedChunks: stats.chunks,
      committedBytes: stats.bytes,
      nextSeq: segmentChunkCount(db, s.id, q.index, p.attempt, p.segment),
      ...(draft !== undefined ? { draftText: draft } : {}),
      dialogPause: {
        stopsClock: policy.stopsClock,
        capMs: policy.capMs,
        leftMs: Math.max(0, policy.capMs - (timer.dialogUsedMs ?? 0) - (timer.dialog ? Math.max(0, now - timer.dialog.since) : 0)),
        open: timer.dialog !== undefined,
      },
      ...optional('restBreak', timer.rest ? { remainingMs: Math.max(0, Math.round(timer.rest.maxMs - (now - timer.rest.since))), maxMs: timer.rest.maxMs } : undefined),
      ...optional('timeMultiplier', multiplier !== undefined && multiplier !== 1 ? multiplier : undefined),
      ...(proctorPaused ? { proctorPaused } : {}),
    };
  }

  currentView(s: SessionRow, pack: LoadedPack, now: number): CurrentView {
    const session = this.sessionView(s);
    switch (s.state) {
      case 'in_progress': {
        const q = pack.questions[s.question_index];
        if (!q) {
          // v2: every released question is answered; the next stage is being released.
          const pending = this.ctx.stageFlow?.pendingOf(s, pack);
          if (pending && this.ctx.stageFlow) return this.ctx.stageFlow.pendingView(s, pack, pending, session, now);
          return { kind: 'ended', session };
        }
        if (!getProgress(this.ctx.db, s.id, q.index)) transact(this.ctx.db, () => this.clock.openQuestion(s.id, pack, q.index, now));
        return { kind: 'question', session, question: this.questionView(s, pack, q, now) };
      }
      case 'completed':
        return { kind: 'completed', session, receipt: this.receipt(s) };
      case 'checked_in':
      case 'consented':
      case 'prechecked':
        return { kind: 'not_started', session };
      case 'interrupted':
      case 'exited':
        return { kind: 'interrupted', session };
      case 'expired':
      case 'no_show':
        return { kind: 'ended', session };
    }
  }

  receipt(s: SessionRow): CompletionReceipt {
    const head = this.ctx.deps.journal.head(s.id);
    return {
      sessionId: s.id,
      receiptId: receiptIdFor(s.id),
      completedAt: s.updated_at,
      answeredCount: countAnswers(this.ctx.db, s.id),
      journalHead: head.hash,
    };
  }
}
