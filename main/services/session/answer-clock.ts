/**
 * The answer clock: per open question, a preparation phase then an answer phase, each measured
 * from a base plus the time since `since` unless the clock is stopped. It is persisted at least
 * every PERSIST_INTERVAL_MS by the ticker (and rides on every chunk event), rebuilt from the
 * database after a restart, and opens questions.
 */
import { getProgress, markAnswering, persistElapsed, upsertProgress, type SessionRow } from '../../db/queries/sessions';
import { getSessionVariant } from '../../db/queries/packs';
import { getSession } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { LoadedPack } from '../packs/pack-provider';
import type { FlatQuestion, Pack } from '../packs/pack-schema';
import { getSessionAccommodations } from '../../db/queries/accommodations';
import { parseStoredAccommodations } from './accommodations';
import { DIALOG_PAUSE_CAP_MS } from '../../../preload/contract/page';
import type { SessionContext } from './context';

/** Elapsed time is written at least this often while a question is open. */
export const PERSIST_INTERVAL_MS = 500;

export interface Timer {
  questionIndex: number;
  phase: 'preparing' | 'answering';
  /** Elapsed ms of the current phase when `since` was taken. */
  base: number;
  since: number;
  prepElapsed: number;
  lastPersist: number;
  /** Set while a camera or microphone is lost: the clock of the open phase stands still. */
  paused?: { since: number; device: string };
  /** Set while no page shows the question (reload, closed window, crashed renderer). */
  held?: { since: number };
  /** Set while Help or Leave is open: the clock stands still, up to DIALOG_PAUSE_CAP_MS per question. */
  dialog?: { since: number; kind: DialogKind };
  /** Dialog pause already granted on this question. */
  dialogUsedMs?: number;
  /** The pack's per-question dialog allowance (fair-clock policy); DIALOG_PAUSE_CAP_MS when unset. */
  dialogCapMs?: number;
  /** Set during an accommodation's rest break before a stage: the clock stands still, up to maxMs. */
  rest?: { since: number; maxMs: number };
  /** Set while a proctor alert pauses the interview (proctor-pause.ts): never charged, no cap. */
  alert?: { since: number };
}

export type DialogKind = 'help' | 'exit';

/** Help or Leave stops the clock for at most this long per question, so it cannot become thinking time. */
export { DIALOG_PAUSE_CAP_MS };

function stopped(t: Pick<Timer, 'paused' | 'held' | 'dialog' | 'rest' | 'alert'>): boolean {
  return Boolean(t.paused || t.held || t.dialog || t.rest || t.alert);
}

function capOf(t: Pick<Timer, 'dialogCapMs'>): number {
  return t.dialogCapMs ?? DIALOG_PAUSE_CAP_MS;
}

/** Elapsed ms of the open phase at `now`: nothing runs while the clock is stopped. */
export function elapsedAt(t: Pick<Timer, 'base' | 'since' | 'paused' | 'held' | 'dialog' | 'rest' | 'alert'>, now: number): number {
  if (stopped(t)) return t.base;
  return t.base + Math.max(0, now - t.since);
}

/** Freezes a running clock as of `at` (which may lie in the past); a stopped clock stays as it is. */
function freeze(t: Timer, at: number): void {
  if (stopped(t)) return;
  t.base = elapsedAt(t, Math.max(t.since, at));
  t.since = Math.max(t.since, at);
}

/**
 * Stops a running clock as of `at`, which may lie in the past (the last moment a page was seen):
 * the time after `at` is not charged. Returns false when the clock was already held.
 */
export function holdAt(t: Timer, at: number): boolean {
  if (t.held) return false;
  freeze(t, at);
  t.held = { since: at };
  return true;
}

/** Lets a held clock run again from `now`; returns how long it was held, or null if it was not. */
export function releaseAt(t: Timer, now: number): number | null {
  if (!t.held) return null;
  const heldMs = Math.max(0, now - t.held.since);
  t.held = undefined;
  if (!stopped(t)) t.since = now;
  return heldMs;
}

/** A proctor alert pauses the interview: the clock stops at `now`. False when already paused so. */
export function alertHoldAt(t: Timer, now: number): boolean {
  if (t.alert) return false;
  freeze(t, now);
  t.alert = { since: now };
  return true;
}

