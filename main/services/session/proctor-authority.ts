/**
 * What a proctor types at the kiosk to authorise an action on a session: a hub-issued, signed,
 * expiring proctor token (main/common/proctor-token.ts), or, for `resume` only, the centre's
 * 10-character resume code (resume-codes.ts) as the fallback when no hub is reachable to issue
 * tokens. A token is checked offline against the hub keys from provisioning; its nonce is
 * journaled when it is used, so a used token is refused for ever after (append-only table plus a
 * `proctor_token_accepted` journal event in the same transaction as the action it authorised).
 */
import type { ErrorCode } from '../../../preload/contract/errors';
import { DEFAULT_SKEW_MS, looksLikeProctorToken, verifyProctorToken, type ProctorAction, type ProctorTokenKey, type ProctorTokenRefusal, type VerifiedProctorToken } from '../../common/proctor-token';
import { CodedError, err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { findProctorNonce, insertProctorNonce } from '../../db/queries/proctor-tokens';
import type { Journal } from '../journal/journal';
import type { ResumeCodeIssuer } from './resume-codes';

export type ProctorGrant = { readonly via: 'centre_code' } | { readonly via: 'proctor_token'; readonly token: VerifiedProctorToken };

export type ProctorCodeError = Extract<ErrorCode, 'PROCTOR_CODE_INVALID' | 'PROCTOR_CODE_EXPIRED' | 'PROCTOR_CODE_USED' | 'PROCTOR_CODE_NOT_FOR_THIS' | 'RESUME_CODE_INVALID'>;

export interface ProctorAuthorityOptions {
  readonly db: Db;
  readonly journal: Journal;
  /** Hub keys trusted for proctor tokens (provisioning). Empty: tokens are refused, centre codes still work. */
  readonly keys: readonly ProctorTokenKey[];
  readonly kioskId: string;
  readonly centreId: string;
  /** The centre-secret resume codes (fallback for `resume`). */
  readonly centreCodes: ResumeCodeIssuer;
  readonly skewMs?: number;
}

/** The kiosk-facing code for each refusal of the pure verifier. */
export function proctorCodeErrorOf(r: ProctorTokenRefusal | 'PROCTOR_TOKEN_REPLAYED'): ProctorCodeError {
  switch (r) {
    case 'PROCTOR_TOKEN_MALFORMED':
    case 'PROCTOR_TOKEN_UNKNOWN_KEY':
    case 'PROCTOR_TOKEN_INVALID':
      return 'PROCTOR_CODE_INVALID';
    case 'PROCTOR_TOKEN_WRONG_ACTION':
    case 'PROCTOR_TOKEN_WRONG_SESSION':
    case 'PROCTOR_TOKEN_WRONG_KIOSK':
      return 'PROCTOR_CODE_NOT_FOR_THIS';
    case 'PROCTOR_TOKEN_NOT_YET_VALID':
    case 'PROCTOR_TOKEN_EXPIRED':
      return 'PROCTOR_CODE_EXPIRED';
    case 'PROCTOR_TOKEN_REPLAYED':
      return 'PROCTOR_CODE_USED';
  }
}

export class ProctorAuthority {
  constructor(private readonly o: ProctorAuthorityOptions) {}

  get tokensEnabled(): boolean {
    return this.o.keys.length > 0;
  }

  /**
   * Checks what was typed, without using it up. `resumeCount` binds a centre code to one resume.
   * A token already used is refused here; `consume` refuses it again inside the transaction.
   */
  check(session: { readonly id: string; readonly resumeCount: number }, action: ProctorAction, input: string, now: number): Result<ProctorGrant> & { readonly detail?: string } {
    if (looksLikeProctorToken(input)) {
      const v = verifyProctorToken(input, { sessionId: session.id, kioskId: this.o.kioskId, centreId: this.o.centreId, action }, this.o.keys, now, { skewMs: this.o.skewMs ?? DEFAULT_SKEW_MS });
      if (!v.ok) return { ...err(proctorCodeErrorOf(v.code), v.message), detail: v.code };
      if (findProctorNonce(this.o.db, v.value.nonce)) return { ...err('PROCTOR_CODE_USED', 'this code has already been used; ask for a new one'), detail: 'PROCTOR_TOKEN_REPLAYED' };
      return ok({ via: 'proctor_token', token: v.value });
    }
    if (action === 'resume' && this.o.centreCodes.verify(session.id, session.resumeCount, input)) return ok({ via: 'centre_code' });
    return { ...err(action === 'resume' ? 'RESUME_CODE_INVALID' : 'PROCTOR_CODE_INVALID', 'that code is not right'), detail: 'CENTRE_CODE_WRONG' };
  }

  /**
   * Records that a grant was used. Call it inside the transaction of the action it authorises:
   * a nonce seen before throws (`PROCTOR_CODE_USED`) and the whole action rolls back.
   */
  consume(grant: ProctorGrant, sessionId: string, now: number): void {
    if (grant.via === 'centre_code') return;
    const t = grant.token;
    if (findProctorNonce(this.o.db, t.nonce)) throw new CodedError('PROCTOR_CODE_USED', 'this code has already been used; ask for a new one');
    insertProctorNonce(this.o.db, { nonce: t.nonce, session_id: sessionId, action: t.action, key_id: t.keyId, issued_at: t.issuedAt, expires_at: t.expiresAt, used_at: now });
    this.o.journal.append(sessionId, 'proctor_token_accepted', { action: t.action, nonce: t.nonce, keyId: t.keyId, issuedAt: t.issuedAt, expiresAt: t.expiresAt, arg: t.arg }, now);
  }
}
