/**
 * The identity check's rules (issue #15): the pack policy, the PRC resident ID's ISO 7064 MOD 11-2
 * check digit, the masking, and the state folded from the journal that decides whether the
 * interview may start.
 */
import { describe, expect, it } from 'vitest';
import { demoPack, loadPack } from '../../../../main/services/packs/pack-provider';
import { PackPolicy } from '../../../../main/services/packs/pack-schema';
import { checkIdNumber, identityModeOf, IdentityPackPolicy, maskIdNumber, MAX_IDENTITY_CODE_ATTEMPTS, MAX_IDENTITY_SUBMISSIONS, normalizeIdNumber, prcCheckCharacter } from '../../../../shared/identity/policy';
import { canSubmit, codeAttemptsLeft, foldIdentity, identityCleared, type IdentityEvent } from '../../../../shared/identity/state';

describe('policy.identity in the pack', () => {
  const policy = demoPack().pack.policy;
  it('is off when absent, and a pack without it decodes exactly as signed (no default is added)', () => {
    expect(identityModeOf(policy)).toBe('off');
    expect(PackPolicy.parse(policy)).not.toHaveProperty('identity');
  });

  it('accepts off, optional and required, and the loader keeps it', () => {
    for (const mode of ['off', 'optional', 'required'] as const) {
      const p = structuredClone(demoPack().pack);
      p.policy.identity = { mode };
      const r = loadPack(p);
      expect(r.ok).toBe(true);
      if (r.ok) expect(identityModeOf(r.value.pack.policy)).toBe(mode);
    }
  });

  it('refuses an unknown mode, a missing mode and any extra setting (there is no face matching to turn on)', () => {
    expect(IdentityPackPolicy.safeParse({ mode: 'always' }).success).toBe(false);
    expect(IdentityPackPolicy.safeParse({}).success).toBe(false);
    expect(IdentityPackPolicy.safeParse({ mode: 'required', faceMatch: true }).success).toBe(false);
    const p = structuredClone(demoPack().pack) as unknown as { policy: Record<string, unknown> };
    p.policy.identity = { mode: 'required', matchThreshold: 0.6 };
    expect(loadPack(p).ok).toBe(false);
  });
});

describe('ID numbers', () => {
  it('computes the ISO 7064 MOD 11-2 check character (GB 11643 example, worked by hand: 167 mod 11 = 2 → X)', () => {
    expect(prcCheckCharacter('11010519491231002')).toBe('X');
    expect(prcCheckCharacter('44052418800101001')).toBe('4');
  });

  it('accepts a valid resident ID, typed with spaces, dashes or a lower-case x', () => {
    expect(checkIdNumber('prc_resident_id', normalizeIdNumber('110105 19491231 002x'))).toEqual({ ok: true });
    expect(checkIdNumber('prc_resident_id', normalizeIdNumber('440524-18800101-0014'))).toEqual({ ok: true });
  });

  it('refuses a changed digit, swapped digits, a wrong check character, a date that does not exist and wrong lengths', () => {
    expect(checkIdNumber('prc_resident_id', '110105194912310021')).toEqual({ ok: false, problem: 'checksum' });
    expect(checkIdNumber('prc_resident_id', '11010519491231020X')).toEqual({ ok: false, problem: 'checksum' });
    expect(checkIdNumber('prc_resident_id', '11010519491231003X')).toEqual({ ok: false, problem: 'checksum' });
    expect(checkIdNumber('prc_resident_id', '110105194902300027')).toEqual({ ok: false, problem: 'birth_date' });
    expect(checkIdNumber('prc_resident_id', '11010519491231002')).toEqual({ ok: false, problem: 'format' });
    expect(checkIdNumber('prc_resident_id', '1101051949123100200')).toEqual({ ok: false, problem: 'format' });
    expect(checkIdNumber('prc_resident_id', 'X1010519491231002X')).toEqual({ ok: false, problem: 'format' });
  });

  it('takes other documents free-form but bounded: 5-32 letters and digits', () => {
    expect(checkIdNumber('passport', 'E12345678')).toEqual({ ok: true });
    expect(checkIdNumber('other', 'AB12')).toEqual({ ok: false, problem: 'format' });
    expect(checkIdNumber('other', 'A'.repeat(33))).toEqual({ ok: false, problem: 'format' });
    expect(checkIdNumber('passport', 'E1234<script>')).toEqual({ ok: false, problem: 'format' });
  });

  it('masks all but the last four characters', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('****002X');
  });
});

