/**
 * "Leaving asks for a reason": the contract refuses a confirmation without one. A default
 * (`.default('other')`), an optional reason or an empty "other" would let the dialog send none.
 */
import { describe, expect, it } from 'vitest';
import { ExitReason } from '../../../preload/contract/common';
import { ExitConfirmRequest } from '../../../preload/contract/session';

const sessionId = '6f1c2f0e-8a4b-4c1d-9e2f-3a4b5c6d7e8f';
const parses = (x: unknown) => ExitConfirmRequest.safeParse(x).success;

describe('confirming an exit needs a reason', () => {
  it('refuses a confirmation with no reason, a null one, an empty one or an unknown one', () => {
    expect(parses({ sessionId })).toBe(false);
    expect(parses({ sessionId, reason: null })).toBe(false);
    expect(parses({ sessionId, reason: '' })).toBe(false);
    expect(parses({ sessionId, reason: 'bored' })).toBe(false);
  });

  it('refuses "other" without words, or with only spaces', () => {
    expect(parses({ sessionId, reason: 'other' })).toBe(false);
    expect(parses({ sessionId, reason: 'other', text: '' })).toBe(false);
    expect(parses({ sessionId, reason: 'other', text: '   ' })).toBe(false);
    expect(parses({ sessionId, reason: 'other', text: '家里有急事' })).toBe(true);
  });

  it('accepts each listed reason, and the list is the one the README documents', () => {
    expect(ExitReason.options).toEqual(['network', 'device', 'time', 'personal', 'question_content', 'privacy', 'gave_up', 'other']);
    for (const reason of ExitReason.options.filter((r) => r !== 'other')) expect(parses({ sessionId, reason })).toBe(true);
  });
});
