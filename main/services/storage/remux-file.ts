/**
 * Remuxed answer files (`recordings/<session>/q<q>-a<attempt>-s<segment>.webm.sealed`): the
 * seekable copy of an answer segment, sealed under the session's data key as a sealed file
 * (crypto/sealed-file.ts). Written by main/services/session/assistance.ts; read back only through
 * `readRemux` / `remuxPlainDigest` here (the audit behind `npm run data -- verify`, tests, any export),
 * which verify every record.
 */
import path from 'node:path';
import { readSealedFile, sealedFilePlainDigest } from './crypto/sealed-file';
import type { ChunkSealer } from './crypto/session-keyring';

/** Which remuxed segment. */
export interface RemuxRef {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly segment: number;
}

/** The `format` of a sealed remux in its `recording_remuxed` event (plain ones from before have none). */
export const SEALED_REMUX_FORMAT = 'ik-file/v1';

/** What seals and opens remuxed answers: the session keyring (`SessionKeyring.sealerFor`). */
export interface RemuxKeys {
  sealerFor(sessionId: string): ChunkSealer;
}

/** The file's name under `recordings/`, with the platform's separator. */
export function remuxFileName(r: RemuxRef): string {
  return path.join(r.sessionId, `q${r.questionIndex}-a${r.attempt}-s${r.segment}.webm.sealed`);
}

/** The identity a remuxed segment's records are sealed with (the session is bound by the sealer). */
export function remuxIdentity(r: Omit<RemuxRef, 'sessionId'>): string {
  return `remux/q${r.questionIndex}/a${r.attempt}/s${r.segment}`;
}

/** The remuxed segment's plaintext, record by record, each verified (throws `STORAGE_CORRUPT`). */
export function readRemux(file: string, keys: RemuxKeys, r: RemuxRef): Generator<Buffer, void, undefined> {
  return readSealedFile(file, keys.sealerFor(r.sessionId), remuxIdentity(r));
}

/** Reads the whole remux through the verifying reader: its plaintext's size and sha256. */
export function remuxPlainDigest(file: string, keys: RemuxKeys, r: RemuxRef): { bytes: number; sha256: string } {
  return sealedFilePlainDigest(file, keys.sealerFor(r.sessionId), remuxIdentity(r));
}
