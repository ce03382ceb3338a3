/** Refusals of the pack and schedule loaders; each has a zh-CN/en text in main/services/packs/pack-errors.ts. */
export const packErrorCodes = [
  'PACK_TOO_LARGE',
  'PACK_MALFORMED',
  'PACK_UNSIGNED',
  'SIGNATURE_INVALID',
  'KEY_UNTRUSTED',
  'PACK_SCHEMA_FROM_FUTURE',
  'PACK_NOT_YET_VALID',
  'PACK_EXPIRED',
  'PACK_INVALID',
  'PACK_INCONSISTENT',
  'PACK_DEMO_REFUSED',
  'PACK_DOWNGRADE',
  'PACK_LOCKED',
  'UNLOCK_CODE_REQUIRED',
  'UNLOCK_CODE_INVALID',
  'UNLOCK_REFUSED',
  'PROVISIONING_MISSING',
  'PROVISIONING_INVALID',
  'SCHEDULE_WRONG_CENTRE',
  'RESUME_UNREADABLE',
  'PACK_VERSION_REUSED',
  'UNLOCK_CODE_LOCKED',
  'STAGE_RELEASE_UNREACHABLE',
  'STAGE_RELEASE_REFUSED',
] as const;

/**
 * Every error code that may cross the IPC boundary. Codes travel as data
 * (`{ok:false,error:{code,message}}`); the renderer maps each to a localized explanation.
 */
export const errorCodes = [
  // transport and validation
  'INVALID_INPUT',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'INTERNAL',
  // check-in and session
  'INVITE_NOT_FOUND',
  'INVITE_USED',
  'INVITE_THROTTLED',
  'INVITE_LOCKED',
  'SESSION_NOT_FOUND',
  'ILLEGAL_TRANSITION',
  'CONSENT_DECLINED',
  'PRECHECK_FAILED',
  'PRECHECK_RUN_UNKNOWN',
  'PACK_NOT_FOUND',
  'PACK_CHANGED',
  // answering
  'QUESTION_MISMATCH',
  'ANSWER_MODE_MISMATCH',
  'ANSWER_EMPTY',
  'CHUNK_CONFLICT',
  'CHUNK_TOO_LARGE',
  'NO_RETAKES_LEFT',
  // page presence: another page (tab, window) took this session over
  'PAGE_SUPERSEDED',
  // a proctor alert paused the interview: nothing is recorded or submitted until the proctor continues it
  'PROCTOR_PAUSED',
  // resume
  'NOT_RESUMABLE',
  'RESUME_LIMIT_REACHED',
  'RESUME_CODE_REQUIRED',
  'RESUME_CODE_INVALID',
  'RESUME_CODE_LOCKED',
  'ACCOMMODATION_CODE_LOCKED',
  'RESUME_WINDOW_CLOSED',
  // hub-issued proctor codes (main/common/proctor-token.ts)
  'PROCTOR_CODE_INVALID',
  'PROCTOR_CODE_EXPIRED',
  'PROCTOR_CODE_USED',
  'PROCTOR_CODE_NOT_FOR_THIS',
  // the identity check at check-in (shared/identity/policy.ts)
  'IDENTITY_REQUIRED',
  'IDENTITY_ID_INVALID',
  'IDENTITY_PHOTO_INVALID',
  'IDENTITY_LIMIT_REACHED',
  'IDENTITY_CODE_LOCKED',
  // storage (fail closed)
  'STORAGE_FULL',
  'STORAGE_READONLY',
  'STORAGE_CORRUPT',
  'JOURNAL_WRITE_FAILED',
  'DB_FROM_FUTURE',
  // interview packs, schedules and unlocking (main/services/packs/pack-errors.ts has the texts)
  ...packErrorCodes,
] as const;

export type ErrorCode = (typeof errorCodes)[number];

export interface IpcError {
  code: ErrorCode;
  message: string;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: IpcError };
