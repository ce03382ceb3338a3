/**
 * The kiosk's hub credential and request signatures. Written from the hub's documented format
 * (docs/hub.md), not from the hub's code:
 *   KIOSK-SIG-V1 \n METHOD \n PATH \n sha256hex(body) \n TIMESTAMP(ms) \n NONCE, Ed25519.
 */
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export interface KioskCredential {
  readonly hubUrl: string;
  readonly kioskId: string;
  /** PKCS#8 DER, base64. */
  readonly privateKey: string;
}

export function generateKioskKeyPair(): { publicKey: string; privateKey: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return {
    publicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
  };
}

export function signedHeaders(cred: KioskCredential, method: string, path: string, body: string | Uint8Array, now: number): Record<string, string> {
  const nonce = randomBytes(18).toString('base64url');
  const timestamp = String(now);
  const bodyHash = createHash('sha256').update(body).digest('hex');
  const message = `KIOSK-SIG-V1\n${method.toUpperCase()}\n${path}\n${bodyHash}\n${timestamp}\n${nonce}`;
  const key = createPrivateKey({ key: Buffer.from(cred.privateKey, 'base64'), format: 'der', type: 'pkcs8' });
  return {
    'x-kiosk-id': cred.kioskId,
    'x-kiosk-timestamp': timestamp,
    'x-kiosk-nonce': nonce,
    'x-kiosk-signature': sign(null, Buffer.from(message), key).toString('base64'),
  };
}
