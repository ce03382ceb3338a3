/**
 * Where a session's identity check stands, folded from its journal events (pure; main decides with
 * it, the hub's proctor board reads the same events). Events, in the order a check produces them:
 *
 *   identity_offered           the notice and the choice were shown
 *   identity_photo_captured    a photo was stored sealed ({ ordinal, sha256 })
 *   identity_id_entered        an ID number was stored sealed ({ ordinal, docType, masked })
 *   identity_code_refused      a wrong proctor code for the pending submission
 *   identity_proctor_confirmed the proctor confirmed the pending submission ({ ordinal })
 *   identity_proctor_rejected  the proctor did not confirm it; the candidate may try again
 *   identity_declined          the candidate chose neither ('optional': the check is skipped)
 */
import { MAX_IDENTITY_CODE_ATTEMPTS, MAX_IDENTITY_SUBMISSIONS, type IdentityMethod, type IdentityMode } from './policy';

export const IDENTITY_EVENT_TYPES = [
  'identity_offered',
  'identity_photo_captured',
  'identity_id_entered',
  'identity_code_refused',
  'identity_proctor_confirmed',
  'identity_proctor_rejected',
  'identity_declined',
] as const;
export type IdentityEventType = (typeof IDENTITY_EVENT_TYPES)[number];

export interface IdentityEvent {
  readonly type: string;
  readonly payload: Record<string, unknown>;
}

export type IdentityPhase = 'not_offered' | 'choosing' | 'awaiting_proctor' | 'confirmed' | 'declined';

export interface IdentityState {
  readonly phase: IdentityPhase;
  /** The submission waiting for the proctor (awaiting_proctor) or confirmed (confirmed). */
  readonly current: { readonly ordinal: number; readonly method: IdentityMethod } | null;
  readonly submissions: number;
  /** Wrong proctor codes for the pending submission. */
  readonly wrongCodes: number;
}

const INITIAL: IdentityState = { phase: 'not_offered', current: null, submissions: 0, wrongCodes: 0 };

const ordinalOf = (p: Record<string, unknown>): number => (Number.isSafeInteger(p.ordinal) ? (p.ordinal as number) : -1);

export function foldIdentity(events: readonly IdentityEvent[]): IdentityState {
  let s = INITIAL;
  for (const e of events) {
    switch (e.type) {
      case 'identity_offered':
        if (s.phase === 'not_offered') s = { ...s, phase: 'choosing' };
        break;
      case 'identity_photo_captured':
      case 'identity_id_entered':
        if (s.phase === 'confirmed') break;
        s = { phase: 'awaiting_proctor', current: { ordinal: ordinalOf(e.payload), method: e.type === 'identity_photo_captured' ? 'photo' : 'id_number' }, submissions: s.submissions + 1, wrongCodes: 0 };
        break;
      case 'identity_code_refused':
        if (s.phase === 'awaiting_proctor') s = { ...s, wrongCodes: s.wrongCodes + 1 };
        break;
      case 'identity_proctor_confirmed':
        if (s.phase === 'awaiting_proctor' && s.current && ordinalOf(e.payload) === s.current.ordinal) s = { ...s, phase: 'confirmed' };
        break;
      case 'identity_proctor_rejected':
        if (s.phase === 'awaiting_proctor' && s.current && ordinalOf(e.payload) === s.current.ordinal) s = { ...s, phase: 'choosing', current: null, wrongCodes: 0 };
        break;
      case 'identity_declined':
        if (s.phase !== 'confirmed') s = { ...s, phase: 'declined', current: null, wrongCodes: 0 };
        break;
    }
  }
  return s;
}

/** Whether the interview may start: no check, a confirmed one, or an optional one the candidate skipped. */
export function identityCleared(mode: IdentityMode, s: IdentityState): boolean {
  if (mode === 'off') return true;
  if (s.phase === 'confirmed') return true;
  return mode === 'optional' && s.phase === 'declined';
}

/** Whether the candidate may submit (another) photo or ID number now. */
export function canSubmit(mode: IdentityMode, s: IdentityState): boolean {
  return mode !== 'off' && s.phase !== 'confirmed' && s.phase !== 'not_offered' && s.submissions < MAX_IDENTITY_SUBMISSIONS;
}

/** Whether a proctor code for the pending submission is still checked. */
export function codeAttemptsLeft(s: IdentityState): number {
  return s.phase === 'awaiting_proctor' ? Math.max(0, MAX_IDENTITY_CODE_ATTEMPTS - s.wrongCodes) : 0;
}
