/**
 * Session states and the only transitions allowed between them:
 * checked_in → consented → prechecked → in_progress ⇄ interrupted → completed | exited | expired,
 * and no_show for an invite never checked in. An exited session may still be resumed inside the
 * pack's return window (the candidate was told so before confirming), after which it expires.
 */
import type { SessionStateValue } from '../../db/queries/sessions';

export type Transition =
  | 'consent'
  | 'precheck'
  | 'start'
  | 'interrupt'
  | 'resume'
  | 'restart_checkin'
  | 'complete'
  | 'exit'
  | 'expire'
  | 'no_show';

const table: Record<Transition, { from: readonly SessionStateValue[]; to: SessionStateValue }> = {
  consent: { from: ['checked_in'], to: 'consented' },
  precheck: { from: ['consented', 'prechecked'], to: 'prechecked' },
  start: { from: ['prechecked'], to: 'in_progress' },
  interrupt: { from: ['in_progress'], to: 'interrupted' },
  resume: { from: ['interrupted', 'exited'], to: 'in_progress' },
  /** An exit before the interview began: coming back starts again at consent. */
  restart_checkin: { from: ['exited'], to: 'checked_in' },
  complete: { from: ['in_progress'], to: 'completed' },
  exit: { from: ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted'], to: 'exited' },
  expire: { from: ['checked_in', 'consented', 'prechecked', 'interrupted', 'exited'], to: 'expired' },
  no_show: { from: [], to: 'no_show' },
};

export const TERMINAL_STATES: readonly SessionStateValue[] = ['completed', 'expired', 'no_show'];

export function canTransition(from: SessionStateValue, t: Transition): boolean {
  return table[t].from.includes(from);
}

export function targetOf(t: Transition): SessionStateValue {
  return table[t].to;
}

export function isTerminal(state: SessionStateValue): boolean {
  return TERMINAL_STATES.includes(state);
}
