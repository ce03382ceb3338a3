/**
 * Wrapping a session's data key for the HR endpoint, so HR (and the hub) can open the recordings
 * the kiosk uploads, and nobody else can — not even the kiosk after the key is shredded locally.
 *
 * The construction is ECIES over X25519 in the shape of HPKE's base mode (RFC 9180), built from
 * node:crypto primitives only:
 *   eph            = fresh X25519 key pair, per wrap
 *   shared         = X25519(eph.private, recipient.public)              (RFC 7748)
 *   wrapKey, iv    = HKDF-SHA256(ikm = shared, salt = eph.public || recipient.public,
 *                                info = "interview-kiosk/session-key/v1\n" || sessionId, 44 bytes)  (RFC 5869)
 *   wrapped        = AES-256-GCM(wrapKey, iv, dataKey, aad = info)
 * Output: "IKH1" | eph.public(32) | tag(16) | ciphertext(32) = 84 bytes. The wrapping key is
 * used once (fresh ephemeral key per wrap), so the derived IV is never reused. Binding both
 * public keys into the salt and the session id into info and AAD means a wrap cannot be replayed
 * for another session or presented as made for another recipient.
 *
 * The recipient's public key comes from the kiosk's provisioning (`hrEndpoint.sealingKey`); the
 * private half lives only at HR. test/unit/services/storage/crypto/hr-wrap.test.ts unwraps with
 * an independent implementation of the recipient side.
 */
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';

export const HR_WRAP_MAGIC = Buffer.from('IKH1', 'ascii');
export const HR_WRAP_BYTES = 4 + 32 + 16 + 32;
const INFO_LABEL = 'interview-kiosk/session-key/v1\n';

/** base64 of 32 raw bytes. */
const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

function b64url(raw: Buffer): string {
  return raw.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function x25519PublicKey(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== 32) throw new RangeError('an X25519 public key has 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64url(Buffer.from(raw)) }, format: 'jwk' });
}

/** PKCS#8 header of an X25519 private key (RFC 8410): the 32 raw bytes follow. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export function x25519PrivateKey(raw: Uint8Array): KeyObject {
  if (raw.byteLength !== 32) throw new RangeError('an X25519 private key has 32 bytes');
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
}

export function rawPublicKey(key: KeyObject): Buffer {
  const x = key.export({ format: 'jwk' }).x;
  if (!x) throw new Error('not an OKP public key');
  return Buffer.from(x, 'base64url');
}

/** The recipient's key as provisioned: base64 of the 32 raw bytes. */
export function parseRecipientKey(b64: string): Buffer {
  if (!B64_32.test(b64)) throw new RangeError('an X25519 public key is 32 bytes in base64');
  return Buffer.from(b64, 'base64');
}

/** A short fingerprint naming the recipient key a wrap was made for. */
export function recipientKeyId(raw: Uint8Array): string {
  return 'x25519:' + createHash('sha256').update(raw).digest('hex').slice(0, 32);
}

export interface HrKeyPair {
  readonly publicKey: Buffer;
  readonly privateKey: Buffer;
}

/** For HR tooling and tests: a new recipient key pair (raw 32-byte halves). */
export function generateHrKeyPair(): HrKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: rawPublicKey(publicKey), privateKey: Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url') };
}

function deriveWrap(shared: Buffer, ephPublic: Buffer, recipientPublic: Buffer, sessionId: string): { key: Buffer; iv: Buffer; info: Buffer } {
  const info = Buffer.from(INFO_LABEL + sessionId, 'utf8');
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([ephPublic, recipientPublic]), info, 44));
  return { key: okm.subarray(0, 32), iv: okm.subarray(32, 44), info };
}

/**
 * Wraps `dataKey` (32 bytes) for the holder of `recipientPublic`. `ephemeral` is for known-answer
 * tests only; production always draws a fresh key.
 */
export function wrapForHr(dataKey: Uint8Array, recipientPublic: Uint8Array, sessionId: string, ephemeral?: KeyObject): Buffer {
  if (dataKey.byteLength !== 32) throw new RangeError('a data key has 32 bytes');
  const eph = ephemeral ?? generateKeyPairSync('x25519').privateKey;
  const ephPublic = rawPublicKey(createPublicKey(eph));
  const recipient = Buffer.from(recipientPublic);
  const shared = diffieHellman({ privateKey: eph, publicKey: x25519PublicKey(recipient) });
  const { key, iv, info } = deriveWrap(shared, ephPublic, recipient, sessionId);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(info);
  const ct = Buffer.concat([c.update(dataKey), c.final()]);
  key.fill(0);
  shared.fill(0);
  return Buffer.concat([HR_WRAP_MAGIC, ephPublic, c.getAuthTag(), ct]);
}

/** HR's side: the data key, or undefined when the wrap is not for this key pair and session. */
export function unwrapForHr(wrapped: Uint8Array, recipient: HrKeyPair, sessionId: string): Buffer | undefined {
  const b = Buffer.from(wrapped);
  if (b.length !== HR_WRAP_BYTES || !b.subarray(0, 4).equals(HR_WRAP_MAGIC)) return undefined;
  const ephPublic = b.subarray(4, 36);
  try {
    const shared = diffieHellman({ privateKey: x25519PrivateKey(recipient.privateKey), publicKey: x25519PublicKey(ephPublic) });
    const { key, iv, info } = deriveWrap(shared, ephPublic, recipient.publicKey, sessionId);
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(info);
    d.setAuthTag(b.subarray(36, 52));
    return Buffer.concat([d.update(b.subarray(52)), d.final()]);
  } catch {
    return undefined;
  }
}
