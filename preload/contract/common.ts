import { z } from 'zod';
import { INVITE_CODE_PATTERN, MAX_RAW_INVITE_CHARS, normalizeInviteCode } from './invite-code';

export const Locale = z.enum(['zh-CN', 'en']);
export type Locale = z.infer<typeof Locale>;

/** Every user-facing text a pack carries exists in both languages. */
export const LocalizedText = z.object({
  'zh-CN': z.string().min(1).max(4000),
  en: z.string().min(1).max(4000),
});
export type LocalizedText = z.infer<typeof LocalizedText>;

export const SessionId = z.string().uuid();

/**
 * Invite codes as the candidate may type them (full-width, spaced, lower-case; see
 * invite-code.ts), stored and compared in their normalised form.
 */
export const InviteCode = z
  .string()
  .max(MAX_RAW_INVITE_CHARS)
  .transform(normalizeInviteCode)
  .pipe(z.string().regex(INVITE_CODE_PATTERN, 'letters, digits and dashes only, 4 to 32 characters'));

/** What the check-in form sends: judged by the invite gate, so a malformed code counts as a wrong one. */
export const RawInviteCode = z.string().min(1).max(MAX_RAW_INVITE_CHARS);

export const SessionState = z.enum([
  'checked_in',
  'consented',
  'prechecked',
  'in_progress',
  'interrupted',
  'completed',
  'exited',
  'expired',
  'no_show',
]);
export type SessionState = z.infer<typeof SessionState>;

export const AnswerMode = z.enum(['video', 'audio', 'text']);
export type AnswerMode = z.infer<typeof AnswerMode>;

export const TimerMode = z.enum(['paused', 'wallclock']);
export type TimerMode = z.infer<typeof TimerMode>;

export const DeviceState = z.enum(['ok', 'missing', 'denied', 'lost', 'unknown']);
export type DeviceState = z.infer<typeof DeviceState>;

export const ExitReason = z.enum([
  'network',
  'device',
  'time',
  'personal',
  'question_content',
  'privacy',
  'gave_up',
  'other',
]);
export type ExitReason = z.infer<typeof ExitReason>;

/** Epoch milliseconds. */
export const Timestamp = z.number().int().nonnegative();
