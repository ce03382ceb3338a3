/**
 * Hub-issued proctor tokens: a signed, expiring permission for one action on one session at one
 * kiosk, verified offline against the hub's Ed25519 public key (the kiosk never holds anything
 * that could mint one). Design and its trade-offs: docs/proctor-tokens.md.
 *
 * Wire form (78 bytes, Crockford base32, 125 characters, shown in groups of five):
 *
 *   byte 0       version (high nibble, 1) | action (low nibble: 1 resume, 2 lift_pause, 3 extend, 4 confirm_identity)
 *   bytes 1-3    issued at, whole minutes since 2020-01-01T00:00Z (uint24, big-endian; until 2051)
 *   byte 4       lifetime in minutes (1-255)
 *   bytes 5-9    nonce (40 random bits; the kiosk journals each one it accepts and refuses it again)
 *   byte 10      key hint: first byte of the signing key's fingerprint (picks the key to try)
 *   byte 11      session tag: first byte of sha256("session\n" + sessionId) (a friendly refusal)
 *   byte 12      scope tag: first byte of sha256("scope\n" + centreId + "\n" + kioskId)
 *   byte 13      argument (the action's parameter: minutes for `extend`, 0 otherwise)
 *   bytes 14-77  Ed25519 signature over DOMAIN, bytes 0-13, and the JSON array
 *                [centreId, kioskId, sessionId]
 *
 * The session, kiosk and centre are not carried in the token: the kiosk supplies its own, so a
 * token for anything else fails the signature. The tags only let the kiosk say *why* it refuses.
 *
 * Only node:crypto is used, so the hub imports this file as it is.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

export const PROCTOR_TOKEN_VERSION = 1;
export const PROCTOR_TOKEN_BYTES = 78;
export const PROCTOR_TOKEN_CHARS = Math.ceil((PROCTOR_TOKEN_BYTES * 8) / 5); // 125
const DOMAIN = Buffer.from('interview-kiosk/proctor-token/v1\n', 'utf8');
const HEADER_BYTES = 14;
/** 2020-01-01T00:00:00Z: the epoch of `issued at` (minutes fit 24 bits until 2051-11). */
export const PROCTOR_TOKEN_EPOCH_MS = Date.UTC(2020, 0, 1);
const MINUTE = 60_000;
const MAX_MINUTES = 0xffffff;

export type ProctorAction = 'resume' | 'lift_pause' | 'extend' | 'confirm_identity';
export const PROCTOR_ACTIONS: readonly ProctorAction[] = ['resume', 'lift_pause', 'extend', 'confirm_identity'];

function actionCode(a: ProctorAction): number {
  switch (a) {
    case 'resume':
      return 1;
    case 'lift_pause':
      return 2;
    case 'extend':
      return 3;
    case 'confirm_identity':
      return 4;
  }
}

function actionOf(code: number): ProctorAction | undefined {
  return code === 1 ? 'resume' : code === 2 ? 'lift_pause' : code === 3 ? 'extend' : code === 4 ? 'confirm_identity' : undefined;
}

/** Where a token may be used: the kiosk checks against its own provisioning and the session. */
export interface ProctorTokenScope {
  readonly sessionId: string;
  readonly kioskId: string;
  readonly centreId: string;
}

export interface ProctorTokenClaims extends ProctorTokenScope {
  readonly action: ProctorAction;
  /** Epoch ms, a whole minute (the issuer floors it). */
  readonly issuedAt: number;
  readonly ttlMinutes: number;
  /** 10 lowercase hex digits (40 bits). */
  readonly nonce: string;
  /** The action's parameter, 0-255 (minutes for `extend`). */
  readonly arg: number;
}

export interface VerifiedProctorToken extends ProctorTokenClaims {
  readonly keyId: string;
  readonly expiresAt: number;
}

export type ProctorTokenRefusal =
  | 'PROCTOR_TOKEN_MALFORMED'
  | 'PROCTOR_TOKEN_WRONG_ACTION'
  | 'PROCTOR_TOKEN_WRONG_SESSION'
  | 'PROCTOR_TOKEN_WRONG_KIOSK'
  | 'PROCTOR_TOKEN_UNKNOWN_KEY'
  | 'PROCTOR_TOKEN_INVALID'
  | 'PROCTOR_TOKEN_NOT_YET_VALID'
  | 'PROCTOR_TOKEN_EXPIRED';

export type ProctorTokenResult = { ok: true; value: VerifiedProctorToken } | { ok: false; code: ProctorTokenRefusal; message: string };

/** A hub public key the kiosk trusts for proctor tokens. */
export interface ProctorTokenKey {
  readonly keyId: string;
  readonly key: KeyObject;
  /** Epoch ms after which tokens issued under this key are refused (rotation). */
  readonly notAfter?: number;
}

export interface VerifyOptions {
  /** How far the kiosk's clock may disagree with the hub's, either way (default 2 minutes). */
  readonly skewMs?: number;
}

