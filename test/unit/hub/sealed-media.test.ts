/**
 * The hub opens media chunks the kiosk's own code sealed (hub/storage/sealed-media.ts, written from
 * docs/encryption-at-rest.md, shares no code with the kiosk): with HR's key, under the identity of
 * the chunk the item names. A chunk moved to another place, a changed byte, a wrong plaintext hash,
 * a wrap for another session or key, or no key at all: refused with the reason, nothing returned.
 */
import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkAad } from '../../../main/common/chunk-sealer';
import { sealMessage } from '../../../main/services/storage/crypto/aead';
import { generateHrKeyPair, recipientKeyId, wrapForHr } from '../../../main/services/storage/crypto/hr-wrap';
import { hrKeyFromPrivate } from '../../../hub/console/server/sealed-review';
import { identityOfMediaBody, identityOfMediaKey, MediaUnopenableError, mediaSessionKey, openMediaChunk, sealedChunkOf } from '../../../hub/storage/sealed-media';

const HR = generateHrKeyPair();
const KEY = hrKeyFromPrivate(HR.privateKey);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const SID = 'sess_01';

function sealedChunk(seq: number, plain = randomBytes(3000)) {
  const dataKey = randomBytes(32);
  const identity = chunkAad(SID, 1, 0, 2, seq);
  const sealed = sealMessage(dataKey, plain, Buffer.from(identity, 'utf8'));
  const sessionKey = { hrWrapped: wrapForHr(dataKey, HR.publicKey, SID).toString('base64'), hrKeyId: recipientKeyId(HR.publicKey) };
  return { dataKey, identity, sealed, plain, sessionKey };
}

const reason = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    if (err instanceof MediaUnopenableError) return err.reason;
    throw err;
  }
  return 'opened';
};

describe('hub sealed media', () => {
  it('opens what the kiosk sealed, with HR’s key, to the recorded plaintext', () => {
    const c = sealedChunk(7);
    const dataKey = mediaSessionKey(c.sessionKey, SID, KEY);
    expect(dataKey.equals(c.dataKey)).toBe(true);
    expect(openMediaChunk(dataKey, c.sealed, { identity: c.identity, sha256: sha(c.plain), size: c.plain.length }).equals(c.plain)).toBe(true);
  });

  it('refuses a moved chunk, a changed byte, a wrong plaintext hash or size', () => {
    const c = sealedChunk(7);
    const e = { identity: c.identity, sha256: sha(c.plain), size: c.plain.length };
    expect(reason(() => openMediaChunk(c.dataKey, c.sealed, { ...e, identity: chunkAad(SID, 1, 0, 2, 8) }))).toBe('tampered');
    expect(reason(() => openMediaChunk(c.dataKey, c.sealed, { ...e, identity: chunkAad('sess_02', 1, 0, 2, 7) }))).toBe('tampered');
    for (const at of [4, 40, c.sealed.length - 1]) {
      const bad = Buffer.from(c.sealed);
      bad[at]! ^= 0x01;
      expect(reason(() => openMediaChunk(c.dataKey, bad, e))).toBe('tampered');
    }
    expect(reason(() => openMediaChunk(c.dataKey, c.sealed.subarray(0, 60), e))).toBe('tampered');
    expect(reason(() => openMediaChunk(c.dataKey, c.sealed, { ...e, sha256: sha(Buffer.from('other')) }))).toBe('hash_mismatch');
    expect(reason(() => openMediaChunk(c.dataKey, c.sealed, { ...e, size: e.size + 1 }))).toBe('hash_mismatch');
    expect(reason(() => openMediaChunk(randomBytes(32), c.sealed, e))).toBe('tampered');
  });

  it('says why the session key cannot be had: no HR key here, no HR wrap, another HR key, a wrap for another session', () => {
    const c = sealedChunk(1);
    expect(reason(() => mediaSessionKey(c.sessionKey, SID, null))).toBe('no_hr_key');
    expect(reason(() => mediaSessionKey(null, SID, KEY))).toBe('no_hr_wrap');
    expect(reason(() => mediaSessionKey({ ...c.sessionKey, hrKeyId: 'x25519:' + '0'.repeat(32) }, SID, KEY))).toBe('other_hr_key');
    expect(reason(() => mediaSessionKey(c.sessionKey, 'sess_02', KEY))).toBe('bad_hr_wrap');
    const other = hrKeyFromPrivate(generateHrKeyPair().privateKey);
    expect(reason(() => mediaSessionKey({ hrWrapped: c.sessionKey.hrWrapped }, SID, other))).toBe('bad_hr_wrap');
  });

  it('the identity comes from the item’s fields and its key, and they must agree with what a reader plays', () => {
    expect(identityOfMediaKey(`media:${SID}:1:0:2:7`)).toBe(chunkAad(SID, 1, 0, 2, 7));
    expect(identityOfMediaBody({ sessionId: SID, questionIndex: 1, attempt: 0, segment: 2, seq: 7 })).toBe(chunkAad(SID, 1, 0, 2, 7));
    for (const k of ['media:ok', `media:${SID}:1:0:2`, `media:${SID}:1:0:2:-1`, `media:a b:1:0:2:7`, `ev:${SID}:1`]) expect(identityOfMediaKey(k)).toBeNull();
    expect(identityOfMediaBody({ sessionId: SID, questionIndex: 1, attempt: 0, segment: 2, seq: 1.5 })).toBeNull();
    const c = sealedChunk(7);
    const body = { sessionId: SID, questionIndex: 1, attempt: 0, segment: 2, seq: 7, size: c.plain.length, sha256: sha(c.plain), format: 'IKS1', identity: c.identity, sealedSize: c.sealed.length, sealedSha256: sha(c.sealed) };
    const row = { idem_key: `media:${SID}:1:0:2:7`, body, storage_key: 'media/k/1', size: String(c.sealed.length), sha256: sha(c.sealed) };
    expect(sealedChunkOf(row)).toMatchObject({ size: c.plain.length, sealedSize: c.sealed.length, identity: c.identity });
    expect(sealedChunkOf({ ...row, body: { ...body, format: 'plain' } })).toBeNull();
    expect(sealedChunkOf({ ...row, body: { ...body, identity: chunkAad(SID, 1, 0, 2, 8) } })).toBeNull();
    expect(sealedChunkOf({ ...row, sha256: sha(c.plain) })).toBeNull();
    expect(sealedChunkOf({ ...row, body: { ...body, size: c.plain.length + 1 } })).toBeNull();
    expect(sealedChunkOf({ ...row, storage_key: null })).toBeNull();
  });
});
