/**
 * The page's presence in a session. A page (one load of the renderer) attaches to the session it
 * shows with a random per-load id and a per-tab id, beats a heartbeat, and says when it is hidden
 * for good (pagehide). Main uses this to tell a reload, a closed window or a crashed renderer
 * apart from the candidate leaving, and to let exactly one page record at a time.
 */
import { z } from 'zod';
import { SessionId, SessionState } from './common';
import { MAX_TEXT_ANSWER_CHARS, QuestionView } from './session';

/** A random id chosen by the page: 16–64 URL-safe characters. */
export const PageId = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/);

export const AttachPageRequest = z.strictObject({
  sessionId: SessionId,
  pageId: PageId,
  /** Stays the same across reloads of one tab or window (sessionStorage). */
  tabId: PageId,
  /** The browser reports this load as a reload of the same tab. */
  reloaded: z.boolean(),
});
export type AttachPageRequest = z.infer<typeof AttachPageRequest>;

export const PageRequest = z.strictObject({ sessionId: SessionId, pageId: PageId });
export type PageRequest = z.infer<typeof PageRequest>;

/** What interrupted the page: journaled when a page comes back. */
export const PageInterruption = z.enum(['page_reload', 'page_closed', 'renderer_crash', 'page_stalled', 'process_crash']);
export type PageInterruption = z.infer<typeof PageInterruption>;

export const PagePresence = z.object({
  sessionId: SessionId,
  /** Whether this page is the one the session runs in; false once another page took over. */
  active: z.boolean(),
  /** The open question as this page must record it (a new page gets a new recording segment). */
  question: QuestionView.nullable(),
  /** The session's state now: a page that was away too long finds it interrupted. */
  sessionState: SessionState.optional(),
});
export type PagePresence = z.infer<typeof PagePresence>;

export const SaveDraftRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
  attempt: z.number().int().nonnegative().max(100),
  pageId: PageId,
  text: z.string().max(MAX_TEXT_ANSWER_CHARS),
});
export type SaveDraftRequest = z.infer<typeof SaveDraftRequest>;

export const DraftAck = z.object({ savedAt: z.number().int().nonnegative(), length: z.number().int().nonnegative(), journaled: z.boolean() });
export type DraftAck = z.infer<typeof DraftAck>;

/** Main → renderer: another page took the session over; every other page stops recording. */
export const PageEvent = z.object({
  sessionId: SessionId,
  kind: z.literal('taken_over'),
  activePageId: PageId,
});
export type PageEvent = z.infer<typeof PageEvent>;

/** Help or Leave stops the answer clock for at most this long per question (then it runs again). */
export const DIALOG_PAUSE_CAP_MS = 120_000;

/** Help or Leave opened or closed while a question is on screen: the answer clock stops while it is open. */
export const DialogClockRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
  dialog: z.enum(['help', 'exit']),
  open: z.boolean(),
});
export type DialogClockRequest = z.infer<typeof DialogClockRequest>;

/** The proctor continues an interview a proctor alert paused, with the session's proctor code. */
export const ProctorLiftRequest = z.strictObject({
  sessionId: SessionId,
  code: z.string().min(1).max(64),
});
export type ProctorLiftRequest = z.infer<typeof ProctorLiftRequest>;
