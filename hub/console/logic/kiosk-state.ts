/**
 * What the proctor board shows for one kiosk, derived from what the hub holds: the kiosk's last
 * signed contact (its heartbeat), its most recent session snapshot and, when the journal says so,
 * the interview's question count. Pure: the clock and the offline threshold are inputs.
 */
export type KioskStateKind = 'offline' | 'idle' | 'precheck' | 'question' | 'interrupted';

export interface KioskSnapshot {
  /** Epoch ms of the kiosk's last signed request, or null when it never called. */
  readonly lastSeenAt: number | null;
  /** The most recently updated session on this kiosk, as its last synced snapshot says. */
  readonly session: {
    readonly state: string;
    readonly questionIndex: number | null;
    readonly interruption: string | null;
  } | null;
  /** From the session's `interview_started` event, when it has synced. */
  readonly questionCount: number | null;
}

export interface KioskState {
  readonly kind: KioskStateKind;
  /** 1-based question number while answering. */
  readonly question?: number;
  readonly of?: number;
  readonly interruption?: string;
  /** Milliseconds since the last heartbeat (null: never seen). */
  readonly heartbeatAgeMs: number | null;
  /** The kiosk is offline but its last known session was live: the proctor should look. */
  readonly lastKnown?: Exclude<KioskStateKind, 'offline'>;
}

const PRECHECK_STATES = new Set(['checked_in', 'consented', 'prechecked']);
const INTERRUPTED_STATES = new Set(['interrupted', 'exited']);

function sessionKind(s: KioskSnapshot['session']): Exclude<KioskStateKind, 'offline'> {
  if (!s) return 'idle';
  if (PRECHECK_STATES.has(s.state)) return 'precheck';
  if (s.state === 'in_progress') return 'question';
  if (INTERRUPTED_STATES.has(s.state)) return 'interrupted';
  // completed, expired, no_show and anything this console does not know: nothing live.
  return 'idle';
}

export function deriveKioskState(k: KioskSnapshot, now: number, offlineAfterMs: number): KioskState {
  const age = k.lastSeenAt === null ? null : Math.max(0, now - k.lastSeenAt);
  const kind = sessionKind(k.session);
  const detail: Partial<KioskState> = {};
  if (kind === 'question' && k.session) {
    const qi = k.session.questionIndex;
    if (qi !== null && Number.isInteger(qi) && qi >= 0) {
      (detail as { question?: number }).question = qi + 1;
      if (k.questionCount !== null && Number.isInteger(k.questionCount) && k.questionCount > qi) (detail as { of?: number }).of = k.questionCount;
    }
  }
  if (kind === 'interrupted' && k.session) (detail as { interruption?: string }).interruption = k.session.interruption ?? (k.session.state === 'exited' ? 'exit' : 'unknown');
  if (age === null || age > offlineAfterMs) {
    return { kind: 'offline', heartbeatAgeMs: age, ...(kind !== 'idle' ? { lastKnown: kind } : {}), ...detail };
  }
  return { kind, heartbeatAgeMs: age, ...detail };
}

/** Board order: kiosks needing a person first (interrupted, offline mid-session), then by name. */
export function boardOrder<T extends { readonly name: string; readonly state: KioskState }>(kiosks: readonly T[]): T[] {
  const rank = (s: KioskState): number => {
    if (s.kind === 'interrupted') return 0;
    if (s.kind === 'offline' && s.lastKnown) return 1;
    if (s.kind === 'question' || s.kind === 'precheck') return 2;
    if (s.kind === 'offline') return 3;
    return 4;
  };
  return [...kiosks].sort((a, b) => rank(a.state) - rank(b.state) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
