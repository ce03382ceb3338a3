/**
 * main/services/packs/pack-crypto.ts pinned for mutation testing: exact encodings, exact byte
 * layouts of what is signed, and every limit at its edge. Expected values come from node:crypto
 * called here directly or from published test vectors, never from the module under test.
 */
import { createHash, createPublicKey, generateKeyPairSync, scryptSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  deriveCodeKey,
  deriveCodeKeyAsync,
  deriveReleaseKey,
  generateEphemeralKey,
  generateSigningKey,
  generateUnlockCode,
  keyIdOf,
  normalizeUnlockCode,
  open,
  publicKeyObject,
  SCRYPT_LIMITS,
  scryptWithinLimits,
  seal,
  sha256Hex,
  signingInput,
  signPayload,
  verifyPayload,
} from '../../main/services/packs/pack-crypto';

const B64_32 = /^[A-Za-z0-9+/]{43}=$/;

describe('Ed25519 keys and signatures', () => {
  it('a key pair is 32 raw bytes each in padded standard base64, with its fingerprint as id', () => {
    const k = generateSigningKey();
    expect(k.publicKey).toMatch(B64_32);
    expect(k.privateKey).toMatch(B64_32);
    expect(Buffer.from(k.publicKey, 'base64')).toHaveLength(32);
    const fingerprint = createHash('sha256').update(Buffer.from(k.publicKey, 'base64')).digest('hex').slice(0, 32);
    expect(k.keyId).toBe(`ed25519:${fingerprint}`);
    expect(keyIdOf(k.publicKey)).toBe(k.keyId);
  });

  it('keys whose base64 holds + and / survive the url-safe round trip (many keys, so both occur)', () => {
    let sawPlus = false;
    let sawSlash = false;
    for (let i = 0; i < 40; i++) {
      const k = generateSigningKey();
      sawPlus ||= k.publicKey.includes('+') || k.privateKey.includes('+');
      sawSlash ||= k.publicKey.includes('/') || k.privateKey.includes('/');
      const sig = signPayload('pack', { i }, k);
      expect(verifyPayload('pack', { i }, sig, publicKeyObject(k.publicKey))).toBe(true);
    }
    expect(sawPlus && sawSlash).toBe(true);
  });

  it('signs a domain label and then the RFC 8785 form of the payload', () => {
    expect(signingInput('schedule', { b: 1, a: [true, 'x'] }).toString('utf8')).toBe('interview-kiosk/schedule/v1\n{"a":[true,"x"],"b":1}');
    expect(signingInput('unlock-response', 'é').toString('utf8')).toBe('interview-kiosk/unlock-response/v1\n"é"');
  });

  it('a signature made by node:crypto over that input verifies; another kind, payload or key does not', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const input = Buffer.from('interview-kiosk/pack/v1\n{"v":1}', 'utf8');
    const sig = sign(null, input, privateKey).toString('base64');
    const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url').toString('base64');
    const key = publicKeyObject(raw);
    expect(verifyPayload('pack', { v: 1 }, sig, key)).toBe(true);
    expect(verifyPayload('schedule', { v: 1 }, sig, key)).toBe(false);
    expect(verifyPayload('pack', { v: 2 }, sig, key)).toBe(false);
    expect(verifyPayload('pack', { v: 1 }, sig, publicKeyObject(generateSigningKey().publicKey))).toBe(false);
  });

  it('a signature that is not 64 bytes is refused without a throw', () => {
    const k = generateSigningKey();
    const sig = Buffer.from(signPayload('pack', 1, k), 'base64');
    const key = publicKeyObject(k.publicKey);
    expect(verifyPayload('pack', 1, Buffer.concat([sig, Buffer.from([0])]).toString('base64'), key)).toBe(false);
    expect(verifyPayload('pack', 1, sig.subarray(0, 63).toString('base64'), key)).toBe(false);
    expect(verifyPayload('pack', 1, '', key)).toBe(false);
  });

  it('the public key object is the Ed25519 key of those bytes; any other length is refused', () => {
    const k = generateSigningKey();
    const jwk = publicKeyObject(k.publicKey).export({ format: 'jwk' });
    expect(jwk).toEqual({ kty: 'OKP', crv: 'Ed25519', x: Buffer.from(k.publicKey, 'base64').toString('base64url') });
    expect(() => publicKeyObject(Buffer.alloc(31).toString('base64'))).toThrow('an Ed25519 public key has 32 bytes');
    expect(() => publicKeyObject(Buffer.alloc(33).toString('base64'))).toThrow('an Ed25519 public key has 32 bytes');
  });
});

describe('AES-256-GCM content', () => {
  const key = Buffer.alloc(32, 7);
  it('opens what it sealed, with a fresh 12-byte iv and a 16-byte tag each time', () => {
    const a = seal(key, Buffer.from('题目内容'), 'pack:1');
    const b = seal(key, Buffer.from('题目内容'), 'pack:1');
    expect(Buffer.from(a.iv, 'base64')).toHaveLength(12);
    expect(Buffer.from(a.tag, 'base64')).toHaveLength(16);
    expect(a.iv).not.toBe(b.iv);
    expect(open(key, a, 'pack:1')?.toString('utf8')).toBe('题目内容');
  });

  it('refuses another AAD, another key, an altered ciphertext or tag, and malformed sizes', () => {
    const s = seal(key, Buffer.from('secret'), 'pack:1');
    expect(open(key, s, 'pack:2')).toBeUndefined();
    expect(open(Buffer.alloc(32, 8), s, 'pack:1')).toBeUndefined();
    const flip = (b64: string) => {
      const b = Buffer.from(b64, 'base64');
      b[0]! ^= 1;
      return b.toString('base64');
    };
    expect(open(key, { ...s, ciphertext: flip(s.ciphertext) }, 'pack:1')).toBeUndefined();
    expect(open(key, { ...s, tag: flip(s.tag) }, 'pack:1')).toBeUndefined();
    expect(open(key, { ...s, iv: Buffer.alloc(16).toString('base64') }, 'pack:1')).toBeUndefined();
    expect(open(key, { ...s, tag: Buffer.from(s.tag, 'base64').subarray(0, 12).toString('base64') }, 'pack:1')).toBeUndefined();
    expect(open(Buffer.alloc(16, 7), s, 'pack:1')).toBeUndefined();
  });
});

