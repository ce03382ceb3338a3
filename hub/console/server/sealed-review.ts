/**
 * Opening what a kiosk sealed, on the hub, for a human review (#14): the typed answer, the rubric
 * and the transcript a score carries (main/db/queries/outbox.ts `reviewMaterialForOutbox`), with
 * the session's data key the kiosk wrapped for HR's X25519 key. The hub shares no code with the
 * kiosk, so the recipient side is written here from docs/encryption-at-rest.md:
 *
 *   HR unwrap   wrapped = "IKH1" | eph.public(32) | tag(16) | ct(32)
 *               shared = X25519(hr.private, eph.public)
 *               key | iv = HKDF-SHA256(shared, salt = eph.public | hr.public,
 *                                      info = "interview-kiosk/session-key/v1\n" | sessionId, 44)
 *               dataKey = AES-256-GCM-open(key, iv, ct, tag, aad = info)
 *   open        sealed = "IKS1" | salt(32) | tag(16) | ct
 *               key | nonce = HKDF-SHA256(dataKey, salt, "interview-kiosk/seal/v1\n" | identity, 44)
 *               plain = AES-256-GCM-open(key, nonce, ct, tag, aad = identity)
 *
 * The identity (associated data) is recomputed here from the score's own session, question and
 * attempt — never taken from the body — so a sealed text moved to another answer does not open.
 * Plaintext lives only in the response being built: nothing opened is written anywhere.
 */
import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** HR's key pair as the hub holds it (raw 32-byte halves). */
export interface HrKey {
  readonly publicKey: Buffer;
  readonly privateKey: Buffer;
  /** `x25519:` + the first 32 hex of sha256(public key): how the kiosk names the key it wrapped for. */
  readonly keyId: string;
}

export const HR_KEY_ENV = 'HUB_HR_PRIVATE_KEY_FILE';
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const WRAP_LABEL = 'interview-kiosk/session-key/v1\n';
const SEAL_LABEL = Buffer.from('interview-kiosk/seal/v1\n', 'utf8');
const SESSION_ID = /^[A-Za-z0-9_-]{1,100}$/;

function privateKeyObject(raw: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

function publicKeyObject(raw: Buffer): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: raw.toString('base64url') }, format: 'jwk' });
}

/** HR's key pair from its 32 private bytes (the public half is derived). */
export function hrKeyFromPrivate(raw: Buffer): HrKey {
  if (raw.length !== 32) throw new RangeError('an X25519 private key has 32 bytes');
  const x = createPublicKey(privateKeyObject(raw)).export({ format: 'jwk' }).x;
  if (!x) throw new Error('not an X25519 key');
  const publicKey = Buffer.from(x, 'base64url');
  return { publicKey, privateKey: Buffer.from(raw), keyId: 'x25519:' + createHash('sha256').update(publicKey).digest('hex').slice(0, 32) };
}

/**
 * The key named by HUB_HR_PRIVATE_KEY_FILE, or null when the variable is unset. The file holds the
 * 32 raw private bytes, or their base64 (one line). A set variable whose file is missing or
 * malformed stops the hub at start with a clear message, rather than running without the key.
 */
export function hrKeyFromEnv(env: NodeJS.ProcessEnv): HrKey | null {
  const file = env[HR_KEY_ENV];
  if (!file) return null;
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new Error(`${HR_KEY_ENV}: cannot read ${file} (${err instanceof Error ? err.message : String(err)})`);
  }
  const text = bytes.toString('utf8').trim();
  const raw = bytes.length === 32 ? bytes : /^[A-Za-z0-9+/]{43}=$/.test(text) ? Buffer.from(text, 'base64') : null;
  if (!raw || raw.length !== 32) throw new Error(`${HR_KEY_ENV}: ${file} must hold HR's X25519 private key: 32 raw bytes or their base64`);
  return hrKeyFromPrivate(raw);
}

/** The session's data key, or undefined when the wrap is not for this key and session. */
export function unwrapSessionKey(wrapped: Buffer, key: HrKey, sessionId: string): Buffer | undefined {
  if (wrapped.length !== 84 || wrapped.subarray(0, 4).toString('latin1') !== 'IKH1') return undefined;
  const ephPublic = wrapped.subarray(4, 36);
  try {
    const shared = diffieHellman({ privateKey: privateKeyObject(key.privateKey), publicKey: publicKeyObject(Buffer.from(ephPublic)) });
    const info = Buffer.from(WRAP_LABEL + sessionId, 'utf8');
    const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPublic, key.publicKey]), info, 44));
    const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    d.setAAD(info);
    d.setAuthTag(wrapped.subarray(36, 52));
    const out = Buffer.concat([d.update(wrapped.subarray(52)), d.final()]);
    okm.fill(0);
    shared.fill(0);
    return out.length === 32 ? out : undefined;
  } catch {
    return undefined;
  }
}

/** The plaintext of one sealed message, or undefined when any byte, the key or the identity is wrong. */
export function openSealed(dataKey: Buffer, sealed: Buffer, identity: string): Buffer | undefined {
  if (sealed.length < 52 || sealed.subarray(0, 4).toString('latin1') !== 'IKS1') return undefined;
  const aad = Buffer.from(identity, 'utf8');
  const okm = Buffer.from(hkdfSync('sha256', dataKey, sealed.subarray(4, 36), Buffer.concat([SEAL_LABEL, aad]), 44));
  try {
    const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32, 44));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(36, 52));
    return Buffer.concat([d.update(sealed.subarray(52)), d.final()]);
  } catch {
    return undefined;
  } finally {
    okm.fill(0);
  }
}

