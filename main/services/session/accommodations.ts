/**
 * Accommodations per session (issue #20). HR sets them per invite in the signed schedule; a proctor
 * may set them on the spot with a code bound to the session and exactly those settings, and a
 * reason. They are copied to the session at check-in, journaled (`accommodations_set`) on every
 * change, and applied where the session's pack is read (`SessionContext.packOf`): every question's
 * preparation and answer time is multiplied, and video or audio answers become typed ones where the
 * pack allows it. Nothing here reaches a score: scoring reads answers, never times or settings.
 */
import { createHash } from 'node:crypto';
import {
  Accommodations,
  hasAccommodations,
  NO_ACCOMMODATIONS,
  type AccommodationsView,
} from '../../../preload/contract/accommodations';
import { err, ok, type Result } from '../../common/result';
import { getSessionAccommodations, upsertSessionAccommodations } from '../../db/queries/accommodations';
import { transact } from '../../db/transaction';
import { countJournalOfTypeAfter, lastJournalRowOfType } from '../../db/queries/journal';
import type { Journal } from '../journal/journal';
import type { Db } from '../../db/connection';
import type { LoadedPack } from '../packs/pack-provider';
import type { FlatQuestion, Pack } from '../packs/pack-schema';
import type { ResumeCodeIssuer } from './resume-codes';

/** Canonical JSON of accommodations (fixed key order), as stored, journaled and bound by a proctor code. */
export function canonicalAccommodations(a: Accommodations): string {
  return JSON.stringify({
    timeMultiplier: a.timeMultiplier,
    restBreakMinutes: a.restBreakMinutes,
    textAnswers: a.textAnswers,
    largeText: a.largeText,
    highContrast: a.highContrast,
  });
}

export function parseStoredAccommodations(json: string | null | undefined): Accommodations | undefined {
  if (!json) return undefined;
  try {
    const r = Accommodations.safeParse(JSON.parse(json));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

export function textAnswersAllowed(pack: Pack): boolean {
  return pack.policy.accommodations?.textInsteadOfMedia ?? true;
}

/** Seconds scaled by a multiplier in hundredths, rounded up to whole seconds (never less time). */
export function scaledSeconds(seconds: number, multiplier: number): number {
  return Math.ceil((seconds * Math.round(multiplier * 100)) / 100);
}

/**
 * The pack as this candidate takes it: times multiplied, media answers typed where allowed. The
 * signed pack and its hash are unchanged (sessions pin the hash of what was signed).
 */
export function accommodatePack(loaded: LoadedPack, a: Accommodations): LoadedPack {
  const toText = a.textAnswers && textAnswersAllowed(loaded.pack);
  if (a.timeMultiplier === 1 && !toText) return loaded;
  const questions: FlatQuestion[] = loaded.questions.map((fq) => ({
    ...fq,
    question: {
      ...fq.question,
      prepSeconds: scaledSeconds(fq.question.prepSeconds, a.timeMultiplier),
      answerSeconds: scaledSeconds(fq.question.answerSeconds, a.timeMultiplier),
      mode: toText ? 'text' : fq.question.mode,
    },
  }));
  // Everything else of the loaded pack (a v2 pack's staged outline above all) stays as it is.
  return { ...loaded, questions };
}

/** The subject a proctor's accommodation code is bound to: this session, these exact settings. */
export function accommodationSubject(sessionId: string, a: Accommodations): string {
  const digest = createHash('sha256').update(canonicalAccommodations(a)).digest('hex').slice(0, 16);
  return `${sessionId}#accommodations:${digest}`;
}

export function accommodationsView(db: Db, sessionId: string, pack: Pack | undefined): AccommodationsView | undefined {
  const row = getSessionAccommodations(db, sessionId);
  const a = parseStoredAccommodations(row?.accommodations);
  if (!row || !a || !hasAccommodations(a)) return undefined;
  return { accommodations: a, source: row.source, textAnswersRefused: a.textAnswers && pack !== undefined && !textAnswersAllowed(pack) };
}

/** Records the invite's accommodations on a new session (inside the check-in transaction). */
export function recordInviteAccommodations(db: Db, journal: Journal, sessionId: string, a: Accommodations | undefined, now: number): void {
  if (!a || !hasAccommodations(a)) return;
  const json = canonicalAccommodations(a);
  upsertSessionAccommodations(db, { session_id: sessionId, accommodations: json, source: 'invite', set_by: null, reason: null, changes: 0, set_at: now });
  journal.append(sessionId, 'accommodations_set', { source: 'invite', accommodations: JSON.parse(json) as unknown }, now);
}

/**
 * A proctor sets accommodations on the spot. The code is the centre's HMAC over the session and
 * the exact settings and the number of earlier proctor changes, so it cannot be reused for other
 * settings or replayed; the proctor's name and reason are journaled.
 */
/** Wrong proctor codes accepted per session between two changes before the kiosk stops checking. */
export const MAX_ACCOMMODATION_CODE_ATTEMPTS = 5;

export function setAccommodationsByProctor(
  deps: { db: Db; journal: Journal; resumeCodes: ResumeCodeIssuer },
  sessionId: string,
  req: { accommodations: Accommodations; proctorCode: string; proctorName: string; reason: string },
  now: number,
): Result<Accommodations> {
  const { db, journal, resumeCodes } = deps;
  const row = getSessionAccommodations(db, sessionId);
  const changes = row?.source === 'proctor' ? row.changes : 0;
  // Wrong codes since the last change are counted from the journal; at the cap nothing is checked
  // any more (the code is 50 bits, but a kiosk must not be a guessing oracle either).
  const lastSet = lastJournalRowOfType(db, sessionId, 'accommodations_set')?.seq ?? 0;
  if (countJournalOfTypeAfter(db, sessionId, 'accommodations_refused', lastSet) >= MAX_ACCOMMODATION_CODE_ATTEMPTS) {
    return err('ACCOMMODATION_CODE_LOCKED', 'too many wrong accommodation codes for this session');
  }
  const subject = accommodationSubject(sessionId, req.accommodations);
  if (!resumeCodes.verify(subject, changes, req.proctorCode)) {
    transact(db, () => journal.append(sessionId, 'accommodations_refused', { reason: 'proctor code does not match these accommodations' }, now));
    return err('RESUME_CODE_INVALID', 'the proctor code does not match this session and these accommodations');
  }
  const json = canonicalAccommodations(req.accommodations);
  transact(db, () => {
    upsertSessionAccommodations(db, { session_id: sessionId, accommodations: json, source: 'proctor', set_by: req.proctorName, reason: req.reason, changes: changes + 1, set_at: now });
    journal.append(sessionId, 'accommodations_set', {
      source: 'proctor',
      accommodations: JSON.parse(json) as unknown,
      previous: row ? (JSON.parse(row.accommodations) as unknown) : JSON.parse(canonicalAccommodations(NO_ACCOMMODATIONS)),
      proctor: req.proctorName,
      reason: req.reason,
    }, now);
  });
  return ok(req.accommodations);
}

/** The code a proctor gives for these settings on this session (proctor CLI). */
export function proctorAccommodationCode(db: Db, resumeCodes: ResumeCodeIssuer, sessionId: string, a: Accommodations): string {
  const row = getSessionAccommodations(db, sessionId);
  const changes = row?.source === 'proctor' ? row.changes : 0;
  return resumeCodes.codeFor(accommodationSubject(sessionId, a), changes);
}
