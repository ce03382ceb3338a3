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
import { stmt } from '../../db/statements';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';

export const MAX_FLAG_EVENTS_PER_ANSWER = 200;

/** A flag the journal shows started and never ended: its page (or the kiosk) died mid-flag. */
export type OpenFlag =
  | { readonly source: 'vision'; readonly kind: string; readonly questionIndex: number; readonly attempt: number; readonly startedAt: number; readonly confidence: number }
  | { readonly source: 'cant_hear'; readonly questionIndex: number; readonly attempt: number; readonly startedAt: number; readonly payload: Record<string, unknown> };

const int = (v: unknown): number => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/** The flags still open at the end of a session's events (`vision_flag`, `cant_hear_shown`/`_cleared`), oldest first. Pure. */
export function openFlagsOf(events: readonly { readonly type: string; readonly at: number; readonly payload: Record<string, unknown> }[]): OpenFlag[] {
  const open = new Map<string, OpenFlag>();
  for (const { type, at, payload: p } of events) {
    const answer = `${int(p.questionIndex)}:${int(p.attempt)}`;
    if (type === 'vision_flag' && typeof p.kind === 'string') {
      const key = `v:${p.kind}:${answer}`;
      if (p.status === 'started') {
        const startedAt = typeof p.startedAt === 'number' && Number.isFinite(p.startedAt) ? p.startedAt : at;
        open.set(key, { source: 'vision', kind: p.kind, questionIndex: int(p.questionIndex), attempt: int(p.attempt), startedAt, confidence: typeof p.confidence === 'number' ? p.confidence : 0 });
      } else if (p.status === 'ended') open.delete(key);
    } else if (type === 'cant_hear_shown') {
      open.set(`h:${answer}`, { source: 'cant_hear', questionIndex: int(p.questionIndex), attempt: int(p.attempt), startedAt: at, payload: p });
    } else if (type === 'cant_hear_cleared') {
      open.delete(`h:${answer}`);
    }
  }
  return [...open.values()].sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * Journals an end for every flag of the session still open — `vision_flag` ended and
 * `cant_hear_cleared`, each with reason `interrupted` — so a flag whose page died (a crash, a
 * closed or replaced page) is not left open for ever on the proctor's board and in HR's review.
 * The end is when the session was interrupted if it was, else now. Returns how many were closed.
 */
export function closeInterruptedFlags(deps: Pick<VisionFlagDeps, 'db' | 'journal' | 'clock'>, sessionId: string): number {
  const rows = stmt(deps.db, `SELECT type, at, payload FROM journal WHERE session_id = ? AND type IN ('vision_flag', 'cant_hear_shown', 'cant_hear_cleared') ORDER BY seq`).all(sessionId) as { type: string; at: number; payload: string }[];
  const open = openFlagsOf(rows.map((r) => ({ type: r.type, at: r.at, payload: JSON.parse(r.payload) as Record<string, unknown> })));
  if (open.length === 0) return 0;
  const now = deps.clock.now();
  const s = getSession(deps.db, sessionId);
  const endedAt = s?.interrupted_at ?? now;
  transact(deps.db, () => {
    for (const f of open) {
      const durationMs = Math.max(0, endedAt - f.startedAt);
      if (f.source === 'vision') {
        deps.journal.append(sessionId, 'vision_flag', { status: 'ended', kind: f.kind, questionIndex: f.questionIndex, attempt: f.attempt, confidence: f.confidence, durationMs, startedAt: f.startedAt, endedAt, frames: 0, reason: 'interrupted' }, now);
      } else {
        deps.journal.append(sessionId, 'cant_hear_cleared', { ...f.payload, questionIndex: f.questionIndex, attempt: f.attempt, durationMs, reason: 'interrupted' }, now);
      }
    }
  });
  return open.length;
}

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

  /**
   * A page that showed this session is gone (the kiosk restarted, the candidate resumed, a new page
   * attached): its open flags can no longer end normally, so they end now as `interrupted`, and
   * what this recorder remembers of the session is dropped so the new page's flags count afresh.
   */
  closeInterrupted(sessionId: string): number {
    this.state.delete(sessionId);
    return closeInterruptedFlags(this.deps, sessionId);
  }

  /** Whether this process journaled a flag of the session that has not ended (no journal read). */
  hasOpen(sessionId: string): boolean {
    return (this.state.get(sessionId)?.open.size ?? 0) > 0;
  }

  /** At start: sessions left interrupted or exited may hold flags a dead page never ended. */
  closeInterruptedAtStart(): number {
    const ids = stmt(this.deps.db, `SELECT id FROM sessions WHERE state IN ('interrupted', 'exited')`).all() as { id: string }[];
    return ids.reduce((n, r) => n + closeInterruptedFlags(this.deps, r.id), 0);
  }

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
