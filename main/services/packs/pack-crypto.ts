/**
 * The cryptography of packs, schedules and unlocking, all from node:crypto:
 * - Ed25519 signatures over a domain-separated RFC 8785 canonical form, so a schedule signature
 *   can never pass for a pack signature or an unlock answer;
 * - AES-256-GCM for question content at rest, bound to the pack's id and version (AAD);
 * - scrypt to turn a proctor's offline unlock code into a key-wrapping key;
 * - X25519 + HKDF-SHA256 so the HR endpoint can release a content key to one kiosk's ephemeral
 *   key without the key ever travelling in the clear.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  randomBytes,
  scrypt,
  scryptSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { canonicalBytes } from './canonical-json';

export type SignedKind = 'pack' | 'schedule' | 'unlock-response' | 'stage-release';

function b64urlToB64(s: string): string {
  const t = s.replace(/-/g, '+').replace(/_/g, '/');
  return t + '='.repeat((4 - (t.length % 4)) % 4);
}
function b64ToB64url(s: string): string {
  return s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

// ---------------------------------------------------------------- Ed25519 keys

export interface SigningKeyPair {
  readonly keyId: string;
  /** base64 of the 32 raw public-key bytes. */
  readonly publicKey: string;
  /** base64 of the 32 raw private-key (seed) bytes. Keep it off kiosks. */
  readonly privateKey: string;
}

/** A key's id is a fingerprint of its public key, so ids cannot be chosen to collide. */
export function keyIdOf(publicKeyB64: string): string {
  return 'ed25519:' + createHash('sha256').update(Buffer.from(publicKeyB64, 'base64')).digest('hex').slice(0, 32);
}

export function generateSigningKey(): SigningKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = b64urlToB64(publicKey.export({ format: 'jwk' }).x!);
  const priv = b64urlToB64(privateKey.export({ format: 'jwk' }).d!);
  return { keyId: keyIdOf(pub), publicKey: pub, privateKey: priv };
}

export function publicKeyObject(publicKeyB64: string): KeyObject {
  const raw = Buffer.from(publicKeyB64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64ToB64url(raw.toString('base64')) }, format: 'jwk' });
}

export function privateKeyObject(pair: Pick<SigningKeyPair, 'publicKey' | 'privateKey'>): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: b64ToB64url(pair.publicKey), d: b64ToB64url(pair.privateKey) },
    format: 'jwk',
  });
}

/** What is actually signed: a domain label, then the RFC 8785 form of the payload. */
export function signingInput(kind: SignedKind, payload: unknown): Buffer {
  return Buffer.concat([Buffer.from(`interview-kiosk/${kind}/v1\n`, 'utf8'), canonicalBytes(payload)]);
}

export function signPayload(kind: SignedKind, payload: unknown, pair: SigningKeyPair): string {
  return sign(null, signingInput(kind, payload), privateKeyObject(pair)).toString('base64');
}

export function verifyPayload(kind: SignedKind, payload: unknown, signatureB64: string, key: KeyObject): boolean {
  const sig = Buffer.from(signatureB64, 'base64');
  if (sig.length !== 64) return false;
  return verify(null, signingInput(kind, payload), key, sig);
}

// ---------------------------------------------------------------- AES-256-GCM

export interface Sealed {
  readonly iv: string;
  readonly ciphertext: string;
  readonly tag: string;
}

export function seal(key: Buffer, plaintext: Buffer, aad: string): Sealed {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad, 'utf8'));
  const ciphertext = Buffer.concat([c.update(plaintext), c.final()]);
  return { iv: iv.toString('base64'), ciphertext: ciphertext.toString('base64'), tag: c.getAuthTag().toString('base64') };
}

