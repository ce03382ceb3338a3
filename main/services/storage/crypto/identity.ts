/**
 * The identities sealed data is bound to (GCM associated data). Each is a short, unambiguous
 * ASCII string: a kind label, the session id, then integers. Session ids are restricted to
 * [A-Za-z0-9_-], so no field can contain the separators and two identities are equal only when
 * every field is.
 */
const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;

export interface ChunkIdentity {
  readonly sessionId: string;
  readonly questionIndex: number;
  readonly attempt: number;
  readonly segment: number;
  readonly seq: number;
}

/**
 * `exit_note`: the free text a candidate typed when leaving (its "attempt" is the exit's ordinal).
 * `review_rubric` / `transcript`: what a scored answer's human review needs (migration 0021).
 * `review_note`: a reviewer's note on an override of that answer (migration 0022; every note on
 * the same answer shares the identity, so one could stand in for another of the same answer).
 */
export type TextKind = 'draft' | 'answer' | 'exit_note' | 'review_rubric' | 'transcript' | 'review_note';

function checkSession(id: string): string {
  if (!SESSION_ID.test(id)) throw new RangeError('a session id is 1-100 letters, digits, - or _');
  return id;
}

function checkInt(n: number, what: string): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer`);
  return n;
}

/** The associated data of one media chunk: `ik-chunk/v1|<session>|<question>/<attempt>/<segment>/<seq>`. */
export function chunkAad(c: ChunkIdentity): Buffer {
  const parts = [checkInt(c.questionIndex, 'questionIndex'), checkInt(c.attempt, 'attempt'), checkInt(c.segment, 'segment'), checkInt(c.seq, 'seq')];
  return Buffer.from(`ik-chunk/v1|${checkSession(c.sessionId)}|${parts.join('/')}`, 'ascii');
}

const CHUNK_AAD = /^ik-chunk\/v1\|([A-Za-z0-9_-]{1,100})\|(\d{1,15})\/(\d{1,15})\/(\d{1,15})\/(\d{1,15})$/;
/** The media store's own form (main/common/chunk-sealer.ts `chunkAad`): `media-chunk:v1:<session>:<q>:<a>:<seg>:<seq>`. */
const STORE_CHUNK_AAD = /^media-chunk:v1:([A-Za-z0-9_-]{1,100}):(\d{1,15}):(\d{1,15}):(\d{1,15}):(\d{1,15})$/;

/** The identity inside a chunk's associated data (either form), or undefined when it is not one. */
export function parseChunkAad(aad: Uint8Array): ChunkIdentity | undefined {
  if (aad.byteLength > 200) return undefined;
  const text = Buffer.from(aad.buffer, aad.byteOffset, aad.byteLength).toString('latin1');
  const m = CHUNK_AAD.exec(text) ?? STORE_CHUNK_AAD.exec(text);
  if (!m) return undefined;
  return { sessionId: m[1]!, questionIndex: Number(m[2]), attempt: Number(m[3]), segment: Number(m[4]), seq: Number(m[5]) };
}

/** The associated data of a typed answer or draft: `ik-text/v1|<kind>|<session>|<question>/<attempt>`. */
export function textAad(kind: TextKind, sessionId: string, questionIndex: number, attempt: number): Buffer {
  return Buffer.from(`ik-text/v1|${kind}|${checkSession(sessionId)}|${checkInt(questionIndex, 'questionIndex')}/${checkInt(attempt, 'attempt')}`, 'ascii');
}

/** Associated data for bytes sealed through a session-bound sealer with a caller-chosen identity. */
export function boundAad(sessionId: string, aad: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`ik-bound/v1|${checkSession(sessionId)}|`, 'ascii'), aad]);
}
