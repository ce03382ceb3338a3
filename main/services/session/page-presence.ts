/**
 * Which page shows a session, and what happened when it stopped showing it. A page reload, a
 * closed window or a crashed renderer is not the candidate leaving: no resume is used, and with
 * the pack's `paused` timer the time no page was there is not charged. One page records at a
 * time: a page in another tab takes the session over, the older page is told and refused.
 *
 * A page is "gone" when it said so (pagehide), or when it has been silent for SILENCE_MS (a crash
 * says nothing). The clock is then stopped as of the last moment the page was seen. When a page
 * attaches again, the interruption is classified and journaled with the time it took; a page gone
 * for longer than the pack's grace window has been abandoned and the session is interrupted, so
 * the ordinary resume policy applies.
 */
import type { PageInterruption, PagePresence as PresenceView } from '../../../preload/contract/page';
import { err, ok, type Result } from '../../common/result';
import { segmentChunkCount } from '../../db/queries/media';
import { getProgress, getSession, upsertProgress, type SessionRow } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { LoadedPack } from '../packs/pack-provider';
import type { FlatQuestion } from '../packs/pack-schema';
import { holdAt, releaseAt, type AnswerClock } from './answer-clock';
import type { SessionContext } from './context';
import type { SessionViews } from './views';

/** A page that has not been heard from for this long (it beats every second) is gone. */
export const SILENCE_MS = 3_000;

interface ActivePage {
  pageId: string;
  tabId: string;
  attachedAt: number;
  lastSeen: number;
  gone?: { at: number; cause: 'pagehide' | 'silence' };
}

/**
 * How a page that comes back after `previous` is understood. Same tab: a reload if the old page
 * said goodbye, else its renderer died. Another tab: a takeover while the old page is alive, a
 * closed window if it said goodbye, else a crash. Pure, so it is tested on its own.
 */
export function classifyReturn(
  previous: { tabId: string; lastSeen: number; gone?: { cause: 'pagehide' | 'silence' } },
  next: { tabId: string },
  now: number,
): PageInterruption | 'takeover' {
  const sameTab = previous.tabId === next.tabId;
  const saidGoodbye = previous.gone?.cause === 'pagehide';
  if (sameTab) return saidGoodbye ? 'page_reload' : 'renderer_crash';
  if (!previous.gone && now - previous.lastSeen < SILENCE_MS) return 'takeover';
  return saidGoodbye ? 'page_closed' : 'renderer_crash';
}