export const DEFAULT_SKEW_MS = 2 * MINUTE;

// ---------------------------------------------------------------- keys

/** The fingerprint used everywhere for Ed25519 keys: "ed25519:" + 32 hex of sha256(raw public key). */
export function proctorKeyIdOf(publicKeyB64: string): string {
  return 'ed25519:' + createHash('sha256').update(Buffer.from(publicKeyB64, 'base64')).digest('hex').slice(0, 32);
}

function b64url(b: Buffer): string {
  return b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromB64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

export interface ProctorSigningKey {
  readonly keyId: string;
  /** base64 of the 32 raw public-key bytes (goes into kiosk provisioning). */
  readonly publicKey: string;
  /** base64 of the 32-byte seed. Hub or test-centre machine only, never a kiosk. */
  readonly privateKey: string;
}

export function generateProctorSigningKey(): ProctorSigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = fromB64url(publicKey.export({ format: 'jwk' }).x!).toString('base64');
  const priv = fromB64url(privateKey.export({ format: 'jwk' }).d!).toString('base64');
  return { keyId: proctorKeyIdOf(pub), publicKey: pub, privateKey: priv };
}

export function proctorPublicKey(publicKeyB64: string): ProctorTokenKey {
  const raw = Buffer.from(publicKeyB64, 'base64');
  if (raw.length !== 32) throw new Error('an Ed25519 public key has 32 bytes');
  return { keyId: proctorKeyIdOf(publicKeyB64), key: createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' }) };
}

function privateKeyOf(k: ProctorSigningKey): KeyObject {
  return createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(Buffer.from(k.publicKey, 'base64')), d: b64url(Buffer.from(k.privateKey, 'base64')) }, format: 'jwk' });
}

// ---------------------------------------------------------------- base32

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford: no I, L, O, U