/** The proctor lifted the pause: the clock runs again from `now`; returns how long it stood, or null. */
export function alertReleaseAt(t: Timer, now: number): number | null {
  if (!t.alert) return null;
  const pausedMs = Math.max(0, now - t.alert.since);
  t.alert = undefined;
  if (!stopped(t)) t.since = now;
  return pausedMs;
}

/** Help or Leave opened: the clock stops unless this question's dialog allowance is used up. */
export function openDialogAt(t: Timer, kind: DialogKind, now: number): boolean {
  if (t.dialog || (t.dialogUsedMs ?? 0) >= capOf(t)) return false;
  freeze(t, now);
  t.dialog = { since: now, kind };
  return true;
}

/** The dialog closed: the clock runs again; returns the pause granted, or null if none was running. */
export function closeDialogAt(t: Timer, now: number): number | null {
  if (!t.dialog) return null;
  const granted = Math.min(Math.max(0, now - t.dialog.since), capOf(t) - (t.dialogUsedMs ?? 0));
  t.dialogUsedMs = (t.dialogUsedMs ?? 0) + granted;
  t.dialog = undefined;
  if (!stopped(t)) t.since = now;
  return granted;
}

/** A dialog open past the allowance: the clock runs again from the moment the allowance ended. */
export function capDialogAt(t: Timer, now: number): boolean {
  if (!t.dialog) return false;
  const left = capOf(t) - (t.dialogUsedMs ?? 0);
  if (now - t.dialog.since < left) return false;
  const capAt = t.dialog.since + left;
  t.dialogUsedMs = capOf(t);
  t.dialog = undefined;
  if (!stopped(t)) t.since = capAt;
  return true;
}

/** A rest break begins (the clock was running): it stands still from `now`, up to maxMs. */
export function startRestAt(t: Timer, now: number, maxMs: number): boolean {
  if (t.rest || maxMs <= 0) return false;
  freeze(t, now);
  t.rest = { since: now, maxMs };
  return true;
}

/** The rest break ends at `now` (or when its time was up, whichever is first); returns the time rested. */
export function endRestAt(t: Timer, now: number): number | null {
  if (!t.rest) return null;
  const endAt = Math.min(now, t.rest.since + t.rest.maxMs);
  const rested = Math.max(0, endAt - t.rest.since);
  t.rest = undefined;
  if (!stopped(t)) t.since = endAt;
  return rested;
}

/** The pack's fair-clock policy: whether Help and Leave stop the clock, and the per-question allowance. */
export function dialogPolicyOf(pack: Pack): { stopsClock: boolean; capMs: number } {
  const p = pack.policy.fairClock;
  if (!p) return { stopsClock: true, capMs: DIALOG_PAUSE_CAP_MS };
  return { stopsClock: p.dialogsStopClock && p.dialogPauseCapSeconds > 0, capMs: p.dialogsStopClock ? p.dialogPauseCapSeconds * 1000 : 0 };
}

export class AnswerClock {
  private readonly timers = new Map<string, Timer>();

  constructor(private readonly ctx: SessionContext) {
    ctx.onForget((id) => this.timers.delete(id));
  }

  get(sessionId: string): Timer | undefined {
    return this.timers.get(sessionId);
  }

  delete(sessionId: string): void {
    this.timers.delete(sessionId);
  }

  clear(): void {
    this.timers.clear();
  }

  entries(): IterableIterator<[string, Timer]> {
    return this.timers.entries();
  }

  elapsed(t: Timer, now: number): number {
    return elapsedAt(t, now);
  }

  /** Opens a question (or a new attempt of it): progress row, `question_started`, a fresh clock. */
  openQuestion(sessionId: string, pack: LoadedPack, index: number, now: number, attempt = 0): void {
    const q = pack.questions[index]!;
    const phase = q.question.prepSeconds > 0 ? 'preparing' : 'answering';
    upsertProgress(this.ctx.db, {
      session_id: sessionId,
      question_index: index,
      attempt,
      segment: 0,
      phase,
      prep_elapsed_ms: 0,
      elapsed_ms: 0,
      persisted_at: now,
    });
    if (attempt === 0) {
      const v = getSessionVariant(this.ctx.db, sessionId, index);
      this.ctx.deps.journal.append(sessionId, 'question_started', {
        questionIndex: index,
        questionId: q.question.id,
        mode: q.question.mode,
        variantId: v?.variant_id ?? 'default',
        chosenBy: v ? (JSON.parse(v.matched_tags) as string[]) : [],
      }, now);
    }
    const timer: Timer = { questionIndex: index, phase, base: 0, since: now, prepElapsed: 0, lastPersist: now, dialogCapMs: dialogPolicyOf(pack.pack).capMs };
    this.timers.set(sessionId, timer);
    if (attempt === 0) this.maybeStartRest(sessionId, timer, q, now);
  }

