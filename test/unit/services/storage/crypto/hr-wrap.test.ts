import { createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateHrKeyPair, HR_WRAP_BYTES, rawPublicKey, recipientKeyId, unwrapForHr, wrapForHr, x25519PrivateKey, x25519PublicKey } from '../../../../../main/services/storage/crypto/hr-wrap';

const hex = (s: string) => Buffer.from(s, 'hex');

/** HR's side written from the documented construction, with node:crypto only (no product code). */
function independentUnwrap(wrapped: Buffer, recipientPrivateRaw: Buffer, recipientPublicRaw: Buffer, sessionId: string): Buffer {
  const pkcs8 = Buffer.concat([hex('302e020100300506032b656e04220420'), recipientPrivateRaw]);
  const spki = Buffer.concat([hex('302a300506032b656e032100'), wrapped.subarray(4, 36)]);
  const shared = diffieHellman({ privateKey: createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }), publicKey: createPublicKey({ key: spki, format: 'der', type: 'spki' }) });
  const info = Buffer.from(`interview-kiosk/session-key/v1\n${sessionId}`);
  const okm = Buffer.from(hkdfSync('sha256', shared, Buffer.concat([wrapped.subarray(4, 36), recipientPublicRaw]), info, 44));
  const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
  d.setAAD(info);
  d.setAuthTag(wrapped.subarray(36, 52));
  return Buffer.concat([d.update(wrapped.subarray(52)), d.final()]);
}

describe('wrapping a session key for HR (X25519 + HKDF-SHA256 + AES-256-GCM)', () => {
  it('uses X25519 as RFC 7748 §6.1 specifies', () => {
    const alice = hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const bobPublic = hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    expect(rawPublicKey(createPublicKey(x25519PrivateKey(alice))).toString('hex')).toBe('8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    expect(diffieHellman({ privateKey: x25519PrivateKey(alice), publicKey: x25519PublicKey(bobPublic) }).toString('hex')).toBe('4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742');
  });

  it('uses HKDF-SHA256 as RFC 5869 test case 1 specifies', () => {
    const okm = Buffer.from(hkdfSync('sha256', hex('0b'.repeat(22)), hex('000102030405060708090a0b0c'), hex('f0f1f2f3f4f5f6f7f8f9'), 42));
    expect(okm.toString('hex')).toBe('3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('is opened by HR with an independent implementation, and by nobody else', () => {
    const hr = generateHrKeyPair();
    const dataKey = randomBytes(32);
    const wrapped = wrapForHr(dataKey, hr.publicKey, 'sess-42');
    expect(wrapped.length).toBe(HR_WRAP_BYTES);
    expect(independentUnwrap(wrapped, hr.privateKey, hr.publicKey, 'sess-42').equals(dataKey)).toBe(true);
    expect(unwrapForHr(wrapped, hr, 'sess-42')?.equals(dataKey)).toBe(true);
    // Another session id, another recipient, any changed byte: refused.
    expect(unwrapForHr(wrapped, hr, 'sess-43')).toBeUndefined();
    expect(unwrapForHr(wrapped, generateHrKeyPair(), 'sess-42')).toBeUndefined();
    for (let i = 0; i < wrapped.length; i++) {
      const bad = Buffer.from(wrapped);
      bad[i]! ^= 0x80;
      expect(unwrapForHr(bad, hr, 'sess-42')).toBeUndefined();
    }
    // A fresh ephemeral key per wrap: the same key wrapped twice never gives the same bytes.
    expect(wrapForHr(dataKey, hr.publicKey, 'sess-42').equals(wrapped)).toBe(false);
  });

  it('matches a pinned known-answer vector (fixed ephemeral key)', () => {
    const recipient = { privateKey: hex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb'), publicKey: hex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f') };
    const eph = x25519PrivateKey(hex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a'));
    const dataKey = Buffer.alloc(32, 0x42);
    const wrapped = wrapForHr(dataKey, recipient.publicKey, 'kat', eph);
    expect(independentUnwrap(wrapped, recipient.privateKey, recipient.publicKey, 'kat').equals(dataKey)).toBe(true);
    expect(createHash('sha256').update(wrapped).digest('hex')).toMatchInlineSnapshot(`"4578b7e2ef0673952c0b3c9538e268807f2a4d4a7da3da2922773ce3d387d384"`);
    expect(recipientKeyId(recipient.publicKey)).toMatch(/^x25519:[0-9a-f]{32}$/);
  });
});
