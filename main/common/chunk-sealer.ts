/**
 * The encryption seam of the media store. Every chunk passes through `seal` before it is written
 * to its segment file and through `open` when it is read back; `aad` is the chunk's identity
 * (session, question, attempt, segment, seq), so a sealed chunk moved to another place does not
 * open. The default is the identity; the AES-GCM sealer with per-session keys lives in
 * main/services/storage/crypto (a separate piece of work). `open` throws on bytes that do not
 * open; the reader reports that as a damaged chunk.
 */
export interface ChunkSealer {
  seal(bytes: Uint8Array, aad: string): Uint8Array;
  open(bytes: Uint8Array, aad: string): Uint8Array;
}

/** Stores chunks as recorded (no encryption). */
export const identitySealer: ChunkSealer = {
  seal: (bytes) => bytes,
  open: (bytes) => bytes,
};

/** The associated data that binds a sealed chunk to its place in the recording. */
export function chunkAad(sessionId: string, questionIndex: number, attempt: number, segment: number, seq: number): string {
  return `media-chunk:v1:${sessionId}:${questionIndex}:${attempt}:${segment}:${seq}`;
}
