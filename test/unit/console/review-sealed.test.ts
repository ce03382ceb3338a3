/**
 * The hub's side of a review's sealed words (hub/console/server/sealed-review.ts), written from
 * the documented format and checked against the kiosk's own sealing code: HR's key opens what the
 * kiosk sealed; a moved, altered or foreign text is refused; without a usable key the review says
 * why. And the recording's pure parts (hub/console/logic/recording.ts): byte ranges and the
 * chunks a range covers.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sealMessage } from '../../../main/services/storage/crypto/aead';
import { generateHrKeyPair, recipientKeyId, wrapForHr } from '../../../main/services/storage/crypto/hr-wrap';
import { textAad } from '../../../main/services/storage/crypto/identity';
import { hrKeyFromEnv, hrKeyFromPrivate, maskName, openReviewMaterial, SealedTamperedError, unwrapSessionKey } from '../../../hub/console/server/sealed-review';
import { parseByteRange, planRecording, recordingMime } from '../../../hub/console/logic/recording';

const HR = generateHrKeyPair();
const KEY = hrKeyFromPrivate(HR.privateKey);
const S = 'sess-1';
const AT = { sessionId: S, questionIndex: 2, attempt: 0 };

function material(dataKey: Buffer, opts: { text?: string; at?: typeof AT; hrPublic?: Buffer } = {}) {
  const at = opts.at ?? AT;
  const seal = (kind: 'answer' | 'review_rubric' | 'transcript', text: string) => {
    const aad = textAad(kind, at.sessionId, at.questionIndex, at.attempt);
    return { state: 'sealed', format: 'IKS1', identity: aad.toString('ascii'), sealed: sealMessage(dataKey, Buffer.from(text), aad).toString('base64') };
  };
  const pub = opts.hrPublic ?? HR.publicKey;
  return {
    v: 1,
    mode: 'text',
    answer: seal('answer', opts.text ?? '我负责了迁移 I owned it'),
    rubric: seal('review_rubric', JSON.stringify({ v: 1, questionId: 'q3' })),
    transcript: null,
    sessionKey: { hrWrapped: wrapForHr(dataKey, pub, S).toString('base64'), hrKeyId: recipientKeyId(pub) },
  };
}

describe('sealed review words on the hub', () => {
  it('derives the same key id the kiosk names its wraps with, and unwraps the kiosk’s wrap', () => {
    expect(KEY.keyId).toBe(recipientKeyId(HR.publicKey));
    expect(KEY.publicKey.equals(HR.publicKey)).toBe(true);
    const dk = randomBytes(32);
    expect(unwrapSessionKey(wrapForHr(dk, HR.publicKey, S), KEY, S)?.equals(dk)).toBe(true);
    expect(unwrapSessionKey(wrapForHr(dk, HR.publicKey, S), KEY, 'sess-2')).toBeUndefined();
  });

  it('opens the answer and the rubric the kiosk sealed; a missing transcript is not synced', () => {
    const r = openReviewMaterial(material(randomBytes(32)), AT, KEY);
    expect(r).toEqual({ mode: 'text', answer: { state: 'opened', text: '我负责了迁移 I owned it' }, rubric: { state: 'opened', text: '{"v":1,"questionId":"q3"}' }, transcript: { state: 'not_synced' } });
  });

  it('says why it cannot open: no HR key here, no HR wrap on the kiosk, another HR key', () => {
    const m = material(randomBytes(32));
    expect(openReviewMaterial(m, AT, null).answer).toEqual({ state: 'no_hr_key' });
    expect(openReviewMaterial({ ...m, sessionKey: null }, AT, KEY).answer).toEqual({ state: 'no_hr_wrap' });
    const other = generateHrKeyPair();
    expect(openReviewMaterial(material(randomBytes(32), { hrPublic: other.publicKey }), AT, KEY).answer).toEqual({ state: 'other_hr_key' });
    expect(openReviewMaterial({ v: 1, answer: { state: 'plain_not_sent' } }, AT, KEY).answer).toEqual({ state: 'not_synced', detail: 'plain_not_sent' });
    expect(openReviewMaterial(undefined, AT, KEY)).toMatchObject({ mode: null, answer: { state: 'not_synced' }, rubric: { state: 'not_synced' } });
  });

  it('refuses a text altered in any byte, moved to another answer, or with a forged identity or key', () => {
    const dk = randomBytes(32);
    const m = material(dk);
    const bytes = Buffer.from(m.answer.sealed, 'base64');
    for (const i of [0, 5, 40, bytes.length - 1]) {
      const b = Buffer.from(bytes);
      b[i]! ^= 0x01;
      expect(() => openReviewMaterial({ ...m, answer: { ...m.answer, sealed: b.toString('base64') } }, AT, KEY), `byte ${i}`).toThrow(SealedTamperedError);
    }
    // Sealed for question 2, presented as question 3 (the identity is recomputed, not trusted).
    expect(() => openReviewMaterial(m, { ...AT, questionIndex: 3 }, KEY)).toThrow(SealedTamperedError);
    const moved = material(dk, { at: { ...AT, questionIndex: 3 } });
    expect(() => openReviewMaterial({ ...m, answer: moved.answer }, AT, KEY)).toThrow(SealedTamperedError);
    const w = Buffer.from(m.sessionKey.hrWrapped, 'base64');
    w[60]! ^= 0x01;
    expect(() => openReviewMaterial({ ...m, sessionKey: { ...m.sessionKey, hrWrapped: w.toString('base64') } }, AT, KEY)).toThrow(SealedTamperedError);
    expect(() => openReviewMaterial({ ...m, answer: { ...m.answer, sealed: '!!notbase64' } }, AT, KEY)).toThrow(SealedTamperedError);
  });

  it('reads HR’s key from HUB_HR_PRIVATE_KEY_FILE (raw or base64); a bad file stops the hub; unset is null', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'hr-key-unit-'));
    try {
      expect(hrKeyFromEnv({})).toBeNull();
      writeFileSync(path.join(dir, 'b64'), HR.privateKey.toString('base64') + '\n');
      writeFileSync(path.join(dir, 'raw'), HR.privateKey);
      writeFileSync(path.join(dir, 'bad'), 'not a key');
      expect(hrKeyFromEnv({ HUB_HR_PRIVATE_KEY_FILE: path.join(dir, 'b64') })?.keyId).toBe(KEY.keyId);
      expect(hrKeyFromEnv({ HUB_HR_PRIVATE_KEY_FILE: path.join(dir, 'raw') })?.keyId).toBe(KEY.keyId);
      expect(() => hrKeyFromEnv({ HUB_HR_PRIVATE_KEY_FILE: path.join(dir, 'bad') })).toThrow(/32 raw bytes or their base64/);
      expect(() => hrKeyFromEnv({ HUB_HR_PRIVATE_KEY_FILE: path.join(dir, 'missing') })).toThrow(/cannot read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('blind review masks the candidate’s name unit for unit, so evidence offsets still fit', () => {
    const text = '我是张三，张三负责了迁移';
    const masked = maskName(text, '张三');
    expect(masked).toBe('我是██，██负责了迁移');
    expect(masked.length).toBe(text.length);
    expect(maskName(text, null)).toBe(text);
    expect(maskName(text, '张')).toBe(text);
  });
});

describe('recording ranges', () => {
  it('parses the single ranges a player sends and refuses ones outside the file', () => {
    expect(parseByteRange(undefined, 100)).toBeNull();
    expect(parseByteRange('bytes=0-', 100)).toEqual({ start: 0, end: 99 });
    expect(parseByteRange('bytes=10-19', 100)).toEqual({ start: 10, end: 19 });
    expect(parseByteRange('bytes=90-200', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseByteRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=20-10', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseByteRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseByteRange('items=0-1', 100)).toBeNull();
  });

  it('a range covers exactly its bytes of the joined chunks (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 8 }), fc.nat(), fc.nat(), (sizes, a, b) => {
        const total = sizes.reduce((x, y) => x + y, 0);
        const start = a % total;
        const end = start + (b % (total - start));
        const whole = Buffer.concat(sizes.map((n, i) => Buffer.alloc(n, i + 1)).map((buf, i) => Buffer.from(buf.map((_, j) => (i * 31 + j) % 251))));
        const chunks: Buffer[] = [];
        let off = 0;
        for (const n of sizes) {
          chunks.push(whole.subarray(off, off + n));
          off += n;
        }
        const got = Buffer.concat(planRecording(sizes, { start, end }).map((s) => chunks[s.index]!.subarray(s.from, s.to)));
        expect(got.equals(whole.subarray(start, end + 1))).toBe(true);
      }),
    );
  });

  it('tells the browser a plain audio/video type only', () => {
    expect(recordingMime('video/webm;codecs=vp8,opus', 'video')).toBe('video/webm;codecs=vp8,opus');
    expect(recordingMime('text/html', 'video')).toBe('video/webm');
    expect(recordingMime(null, 'audio')).toBe('audio/webm');
    expect(recordingMime('video/webm\r\nx: y', 'video')).toBe('video/webm');
  });
});
