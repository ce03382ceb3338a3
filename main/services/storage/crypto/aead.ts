/**
 * Sealing under a session's data key: AES-256-GCM with a key derived per message.
 *
 * Every sealed message carries a fresh random 256-bit salt; HKDF-SHA256(dataKey, salt, info)
 * yields that message's own AES key and 96-bit nonce, where `info` is a domain label plus the
 * message's identity (the associated data). Each derived key therefore encrypts exactly one
 * message, so a nonce can never repeat under a key, whatever the process does: a retried chunk, a
 * draft overwritten a thousand times, two processes, a restored backup, a clock that goes back.
 * A counter nonce would need a durable write before every use and breaks on any of those. The
 * only way two messages share a key is two equal 256-bit salts (birthday bound ~2^-128 after
 * 2^64 messages). The identity is also the GCM associated data, so a sealed chunk moved to
 * another session, segment or sequence number fails to open. See docs/encryption-at-rest.md.
 *
 * Format (binary): "IKS1" | salt(32) | tag(16) | ciphertext(n). Overhead: 52 bytes.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export const SEALED_MAGIC = Buffer.from('IKS1', 'ascii');
const SALT_BYTES = 32;
const TAG_BYTES = 16;
export const SEAL_OVERHEAD = SEALED_MAGIC.length + SALT_BYTES + TAG_BYTES;
const INFO_LABEL = Buffer.from('interview-kiosk/seal/v1\n', 'utf8');

function derive(dataKey: Uint8Array, salt: Uint8Array, aad: Uint8Array): { key: Buffer; iv: Buffer } {
  if (dataKey.byteLength !== 32) throw new RangeError('a data key has 32 bytes');
  const okm = Buffer.from(hkdfSync('sha256', dataKey, salt, Buffer.concat([INFO_LABEL, aad]), 44));
  return { key: okm.subarray(0, 32), iv: okm.subarray(32, 44) };
}

/** Seals `plain` with a per-message key; `aad` (the message's identity) is authenticated, not stored. */
export function sealMessage(dataKey: Uint8Array, plain: Uint8Array, aad: Uint8Array, salt: Uint8Array = randomBytes(SALT_BYTES)): Buffer {
  if (salt.byteLength !== SALT_BYTES) throw new RangeError('the salt has 32 bytes');
  const { key, iv } = derive(dataKey, salt, aad);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(aad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  key.fill(0);
  return Buffer.concat([SEALED_MAGIC, salt, c.getAuthTag(), ct]);
}

/** The plaintext, or undefined when the key, the identity or any byte is wrong. */
export function openMessage(dataKey: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  const b = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  if (b.length < SEAL_OVERHEAD || !b.subarray(0, 4).equals(SEALED_MAGIC)) return undefined;
  const salt = b.subarray(4, 4 + SALT_BYTES);
  const tag = b.subarray(4 + SALT_BYTES, SEAL_OVERHEAD);
  const { key, iv } = derive(dataKey, salt, aad);
  try {
    const d = createDecipheriv('aes-256-gcm', key, iv);
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(b.subarray(SEAL_OVERHEAD)), d.final()]);
  } catch {
    return undefined;
  } finally {
    key.fill(0);
  }
}

export function isSealed(bytes: Uint8Array): boolean {
  return bytes.byteLength >= SEAL_OVERHEAD && Buffer.from(bytes.buffer, bytes.byteOffset, 4).equals(SEALED_MAGIC);
}
