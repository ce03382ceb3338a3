/**
 * Media on the hub travels and rests sealed (#13): each chunk is stored exactly as the kiosk
 * stores it, `"IKS1" | salt(32) | tag(16) | AES-256-GCM ciphertext` under the session's data key
 * with the chunk's identity `media-chunk:v1:<session>:<question>:<attempt>:<segment>:<seq>` as
 * associated data (docs/encryption-at-rest.md). The hub checks the sealed bytes' sha256 on
 * arrival and never writes plaintext; a reader opens a chunk per request with HR's X25519 key:
 * the session key is unwrapped from its HR wrap (sealed-review.ts `unwrapSessionKey`, written
 * from the documented format), the chunk opened with the identity recomputed from the item's own
 * fields, and the plaintext's sha256 and size compared with what the kiosk recorded.
 */
import { createHash } from 'node:crypto';
import { openSealed, unwrapSessionKey, type HrKey } from '../console/server/sealed-review';
import type { UploadStore } from './upload-store';

export const SEALED_MEDIA_FORMAT = 'IKS1';
/** "IKS1" + salt + tag: the smallest sealed chunk (of an empty plaintext). */
export const SEALED_OVERHEAD = 52;
const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const HEX64 = /^[0-9a-f]{64}$/;

/** The identity (AAD) a chunk with this idempotency key was sealed under: `media:` → `media-chunk:v1:`. */
export function identityOfMediaKey(key: string): string | null {
  const m = /^media:([A-Za-z0-9_-]{1,100}):(\d{1,9}):(\d{1,9}):(\d{1,9}):(\d{1,9})$/.exec(key);
  return m ? `media-chunk:v1:${m[1]}:${m[2]}:${m[3]}:${m[4]}:${m[5]}` : null;
}

/** The identity recomputed from a media item's own fields (never taken from the body as given). */
export function identityOfMediaBody(body: Record<string, unknown>): string | null {
  const ints = [body.questionIndex, body.attempt, body.segment, body.seq];
  if (typeof body.sessionId !== 'string' || !SESSION_ID.test(body.sessionId)) return null;
  if (!ints.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0)) return null;
  return `media-chunk:v1:${body.sessionId}:${ints.join(':')}`;
}

/** Bytes that can be a sealed chunk (magic and room for salt and tag). */
export function looksSealed(head: Buffer, size: number): boolean {
  return size >= SEALED_OVERHEAD && head.length >= 4 && head.subarray(0, 4).toString('latin1') === SEALED_MEDIA_FORMAT;
}

/** Why a session's media cannot be opened here: no HR key on this hub, no HR wrap, or one for another key. */
export type MediaKeyRefusal = 'no_hr_key' | 'no_hr_wrap' | 'other_hr_key' | 'bad_hr_wrap';

export class MediaUnopenableError extends Error {
  constructor(
    readonly reason: MediaKeyRefusal | 'tampered' | 'hash_mismatch',
    message: string,
  ) {
    super(message);
  }
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});

/**
 * The session's data key from an HR wrap as items carry it (`{ hrWrapped, hrKeyId }`, on each
 * media item and on scores). Throws MediaUnopenableError saying why not. The caller zeroes it.
 */
export function mediaSessionKey(sessionKey: unknown, sessionId: string, key: HrKey | null): Buffer {
  if (!key) throw new MediaUnopenableError('no_hr_key', 'this hub holds no HR private key (HUB_HR_PRIVATE_KEY_FILE): sealed media cannot be opened here');
  const sk = obj(sessionKey);
  const wrapped = typeof sk.hrWrapped === 'string' ? sk.hrWrapped : null;
  if (!wrapped) throw new MediaUnopenableError('no_hr_wrap', 'the kiosk had no HR key provisioned: only the kiosk can open this media');
  if (typeof sk.hrKeyId === 'string' && sk.hrKeyId !== key.keyId) throw new MediaUnopenableError('other_hr_key', `this media is wrapped for HR key ${sk.hrKeyId.slice(0, 60)}, not this hub's`);
  if (!SESSION_ID.test(sessionId) || wrapped.length > 200 || !B64.test(wrapped)) throw new MediaUnopenableError('bad_hr_wrap', 'the session key wrap is malformed');
  const dataKey = unwrapSessionKey(Buffer.from(wrapped, 'base64'), key, sessionId);
  if (!dataKey) throw new MediaUnopenableError('bad_hr_wrap', 'the session key wrap does not open with this HR key for this session');
  return dataKey;
}

/**
 * One chunk's plaintext: the sealed bytes opened under `identity`, then checked against the
 * plaintext sha256 and size the kiosk recorded. Throws MediaUnopenableError (nothing returned).
 */
