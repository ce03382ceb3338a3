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

export type SealedTextKind = 'draft' | 'answer';

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