function toBase32(bytes: Buffer): string {
  let out = '';
  let value = 0;
  let bits = 0;
  for (const b of bytes) {
    value = ((value << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Strict: every character in the alphabet, and the padding bits of the last one zero. */
function fromBase32(text: string): Buffer | undefined {
  const out: number[] = [];
  let value = 0;
  let bits = 0;
  for (const ch of text) {
    const v = ALPHABET.indexOf(ch);
    if (v < 0) return undefined;
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  if (bits > 0 && (value & ((1 << bits) - 1)) !== 0) return undefined;
  return Buffer.from(out);
}

/** What a person typed or a scanner read: case, spaces, dashes, and the letters people confuse. */
export function normalizeProctorToken(input: string): string {
  return input
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[\s\-_.]/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
}

/** True when the input has a proctor token's length (anything shorter is a centre code). */
export function looksLikeProctorToken(input: string): boolean {
  return normalizeProctorToken(input).length === PROCTOR_TOKEN_CHARS;
}

export function formatProctorToken(token: string): string {
  return (normalizeProctorToken(token).match(/.{1,5}/g) ?? []).join('-');
}

// ---------------------------------------------------------------- tags and signing

function tag(label: string, ...parts: string[]): number {
  return createHash('sha256').update(`${label}\n${parts.join('\n')}`, 'utf8').digest()[0]!;
}

function signedBytes(header: Buffer, scope: ProctorTokenScope): Buffer {
  return Buffer.concat([DOMAIN, header, Buffer.from(JSON.stringify([scope.centreId, scope.kioskId, scope.sessionId]), 'utf8')]);
}

export interface IssueRequest extends ProctorTokenScope {
  readonly action: ProctorAction;
  /** Epoch ms; floored to the minute. */
  readonly now: number;
  readonly ttlMinutes: number;
  /** 40 random bits as 10 hex digits; the issuer draws it (tests may fix it). */
  readonly nonce: string;
  readonly arg?: number;
}

/** Signs a token. Throws on a request the format cannot carry (a bug in the issuer, not input). */
export function issueProctorToken(req: IssueRequest, key: ProctorSigningKey): string {
  const minutes = Math.floor((req.now - PROCTOR_TOKEN_EPOCH_MS) / MINUTE);
  if (!Number.isInteger(minutes) || minutes < 0 || minutes > MAX_MINUTES) throw new RangeError('issue time outside 2020-01-01 .. 2051-11');
  if (!Number.isInteger(req.ttlMinutes) || req.ttlMinutes < 1 || req.ttlMinutes > 255) throw new RangeError('ttlMinutes must be 1-255');
  const arg = req.arg ?? 0;
  if (!Number.isInteger(arg) || arg < 0 || arg > 255) throw new RangeError('arg must be 0-255');
  if (!/^[0-9a-f]{10}$/.test(req.nonce)) throw new RangeError('nonce must be 10 lowercase hex digits');
  for (const [name, v] of Object.entries({ sessionId: req.sessionId, kioskId: req.kioskId, centreId: req.centreId })) {
    if (typeof v !== 'string' || v.length === 0 || v.length > 200) throw new RangeError(`${name} must be 1-200 characters`);
  }
  const header = Buffer.alloc(HEADER_BYTES);
  header[0] = (PROCTOR_TOKEN_VERSION << 4) | actionCode(req.action);
  header.writeUIntBE(minutes, 1, 3);
  header[4] = req.ttlMinutes;
  Buffer.from(req.nonce, 'hex').copy(header, 5);
  header[10] = Buffer.from(key.keyId.slice('ed25519:'.length, 'ed25519:'.length + 2), 'hex')[0]!;
  header[11] = tag('session', req.sessionId);
  header[12] = tag('scope', req.centreId, req.kioskId);
  header[13] = arg;
  const signature = sign(null, signedBytes(header, req), privateKeyOf(key));
  return toBase32(Buffer.concat([header, signature]));
}

/**
 * Verifies a token for one expected use. Refusals, in this order: not a token at all; the wrong
 * action; for another session; for another kiosk or centre; no trusted key matches the hint; a
 * bad signature; not yet valid or expired (each with `skewMs` of tolerance, and never beyond the
 * key's `notAfter`). Replay is the caller's part: it journals `nonce` and refuses a known one.
 */
export function verifyProctorToken(
  input: string,
  expected: ProctorTokenScope & { readonly action: ProctorAction },
  keys: readonly ProctorTokenKey[],
  now: number,
  options: VerifyOptions = {},
): ProctorTokenResult {
  const refuse = (code: ProctorTokenRefusal, message: string): ProctorTokenResult => ({ ok: false, code, message });
  const skew = Math.max(0, options.skewMs ?? DEFAULT_SKEW_MS);
  if (typeof input !== 'string' || input.length > 400) return refuse('PROCTOR_TOKEN_MALFORMED', 'not a proctor token');
  const text = normalizeProctorToken(input);
  if (text.length !== PROCTOR_TOKEN_CHARS) return refuse('PROCTOR_TOKEN_MALFORMED', 'not a proctor token (wrong length)');
  const bytes = fromBase32(text);
  if (!bytes || bytes.length !== PROCTOR_TOKEN_BYTES) return refuse('PROCTOR_TOKEN_MALFORMED', 'not a proctor token (a character is wrong)');
  const header = bytes.subarray(0, HEADER_BYTES);
  const signature = bytes.subarray(HEADER_BYTES);
  if (header[0]! >> 4 !== PROCTOR_TOKEN_VERSION) return refuse('PROCTOR_TOKEN_MALFORMED', 'unknown proctor token version');
  const action = actionOf(header[0]! & 0x0f);
  if (!action) return refuse('PROCTOR_TOKEN_MALFORMED', 'unknown proctor action');
  const ttlMinutes = header[4]!;
  if (ttlMinutes === 0) return refuse('PROCTOR_TOKEN_MALFORMED', 'a proctor token needs a lifetime');
  if (action !== expected.action) return refuse('PROCTOR_TOKEN_WRONG_ACTION', `this code allows "${action}", not "${expected.action}"`);
  if (header[11] !== tag('session', expected.sessionId)) return refuse('PROCTOR_TOKEN_WRONG_SESSION', 'this code was issued for another candidate');
  if (header[12] !== tag('scope', expected.centreId, expected.kioskId)) return refuse('PROCTOR_TOKEN_WRONG_KIOSK', 'this code was issued for another kiosk');
  const hinted = keys.filter((k) => Buffer.from(k.keyId.slice('ed25519:'.length, 'ed25519:'.length + 2), 'hex')[0] === header[10]);
  if (hinted.length === 0) return refuse('PROCTOR_TOKEN_UNKNOWN_KEY', 'this code was signed by a key this kiosk does not trust');
  const message = signedBytes(header, expected);
  const signer = hinted.find((k) => verify(null, message, k.key, signature));
  if (!signer) return refuse('PROCTOR_TOKEN_INVALID', 'this code is not genuine');
  const issuedAt = PROCTOR_TOKEN_EPOCH_MS + header.readUIntBE(1, 3) * MINUTE;
  const expiresAt = issuedAt + ttlMinutes * MINUTE;
  if (signer.notAfter !== undefined && issuedAt > signer.notAfter) return refuse('PROCTOR_TOKEN_UNKNOWN_KEY', 'this code was signed by a retired key');
  if (now < issuedAt - skew) return refuse('PROCTOR_TOKEN_NOT_YET_VALID', 'this code is not valid yet: check the kiosk clock');
  if (now > expiresAt + skew) return refuse('PROCTOR_TOKEN_EXPIRED', 'this code has expired; ask for a new one');
  return {
    ok: true,
    value: {
      ...expected,
      action,
      issuedAt,
      ttlMinutes,
      nonce: header.subarray(5, 10).toString('hex'),
      arg: header[13]!,
      keyId: signer.keyId,
      expiresAt,
    },
  };
}