export function openMediaChunk(dataKey: Buffer, sealed: Buffer, expect: { identity: string; sha256: string; size: number }): Buffer {
  if (!HEX64.test(expect.sha256)) throw new MediaUnopenableError('hash_mismatch', 'the chunk has no recorded plaintext sha256');
  const plain = openSealed(dataKey, sealed, expect.identity);
  if (!plain) throw new MediaUnopenableError('tampered', 'the sealed chunk does not open: altered, moved or sealed under another key');
  if (plain.length !== expect.size || createHash('sha256').update(plain).digest('hex') !== expect.sha256) {
    plain.fill(0);
    throw new MediaUnopenableError('hash_mismatch', 'the opened chunk does not match the sha256 the kiosk recorded');
  }
  return plain;
}

/** A media chunk as a reader needs it: where its sealed bytes rest and what they and their plaintext must hash to. */
export interface SealedRecordingChunk {
  readonly key: string;
  readonly seq: number;
  /** Plaintext size and sha256 (what the kiosk recorded). */
  readonly size: number;
  readonly sha256: string;
  /** The stored object's size and sha256 (verified on arrival). */
  readonly sealedSize: number;
  readonly sealedSha256: string;
  readonly storageKey: string;
  readonly identity: string;
}

const MAX_CHUNK = 64 * 1024 * 1024;
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isSafeInteger(v) ? v : null);

/**
 * A media item joined with its object, validated: sealed (format IKS1), its object's size and
 * sha256 those the item names, the identity recomputed from its fields. null: not playable.
 */
export function sealedChunkOf(row: { idem_key: string; body: Record<string, unknown>; storage_key: string | null; size: string | number | null; sha256: string | null }): SealedRecordingChunk | null {
  const b = row.body;
  const size = num(b.size);
  const sealedSize = Number(row.size);
  const identity = identityOfMediaBody(b);
  if (!row.storage_key || !row.sha256 || b.format !== SEALED_MEDIA_FORMAT || !identity || (typeof b.identity === 'string' && b.identity !== identity)) return null;
  if (row.sha256 !== b.sealedSha256 || sealedSize !== num(b.sealedSize) || !Number.isSafeInteger(sealedSize) || sealedSize < SEALED_OVERHEAD + 1 || sealedSize > MAX_CHUNK + SEALED_OVERHEAD) return null;
  if (size === null || size < 1 || size > MAX_CHUNK || sealedSize !== size + SEALED_OVERHEAD || typeof b.sha256 !== 'string' || !HEX64.test(b.sha256)) return null;
  return { key: row.idem_key, seq: num(b.seq) ?? 0, size, sha256: b.sha256, sealedSize, sealedSha256: row.sha256, storageKey: row.storage_key, identity };
}

/** The sealed bytes of a chunk from object storage, checked against the sha256 verified on arrival. */
export async function readSealedObject(uploads: Pick<UploadStore, 'read'>, c: Pick<SealedRecordingChunk, 'key' | 'storageKey' | 'sealedSize' | 'sealedSha256'>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const b of (await uploads.read(c.storageKey)) as AsyncIterable<Buffer>) {
    n += b.length;
    if (n > c.sealedSize) break;
    parts.push(b);
  }
  const data = Buffer.concat(parts);
  if (n !== c.sealedSize || createHash('sha256').update(data).digest('hex') !== c.sealedSha256) {
    throw new MediaUnopenableError('hash_mismatch', `the stored object of ${c.key} no longer matches the sealed sha256 verified on arrival`);
  }
  return data;
}

/**
 * The plaintext sha256 and size each chunk's `chunk_committed` journal event recorded (the event is
 * in the hash chain the hub verifies), by chunk identity. A reader checks the item against it when
 * the event has arrived (it follows its chunk's item), so an item altered after ingest is refused.
 */
export async function journalChunkDigests(
  query: (sql: string, params: unknown[]) => Promise<{ rows: Array<{ payload: string }> }>,
  kioskId: string,
  sessionId: string,
): Promise<Map<string, { sha256: string; size: number }>> {
  const out = new Map<string, { sha256: string; size: number }>();
  const r = await query("SELECT payload FROM journal_events WHERE kiosk_id=$1 AND session_id=$2 AND type='chunk_committed' ORDER BY seq LIMIT 50000", [kioskId, sessionId]);
  for (const row of r.rows) {
    let p: Record<string, unknown>;
    try {
      p = obj(JSON.parse(row.payload));
    } catch {
      continue;
    }
    const identity = identityOfMediaBody({ ...p, sessionId });
    if (identity && typeof p.sha256 === 'string' && typeof p.size === 'number') out.set(identity, { sha256: p.sha256, size: p.size });
  }
  return out;
}

/** Refuses a chunk whose item disagrees with its journal event (when that event is held). */
export function checkAgainstJournal(c: Pick<SealedRecordingChunk, 'identity' | 'sha256' | 'size'>, digests: ReadonlyMap<string, { sha256: string; size: number }>): void {
  const d = digests.get(c.identity);
  if (d && (d.sha256 !== c.sha256 || d.size !== c.size)) {
    throw new MediaUnopenableError('hash_mismatch', 'the chunk item’s plaintext sha256 or size differs from its chunk_committed event in the verified journal');
  }
}
