/**
 * The messages between kiosk and HR endpoint (docs/hr-endpoint.openapi.yaml), shared by the
 * kiosk's client and the loopback server used in tests and the demo.
 *
 * Releasing a content key: the kiosk sends a fresh X25519 public key and a nonce; the endpoint
 * answers with its own ephemeral X25519 key and the content key sealed (AES-256-GCM) under
 * HKDF-SHA256(X25519 shared secret, salt = nonce, info = context), and signs the whole answer with
 * its Ed25519 key. The kiosk accepts the answer only if the signature verifies with the HR key
 * from the signed pack (or the provisioning config), the nonce is its own, and pack, invite and
 * kiosk match what it asked. So a network attacker learns nothing and cannot replay or forge.
 */
import { createHash, randomBytes } from 'node:crypto';
import { hrContract } from '../contract/hr-contract';
import type { NoShowEvent } from './schedule';
import { deriveReleaseKey, generateEphemeralKey, open, publicKeyObject, seal, signPayload, verifyPayload, type SigningKeyPair } from './pack-crypto';

// The shapes below are the TypeScript view of docs/hr-endpoint.openapi.yaml; values crossing the
// wire are checked with the document's own schemas (`hrContract()`), never with a second copy.

export interface UnlockRequest {
  readonly inviteCode: string;
  readonly packId: string;
  readonly packHash: string;
  readonly kioskId: string;
  readonly centreId: string;
  readonly kioskPublicKey: string;
  readonly nonce: string;
}

export interface UnlockGrant {
  readonly packId: string;
  readonly packHash: string;
  readonly inviteCode: string;
  readonly kioskId: string;
  readonly nonce: string;
  readonly serverPublicKey: string;
  readonly wrapped: { readonly iv: string; readonly ciphertext: string; readonly tag: string };
  readonly issuedAt: string;
}

export interface UnlockResponse {
  readonly grant: UnlockGrant;
  readonly signature: string;
}

export type HrErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'KIOSK_MISMATCH'
  | 'INVITE_UNKNOWN'
  | 'NOT_THIS_CENTRE'
  | 'OUTSIDE_WINDOW'
  | 'INVITE_REVOKED'
  | 'PACK_MISMATCH'
  | 'STAGE_MISMATCH'
  | 'STAGE_NOT_SUBMITTED'
  | 'NOT_FOUND'
  | 'METHOD_NOT_ALLOWED'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'TOO_LARGE'
  | 'IDEMPOTENCY_KEY_MISMATCH'
  | 'IDEMPOTENCY_CONFLICT'
  | 'INTERNAL'
  | 'UNAVAILABLE';

export interface HrError {
  readonly code: HrErrorCode;
  readonly message: string;
}

/** A no-show event as sent (`NoShowEvent` in the document): the event the sweep records. */
export type NoShowWireEvent = Readonly<NoShowEvent>;

export interface NoShowReport {
  readonly events: readonly NoShowWireEvent[];
}

export interface NoShowAck {
  readonly accepted: readonly string[];
}

/**
 * The documented `Idempotency-Key` of a no-show batch: lower-case hex SHA-256 of the invite codes
 * sorted by UTF-16 code unit and joined with ",". Always 64 characters, whatever the batch size.
 */
