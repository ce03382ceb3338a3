import { createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openMessage, SEAL_OVERHEAD, sealMessage } from '../../../../../main/services/storage/crypto/aead';
import { chunkAad, parseChunkAad, textAad } from '../../../../../main/services/storage/crypto/identity';

const key = randomBytes(32);
const aad = chunkAad({ sessionId: 's-1', questionIndex: 2, attempt: 0, segment: 1, seq: 7 });

describe('sealing under a session data key', () => {
  it('round-trips and adds exactly the stated overhead', () => {
    const plain = randomBytes(65_536);
    const sealed = sealMessage(key, plain, aad);
    expect(sealed.length).toBe(plain.length + SEAL_OVERHEAD);
    expect(openMessage(key, sealed, aad)?.equals(plain)).toBe(true);
  });

  it('opens with an independent HKDF + AES-GCM implementation of the documented format', () => {
    const plain = Buffer.from('我负责把接口的延迟降到 50 毫秒以下');
    const sealed = sealMessage(key, plain, aad);
    // The format from docs/encryption-at-rest.md, written out here without the product's code.
    expect(sealed.subarray(0, 4).toString('ascii')).toBe('IKS1');
    const salt = sealed.subarray(4, 36);
    const okm = Buffer.from(hkdfSync('sha256', key, salt, Buffer.concat([Buffer.from('interview-kiosk/seal/v1\n'), aad]), 44));
    const d = createDecipheriv('aes-256-gcm', okm.subarray(0, 32), okm.subarray(32));
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(36, 52));
    expect(Buffer.concat([d.update(sealed.subarray(52)), d.final()]).equals(plain)).toBe(true);
  });

  it('refuses another identity, another key, and any changed byte', () => {
    const sealed = sealMessage(key, Buffer.from('chunk bytes'), aad);
    expect(openMessage(key, sealed, chunkAad({ sessionId: 's-1', questionIndex: 2, attempt: 0, segment: 1, seq: 8 }))).toBeUndefined();
    expect(openMessage(key, sealed, chunkAad({ sessionId: 's-2', questionIndex: 2, attempt: 0, segment: 1, seq: 7 }))).toBeUndefined();
    expect(openMessage(randomBytes(32), sealed, aad)).toBeUndefined();
    for (let i = 0; i < sealed.length; i += 3) {
      const bad = Buffer.from(sealed);
      bad[i]! ^= 0x01;
      expect(openMessage(key, bad, aad)).toBeUndefined();
    }
    expect(openMessage(key, sealed.subarray(0, SEAL_OVERHEAD - 1), aad)).toBeUndefined();
  });

  it('never uses a key and nonce twice: 10,000 seals of the same text under one identity all differ', () => {
    const seen = new Set<string>();
    const plain = Buffer.from('same draft');
    for (let i = 0; i < 10_000; i++) seen.add(sealMessage(key, plain, aad).subarray(4, 36).toString('hex'));
    expect(seen.size).toBe(10_000);
    // And a fixed salt is deterministic: the per-message key comes from the salt, not from state.
    const salt = Buffer.alloc(32, 7);
    expect(sealMessage(key, plain, aad, salt).equals(sealMessage(key, plain, aad, salt))).toBe(true);
  });

  it('encodes identities unambiguously and parses chunk identities back', () => {
    expect(aad.toString()).toBe('ik-chunk/v1|s-1|2/0/1/7');
    expect(parseChunkAad(aad)).toEqual({ sessionId: 's-1', questionIndex: 2, attempt: 0, segment: 1, seq: 7 });
    expect(parseChunkAad(Buffer.from('ik-chunk/v1|s|1/2/3'))).toBeUndefined();
    expect(parseChunkAad(Buffer.from('ik-chunk/v1|s|x|1/2/3/4'))).toBeUndefined();
    expect(() => chunkAad({ sessionId: 'a|b', questionIndex: 0, attempt: 0, segment: 0, seq: 0 })).toThrow(RangeError);
    expect(() => textAad('answer', 's', -1, 0)).toThrow(RangeError);
    expect(textAad('draft', 's', 1, 2).equals(textAad('answer', 's', 1, 2))).toBe(false);
  });
});
