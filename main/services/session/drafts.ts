/**
 * Typed drafts. The page saves the text of a typed answer every few seconds and when the text box
 * loses focus; each save is committed durably (the text in `answer_drafts`, its length and sha256
 * in the journal) before it is acknowledged, and the open question's view carries it back after a
 * reload or a restart. Saves of unchanged text write nothing; the journal gets at most one draft
 * event per DRAFT_JOURNAL_INTERVAL_MS per session (the row itself is always current). A submitted
 * answer supersedes the drafts of its question.
 */
import { createHash } from 'node:crypto';
import type { DraftAck } from '../../../preload/contract/page';
import { err, ok, type Result } from '../../common/result';
import { getDraft, upsertDraft } from '../../db/queries/drafts';
import { getProgress } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { SessionContext } from './context';
import { PagePresence } from './page-presence';

export const DRAFT_JOURNAL_INTERVAL_MS = 1_000;

export class Drafts {
  private readonly lastJournaled = new Map<string, number>();

  constructor(
    private readonly ctx: SessionContext,
    private readonly presence: PagePresence,
  ) {
    ctx.onForget((id) => this.lastJournaled.delete(id));
  }

  save(sessionId: string, questionIndex: number, attempt: number, pageId: string, text: string): Result<DraftAck> {
    return this.ctx.withActiveQuestion(sessionId, questionIndex, (s, _pack, q, now) => {
      if (q.question.mode !== 'text') return err('ANSWER_MODE_MISMATCH', 'only typed answers have drafts');
      if (this.presence.superseded(s.id, pageId)) return PagePresence.refusal();
      this.presence.seen(s.id, pageId, now);
      const progress = getProgress(this.ctx.db, s.id, q.index);
      if (!progress || progress.attempt !== attempt || progress.phase === 'submitted') {
        return err('QUESTION_MISMATCH', `attempt ${attempt} is not the open attempt`);
      }
      const sha256 = createHash('sha256').update(text).digest('hex');
      const previous = getDraft(this.ctx.db, s.id, q.index, attempt);
      if (previous && previous.sha256 === sha256) return ok({ savedAt: previous.saved_at, length: text.length, journaled: false });
      const journaled = now - (this.lastJournaled.get(s.id) ?? -Infinity) >= DRAFT_JOURNAL_INTERVAL_MS;
      transact(this.ctx.db, () => {
        upsertDraft(this.ctx.db, { session_id: s.id, question_index: q.index, attempt, text, sha256, saved_at: now });
        if (journaled) this.ctx.deps.journal.append(s.id, 'draft_saved', { questionIndex: q.index, attempt, length: text.length, sha256 }, now);
      });
      if (journaled) this.lastJournaled.set(s.id, now);
      return ok({ savedAt: now, length: text.length, journaled });
    });
  }
}