export function noShowIdempotencyKey(inviteCodes: readonly string[]): string {
  const sorted = [...inviteCodes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(sorted.join(','), 'utf8').digest('hex');
}

/** A kiosk incident (`KioskIncident` in the document). */
export interface KioskIncident {
  readonly incidentId: string;
  readonly kind: 'no_show_quarantined';
  readonly kioskId: string;
  readonly centreId: string;
  readonly detectedAt: string;
  readonly reason: string;
  readonly subject: { readonly inviteCode: string; readonly scheduleId: string; readonly candidateRef: string; readonly packId: string };
  readonly truncated: boolean;
}

/** The documented incident id: lower-case hex SHA-256 of `{kind}|{kioskId}|{inviteCode}`. */
export function incidentIdOf(kind: KioskIncident['kind'], kioskId: string, inviteCode: string): string {
  return createHash('sha256').update(`${kind}|${kioskId}|${inviteCode}`, 'utf8').digest('hex');
}

/** The error body of a refusal, when it is one the document allows for that operation and status. */
export function parseHrError(operationId: string, status: number, contentType: string | undefined, body: unknown): HrError | undefined {
  return hrContract().checkResponse(operationId, status, contentType, body) === undefined && isHrError(body) ? body : undefined;
}

function isHrError(v: unknown): v is HrError {
  return typeof v === 'object' && v !== null && typeof (v as { code?: unknown }).code === 'string' && typeof (v as { message?: unknown }).message === 'string';
}

export function releaseContext(packHash: string, inviteCode: string, kioskId: string): string {
  return `interview-kiosk/unlock/v1|${packHash}|${inviteCode}|${kioskId}`;
}

/** Kiosk side: a request and the secret needed to read the answer. */
export function newUnlockRequest(fields: Omit<UnlockRequest, 'kioskPublicKey' | 'nonce'>): { request: UnlockRequest; secret: ReturnType<typeof generateEphemeralKey> } {
  const eph = generateEphemeralKey();
  return { request: { ...fields, kioskPublicKey: eph.publicKey, nonce: randomBytes(16).toString('base64') }, secret: eph };
}

/** Endpoint side: seal the content key to the kiosk's ephemeral key and sign. */
export function grantUnlock(req: UnlockRequest, contentKey: Buffer, hrKey: SigningKeyPair, now: Date): UnlockResponse {
  const eph = generateEphemeralKey();
  const context = releaseContext(req.packHash, req.inviteCode, req.kioskId);
  const wrapKey = deriveReleaseKey(eph.privateKey, req.kioskPublicKey, Buffer.from(req.nonce, 'base64'), context);
  const grant: UnlockGrant = {
    packId: req.packId,
    packHash: req.packHash,
    inviteCode: req.inviteCode,
    kioskId: req.kioskId,
    nonce: req.nonce,
    serverPublicKey: eph.publicKey,
    wrapped: seal(wrapKey, contentKey, context),
    issuedAt: now.toISOString(),
  };
  return { grant, signature: signPayload('unlock-response', grant, hrKey) };
}

/** Kiosk side: the content key, or why the answer cannot be trusted. */
export function openGrant(
  response: unknown,
  request: UnlockRequest,
  secret: ReturnType<typeof generateEphemeralKey>,
  hrPublicKeyB64: string,
): { ok: true; key: Buffer } | { ok: false; reason: string } {
  if (hrContract().checkResponse('unlockPack', 200, 'application/json', response) !== undefined) return { ok: false, reason: 'the answer is not an unlock grant' };
  const { grant, signature } = response as UnlockResponse;
  if (!verifyPayload('unlock-response', grant, signature, publicKeyObject(hrPublicKeyB64))) return { ok: false, reason: 'the answer is not signed by the HR key' };
  if (grant.nonce !== request.nonce) return { ok: false, reason: 'the answer is for another request (replay?)' };
  if (grant.packHash !== request.packHash || grant.inviteCode !== request.inviteCode || grant.kioskId !== request.kioskId || grant.packId !== request.packId) {
    return { ok: false, reason: 'the answer is for another pack, invite or kiosk' };
  }
  const context = releaseContext(request.packHash, request.inviteCode, request.kioskId);
  try {
    const wrapKey = deriveReleaseKey(secret.privateKey, grant.serverPublicKey, Buffer.from(request.nonce, 'base64'), context);
    const key = open(wrapKey, grant.wrapped, context);
    if (!key || key.length !== 32) return { ok: false, reason: 'the sealed key does not open' };
    return { ok: true, key };
  } catch {
    return { ok: false, reason: 'the server key is not a valid X25519 key' };
  }
}
