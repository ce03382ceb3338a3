/**
 * Typed answers and drafts are sealed at rest under their session's data key. The query functions
 * in queries/drafts.ts and queries/sessions.ts seal on write and open on read through the sealer
 * registered for the connection, so every caller keeps reading and writing plain text.
 *
 * The composition root registers the kiosk's sealer (main/services/storage/crypto/session-keyring.ts);
 * main/db only knows this interface. A connection without a sealer writes plain text (unit tests
 * of unrelated parts, and databases opened by tools that hold no keys); reading a sealed row
 * without a sealer is STORAGE_CORRUPT, never the ciphertext passed off as text.
 */
import { CodedError } from '../common/result';
import type { Db } from './connection';

export type SealedTextKind = 'draft' | 'answer' | 'exit_note' | 'review_rubric' | 'transcript' | 'review_note';

export interface TextSealer {
  /** Seals `text`; may create the session's key inside the caller's transaction. */
  sealText(kind: SealedTextKind, sessionId: string, questionIndex: number, attempt: number, text: string): Buffer;
  /** The text; throws a CodedError when the key is gone or the bytes were altered or moved. */
  openText(kind: SealedTextKind, sessionId: string, questionIndex: number, attempt: number, sealed: Buffer): string;
}

const sealers = new WeakMap<Db, TextSealer>();

export function setTextSealer(db: Db, sealer: TextSealer | undefined): void {
  if (sealer) sealers.set(db, sealer);
  else sealers.delete(db);
}

export function textSealerOf(db: Db): TextSealer | undefined {
  return sealers.get(db);
}

/** Opens a sealed column, or returns the legacy plaintext one. */
export function openColumn(db: Db, kind: SealedTextKind, sessionId: string, questionIndex: number, attempt: number, sealed: Buffer | null, text: string | null): string | null {
  if (sealed === null) return text;
  const s = sealers.get(db);
  if (!s) throw new CodedError('STORAGE_CORRUPT', `this ${kind} is sealed and this connection holds no keys`);
  return s.openText(kind, sessionId, questionIndex, attempt, sealed);
}

/**
 * The free text a candidate typed when leaving, as it goes into the `exit_confirmed` journal
 * event and the exit incident: sealed under the session key (identity `exit_note`, the question
 * index and the exit's ordinal in the session), so erasing the session's key makes it unreadable
 * although the append-only journal keeps the event. HR opens it with its wrapped copy of the key.
 * Without a sealer on the connection (tools, unrelated unit tests) it stays plain, like answers.
 */
export type ExitNoteField =
  | { readonly text: string | null }
  | { readonly text: null; readonly textSealed: string; readonly textIdentity: { readonly kind: 'exit_note'; readonly questionIndex: number; readonly ordinal: number } };

export function exitNoteField(db: Db, sessionId: string, questionIndex: number, ordinal: number, text: string | undefined): ExitNoteField {
  if (text === undefined || text === '') return { text: null };
  const s = sealers.get(db);
  if (!s) return { text };
  const sealed = s.sealText('exit_note', sessionId, questionIndex, ordinal, text);
  return { text: null, textSealed: sealed.toString('base64'), textIdentity: { kind: 'exit_note', questionIndex, ordinal } };
}

/** Opens an exit note written by `exitNoteField` (or returns a legacy plain one). */
export function openExitNote(db: Db, sessionId: string, field: Record<string, unknown>): string | null {
  if (typeof field.textSealed !== 'string') return typeof field.text === 'string' ? field.text : null;
  const id = field.textIdentity as { questionIndex?: unknown; ordinal?: unknown } | undefined;
  if (!id || !Number.isSafeInteger(id.questionIndex) || !Number.isSafeInteger(id.ordinal)) throw new CodedError('STORAGE_CORRUPT', 'a sealed exit note without its identity');
  return openColumn(db, 'exit_note', sessionId, id.questionIndex as number, id.ordinal as number, Buffer.from(field.textSealed, 'base64'), null);
}
