/**
 * The pack's optional `policy.identity` block and the identity check's rules (issue #15): an
 * optional check at check-in, done by people. The candidate chooses a photo (one still from the
 * camera, compared by a human proctor) or their ID number (confirmed by a proctor at the kiosk);
 * both choices are always offered with equal weight, and 'optional' also allows skipping. Nothing
 * compares faces automatically: there is no setting for it, and the schema is strict so none can
 * be added to a pack (test/unit/identity/no-face-matching.test.ts).
 *
 * Shared by main (validation, state) and the renderer (the same checks before sending).
 */
import { z } from 'zod';

export const IdentityMode = z.enum(['off', 'optional', 'required']);
export type IdentityMode = z.infer<typeof IdentityMode>;

/** Optional without a default: a pack without it decodes exactly as signed (`identityModeOf` fills in 'off'). */
export const IdentityPackPolicy = z
  .object({
    mode: IdentityMode,
  })
  .strict();
export type IdentityPackPolicy = z.infer<typeof IdentityPackPolicy>;

export function identityModeOf(policy: { readonly identity?: IdentityPackPolicy | undefined }): IdentityMode {
  return policy.identity?.mode ?? 'off';
}

export const IdentityMethod = z.enum(['photo', 'id_number']);
export type IdentityMethod = z.infer<typeof IdentityMethod>;

/** The document an ID number comes from. Only the PRC resident ID has a check digit we verify. */
export const IdDocumentType = z.enum(['prc_resident_id', 'passport', 'other']);
export type IdDocumentType = z.infer<typeof IdDocumentType>;

/** Largest still photo accepted (a 640×480 JPEG is 30–120 KB). */
export const MAX_IDENTITY_PHOTO_BYTES = 1024 * 1024;
/** Photos and ID numbers a candidate may submit per session (each is stored until erasure). */
export const MAX_IDENTITY_SUBMISSIONS = 5;
/** Wrong proctor codes per pending submission before the kiosk stops checking. */
export const MAX_IDENTITY_CODE_ATTEMPTS = 5;

/** ISO 7064 MOD 11-2 weights of a PRC resident ID's first 17 digits (GB 11643-1999). */
const PRC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const PRC_CHECK = '10X98765432';

/** Upper-case, without spaces and dashes: what a person may type around the same number. */
export function normalizeIdNumber(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

/** The check character (0-9 or X) of 17 digits under ISO 7064 MOD 11-2. */
export function prcCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('expected 17 digits');
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * PRC_WEIGHTS[i]!;
  return PRC_CHECK[sum % 11]!;
}

export type IdNumberProblem = 'format' | 'checksum' | 'birth_date';

/**
 * Checks an ID number for its document type (after `normalizeIdNumber`). A PRC resident ID is 18
 * characters: a 6-digit area code, an 8-digit birth date, a 3-digit sequence and the check character;
 * the date must exist and the check character must match. Other documents: 5–32 letters and digits.
 */
export function checkIdNumber(type: IdDocumentType, normalized: string): { ok: true } | { ok: false; problem: IdNumberProblem } {
  if (type === 'prc_resident_id') {
    if (!/^\d{17}[\dX]$/.test(normalized)) return { ok: false, problem: 'format' };
    const y = Number(normalized.slice(6, 10));
    const m = Number(normalized.slice(10, 12));
    const d = Number(normalized.slice(12, 14));
    const date = new Date(Date.UTC(y, m - 1, d));
    if (y < 1800 || y > 2100 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return { ok: false, problem: 'birth_date' };
    if (prcCheckCharacter(normalized.slice(0, 17)) !== normalized[17]) return { ok: false, problem: 'checksum' };
    return { ok: true };
  }
  return /^[A-Z0-9]{5,32}$/.test(normalized) ? { ok: true } : { ok: false, problem: 'format' };
}

/** The most of an ID number that may appear anywhere outside its sealed copy: the last four characters. */
export function maskIdNumber(normalized: string): string {
  return `****${normalized.slice(-4)}`;
}
