/**
 * Pack format v2, the session side (docs/pack-format-v2.md): a pack sealed stage by stage is
 * opened one stage at a time. At check-in the session holds stage 0 and the outline only; when the
 * last question of stage N is submitted, stage N+1 is released to this session:
 * - `release: "offline"`: its key is derived from the master key in the content, inside the same
 *   transaction as the submission, and the next question opens at once;
 * - `release: "hr"`: the session waits on the system (no question is open, so no answer clock
 *   runs: nothing is charged to the candidate) while the kiosk asks the HR endpoint, which
 *   releases the key only if its own record shows the earlier stages submitted.
 * Either way the key is stored wrapped by the KeyProtector for this session only, the release is
 * journaled (`stage_content_released`: stage index and id, mode, the envelope's sha256, never the
 * key), and a resume re-opens exactly the stages released before. A release that fails
 * (endpoint unreachable, grant refused) is journaled (`stage_release_failed`), shown to the
 * candidate with the proctor path, and retried; nothing recorded is lost.
 */
import type { CurrentView, SessionView } from '../../../preload/contract/session';
import { err, ok, type Result } from '../../common/result';
import { insertSessionVariants, sessionVariants } from '../../db/queries/packs';
import { checkedInTagHits } from '../../db/queries/journal';
import { getSession, type SessionRow } from '../../db/queries/sessions';
import { afterCommit, transact } from '../../db/transaction';
import type { LoadedPack } from '../packs/pack-provider';
import { chooseVariant } from '../packs/variants';
import type { AnswerClock } from './answer-clock';
import type { SessionContext } from './context';

/** What the session service needs from the packs side to release a stage (pack-runtime.ts implements it). */
export interface StageKeySource {
  /** `offline`: stage `index`'s key, derived on the kiosk. */
  offlineKey(packId: string, index: number): Result<Buffer>;
  /** `hr`: asks the HR endpoint for stage `index`'s key; the grant is verified before it resolves. */
  requestKey(r: { readonly sessionId: string; readonly inviteCode: string; readonly packId: string; readonly stageIndex: number; readonly stageId: string; readonly submittedStageId: string }): Promise<Result<Buffer>>;
  /** Checks that the key opens stage `index` and stores it wrapped for this session (inside the caller's transaction). */
  record(sessionId: string, packId: string, index: number, key: Buffer, mode: 'offline' | 'hr'): Result<{ stageId: string; envelopeSha256: string }>;
}

/** After a failed request the view does not ask again sooner than this (the renderer polls). */
export const STAGE_RETRY_MS = 3000;

export interface PendingStage {
  readonly stageIndex: number;
  readonly stageId: string;
}