/** The plaintext, or undefined when the key is wrong or anything was altered. */
export function open(key: Buffer, sealed: Sealed, aad: string): Buffer | undefined {
  try {
    const iv = Buffer.from(sealed.iv, 'base64');
    const tag = Buffer.from(sealed.tag, 'base64');
    if (iv.length !== 12 || tag.length !== 16 || key.length !== 32) return undefined;
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(Buffer.from(aad, 'utf8'));
    d.setAuthTag(tag);
    return Buffer.concat([d.update(Buffer.from(sealed.ciphertext, 'base64')), d.final()]);
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- offline unlock codes

/** Crockford base32: no I, L, O, U, so a proctor cannot misread the code. */
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 20 symbols = 100 bits, shown as five groups of four. */
export function generateUnlockCode(): string {
  const bytes = randomBytes(20);
  let out = '';
  for (let i = 0; i < 20; i++) out += CROCKFORD[bytes[i]! & 31];
  return out.match(/.{4}/g)!.join('-');
}

export function normalizeUnlockCode(code: string): string {
  return code
    .toUpperCase()
    .replace(/[\s-]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}
/** ~100 ms and 32 MiB per guess: the code's 100 bits are the defence, this only slows guessing further. */
export const DEFAULT_SCRYPT: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

/**
 * The most a signer may make one unlock attempt cost. Parameters are signed, but a signer is not
 * trusted with the kiosk's memory: N ≤ 2^16, r ≤ 8, p ≤ 2 keeps one attempt at ≤ 64 MiB and a few
 * hundred milliseconds. (Uncapped, N=2^20, r=16, p=4 costs 2 GiB and ~37 s per try.)
 */
export const SCRYPT_LIMITS = { maxN: 1 << 16, maxR: 8, maxP: 2, maxMemBytes: 64 * 1024 * 1024 } as const;

export function scryptWithinLimits(params: ScryptParams): boolean {
  const { N, r, p } = params;
  return (
    Number.isInteger(N) && Number.isInteger(r) && Number.isInteger(p) &&
    N >= 2 && (N & (N - 1)) === 0 && N <= SCRYPT_LIMITS.maxN &&
    r >= 1 && r <= SCRYPT_LIMITS.maxR && p >= 1 && p <= SCRYPT_LIMITS.maxP &&
    128 * N * r <= SCRYPT_LIMITS.maxMemBytes
  );
}

function scryptOptions(params: ScryptParams): { N: number; r: number; p: number; maxmem: number } {
  if (!scryptWithinLimits(params)) throw new RangeError(`scrypt parameters N=${params.N} r=${params.r} p=${params.p} exceed the kiosk's limits`);
  return { N: params.N, r: params.r, p: params.p, maxmem: SCRYPT_LIMITS.maxMemBytes + 1024 * 1024 };
}

/** Authoring tools only (sync); the kiosk derives with `deriveCodeKeyAsync`, off the main thread. */
export function deriveCodeKey(code: string, salt: Buffer, params: ScryptParams): Buffer {
  return scryptSync(normalizeUnlockCode(code), salt, 32, scryptOptions(params));
}

/** The same derivation on libuv's thread pool, so the kiosk's main loop never waits on it. */
export function deriveCodeKeyAsync(code: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options = scryptOptions(params);
  return new Promise((resolve, reject) => {
    scrypt(normalizeUnlockCode(code), salt, 32, options, (e, key) => (e ? reject(e) : resolve(key)));
  });
}

// ---------------------------------------------------------------- X25519 key release

export interface EphemeralKey {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

export function generateEphemeralKey(): EphemeralKey {
  const { publicKey, privateKey } = generateKeyPairSync('x25519');
  return { publicKey: b64urlToB64(publicKey.export({ format: 'jwk' }).x!), privateKey };
}

function x25519Public(b64: string): KeyObject {
  const raw = Buffer.from(b64, 'base64');
  if (raw.length !== 32) throw new Error('an X25519 public key has 32 bytes');
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64ToB64url(raw.toString('base64')) }, format: 'jwk' });
}

/** Both sides derive the same wrapping key from their halves and a context both know. */
export function deriveReleaseKey(privateKey: KeyObject, peerPublicB64: string, salt: Buffer, context: string): Buffer {
  const shared = diffieHellman({ privateKey, publicKey: x25519Public(peerPublicB64) });
  return Buffer.from(hkdfSync('sha256', shared, salt, Buffer.from(context, 'utf8'), 32));
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