export type SealedKind = 'answer' | 'review_rubric' | 'transcript';

/** The identity the kiosk sealed a review text under (main/services/storage/crypto/identity.ts `textAad`). */
export function textIdentity(kind: SealedKind, sessionId: string, questionIndex: number, attempt: number): string {
  return `ik-text/v1|${kind}|${sessionId}|${questionIndex}/${attempt}`;
}

/**
 * Why a part is not shown: not sent by the kiosk (`not_synced`: a spoken answer, a kiosk from
 * before #14 review sync, a plain legacy answer or one too large), sealed but not openable here
 * (`no_hr_key`: the hub holds no HR key; `no_hr_wrap`: the kiosk had no HR key provisioned, so
 * only the kiosk could open it; `other_hr_key`: wrapped for another HR key).
 */
export type PartState = 'opened' | 'not_synced' | 'no_hr_key' | 'no_hr_wrap' | 'other_hr_key';

export type OpenedPart = { readonly state: 'opened'; readonly text: string } | { readonly state: Exclude<PartState, 'opened'>; readonly detail?: string };

export interface OpenedReview {
  readonly mode: 'text' | 'audio' | 'video' | null;
  readonly answer: OpenedPart;
  readonly transcript: OpenedPart;
  /** The rubric (JSON text) as the score used it. */
  readonly rubric: OpenedPart;
}

/** A sealed part's bytes failed authentication: nothing of this review is served. */
export class SealedTamperedError extends Error {
  constructor(readonly part: SealedKind) {
    super(`the sealed ${part} does not open: altered, moved or wrapped for another session`);
  }
}

const obj = (v: unknown): Record<string, unknown> => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const B64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_SEALED_B64 = Math.ceil((256 * 1024) / 3) * 4;

/**
 * Opens the review material a synced score carries. `key` null: the hub holds no HR key.
 * Throws SealedTamperedError when a sealed part (or the wrapped key) is malformed or fails
 * authentication, so a caller serves nothing rather than part of a tampered answer.
 */
export function openReviewMaterial(review: unknown, at: { sessionId: string; questionIndex: number; attempt: number }, key: HrKey | null): OpenedReview {
  const r = obj(review);
  const modeRaw = r.mode;
  const mode = modeRaw === 'text' || modeRaw === 'audio' || modeRaw === 'video' ? modeRaw : null;
  if (!SESSION_ID.test(at.sessionId)) throw new SealedTamperedError('answer');
  let dataKey: Buffer | undefined;
  let keyState: Exclude<PartState, 'opened' | 'not_synced'> | null = null;
  const sk = obj(r.sessionKey);
  const wrappedB64 = typeof sk.hrWrapped === 'string' ? sk.hrWrapped : null;
  if (!key) keyState = 'no_hr_key';
  else if (!wrappedB64) keyState = 'no_hr_wrap';
  else if (typeof sk.hrKeyId === 'string' && sk.hrKeyId !== key.keyId) keyState = 'other_hr_key';
  const keyFor = (part: SealedKind): Buffer => {
    if (dataKey) return dataKey;
    if (!key || !wrappedB64 || wrappedB64.length > 200 || !B64.test(wrappedB64)) throw new SealedTamperedError(part);
    dataKey = unwrapSessionKey(Buffer.from(wrappedB64, 'base64'), key, at.sessionId);
    if (!dataKey) throw new SealedTamperedError(part);
    return dataKey;
  };
  const part = (kind: SealedKind, v: unknown): OpenedPart => {
    const p = obj(v);
    if (p.state === 'plain' && kind === 'review_rubric') return { state: 'opened', text: JSON.stringify(p.rubric ?? null) };
    if (p.state !== 'sealed') return { state: 'not_synced', ...(typeof p.state === 'string' ? { detail: p.state.slice(0, 40) } : {}) };
    if (keyState) return { state: keyState };
    const expected = textIdentity(kind, at.sessionId, at.questionIndex, at.attempt);
    if (p.identity !== expected || typeof p.sealed !== 'string' || p.sealed.length > MAX_SEALED_B64 || !B64.test(p.sealed)) throw new SealedTamperedError(kind);
    const plain = openSealed(keyFor(kind), Buffer.from(p.sealed, 'base64'), expected);
    if (!plain) throw new SealedTamperedError(kind);
    return { state: 'opened', text: plain.toString('utf8') };
  };
  try {
    return { mode, answer: part('answer', r.answer), transcript: part('transcript', r.transcript), rubric: part('review_rubric', r.rubric) };
  } finally {
    (dataKey as Buffer | undefined)?.fill(0);
  }
}

/**
 * Blind review: the candidate's name, where it appears in the words, is replaced by as many
 * `█` as it has UTF-16 units, so the scorer's evidence offsets still point at the same words.
 */
export function maskName(text: string, name: string | null): string {
  const n = name?.trim() ?? '';
  if (n.length < 2) return text;
  return text.split(n).join('█'.repeat(n.length));
}