describe('the identity state from the journal', () => {
  const ev = (type: string, payload: Record<string, unknown> = {}): IdentityEvent => ({ type, payload });

  it('is cleared for required only after the proctor confirms the pending submission', () => {
    const evs = [ev('identity_offered'), ev('identity_id_entered', { ordinal: 1 })];
    expect(foldIdentity(evs)).toMatchObject({ phase: 'awaiting_proctor', current: { ordinal: 1, method: 'id_number' } });
    expect(identityCleared('required', foldIdentity(evs))).toBe(false);
    // A confirmation for another submission does nothing.
    expect(identityCleared('required', foldIdentity([...evs, ev('identity_proctor_confirmed', { ordinal: 2 })]))).toBe(false);
    expect(identityCleared('required', foldIdentity([...evs, ev('identity_proctor_confirmed', { ordinal: 1 })]))).toBe(true);
  });

  it('skipping clears an optional check and never a required one', () => {
    const declined = foldIdentity([ev('identity_offered'), ev('identity_declined')]);
    expect(identityCleared('optional', declined)).toBe(true);
    expect(identityCleared('required', declined)).toBe(false);
    expect(identityCleared('off', foldIdentity([]))).toBe(true);
  });

  it('a rejection goes back to choosing; a new photo replaces the pending number', () => {
    const s = foldIdentity([ev('identity_offered'), ev('identity_id_entered', { ordinal: 1 }), ev('identity_proctor_rejected', { ordinal: 1 }), ev('identity_photo_captured', { ordinal: 2 })]);
    expect(s).toMatchObject({ phase: 'awaiting_proctor', current: { ordinal: 2, method: 'photo' }, submissions: 2 });
  });

  it('counts wrong codes per submission, and bounds submissions', () => {
    let evs = [ev('identity_offered'), ev('identity_photo_captured', { ordinal: 1 })];
    for (let i = 0; i < MAX_IDENTITY_CODE_ATTEMPTS; i++) evs.push(ev('identity_code_refused', { ordinal: 1 }));
    expect(codeAttemptsLeft(foldIdentity(evs))).toBe(0);
    evs.push(ev('identity_photo_captured', { ordinal: 2 }));
    expect(codeAttemptsLeft(foldIdentity(evs))).toBe(MAX_IDENTITY_CODE_ATTEMPTS);
    evs = [ev('identity_offered')];
    for (let i = 1; i <= MAX_IDENTITY_SUBMISSIONS; i++) evs.push(ev('identity_photo_captured', { ordinal: i }));
    expect(canSubmit('required', foldIdentity(evs))).toBe(false);
    expect(canSubmit('required', foldIdentity(evs.slice(0, -1)))).toBe(true);
    expect(canSubmit('required', foldIdentity([]))).toBe(false);
  });

  it('once confirmed, later events change nothing', () => {
    const s = foldIdentity([ev('identity_offered'), ev('identity_photo_captured', { ordinal: 1 }), ev('identity_proctor_confirmed', { ordinal: 1 }), ev('identity_declined'), ev('identity_id_entered', { ordinal: 2 })]);
    expect(s.phase).toBe('confirmed');
  });
});

describe('the identity IPC requests are validated and bounded', () => {
  it('takes a JPEG of 100 B .. 1 MiB only, and bounds the ID number and code', async () => {
    const { IdentityPhotoRequest, IdentityIdNumberRequest, IdentityProctorRequest } = await import('../../../../preload/contract/identity');
    const sessionId = '7d3f0c1e-2b4a-4c5d-8e6f-0a1b2c3d4e5f';
    const jpeg = (n: number) => {
      const b = new Uint8Array(n);
      b.set([0xff, 0xd8, 0xff]);
      return b;
    };
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/jpeg', data: jpeg(50_000) }).success).toBe(true);
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/jpeg', data: jpeg(1024 * 1024 + 1) }).success).toBe(false);
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/jpeg', data: jpeg(99) }).success).toBe(false);
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/jpeg', data: new Uint8Array(50_000).fill(0x89) }).success).toBe(false);
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/png', data: jpeg(50_000) }).success).toBe(false);
    expect(IdentityPhotoRequest.safeParse({ sessionId, mimeType: 'image/jpeg', data: jpeg(50_000), extra: 1 }).success).toBe(false);
    expect(IdentityIdNumberRequest.safeParse({ sessionId, docType: 'prc_resident_id', number: '1'.repeat(41) }).success).toBe(false);
    expect(IdentityIdNumberRequest.safeParse({ sessionId, docType: 'driving_licence', number: 'AB12345' }).success).toBe(false);
    expect(IdentityProctorRequest.safeParse({ sessionId, code: 'A'.repeat(201), decision: 'confirm' }).success).toBe(false);
    expect(IdentityProctorRequest.safeParse({ sessionId, code: 'ABCDE-FGHJK', decision: 'maybe' }).success).toBe(false);
  });
});
