/**
 * Kiosk request signatures (Ed25519). The string signed is
 *   KIOSK-SIG-V1 \n METHOD \n PATH(with query) \n sha256hex(body) \n TIMESTAMP(ms) \n NONCE
 * sent as headers x-kiosk-id, x-kiosk-timestamp, x-kiosk-nonce, x-kiosk-signature (base64).
 * The hub refuses a timestamp more than MAX_SKEW_MS away and a nonce it has seen for that kiosk.
 * The kiosk side (main/services/sync/signing.ts) writes the same format independently.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';

export const MAX_SKEW_MS = 5 * 60_000;

export function signingString(method: string, path: string, body: Buffer | string, timestamp: string, nonce: string): string {
  const bodyHash = createHash('sha256').update(body).digest('hex');
  return `KIOSK-SIG-V1\n${method.toUpperCase()}\n${path}\n${bodyHash}\n${timestamp}\n${nonce}`;
}

export function verifyKioskSignature(publicKeyB64: string, message: string, signatureB64: string): boolean {
  try {
    const key = createPublicKey({ key: Buffer.from(publicKeyB64, 'base64'), format: 'der', type: 'spki' });
    if (key.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, Buffer.from(message), key, Buffer.from(signatureB64, 'base64'));
  } catch {
    return false;
  }
}

/** A base64 SPKI DER Ed25519 public key, or null when it is anything else. */
export function parseEd25519PublicKey(b64: string): string | null {
  try {
    const key = createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
    return key.asymmetricKeyType === 'ed25519' ? b64 : null;
  } catch {
    return null;
  }
}