export class PagePresence {
  private readonly pages = new Map<string, ActivePage>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly clock: AnswerClock,
    private readonly views: SessionViews,
    private readonly emitPage?: (e: { sessionId: string; kind: 'taken_over'; activePageId: string }) => void,
  ) {
    ctx.onForget((id) => this.pages.delete(id));
  }

  /** Whether `pageId` may act for the session: refused only when another page is the active one. */
  superseded(sessionId: string, pageId: string | undefined): boolean {
    if (pageId === undefined) return false;
    const cur = this.pages.get(sessionId);
    return cur !== undefined && cur.pageId !== pageId;
  }

  /** Any request from the active page is a sign of life. */
  seen(sessionId: string, pageId: string | undefined, now: number): void {
    const cur = this.pages.get(sessionId);
    if (cur && pageId !== undefined && cur.pageId === pageId && !cur.gone) cur.lastSeen = now;
  }

  attach(sessionId: string, pageId: string, tabId: string, reloaded = false): Result<PresenceView> {
    return this.ctx.withSession<PresenceView>(sessionId, (s, pack, now) => {
      if (s.state !== 'in_progress') return ok({ sessionId: s.id, active: true, question: null });
      const q = pack.questions[s.question_index];
      if (!q) return ok({ sessionId: s.id, active: true, question: null });
      const cur = this.pages.get(s.id);
      const { journal } = this.ctx.deps;
      if (cur && cur.pageId === pageId) {
        if (cur.gone) this.comeBack(s, pack, q, cur, 'page_stalled', pageId, now, false);
        cur.lastSeen = now;
        return ok({ sessionId: s.id, active: true, question: this.views.questionView(s, pack, q, now) });
      }
      const timer = this.clock.timerFor(s, q, now);
      if (!cur) {
        transact(this.ctx.db, () => {
          this.newSegment(s, q, now);
          journal.append(s.id, 'page_attached', { pageId, tabId, reloaded, questionIndex: q.index }, now);
        });
        if (timer.held) releaseAt(timer, now);
      } else {
        const kind = classifyReturn(cur, { tabId }, now);
        if (kind === 'takeover') {
          transact(this.ctx.db, () => {
            this.newSegment(s, q, now);
            journal.append(s.id, 'page_taken_over', { fromPageId: cur.pageId, pageId, tabId, reloaded, questionIndex: q.index }, now);
          });
          if (timer.held) releaseAt(timer, now);
          this.emitPage?.({ sessionId: s.id, kind: 'taken_over', activePageId: pageId });
        } else {
          this.comeBack(s, pack, q, cur, kind, pageId, now, true, reloaded);
        }
      }
      this.pages.set(s.id, { pageId, tabId, attachedAt: now, lastSeen: now });
      return ok({ sessionId: s.id, active: true, question: this.views.questionView(getSession(this.ctx.db, s.id)!, pack, q, now) });
    });
  }

  heartbeat(sessionId: string, pageId: string): Result<PresenceView> {
    return this.ctx.withSession<PresenceView>(sessionId, (s, pack, now) => {
      const cur = this.pages.get(s.id);
      if (cur && cur.pageId !== pageId) return ok({ sessionId: s.id, active: false, question: null, sessionState: s.state });
      if (cur && s.state === 'in_progress') {
        const q = pack.questions[s.question_index];
        if (cur.gone && q) this.comeBack(s, pack, q, cur, 'page_stalled', pageId, now, false);
        cur.lastSeen = now;
      }
      return ok({ sessionId: s.id, active: true, question: null, sessionState: s.state });
    });
  }

  /** The page is being unloaded (pagehide): the clock stops now, the page is expected back. */
  detach(sessionId: string, pageId: string): Result<{ detached: boolean }> {
    return this.ctx.withSession<{ detached: boolean }>(sessionId, (s, pack, now) => {
      const cur = this.pages.get(s.id);
      if (!cur || cur.pageId !== pageId || cur.gone || s.state !== 'in_progress') return ok({ detached: false });
      this.markGone(s, pack, cur, now, 'pagehide', now);
      return ok({ detached: true });
    });
  }

  /** Called by the ticker: notices silent pages, and abandoned ones after the grace window. */
  tick(now: number): void {
    for (const [sessionId, cur] of [...this.pages]) {
      this.ctx.guard(sessionId, () => {
        const s = getSession(this.ctx.db, sessionId);
        const pack = s ? this.ctx.packOf(s) : undefined;
        if (!s || !pack || s.state !== 'in_progress') {
          this.pages.delete(sessionId);
          return ok(undefined);
        }
        if (!cur.gone && now - cur.lastSeen >= SILENCE_MS) this.markGone(s, pack, cur, cur.lastSeen, 'silence', now);
        const graceMs = pack.pack.policy.resume.graceSeconds * 1000;
        if (cur.gone && now - cur.gone.at > graceMs) this.abandon(s, cur, now);
        return ok(undefined);
      });
    }
  }

  private markGone(s: SessionRow, pack: LoadedPack, cur: ActivePage, at: number, cause: 'pagehide' | 'silence', now: number): void {
    cur.gone = { at, cause };
    const q = pack.questions[s.question_index];
    const paused = pack.pack.policy.resume.timerMode === 'paused';
    transact(this.ctx.db, () => {
      // With a paused timer the held clock value is journaled: `page_reattached.elapsedMs` must
      // equal it, which is how a reviewer (and the browser tests) see that nothing was charged.
      let held: { elapsedMs: number } | Record<string, never> = {};
      if (q && paused) {
        const timer = this.clock.timerFor(s, q, now);
        holdAt(timer, at);
        this.clock.persist(s.id, now);
        held = { elapsedMs: Math.round(this.clock.elapsed(timer, now)) };
      }
      this.ctx.deps.journal.append(s.id, 'page_detached', { pageId: cur.pageId, cause, lastSeenAt: cur.lastSeen, questionIndex: s.question_index, ...held }, now);
    });
  }

  /**
   * A page shows the question again after an interruption of kind `kind`: the clock runs again
   * (with a paused timer, nothing after the page was last seen is charged) and the interruption
   * is journaled with the time it took. A new page records into a new segment.
   */
  private comeBack(s: SessionRow, pack: LoadedPack, q: FlatQuestion, cur: ActivePage, kind: PageInterruption, pageId: string, now: number, newPage: boolean, reloaded = false): void {
    const since = cur.gone?.at ?? cur.lastSeen;
    const paused = pack.pack.policy.resume.timerMode === 'paused';
    const timer = this.clock.timerFor(s, q, now);
    if (paused) holdAt(timer, since);
    releaseAt(timer, now);
    cur.gone = undefined;
    const interruptedMs = Math.max(0, now - since);
    transact(this.ctx.db, () => {
      if (newPage) this.newSegment(s, q, now);
      this.clock.persist(s.id, now);
      this.ctx.deps.journal.append(s.id, 'page_reattached', {
        kind,
        fromPageId: cur.pageId,
        pageId,
        // What the browser said about the new page's load, kept as evidence beside the kind.
        reloaded,
        questionIndex: q.index,
        interruptedMs,
        chargedMs: paused ? 0 : interruptedMs,
        timerMode: pack.pack.policy.resume.timerMode,
        elapsedMs: Math.round(this.clock.elapsed(timer, now)),
      }, now);
    });
  }

  /** No page came back within the grace window: the candidate has left; the resume policy applies. */
  private abandon(s: SessionRow, cur: ActivePage, now: number): void {
    const gone = cur.gone!;
    transact(this.ctx.db, () => {
      this.clock.persist(s.id, now);
      this.ctx.transition(s, 'interrupt', now, { interrupted_at: gone.at, interruption: 'unknown' });
      this.ctx.deps.journal.append(s.id, 'page_abandoned', { pageId: cur.pageId, cause: gone.cause, goneAt: gone.at, questionIndex: s.question_index }, now);
    });
    this.pages.delete(s.id);
    this.clock.delete(s.id);
  }

  /** A new page starts a new, independently decodable recording segment if the current one has chunks. */
  private newSegment(s: SessionRow, q: FlatQuestion, now: number): void {
    const p = getProgress(this.ctx.db, s.id, q.index);
    if (!p || p.phase === 'submitted') return;
    if (segmentChunkCount(this.ctx.db, s.id, q.index, p.attempt, p.segment) === 0) return;
    upsertProgress(this.ctx.db, { ...p, segment: p.segment + 1 });
    this.clock.persist(s.id, now);
  }

  /** Refusal for a page that was taken over. */
  static refusal<T>(): Result<T> {
    return err('PAGE_SUPERSEDED', 'this interview continues in another window; this one no longer records');
  }
}
