import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionStateValue } from '../../../../main/db/queries/sessions';
import { canTransition, isTerminal, targetOf, TERMINAL_STATES, type Transition } from '../../../../main/services/session/state-machine';

const STATES: readonly SessionStateValue[] = ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted', 'completed', 'exited', 'expired', 'no_show'];
const TRANSITIONS: readonly Transition[] = ['consent', 'precheck', 'start', 'interrupt', 'resume', 'restart_checkin', 'complete', 'exit', 'expire', 'no_show'];

/**
 * The lifecycle as the README and DESIGN.md state it, written out here independently of the
 * product's table: `checked_in → consented → prechecked → in_progress ⇄ interrupted → completed |
 * exited | expired`, `no_show` for an invite never checked in, a repeated pre-check, an exited
 * session resumable (or restarted at check-in if it never began), expiry from any waiting state.
 */
const README_EDGES: ReadonlyArray<readonly [SessionStateValue, Transition, SessionStateValue]> = [
  ['checked_in', 'consent', 'consented'],
  ['consented', 'precheck', 'prechecked'],
  ['prechecked', 'precheck', 'prechecked'],
  ['prechecked', 'start', 'in_progress'],
  ['in_progress', 'interrupt', 'interrupted'],
  ['interrupted', 'resume', 'in_progress'],
  ['exited', 'resume', 'in_progress'],
  ['exited', 'restart_checkin', 'checked_in'],
  ['in_progress', 'complete', 'completed'],
  ['checked_in', 'exit', 'exited'],
  ['consented', 'exit', 'exited'],
  ['prechecked', 'exit', 'exited'],
  ['in_progress', 'exit', 'exited'],
  ['interrupted', 'exit', 'exited'],
  ['checked_in', 'expire', 'expired'],
  ['consented', 'expire', 'expired'],
  ['prechecked', 'expire', 'expired'],
  ['interrupted', 'expire', 'expired'],
  ['exited', 'expire', 'expired'],
];

const allowed = (from: SessionStateValue, t: Transition) => README_EDGES.some(([f, tt]) => f === from && tt === t);

const state = fc.constantFrom(...STATES);
const transition = fc.constantFrom(...TRANSITIONS);

describe('session state machine (properties)', () => {
  it('allows exactly the transitions the documented lifecycle allows, to the documented state', () => {
    fc.assert(
      fc.property(state, transition, (from, t) => {
        expect(canTransition(from, t), `${from} --${t}-->`).toBe(allowed(from, t));
        const edge = README_EDGES.find(([, tt]) => tt === t);
        if (edge) expect(targetOf(t)).toBe(edge[2]);
      }),
      { numRuns: 300 },
    );
    // Exhaustively as well: 90 pairs, so no pair is left to chance.
    for (const from of STATES) for (const t of TRANSITIONS) expect(canTransition(from, t), `${from} --${t}-->`).toBe(allowed(from, t));
    expect(targetOf('no_show')).toBe('no_show');
  });

  it('has no transition out of a terminal state, and every other state has a way on', () => {
    fc.assert(
      fc.property(state, (s) => {
        const outgoing = TRANSITIONS.filter((t) => canTransition(s, t));
        expect(isTerminal(s)).toBe(outgoing.length === 0);
        expect(TERMINAL_STATES.includes(s)).toBe(isTerminal(s));
      }),
    );
    expect([...TERMINAL_STATES].sort()).toEqual(['completed', 'expired', 'no_show']);
  });

  it('keeps every random walk inside the lifecycle: no skipped step, nothing after an end', () => {
    fc.assert(
      fc.property(fc.array(transition, { maxLength: 60 }), (attempts) => {
        let s: SessionStateValue = 'checked_in';
        const visited: SessionStateValue[] = [s];
        for (const t of attempts) {
          if (!canTransition(s, t)) continue;
          const next = targetOf(t);
          // The walk never leaves a terminal state and never reaches no_show from a checked-in session.
          expect(isTerminal(s)).toBe(false);
          expect(next).not.toBe('no_show');
          s = next;
          visited.push(s);
        }
        // Ordering guarantees: answering only after a pre-check or by resuming an exited session
        // (the table alone cannot tell whether that session had begun: SessionService sends one
        // that never started through restart_checkin instead), completion only from answering.
        const firstAnswering = visited.indexOf('in_progress');
        if (firstAnswering >= 0) expect(visited[firstAnswering - 1] === 'exited' || visited.slice(0, firstAnswering).includes('prechecked')).toBe(true);
        visited.forEach((v, i) => {
          if (v === 'completed') expect(visited[i - 1]).toBe('in_progress');
          if (v === 'prechecked') expect(['consented', 'prechecked']).toContain(visited[i - 1]);
          if (v === 'consented') expect(visited[i - 1]).toBe('checked_in');
          if (isTerminal(v)) expect(i).toBe(visited.length - 1);
        });
      }),
      { numRuns: 500 },
    );
  });

  it('reaches every state but no_show from check-in, and every terminal state through allowed steps', () => {
    const reached = new Set<SessionStateValue>(['checked_in']);
    for (let grew = true; grew; ) {
      grew = false;
      for (const s of [...reached]) {
        for (const t of TRANSITIONS) {
          if (canTransition(s, t) && !reached.has(targetOf(t))) {
            reached.add(targetOf(t));
            grew = true;
          }
        }
      }
    }
    expect([...reached].sort()).toEqual(STATES.filter((s) => s !== 'no_show').sort());
  });
});