  /** Before the first question of every stage after the first, a rest break if the candidate's accommodations give one. */
  private maybeStartRest(sessionId: string, t: Timer, q: FlatQuestion, now: number): void {
    if (q.stageIndex === 0 || q.indexInStage !== 0) return;
    const a = parseStoredAccommodations(getSessionAccommodations(this.ctx.db, sessionId)?.accommodations);
    const maxMs = (a?.restBreakMinutes ?? 0) * 60_000;
    if (!startRestAt(t, now, maxMs)) return;
    this.ctx.deps.journal.append(sessionId, 'rest_break_started', { questionIndex: q.index, stageIndex: q.stageIndex, maxMs }, now);
  }

  /** The in-memory timer for the open question, rebuilt from the database after a restart. */
  timerFor(s: SessionRow, q: FlatQuestion, now: number): Timer {
    const existing = this.timers.get(s.id);
    if (existing && existing.questionIndex === q.index) {
      this.advancePhase(s.id, existing, now);
      return existing;
    }
    const p = getProgress(this.ctx.db, s.id, q.index);
    const phase = p?.phase === 'preparing' ? 'preparing' : 'answering';
    const timer: Timer = {
      questionIndex: q.index,
      phase,
      base: phase === 'preparing' ? p?.prep_elapsed_ms ?? 0 : p?.elapsed_ms ?? 0,
      since: now,
      prepElapsed: p?.prep_elapsed_ms ?? 0,
      lastPersist: p?.persisted_at ?? now,
    };
    const pack = this.ctx.packOf(s);
    if (pack) timer.dialogCapMs = dialogPolicyOf(pack.pack).capMs;
    this.timers.set(s.id, timer);
    // A restart during a rest break (nothing charged yet on this stage's first question): the break
    // starts again, journaled, with the clock where it stopped. It is never shortened by a crash.
    if (p && p.attempt === 0 && p.phase !== 'submitted' && p.prep_elapsed_ms === 0 && p.elapsed_ms === 0) {
      transact(this.ctx.db, () => this.maybeStartRest(s.id, timer, q, now));
    }
    this.advancePhase(s.id, timer, now);
    return timer;
  }

  /** Preparation ends by itself when its time is up. */
  advancePhase(sessionId: string, t: Timer, now: number): void {
    if (t.phase !== 'preparing') return;
    const s = getSession(this.ctx.db, sessionId);
    const q = s ? this.ctx.packOf(s)?.questions[t.questionIndex] : undefined;
    if (!q) return;
    const limit = q.question.prepSeconds * 1000;
    if (this.elapsed(t, now) >= limit) {
      const overflow = this.elapsed(t, now) - limit;
      // Preparation used exactly its limit; the overflow (noticed late, or saved before a
      // restart) is answer time. Passed explicitly: after a restart the timer's `since` is the
      // restart, so the clock cannot be read back to the moment the limit was reached.
      this.startAnswering(sessionId, t, now - overflow, true, limit);
      t.since = now - overflow;
    }
  }

  startAnswering(sessionId: string, t: Timer, at: number, auto: boolean, prepElapsedMs?: number): void {
    const prepElapsed = Math.min(prepElapsedMs ?? this.elapsed(t, at), Number.MAX_SAFE_INTEGER);
    t.prepElapsed = prepElapsed;
    t.phase = 'answering';
    t.base = 0;
    t.since = at;
    const { db, journal } = this.ctx.deps;
    transact(db, () => {
      markAnswering(db, sessionId, t.questionIndex, prepElapsed, at);
      journal.append(sessionId, 'answer_begun', { questionIndex: t.questionIndex, auto, prepElapsedMs: prepElapsed }, at);
    });
    t.lastPersist = at;
  }

  persist(sessionId: string, now: number): void {
    const t = this.timers.get(sessionId);
    if (!t) return;
    const e = this.elapsed(t, now);
    if (t.phase === 'preparing') persistElapsed(this.ctx.db, sessionId, t.questionIndex, e, 0, now);
    else persistElapsed(this.ctx.db, sessionId, t.questionIndex, t.prepElapsed, e, now);
    t.lastPersist = now;
  }
}
