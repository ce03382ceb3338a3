/**
 * Accommodations: what a candidate with a documented need gets, set per invite by HR in the signed
 * schedule or on the spot by a proctor (with their code and a reason). They change how long the
 * clock gives and how the candidate answers and reads; they never enter a score, and a scorer sees
 * them only as the reason a time differs.
 */
import { z } from 'zod';
import { SessionId } from './common';

/** Time multipliers are whole hundredths between 1× and 3× (1.25, 1.5, 2 …). */
export const MIN_TIME_MULTIPLIER = 1;
export const MAX_TIME_MULTIPLIER = 3;
export const MAX_REST_BREAK_MINUTES = 60;

export const Accommodations = z
  .strictObject({
    /** Multiplies every question's preparation and answer time. */
    timeMultiplier: z
      .number()
      .min(MIN_TIME_MULTIPLIER)
      .max(MAX_TIME_MULTIPLIER)
      .refine((m) => Math.abs(m * 100 - Math.round(m * 100)) < 1e-9, 'a multiplier in hundredths (1.25, 1.5, 2)')
      .default(1),
    /** A rest break before each stage after the first, with the clock stopped; 0 = none. */
    restBreakMinutes: z.number().int().min(0).max(MAX_REST_BREAK_MINUTES).default(0),
    /** Type instead of recording video or audio, where the pack allows it. */
    textAnswers: z.boolean().default(false),
    largeText: z.boolean().default(false),
    highContrast: z.boolean().default(false),
  });
export type Accommodations = z.infer<typeof Accommodations>;
export type AccommodationsInput = z.input<typeof Accommodations>;

export const NO_ACCOMMODATIONS: Accommodations = Object.freeze({ timeMultiplier: 1, restBreakMinutes: 0, textAnswers: false, largeText: false, highContrast: false });

export function hasAccommodations(a: Accommodations): boolean {
  return a.timeMultiplier !== 1 || a.restBreakMinutes > 0 || a.textAnswers || a.largeText || a.highContrast;
}

/** What the candidate sees before question 1 (and the kiosk applies). */
export const AccommodationsView = z.object({
  accommodations: Accommodations,
  source: z.enum(['invite', 'proctor']),
  /** The pack does not allow typed answers, so `textAnswers` was asked for but is not applied. */
  textAnswersRefused: z.boolean(),
});
export type AccommodationsView = z.infer<typeof AccommodationsView>;

export const MAX_ACCOMMODATION_REASON_CHARS = 300;

/** A proctor sets accommodations on the spot: their code binds the session and exactly these settings. */
export const SetAccommodationsRequest = z.strictObject({
  sessionId: SessionId,
  accommodations: Accommodations,
  proctorCode: z.string().trim().min(4).max(32),
  proctorName: z.string().trim().min(1).max(64),
  reason: z.string().trim().min(3).max(MAX_ACCOMMODATION_REASON_CHARS),
});
export type SetAccommodationsRequest = z.infer<typeof SetAccommodationsRequest>;

/** The candidate ends a rest break early (it also ends by itself when its time is up). */
export const RestBreakRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
});
export type RestBreakRequest = z.infer<typeof RestBreakRequest>;
