/**
 * The HR endpoint's release decisions (docs/hr-endpoint.openapi.yaml, `unlockPack` and
 * `releaseStage`), in the documented order of checks, independent of where invites, packs and the
 * record of submitted stages are kept. The loopback dev server (main/dev/hr-endpoint-server.ts,
 * in memory) and the hub (hub/hr, PostgreSQL) both decide through these two functions, so the
 * rules cannot drift apart.
 */
import type { SigningKeyPair } from './pack-crypto';
import { grantUnlock, type HrErrorCode, type UnlockRequest, type UnlockResponse } from './hr-protocol';
import { grantStageKey, type StageKeyGrant, type StageKeyRequest } from './stage-content';

/** The kiosk a bearer token identifies. */
export interface HrKiosk {
  readonly kioskId: string;
  readonly centreId: string;
}

/** What the endpoint knows of an invite. Times are ms since epoch. */
export interface HrInviteFacts {
  readonly code: string;
  readonly packId: string;
  readonly centreId: string;
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly revoked?: boolean;
}

/** A pack's keys as the endpoint keeps them (from the `.key.json` sidecar `pack sign` writes). */
export interface HrPackKeys {
  readonly packId: string;
  readonly packHash: string;
  readonly contentKey: Buffer;
  /** Packs sealed stage by stage with `release: "hr"` only. */
  readonly stageMaster?: Buffer;
  readonly stageIds?: readonly string[];
}

export interface HrRefusal {
  readonly ok: false;
  readonly status: number;
  readonly code: HrErrorCode;
  readonly message: string;
}

const refuse = (status: number, code: HrErrorCode, message: string): HrRefusal => ({ ok: false, status, code, message });

/**
 * `unlockPack`: the token's kiosk is the one named, the invite exists, is not withdrawn, is for the
 * kiosk's centre, is inside its window, and is for exactly this pack version. First failure answers.
 */
export function decideUnlock(
  r: UnlockRequest,
  kiosk: HrKiosk,
  invite: HrInviteFacts | undefined,
  pack: HrPackKeys | undefined,
  hrKey: SigningKeyPair,
  now: number,
): { ok: true; response: UnlockResponse } | HrRefusal {
  if (r.kioskId !== kiosk.kioskId || r.centreId !== kiosk.centreId) return refuse(403, 'KIOSK_MISMATCH', 'the token belongs to another kiosk');
  if (!invite) return refuse(404, 'INVITE_UNKNOWN', 'no such invite');
  if (invite.revoked) return refuse(409, 'INVITE_REVOKED', 'the invite was withdrawn');
  if (invite.centreId !== kiosk.centreId) return refuse(403, 'NOT_THIS_CENTRE', 'the invite is for another test centre');
  if ((invite.notBefore !== undefined && now < invite.notBefore) || (invite.notAfter !== undefined && now > invite.notAfter)) {
    return refuse(409, 'OUTSIDE_WINDOW', 'the invite is outside its time window');
  }
  if (!pack || pack.packHash !== r.packHash || pack.packId !== r.packId || invite.packId !== r.packId) return refuse(409, 'PACK_MISMATCH', 'this invite is not for that pack version');
  return { ok: true, response: grantUnlock(r, pack.contentKey, hrKey, new Date(now)) };
}

/**
 * `releaseStage`: as `decideUnlock` without the time window (it bounds check-in only), then the
 * stages named must be the pack's at `stageIndex`/`stageIndex - 1`, and `submittedStageIds` — the
 * endpoint's OWN record, never the request — must show every earlier stage submitted.
 */
export function decideStageRelease(
  r: StageKeyRequest,
  kiosk: HrKiosk,
  invite: HrInviteFacts | undefined,
  pack: HrPackKeys | undefined,
  submittedStageIds: ReadonlySet<string>,
  hrKey: SigningKeyPair,
  now: number,
): { ok: true; response: { grant: StageKeyGrant; signature: string } } | HrRefusal {
  if (r.kioskId !== kiosk.kioskId) return refuse(403, 'KIOSK_MISMATCH', 'the token belongs to another kiosk');
  if (!invite) return refuse(404, 'INVITE_UNKNOWN', 'no such invite');
  if (invite.revoked) return refuse(409, 'INVITE_REVOKED', 'the invite was withdrawn');
  if (invite.centreId !== kiosk.centreId) return refuse(403, 'NOT_THIS_CENTRE', 'the invite is for another test centre');
  if (!pack || pack.packHash !== r.packHash || pack.packId !== r.packId || invite.packId !== r.packId || !pack.stageMaster || !pack.stageIds) {
    return refuse(409, 'PACK_MISMATCH', 'this invite is not for that pack version, or the pack is not released stage by stage');
  }
  const outcome = grantStageKey(r, { master: pack.stageMaster, outlineStageIds: pack.stageIds, submittedStageIds, hrKey, now: new Date(now) });
  if (!outcome.ok) {
    if (outcome.reason === 'not_submitted') return refuse(409, 'STAGE_NOT_SUBMITTED', 'this endpoint has no record of every earlier stage submitted');
    if (outcome.reason === 'wrong_stage') return refuse(409, 'STAGE_MISMATCH', "the stages named are not the pack's stages at that index");
    return refuse(400, 'BAD_REQUEST', 'the request is not a stage key request');
  }
  return { ok: true, response: { grant: outcome.grant, signature: outcome.signature } };
}