describe('offline unlock codes', () => {
  it('are five groups of four Crockford base32 symbols, using all 32 and no I, L, O or U', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      const code = generateUnlockCode();
      expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
      for (const ch of code.replace(/-/g, '')) seen.add(ch);
    }
    expect(seen.size).toBe(32);
  });

  it('normalizes case, spaces, tabs and dashes, and the letters a proctor may misread', () => {
    expect(normalizeUnlockCode(' abcd-efgh\tjkmn pqrs-tvwx ')).toBe('ABCDEFGHJKMNPQRSTVWX');
    expect(normalizeUnlockCode('o0-Oi-Il')).toBe('000111');
    expect(normalizeUnlockCode('OIL-oil')).toBe('011011');
    expect(normalizeUnlockCode('XYZ_')).toBe('XYZ_');
  });

  it('accepts scrypt parameters exactly up to the limits', () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 32768, r: 8, p: 1 });
    expect(SCRYPT_LIMITS).toEqual({ maxN: 65536, maxR: 8, maxP: 2, maxMemBytes: 67108864 });
    const ok = (N: number, r: number, p: number) => scryptWithinLimits({ N, r, p });
    expect(ok(2, 1, 1)).toBe(true);
    expect(ok(65536, 8, 2)).toBe(true);
    expect(ok(32768, 8, 1)).toBe(true);
    expect(ok(1, 1, 1)).toBe(false);
    expect(ok(0, 1, 1)).toBe(false);
    expect(ok(3, 1, 1)).toBe(false);
    expect(ok(6, 1, 1)).toBe(false);
    expect(ok(131072, 1, 1)).toBe(false);
    expect(ok(1024, 0, 1)).toBe(false);
    expect(ok(1024, 9, 1)).toBe(false);
    expect(ok(1024, 1, 0)).toBe(false);
    expect(ok(1024, 1, 3)).toBe(false);
    expect(ok(1024.5, 1, 1)).toBe(false);
    expect(ok(1024, 1.5, 1)).toBe(false);
    expect(ok(1024, 1, 1.5)).toBe(false);
  });

  it('derives the scrypt key of the normalized code, sync and async alike, at the memory limit too', async () => {
    const salt = Buffer.from('salt-salt-salt-1');
    const small = { N: 1024, r: 8, p: 1 };
    const direct = scryptSync('ABCD0111', salt, 32, { N: 1024, r: 8, p: 1 });
    expect(deriveCodeKey('abcd-OIL1', salt, small)).toEqual(direct);
    expect(await deriveCodeKeyAsync('abcd OIL1', salt, small)).toEqual(direct);
    const atLimit = { N: 65536, r: 8, p: 1 };
    expect(deriveCodeKey('A', salt, atLimit)).toHaveLength(32);
  });

  it('refuses parameters over the limits before any work, sync and async', () => {
    const salt = Buffer.alloc(16);
    expect(() => deriveCodeKey('A', salt, { N: 131072, r: 8, p: 1 })).toThrow(RangeError);
    expect(() => deriveCodeKey('A', salt, { N: 131072, r: 8, p: 1 })).toThrow("scrypt parameters N=131072 r=8 p=1 exceed the kiosk's limits");
    expect(() => deriveCodeKeyAsync('A', salt, { N: 1024, r: 16, p: 1 })).toThrow(RangeError);
  });
});

describe('X25519 key release', () => {
  it('both sides derive the same 32-byte key; another context, salt or peer gives another', () => {
    const kiosk = generateEphemeralKey();
    const hr = generateEphemeralKey();
    expect(kiosk.publicKey).toMatch(B64_32);
    const salt = Buffer.alloc(16, 1);
    const a = deriveReleaseKey(kiosk.privateKey, hr.publicKey, salt, 'ctx');
    const b = deriveReleaseKey(hr.privateKey, kiosk.publicKey, salt, 'ctx');
    expect(a).toHaveLength(32);
    expect(a).toEqual(b);
    expect(deriveReleaseKey(kiosk.privateKey, hr.publicKey, salt, 'ctx2')).not.toEqual(a);
    expect(deriveReleaseKey(kiosk.privateKey, hr.publicKey, Buffer.alloc(16, 2), 'ctx')).not.toEqual(a);
    expect(deriveReleaseKey(kiosk.privateKey, generateEphemeralKey().publicKey, salt, 'ctx')).not.toEqual(a);
  });

  it('the public half is the X25519 key node:crypto derives from the private half', () => {
    const k = generateEphemeralKey();
    const x = createPublicKey(k.privateKey).export({ format: 'jwk' }).x!;
    expect(Buffer.from(x, 'base64url').toString('base64')).toBe(k.publicKey);
  });

  it('refuses a peer key that is not 32 bytes', () => {
    const k = generateEphemeralKey();
    expect(() => deriveReleaseKey(k.privateKey, Buffer.alloc(31).toString('base64'), Buffer.alloc(0), 'c')).toThrow('an X25519 public key has 32 bytes');
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 test vector, for strings and bytes', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Hex(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
