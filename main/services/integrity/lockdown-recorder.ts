/**
 * Journals what lockdown saw (focus and visibility lost and regained with their durations, blocked
 * shortcuts and pastes, displays added or removed, app faults) and what integrity monitoring found,
 * for the session the candidate is taking. Nothing here scores or fails anyone: each event goes to
 * the journal for a human to review.
 *
 * Events come from two places: the Electron shell (window blur/focus, `before-input-event`,
 * `screen` events) and the renderer's lockdown listener (visibility, pastes; focus and keys too in
 * the development web shell, where main cannot see the window).
 */
import type { LockdownAck, LockdownPolicyView, LockdownReport } from '../../../preload/contract/lockdown';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { storageErrorCode } from '../../db/errors';
import { getSession, sessionsInStates, type SessionRow } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';

export type LockdownSource = 'window' | 'renderer';

/** Facts lockdown sees beyond the renderer's reports. */
export type ShellLockdownEvent =
  | { readonly kind: 'focus_lost' | 'focus_regained' | 'hidden' | 'visible' | 'fullscreen_left' }
  | { readonly kind: 'shortcut_blocked'; readonly shortcut: string }
  | { readonly kind: 'display_added' | 'display_removed'; readonly displays: number; readonly detail: string }
  | { readonly kind: 'app_fault'; readonly detail: string };

export interface LockdownRecorderDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
  readonly logger: Logger;
  /** True in the Electron shell: main observes focus and keys itself. */
  readonly mainObservesWindow: boolean;
}

/** States in which a candidate is at the kiosk with a session of their own. */
const ATTENDED: ReadonlySet<string> = new Set(['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted']);

/** Starts of focus or visibility loss that pair with a later regain, per source. */
type AwayKey = `${LockdownSource}:${'focus' | 'visibility'}`;

export class LockdownRecorder {
  private readonly log: Logger;
  private readonly away = new Map<AwayKey, number>();

  constructor(private readonly deps: LockdownRecorderDeps) {
    this.log = deps.logger.scope('lockdown');
  }

  /** The renderer's report. A named session must exist; without one, the sessions in progress. */
  report(r: LockdownReport): Result<LockdownAck> {
    if (r.sessionId !== null && !getSession(this.deps.db, r.sessionId)) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    switch (r.kind) {
      case 'paste_blocked':
        return this.write(r.sessionId, 'renderer', { kind: 'paste_blocked', source: 'renderer' }, null);
      case 'shortcut_blocked':
        if (!r.shortcut) return err('INVALID_INPUT', 'shortcut: required for shortcut_blocked');
        return this.record({ kind: 'shortcut_blocked', shortcut: r.shortcut }, 'renderer', r.sessionId);
      case 'focus_lost':
      case 'focus_regained':
      case 'hidden':
      case 'visible':
      case 'fullscreen_left':
        return this.record({ kind: r.kind }, 'renderer', r.sessionId);
      default: {
        const never: never = r.kind;
        return never;
      }
    }
  }

  /** An event the shell itself observed. */
  record(event: ShellLockdownEvent, source: LockdownSource, sessionId: string | null = null): Result<LockdownAck> {
    const now = this.deps.clock.now();
    let durationMs: number | null = null;
    switch (event.kind) {
      case 'focus_lost':
      case 'hidden': {
        const key: AwayKey = `${source}:${event.kind === 'hidden' ? 'visibility' : 'focus'}`;
        // A second "lost" without a regain keeps the first start: the longer, true duration.
        if (!this.away.has(key)) this.away.set(key, now);
        break;
      }
      case 'focus_regained':
      case 'visible': {
        const key: AwayKey = `${source}:${event.kind === 'visible' ? 'visibility' : 'focus'}`;
        const since = this.away.get(key);
        this.away.delete(key);
        durationMs = since === undefined ? null : Math.max(0, now - since);
        break;
      }
      case 'shortcut_blocked':
      case 'fullscreen_left':
      case 'display_added':
      case 'display_removed':
      case 'app_fault':
        break;
      default: {
        const never: never = event;
        return never;
      }
    }
    const payload: Record<string, unknown> = { ...event, source };
    if (durationMs !== null) payload.durationMs = durationMs;
    return this.write(sessionId, source, payload, durationMs);
  }

  /** The renderer's rules for a session (or the strict default before check-in). */
  policy(sessionId: string | null): Result<LockdownPolicyView> {
    const s = sessionId ? getSession(this.deps.db, sessionId) : undefined;
    if (sessionId && !s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const lockdown = s ? this.deps.packs.get(s.pack_id)?.pack.policy.lockdown : undefined;
    // Unknown pack or no session yet: the strict default (the pack schema's own default is true).
    const blockClipboard = lockdown?.blockClipboard ?? true;
    return ok({ blockPaste: blockClipboard, clearClipboardAtStart: blockClipboard, mainObservesWindow: this.deps.mainObservesWindow });
  }

  /** Sessions an event belongs to: the named one if attended, else every session in progress. */
  private targets(sessionId: string | null): SessionRow[] {
    if (sessionId) {
      const s = getSession(this.deps.db, sessionId);
      return s && ATTENDED.has(s.state) ? [s] : [];
    }
    return sessionsInStates(this.deps.db, ['in_progress']);
  }

  private write(sessionId: string | null, source: LockdownSource, payload: Record<string, unknown>, durationMs: number | null): Result<LockdownAck> {
    const { db, journal, clock } = this.deps;
    const now = clock.now();
    try {
      const targets = this.targets(sessionId);
      if (targets.length === 0) {
        this.log.info('lockdown event outside an interview', { kind: String(payload.kind), source });
        return ok({ recorded: false, durationMs });
      }
      transact(db, () => {
        for (const s of targets) journal.append(s.id, 'lockdown_event', { ...payload, questionIndex: s.question_index, state: s.state }, now);
      });
      this.log.info('lockdown event', { kind: String(payload.kind), source, sessions: targets.length });
      return ok({ recorded: true, durationMs });
    } catch (e) {
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.log.error('lockdown event not saved', { code });
      return err(code, 'the kiosk could not save this event');
    }
  }
}
