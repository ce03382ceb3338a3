/**
 * The open flags a proctor sees live on the board (issue #15), derived from a session's synced
 * journal events. Pure: the events and the clock are inputs. A flag is for a person to look at,
 * never a score or a decision; the board shows it without sound.
 *
 * - `vision_flag` started → open until an `ended` of the same kind, question and attempt
 *   (an `ended` with reason `interrupted` is what a kiosk journals at recovery for a page that died);
 * - `cant_hear_shown` → open until `cant_hear_cleared` for that question and attempt;
 * - `background_speech_flagged` → shown until the candidate submits that answer or a later
 *   question starts (it is a finding about the answer, not a state that ends);
 * - an identity photo or ID number waiting for the proctor (`identity_photo_captured` /
 *   `identity_id_entered` without a later `identity_proctor_confirmed` / `_rejected` / `identity_declined`).
 * Vision, voice and background flags are live only while the interview is in progress; the
 * identity flag only before it starts.
 */
export type LiveFlagKind =
  | 'no_face'
  | 'multiple_faces'
  | 'looking_away'
  | 'camera_covered'
  | 'camera_frozen'
  | 'cant_hear'
  | 'background_speech'
  | 'identity_pending';

export interface JournalEventLite {
  readonly type: string;
  readonly at: number;
  readonly payload: Record<string, unknown>;
}

export interface LiveFlag {
  readonly kind: LiveFlagKind;
  /** Epoch ms the condition began (the kiosk's clock). */
  readonly since: number;
  /** now − since, never negative. */
  readonly ageMs: number;
  readonly questionIndex?: number;
  /** For identity_pending: 'photo' or 'id_number'. */
  readonly method?: 'photo' | 'id_number';
}

export const LIVE_FLAG_EVENT_TYPES = [
  'vision_flag',
  'cant_hear_shown',
  'cant_hear_cleared',
  'background_speech_flagged',
  'answer_submitted',
  'question_started',
  'identity_photo_captured',
  'identity_id_entered',
  'identity_proctor_confirmed',
  'identity_proctor_rejected',
  'identity_declined',
] as const;

const VISION_KINDS = new Set<LiveFlagKind>(['no_face', 'multiple_faces', 'looking_away', 'camera_covered', 'camera_frozen']);
const PRE_START = new Set(['checked_in', 'consented', 'prechecked']);

const int = (v: unknown): number | undefined => (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : undefined);
const time = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

export function liveFlags(events: readonly JournalEventLite[], sessionState: string, now: number): LiveFlag[] {
  const open = new Map<string, { kind: LiveFlagKind; since: number; questionIndex?: number; method?: 'photo' | 'id_number' }>();
  const answerKey = (p: Record<string, unknown>) => `${int(p.questionIndex) ?? '?'}:${int(p.attempt) ?? '?'}`;
  let identity: { since: number; method: 'photo' | 'id_number'; ordinal: number | undefined } | null = null;
  for (const e of events) {
    const p = e.payload;
    const qi = int(p.questionIndex);
    switch (e.type) {
      case 'vision_flag': {
        const kind = p.kind as LiveFlagKind;
        if (!VISION_KINDS.has(kind)) break;
        const key = `v:${kind}:${answerKey(p)}`;
        if (p.status === 'started') open.set(key, { kind, since: time(p.startedAt, e.at), ...(qi !== undefined ? { questionIndex: qi } : {}) });
        else if (p.status === 'ended') open.delete(key);
        break;
      }
      case 'cant_hear_shown':
        open.set(`h:${answerKey(p)}`, { kind: 'cant_hear', since: e.at, ...(qi !== undefined ? { questionIndex: qi } : {}) });
        break;
      case 'cant_hear_cleared':
        open.delete(`h:${answerKey(p)}`);
        break;
      case 'background_speech_flagged':
        open.set(`b:${qi ?? '?'}`, { kind: 'background_speech', since: e.at, ...(qi !== undefined ? { questionIndex: qi } : {}) });
        break;
      case 'answer_submitted':
      case 'question_started':
        // A background-speech finding belongs to its answer: gone once that answer is submitted or another question opens.
        for (const [k, f] of open) if (f.kind === 'background_speech' && (e.type === 'question_started' ? f.questionIndex !== qi : f.questionIndex === qi)) open.delete(k);
        break;
      case 'identity_photo_captured':
      case 'identity_id_entered':
        identity = { since: e.at, method: e.type === 'identity_photo_captured' ? 'photo' : 'id_number', ordinal: int(p.ordinal) };
        break;
      case 'identity_proctor_confirmed':
      case 'identity_proctor_rejected':
        if (identity && int(p.ordinal) === identity.ordinal) identity = null;
        break;
      case 'identity_declined':
        identity = null;
        break;
    }
  }
  const out: LiveFlag[] = [];
  if (sessionState === 'in_progress') {
    for (const f of open.values()) out.push({ ...f, ageMs: Math.max(0, now - f.since) });
  }
  if (identity && PRE_START.has(sessionState)) out.push({ kind: 'identity_pending', since: identity.since, ageMs: Math.max(0, now - identity.since), method: identity.method });
  // Oldest first: what has waited longest is read first.
  return out.sort((a, b) => a.since - b.since || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : 0));
}
