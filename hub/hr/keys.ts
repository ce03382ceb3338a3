/**
 * The hub's HR endpoint keys, from config files (never from the database):
 * - the HR Ed25519 signing key (`HUB_HR_SIGNING_KEY_FILE`, the JSON `npm run pack -- keygen`
 *   writes), whose public half packs name as `hrEndpoint.publicKey`: it signs every grant;
 * - the key-wrapping key (`HUB_HR_WRAP_KEY_FILE`, base64 of 32 random bytes): packs' content keys
 *   and stage master keys are stored only sealed under it (AES-256-GCM, AAD naming the pack and
 *   which key), so a database dump alone releases nothing.
 * The HR API is not served without both; `loadHrKeys` says exactly what is wrong.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { keyIdOf, open, publicKeyObject, seal, signPayload, verifyPayload, type Sealed, type SigningKeyPair } from '../../main/services/packs/pack-crypto';

export interface HrKeys {
  readonly signingKey: SigningKeyPair;
  readonly wrapKey: Buffer;
}

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;
const MAX_KEY_FILE_BYTES = 16 * 1024;

function readSmall(file: string, what: string): string {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (err) {
    throw new Error(`${what}: cannot read ${file} (${err instanceof Error ? err.message : String(err)})`);
  }
  if (size > MAX_KEY_FILE_BYTES) throw new Error(`${what}: ${file} is ${size} bytes, not a key file`);
  return readFileSync(file, 'utf8');
}

/** Checks a signing key pair: well-formed, its id is its fingerprint, and the private half signs for the public half. */
export function checkSigningKey(value: unknown): SigningKeyPair {
  const v = value as Partial<SigningKeyPair> | null;
  if (!v || typeof v !== 'object' || typeof v.publicKey !== 'string' || typeof v.privateKey !== 'string' || !B64_32.test(v.publicKey) || !B64_32.test(v.privateKey)) {
    throw new Error('not an Ed25519 signing key file (publicKey and privateKey: base64 of 32 bytes)');
  }
  const pair: SigningKeyPair = { keyId: keyIdOf(v.publicKey), publicKey: v.publicKey, privateKey: v.privateKey };
  if (v.keyId !== undefined && v.keyId !== pair.keyId) throw new Error(`keyId ${String(v.keyId)} is not the fingerprint of its public key (${pair.keyId})`);
  const probe = { probe: randomBytes(8).toString('hex') };
  let ok = false;
  try {
    ok = verifyPayload('unlock-response', probe, signPayload('unlock-response', probe, pair), publicKeyObject(pair.publicKey));
  } catch {
    ok = false;
  }
  if (!ok) throw new Error('the private key does not sign for the public key');
  return pair;
}

export function loadHrKeys(env: NodeJS.ProcessEnv): HrKeys {
  const signingFile = env.HUB_HR_SIGNING_KEY_FILE;
  const wrapFile = env.HUB_HR_WRAP_KEY_FILE;
  if (!signingFile) throw new Error('HUB_HR_SIGNING_KEY_FILE is not set: the HR endpoint API needs the HR Ed25519 signing key file (npm run pack -- keygen --out hr-key.json)');
  if (!wrapFile) throw new Error('HUB_HR_WRAP_KEY_FILE is not set: the HR endpoint API needs a key-wrapping key file (base64 of 32 random bytes, e.g. `openssl rand -base64 32 > wrap.key`)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(readSmall(signingFile, 'HUB_HR_SIGNING_KEY_FILE'));
  } catch (err) {
    throw new Error(`HUB_HR_SIGNING_KEY_FILE: ${err instanceof Error ? err.message : String(err)}`);
  }
  let signingKey: SigningKeyPair;
  try {
    signingKey = checkSigningKey(parsed);
  } catch (err) {
    throw new Error(`HUB_HR_SIGNING_KEY_FILE ${signingFile}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const wrapText = readSmall(wrapFile, 'HUB_HR_WRAP_KEY_FILE').trim();
  if (!B64_32.test(wrapText)) throw new Error(`HUB_HR_WRAP_KEY_FILE ${wrapFile}: expected base64 of exactly 32 bytes`);
  return { signingKey, wrapKey: Buffer.from(wrapText, 'base64') };
}

/** A short fingerprint of the wrapping key, stored beside each wrapped key (a wrong key is named, not guessed). */
export function wrapKeyId(wrapKey: Buffer): string {
  return createHash('sha256').update('interview-kiosk/hub-wrap-key-id\n').update(wrapKey).digest('hex').slice(0, 16);
}

const aadOf = (packHash: string, which: 'content' | 'stage-master'): string => `interview-kiosk/hub-pack-key/v1|${packHash}|${which}`;

export function wrapPackKey(wrapKey: Buffer, packHash: string, which: 'content' | 'stage-master', key: Buffer): Sealed {
  return seal(wrapKey, key, aadOf(packHash, which));
}

/** The 32-byte key, or an error naming the failure (a wrong wrapping key, a moved row). */
export function unwrapPackKey(wrapKey: Buffer, packHash: string, which: 'content' | 'stage-master', sealed: Sealed): Buffer {
  const key = open(wrapKey, sealed, aadOf(packHash, which));
  if (!key || key.length !== 32) throw new Error(`the ${which} key of pack ${packHash} does not open under this hub's wrapping key`);
  return key;
}
