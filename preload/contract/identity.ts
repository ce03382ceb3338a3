/**
 * The optional identity check at check-in (issue #15; rules in shared/identity/policy.ts, service in
 * main/services/identity/identity-check.ts). The candidate sends one still photo or an ID number;
 * both are stored sealed on this device only; a human proctor confirms with their code. Nothing
 * compares faces automatically.
 */
import { z } from 'zod';
import { IdDocumentType, IdentityMethod, IdentityMode, MAX_IDENTITY_PHOTO_BYTES } from '../../shared/identity/policy';
import { SessionId } from './common';

export const IdentityPhase = z.enum(['not_offered', 'choosing', 'awaiting_proctor', 'confirmed', 'declined']);

export const IdentityView = z.object({
  sessionId: SessionId,
  mode: IdentityMode,
  phase: IdentityPhase,
  /** The submission waiting for (or confirmed by) the proctor: what it was, never its content. */
  pending: z.object({ method: IdentityMethod, ordinal: z.number().int().positive(), masked: z.string().max(16).optional() }).nullable(),
  /** Whether the interview may start now. */
  cleared: z.boolean(),
  submissionsLeft: z.number().int().nonnegative(),
  codeAttemptsLeft: z.number().int().nonnegative(),
  /** The pack's retention: days after HR confirms it holds the interview, then erased with it. */
  retentionDays: z.number().int().positive(),
});
export type IdentityView = z.infer<typeof IdentityView>;

const isJpeg = (d: Uint8Array) => d.byteLength > 3 && d[0] === 0xff && d[1] === 0xd8 && d[2] === 0xff;

export const IdentityPhotoRequest = z.strictObject({
  sessionId: SessionId,
  mimeType: z.literal('image/jpeg'),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes' })
    .refine((d) => d.byteLength >= 100 && d.byteLength <= MAX_IDENTITY_PHOTO_BYTES, { message: `a photo is 100..${MAX_IDENTITY_PHOTO_BYTES} bytes` })
    .refine(isJpeg, { message: 'a photo must be a JPEG' }),
});
export type IdentityPhotoRequest = z.infer<typeof IdentityPhotoRequest>;

export const IdentityIdNumberRequest = z.strictObject({
  sessionId: SessionId,
  docType: IdDocumentType,
  /** Checked again in main (shared/identity/policy.ts checkIdNumber); bounded here. */
  number: z.string().min(1).max(40),
});

export const IdentityProctorRequest = z.strictObject({
  sessionId: SessionId,
  /** The centre's 10-character code for this submission, or a hub proctor token (125 characters). */
  code: z.string().trim().min(4).max(200),
  decision: z.enum(['confirm', 'reject']),
});

export const IdentityDeclineRequest = z.strictObject({ sessionId: SessionId });