export class StageFlow {
  private readonly inFlight = new Map<string, Promise<Result<void>>>();
  private readonly failures = new Map<string, { code: string; at: number; stageIndex: number }>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
  ) {
    ctx.onForget((id) => this.failures.delete(id));
  }

  private get source(): StageKeySource | undefined {
    return this.ctx.deps.stages;
  }

  /** The stage an in-progress session is waiting for: it has submitted every released question. */
  pendingOf(s: SessionRow, pack: LoadedPack): PendingStage | undefined {
    const staged = pack.staged;
    if (!staged || s.state !== 'in_progress') return undefined;
    if (s.question_index < pack.questions.length || s.question_index >= staged.totalQuestions) return undefined;
    const stageIndex = staged.releasedStages;
    const stage = staged.stages[stageIndex];
    return stage ? { stageIndex, stageId: stage.id } : undefined;
  }

  /**
   * Called inside the submission's transaction when the submitted question was the last one
   * released. Offline packs release the next stage here and open its first question; `hr` packs
   * ask the endpoint once the submission has committed (the endpoint must see it first).
   */
  afterLastReleasedSubmitted(s0: SessionRow, pack: LoadedPack, next: number, now: number): void {
    const s = { ...s0, question_index: next };
    const pending = this.pendingOf(s, pack);
    if (!pending) return;
    if (pack.staged!.release === 'offline') {
      const opened = this.releaseOfflineNow(s, pending, now);
      if (opened.ok) this.clock.openQuestion(s.id, opened.value, next, now);
      return;
    }
    afterCommit(this.ctx.db, () => void this.release(s.id));
  }

  private releaseOfflineNow(s: SessionRow, pending: PendingStage, now: number): Result<LoadedPack> {
    const source = this.source;
    if (!source) return err('PACK_LOCKED', 'this kiosk cannot release interview stages');
    const key = source.offlineKey(s.pack_id, pending.stageIndex);
    if (!key.ok) {
      this.failed(s, pending, key.error.code, now);
      return key;
    }
    try {
      return this.recordRelease(s, pending, key.value, 'offline', now);
    } finally {
      key.value.fill(0);
    }
  }

  /** Stores the key, journals the release and tailors the new questions; in one transaction. */
  private recordRelease(s: SessionRow, pending: PendingStage, key: Buffer, mode: 'offline' | 'hr', now: number): Result<LoadedPack> {
    const source = this.source!;
    const { db, journal } = this.ctx.deps;
    let opened: LoadedPack | undefined;
    let r: Result<void>;
    try {
      // Nested in a submission's transaction this is a savepoint: a refusal undoes the release only.
      r = transact(db, () => {
        const rec = source.record(s.id, s.pack_id, pending.stageIndex, key, mode);
        if (!rec.ok) return rec;
        const pack = this.ctx.packOf(s);
        if (!pack || pack.staged?.releasedStages !== pending.stageIndex + 1) throw new StageNotOpened();
        const variants = this.tailorReleased(s, pack, pending.stageIndex);
        journal.append(s.id, 'stage_content_released', { stageIndex: pending.stageIndex, stageId: rec.value.stageId, release: mode, envelopeSha256: rec.value.envelopeSha256, questionIndex: s.question_index, variants }, now);
        opened = pack;
        return ok(undefined);
      });
    } catch (e) {
      if (!(e instanceof StageNotOpened)) throw e;
      r = err('PACK_INCONSISTENT', 'the released stage did not open');
    }
    if (!r.ok) {
      this.failed(s, pending, r.error.code, now);
      return r;
    }
    this.failures.delete(s.id);
    return ok(opened!);
  }

  /**
   * Variants for the released stage's questions, chosen from the résumé tags found at check-in;
   * returned as `checked_in` journals them for stage 0.
   */
  private tailorReleased(s: SessionRow, pack: LoadedPack, stageIndex: number): { questionIndex: number; questionId: string; variantId: string; chosenBy: string[] }[] {
    const have = new Set(sessionVariants(this.ctx.db, s.id).map((v) => v.question_index));
    const hits = new Map(checkedInTagHits(this.ctx.db, s.id).map((h) => [h.tagId, h]));
    const rows = pack.questions
      .filter((q) => q.stageIndex === stageIndex && !have.has(q.index))
      .map((q) => {
        const c = chooseVariant(q.question, hits);
        return { session_id: s.id, question_index: q.index, question_id: q.question.id, variant_id: c.variantId, matched_tags: JSON.stringify(c.matchedTags) };
      });
    insertSessionVariants(this.ctx.db, rows);
    return rows.map((r) => ({ questionIndex: r.question_index, questionId: r.question_id, variantId: r.variant_id, chosenBy: JSON.parse(r.matched_tags) as string[] }));
  }

  /** Records a failed release; journaled once per stage and reason, not at every retry of an outage. */
  private failed(s: SessionRow, pending: PendingStage, code: string, now: number): void {
    const before = this.failures.get(s.id);
    this.failures.set(s.id, { code, at: now, stageIndex: pending.stageIndex });
    if (before && before.code === code && before.stageIndex === pending.stageIndex) return;
    this.ctx.log.warn('stage not released', { stageIndex: pending.stageIndex, code });
    transact(this.ctx.db, () => this.ctx.deps.journal.append(s.id, 'stage_release_failed', { stageIndex: pending.stageIndex, stageId: pending.stageId, code }, now));
  }

  /**
   * Releases the stage a session waits for (offline or from the HR endpoint) and opens its first
   * question. One request per session at a time; a second call joins the first.
   */
  release(sessionId: string): Promise<Result<void>> {
    const running = this.inFlight.get(sessionId);
    if (running) return running;
    const p = this.releaseNow(sessionId).finally(() => this.inFlight.delete(sessionId));
    this.inFlight.set(sessionId, p);
    return p;
  }

  private async releaseNow(sessionId: string): Promise<Result<void>> {
    const s0 = getSession(this.ctx.db, sessionId);
    const pack0 = s0 ? this.ctx.packOf(s0) : undefined;
    const pending0 = s0 && pack0 ? this.pendingOf(s0, pack0) : undefined;
    if (!s0 || !pack0 || !pending0) return ok(undefined);
    const source = this.source;
    if (!source) return err('PACK_LOCKED', 'this kiosk cannot release interview stages');
    const now0 = this.ctx.now();
    if (pack0.staged!.release === 'offline') {
      return this.ctx.guard(sessionId, () => {
        const opened = this.releaseOfflineNow(s0, pending0, now0);
        if (!opened.ok) return opened;
        transact(this.ctx.db, () => this.clock.openQuestion(s0.id, opened.value, s0.question_index, now0));
        return ok(undefined);
      });
    }
    const submittedStageId = pack0.staged!.stages[pending0.stageIndex - 1]!.id;
    const key = await source.requestKey({ sessionId, inviteCode: s0.invite_code, packId: s0.pack_id, stageIndex: pending0.stageIndex, stageId: pending0.stageId, submittedStageId });
    // The world may have moved while the request was out (the candidate left, the kiosk shut down).
    const s = getSession(this.ctx.db, sessionId);
    const pack = s ? this.ctx.packOf(s) : undefined;
    const pending = s && pack ? this.pendingOf(s, pack) : undefined;
    const now = this.ctx.now();
    if (!key.ok) {
      if (s && pending) {
        this.ctx.guard(sessionId, () => {
          this.failed(s, pending, key.error.code, now);
          return ok(undefined);
        });
      }
      return key;
    }
    try {
      if (!s || !pack || !pending || pending.stageIndex !== pending0.stageIndex) return ok(undefined);
      return this.ctx.guard(sessionId, () => {
        const opened = this.recordRelease(s, pending, key.value, 'hr', now);
        if (!opened.ok) return opened;
        transact(this.ctx.db, () => this.clock.openQuestion(s.id, opened.value, s.question_index, now));
        this.ctx.deps.emit?.({ sessionId, state: 'in_progress', code: 'STAGE_RELEASED' });
        return ok(undefined);
      });
    } finally {
      key.value.fill(0);
    }
  }

  /**
   * The view of a session waiting for its next stage. Asking for it starts a release when none is
   * running and the last failure is older than STAGE_RETRY_MS: the renderer's retry and its poll.
   */
  pendingView(s: SessionRow, pack: LoadedPack, pending: PendingStage, session: SessionView, now: number): CurrentView {
    const failure = this.failures.get(s.id);
    const retrying = this.inFlight.has(s.id);
    if (!retrying && (!failure || now - failure.at >= STAGE_RETRY_MS)) void this.release(s.id);
    const stage = pack.staged!.stages[pending.stageIndex]!;
    return {
      kind: 'stage_pending',
      session,
      stageIndex: pending.stageIndex,
      stageTitle: stage.title,
      ...(failure ? { problem: failure.code } : {}),
    };
  }
}

class StageNotOpened extends Error {}
