/**
 * Journals the camera integrity flags the page's detector reports (issue #15; the decisions are in
 * shared/vision/flags.ts). Everything a hostile page could send is checked against the session — in
 * progress, on that question, its pack's vision policy on — and bounded: a flag ends only after it
 * started, starts at most once while open, and at most MAX_FLAG_EVENTS_PER_ANSWER are journaled per
 * answer. Nothing here reads or writes a score, pauses or ends the interview: a flag is for a human.
 */
import type { VisionFlagReport, VisionPolicyView } from '../../../preload/contract/vision';
import { resolveVisionPolicy } from '../../../shared/vision/policy';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { getSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';

export const MAX_FLAG_EVENTS_PER_ANSWER = 200;

export interface VisionFlagDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
}

export class VisionFlagRecorder {
  /** Per session: the answer last reported (`question:attempt`), its open kinds and how many events it journaled. */
  private readonly state = new Map<string, { key: string; open: Set<string>; count: number }>();

  constructor(private readonly deps: VisionFlagDeps) {}

  policy(sessionId: string): Result<VisionPolicyView> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not available`);
    return ok({ ...resolveVisionPolicy(p.pack.policy.vision) });
  }

  report(r: VisionFlagReport): Result<{ recorded: boolean }> {
    const s = getSession(this.deps.db, r.sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    if (s.state !== 'in_progress') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}, not in progress`);
    if (s.question_index !== r.questionIndex) return err('QUESTION_MISMATCH', `question ${r.questionIndex} is not the open question`);
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p || p.hash !== s.pack_hash) return err('PACK_NOT_FOUND', 'the interview pack is not available');
    if (!resolveVisionPolicy(p.pack.policy.vision).enabled) return err('ILLEGAL_TRANSITION', 'this interview pack has camera flags turned off');

    const key = `${r.questionIndex}:${r.attempt}`;
    let st = this.state.get(r.sessionId);
    if (!st || st.key !== key) {
      st = { key, open: new Set(), count: 0 };
      this.state.set(r.sessionId, st);
    }
    const f = r.flag;
    if (st.count >= MAX_FLAG_EVENTS_PER_ANSWER) return ok({ recorded: false });
    if (f.status === 'started' ? st.open.has(f.kind) : !st.open.has(f.kind)) return ok({ recorded: false });

    const now = this.deps.clock.now();
    const payload =
      f.status === 'started'
        ? { status: 'started', kind: f.kind, questionIndex: r.questionIndex, attempt: r.attempt, confidence: f.confidence, heldMs: f.heldMs, startedAt: now - f.heldMs }
        : { status: 'ended', kind: f.kind, questionIndex: r.questionIndex, attempt: r.attempt, confidence: f.confidence, durationMs: f.durationMs, startedAt: now - f.durationMs, endedAt: now, frames: f.frames, reason: f.reason };
    transact(this.deps.db, () => this.deps.journal.append(r.sessionId, 'vision_flag', payload, now));
    if (f.status === 'started') st.open.add(f.kind);
    else st.open.delete(f.kind);
    st.count++;
    return ok({ recorded: true });
  }
}
