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
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { InviteCode } from '../../../preload/contract/common';
import { deriveReleaseKey, generateEphemeralKey, open, publicKeyObject, seal, signPayload, verifyPayload, type SigningKeyPair } from './pack-crypto';

const B64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/).max(200);
const Name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/);

export const UnlockRequest = z
  .object({
    inviteCode: InviteCode,
    packId: z.string().max(64),
    packHash: z.string().regex(/^[0-9a-f]{64}$/),
    kioskId: Name,
    centreId: Name,
    kioskPublicKey: B64,
    nonce: B64,
  })
  .strict();
export type UnlockRequest = z.infer<typeof UnlockRequest>;

export const UnlockGrant = z
  .object({
    packId: z.string(),
    packHash: z.string(),
    inviteCode: z.string(),
    kioskId: z.string(),
    nonce: B64,
    serverPublicKey: B64,
    wrapped: z.object({ iv: B64, ciphertext: B64, tag: B64 }).strict(),
    issuedAt: z.iso.datetime({ offset: true }),
  })
  .strict();
export type UnlockGrant = z.infer<typeof UnlockGrant>;

export const UnlockResponse = z.object({ grant: UnlockGrant, signature: B64 }).strict();
export type UnlockResponse = z.infer<typeof UnlockResponse>;

export const HrErrorCode = z.enum(['BAD_REQUEST', 'UNAUTHORIZED', 'INVITE_UNKNOWN', 'NOT_THIS_CENTRE', 'OUTSIDE_WINDOW', 'INVITE_REVOKED', 'PACK_MISMATCH', 'NOT_FOUND', 'TOO_LARGE']);
export type HrErrorCode = z.infer<typeof HrErrorCode>;
export const HrError = z.object({ code: HrErrorCode, message: z.string().max(500) }).strict();

export const NoShowReport = z
  .object({
    events: z
      .array(
        z
          .object({
            type: z.literal('no_show'),
            inviteCode: z.string(),
            scheduleId: z.string(),
            candidateRef: z.string(),
            packId: z.string(),
            window: z.object({ start: z.string(), end: z.string() }).strict(),
            detectedAt: z.string(),
            kioskState: z.record(z.string(), z.unknown()),
          })
          .strict(),
      )
      .min(1)
      .max(500),
  })
  .strict();
export const NoShowAck = z.object({ accepted: z.array(z.string()) }).strict();

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
  const parsed = UnlockResponse.safeParse(response);
  if (!parsed.success) return { ok: false, reason: 'the answer is not an unlock grant' };
  const { grant, signature } = parsed.data;
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
