import { describe, expect, it } from 'vitest';
import type { SessionStateValue } from '../../../../main/db/queries/sessions';
import { canTransition, isTerminal, targetOf, type Transition } from '../../../../main/services/session/state-machine';

const states: SessionStateValue[] = ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted', 'completed', 'exited', 'expired', 'no_show'];

describe('session state machine', () => {
  it('follows checked_in → consented → prechecked → in_progress ⇄ interrupted → completed', () => {
    const path: Array<[SessionStateValue, Transition]> = [
      ['checked_in', 'consent'],
      ['consented', 'precheck'],
      ['prechecked', 'start'],
      ['in_progress', 'interrupt'],
      ['interrupted', 'resume'],
      ['in_progress', 'complete'],
    ];
    for (const [from, t] of path) expect(canTransition(from, t), `${from} --${t}-->`).toBe(true);
    expect(targetOf('complete')).toBe('completed');
  });

  it('never leaves a terminal state', () => {
    const all: Transition[] = ['consent', 'precheck', 'start', 'interrupt', 'resume', 'restart_checkin', 'complete', 'exit', 'expire', 'no_show'];
    for (const s of states.filter(isTerminal)) for (const t of all) expect(canTransition(s, t), `${s} --${t}-->`).toBe(false);
  });

  it('refuses skipping steps', () => {
    expect(canTransition('checked_in', 'start')).toBe(false);
    expect(canTransition('consented', 'start')).toBe(false);
    expect(canTransition('checked_in', 'complete')).toBe(false);
    expect(canTransition('interrupted', 'complete')).toBe(false);
    expect(canTransition('in_progress', 'expire')).toBe(false);
  });
});
