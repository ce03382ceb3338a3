/**
 * The optional identity check at check-in (issue #15). The pack's `policy.identity.mode` says whether
 * it runs ('off' | 'optional' | 'required'); when it does, the interview starts only once it is
 * cleared (shared/identity/state.ts `identityCleared`, enforced in admission.ts `start`).
 *
 * The candidate chooses, with equal weight, between
 * - a photo: one still from the camera they saw before sending it; stored on this device only,
 *   sealed under the session's data key in `identity/<session>/photo-<n>.jpg.sealed` (temp file,
 *   fsync, rename, fsync folder before the row and journal event that name it);
 * - an ID number: checked (a PRC resident ID's ISO 7064 MOD 11-2 check digit), sealed under the
 *   session key in `identity_records.sealed`; the journal gets the document type and the last four
 *   characters masked, never the number, and the row's digest is of the sealed bytes (a digest of
 *   an 18-digit number could be searched).
 * A human proctor then confirms or rejects at the kiosk with their code: the centre's HMAC code
 * bound to this session and submission, or a hub proctor token for `confirm_identity`. In 'optional'
 * mode the candidate may also skip. NOTHING here, or anywhere in the kiosk, compares faces.
 *
 * Erasure (crypto-shredding) covers it: the session key opens both the photo and the number, the
 * `identity/` folder is shredded with the session's files, and the rows are deleted.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IdentityView, IdentityPhotoRequest } from '../../../preload/contract/identity';
import { checkIdNumber, identityModeOf, maskIdNumber, MAX_IDENTITY_SUBMISSIONS, normalizeIdNumber, type IdDocumentType, type IdentityMode } from '../../../shared/identity/policy';
import { canSubmit, codeAttemptsLeft, foldIdentity, identityCleared, type IdentityState } from '../../../shared/identity/state';
import { looksLikeProctorToken } from '../../common/proctor-token';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { identityEvents, identityRecord, insertIdentityRecord, nextIdentityOrdinal } from '../../db/queries/identity';
import { getSession, type SessionRow } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import type { PackProvider } from '../packs/pack-provider';
import type { ProctorAuthority } from '../session/proctor-authority';
import type { ResumeCodeIssuer } from '../session/resume-codes';
import { mkdirDurably, writeFileDurably, type DurableFs } from '../storage/durable-file';
import type { ChunkSealer } from '../storage/crypto/session-keyring';

/** The data folder's sub-folder for identity photos (erasure shreds `identity/<session>/`). */
export const IDENTITY_DIR = 'identity';

/** Sessions may run the identity step only before the interview starts. */
const BEFORE_START = new Set(['checked_in', 'consented', 'prechecked']);

export interface IdentityKeys {
  sealerFor(sessionId: string): ChunkSealer;
}

export interface IdentityCheckDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
  readonly keys: IdentityKeys;
  readonly dataDir: string;
  /** The centre's codes (the HMAC fallback for a proctor without a hub token). */
  readonly resumeCodes: ResumeCodeIssuer;
  /** Hub proctor tokens (`confirm_identity`), when provisioning trusts a hub key. */
  readonly proctor?: ProctorAuthority;
  /** The file calls of the durable write (tests check their order against the journal row). */
  readonly fs?: DurableFs;
}

/** Associated data a photo and an ID number are sealed with (the session is bound by `sealerFor`). */
export function identityAad(method: 'photo' | 'id_number', ordinal: number): string {
  return `ik-identity/v1|${method}|${ordinal}`;
}

/** The subject a centre code for one identity submission is bound to. */
export function identitySubject(sessionId: string, ordinal: number): string {
  return `${sessionId}#identity:${ordinal}`;
}

/** The centre code a proctor gives to confirm (or reject) this submission (proctor CLI, tests). */
export function identityCodeFor(codes: ResumeCodeIssuer, sessionId: string, ordinal: number): string {
  return codes.codeFor(identitySubject(sessionId, ordinal), 0);
}

export function photoFileOf(sessionId: string, ordinal: number): string {
  return path.posix.join(IDENTITY_DIR, sessionId, `photo-${ordinal}.jpg.sealed`);
}

/**
 * Opens a stored identity photo for the hub sync: the JPEG, 'missing' (erased, or never placed) or
 * 'corrupt' (the file is not at the place its event names, or does not open with the session key).
 */
export function readIdentityPhoto(dataDir: string, keys: IdentityKeys, sessionId: string, ordinal: number, file: string): Buffer | 'missing' | 'corrupt' {
  // The journal's file name is checked, never followed: only the photo's own place is read.
  if (file !== photoFileOf(sessionId, ordinal)) return 'corrupt';
  let sealed: Buffer;
  try {
    sealed = readFileSync(path.join(dataDir, file));
  } catch {
    return 'missing';
  }
  try {
    return Buffer.from(keys.sealerFor(sessionId).open(sealed, identityAad('photo', ordinal)));
  } catch {
    // Altered, moved, or its key shredded (the sync lets an erased session's event go without it).
    return 'corrupt';
  }
}

/**
 * The photo as it rests (sealed), for the hub: opened first to check it is whole and this
 * session's photo `ordinal` (a photo that does not open is never sent), with the plaintext's
 * sha256 and size for the hub's record. Media travels and rests sealed (#13).
 */
export function readIdentityPhotoSealed(
  dataDir: string,
  keys: IdentityKeys,
  sessionId: string,
  ordinal: number,
  file: string,
): { readonly sealed: Buffer; readonly identity: string; readonly plainSha256: string; readonly plainSize: number } | 'missing' | 'corrupt' {
  if (file !== photoFileOf(sessionId, ordinal)) return 'corrupt';
  let sealed: Buffer;
  try {
    sealed = readFileSync(path.join(dataDir, file));
  } catch {
    return 'missing';
  }
  const identity = identityAad('photo', ordinal);
  let plain: Uint8Array;
  try {
    plain = keys.sealerFor(sessionId).open(sealed, identity);
  } catch {
    return 'corrupt';
  }
  return { sealed, identity, plainSha256: createHash('sha256').update(plain).digest('hex'), plainSize: plain.byteLength };
}

/** The session's identity state from its journal. */
export function identityStateOf(db: Db, sessionId: string): IdentityState {
  return foldIdentity(identityEvents(db, sessionId));
}

/** Whether the session's pack asks for the check and the check is not cleared yet (admission.ts). */
export function identityBlocksStart(db: Db, sessionId: string, policy: { readonly identity?: { readonly mode: IdentityMode } | undefined }): boolean {
  const mode = identityModeOf(policy);
  return mode !== 'off' && !identityCleared(mode, identityStateOf(db, sessionId));
}

export class IdentityCheck {
  constructor(private readonly deps: IdentityCheckDeps) {}

  private load(sessionId: string): Result<{ s: SessionRow; mode: IdentityMode; st: IdentityState; retentionDays: number }> {
    const s = getSession(this.deps.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const p = this.deps.packs.get(s.pack_id, s.id);
    if (!p || p.hash !== s.pack_hash) return err('PACK_NOT_FOUND', 'the interview pack is not available');
    const mode = identityModeOf(p.pack.policy);
    if (mode === 'off') return err('ILLEGAL_TRANSITION', 'this interview has no identity check');
    if (!BEFORE_START.has(s.state)) return err('ILLEGAL_TRANSITION', `the identity check is done before the interview starts (the session is ${s.state})`);
    return ok({ s, mode, st: identityStateOf(this.deps.db, s.id), retentionDays: p.pack.policy.retentionDays });
  }

  private view(sessionId: string, mode: IdentityMode, st: IdentityState, retentionDays: number): IdentityView {
    const rec = st.current ? identityRecord(this.deps.db, sessionId, st.current.ordinal) : undefined;
    const masked = rec?.method === 'id_number' && st.current ? maskedOf(this.deps.db, sessionId, st.current.ordinal) : undefined;
    return {
      sessionId,
      mode,
      phase: st.phase,
      pending: st.current ? { method: st.current.method, ordinal: st.current.ordinal, ...(masked ? { masked } : {}) } : null,
      cleared: identityCleared(mode, st),
      submissionsLeft: Math.max(0, MAX_IDENTITY_SUBMISSIONS - st.submissions),
      codeAttemptsLeft: codeAttemptsLeft(st),
      retentionDays,
    };
  }

  /** The identity step's state; the first call journals that the notice and choice were offered. */
  open(sessionId: string): Result<IdentityView> {
    const l = this.load(sessionId);
    if (!l.ok) return l;
    const { s, mode } = l.value;
    let { st } = l.value;
    if (st.phase === 'not_offered') {
      const now = this.deps.clock.now();
      transact(this.deps.db, () => this.deps.journal.append(s.id, 'identity_offered', { mode, methods: ['photo', 'id_number'], skippable: mode === 'optional' }, now));
      st = identityStateOf(this.deps.db, s.id);
    }
    return ok(this.view(s.id, mode, st, l.value.retentionDays));
  }

  capturePhoto(r: IdentityPhotoRequest): Result<IdentityView> {
    const l = this.submittable(r.sessionId);
    if (!l.ok) return l;
    const { s, mode } = l.value;
    const now = this.deps.clock.now();
    const ordinal = nextIdentityOrdinal(this.deps.db, s.id);
    const plain = Buffer.from(r.data.buffer, r.data.byteOffset, r.data.byteLength);
    const sha256 = createHash('sha256').update(plain).digest('hex');
    const sealed = Buffer.from(this.deps.keys.sealerFor(s.id).seal(plain, identityAad('photo', ordinal)));
    const rel = photoFileOf(s.id, ordinal);
    const abs = path.join(this.deps.dataDir, rel);
    // Durable before the row and the event that name it.
    mkdirDurably(path.dirname(abs), 0o700);
    writeFileDurably(abs, sealed, 0o600, this.deps.fs);
    const sealedSha256 = createHash('sha256').update(sealed).digest('hex');
    transact(this.deps.db, () => {
      insertIdentityRecord(this.deps.db, { session_id: s.id, ordinal, method: 'photo', doc_type: null, sealed: null, file: rel, sha256: sealedSha256, bytes: sealed.byteLength, created_at: now });
      this.deps.journal.append(s.id, 'identity_photo_captured', { ordinal, sha256, bytes: plain.byteLength, sealedSha256, sealedBytes: sealed.byteLength, file: rel, format: 'ik-identity/v1' }, now);
    });
    return ok(this.view(s.id, mode, identityStateOf(this.deps.db, s.id), l.value.retentionDays));
  }

  enterIdNumber(sessionId: string, docType: IdDocumentType, typed: string): Result<IdentityView> {
    const normalized = normalizeIdNumber(typed);
    const check = checkIdNumber(docType, normalized);
    if (!check.ok) return err('IDENTITY_ID_INVALID', `the ID number is not valid (${check.problem})`);
    const l = this.submittable(sessionId);
    if (!l.ok) return l;
    const { s, mode } = l.value;
    const now = this.deps.clock.now();
    const ordinal = nextIdentityOrdinal(this.deps.db, s.id);
    const sealed = Buffer.from(this.deps.keys.sealerFor(s.id).seal(Buffer.from(normalized, 'utf8'), identityAad('id_number', ordinal)));
    transact(this.deps.db, () => {
      insertIdentityRecord(this.deps.db, { session_id: s.id, ordinal, method: 'id_number', doc_type: docType, sealed, file: null, sha256: createHash('sha256').update(sealed).digest('hex'), bytes: sealed.byteLength, created_at: now });
      this.deps.journal.append(s.id, 'identity_id_entered', { ordinal, docType, masked: maskIdNumber(normalized) }, now);
    });
    return ok(this.view(s.id, mode, identityStateOf(this.deps.db, s.id), l.value.retentionDays));
  }

  /** The proctor's code on the kiosk: confirms (or rejects) the submission waiting for them. */
  proctor(sessionId: string, code: string, decision: 'confirm' | 'reject'): Result<IdentityView> {
    const l = this.load(sessionId);
    if (!l.ok) return l;
    const { s, mode, st } = l.value;
    if (st.phase !== 'awaiting_proctor' || !st.current) return err('ILLEGAL_TRANSITION', 'nothing is waiting for the proctor');
    if (codeAttemptsLeft(st) <= 0) return err('IDENTITY_CODE_LOCKED', 'too many wrong proctor codes for this submission; the candidate can submit again');
    const { ordinal, method } = st.current;
    const now = this.deps.clock.now();
    const input = code.trim();
    const { journal, db } = this.deps;
    const token = looksLikeProctorToken(input) && this.deps.proctor ? this.deps.proctor.check({ id: s.id, resumeCount: s.resume_count }, 'confirm_identity', input, now) : undefined;
    const centreOk = token === undefined && this.deps.resumeCodes.verify(identitySubject(s.id, ordinal), 0, input);
    const grant = token?.ok ? token.value : undefined;
    if (!grant && !centreOk) {
      const left = codeAttemptsLeft(st) - 1;
      const detail = token && !token.ok ? (token.detail ?? token.error.code) : 'CENTRE_CODE_WRONG';
      transact(db, () => journal.append(s.id, 'identity_code_refused', { ordinal, attemptsLeft: left, detail }, now));
      if (left <= 0) return err('IDENTITY_CODE_LOCKED', 'too many wrong proctor codes for this submission');
      // A token says why (another action or session, expired, used); a centre code only that it is wrong.
      return token && !token.ok ? err(token.error.code, token.error.message) : err('RESUME_CODE_INVALID', `that proctor code is not right (${left} tries left)`);
    }
    transact(db, () => {
      if (grant && this.deps.proctor) this.deps.proctor.consume(grant, s.id, now);
      journal.append(s.id, decision === 'confirm' ? 'identity_proctor_confirmed' : 'identity_proctor_rejected', { ordinal, method, via: grant ? 'proctor_token' : 'centre_code' }, now);
    });
    return ok(this.view(s.id, mode, identityStateOf(db, s.id), l.value.retentionDays));
  }

  /** The candidate chooses neither: in 'optional' mode the check is skipped; in 'required' the interview cannot start. */
  decline(sessionId: string): Result<IdentityView> {
    const l = this.load(sessionId);
    if (!l.ok) return l;
    const { s, mode, st } = l.value;
    if (st.phase === 'confirmed') return err('ILLEGAL_TRANSITION', 'the identity check is already confirmed');
    const now = this.deps.clock.now();
    if (st.phase !== 'declined') transact(this.deps.db, () => this.deps.journal.append(s.id, 'identity_declined', { mode, skipped: mode === 'optional' }, now));
    return ok(this.view(s.id, mode, identityStateOf(this.deps.db, s.id), l.value.retentionDays));
  }

  private submittable(sessionId: string): Result<{ s: SessionRow; mode: IdentityMode; st: IdentityState; retentionDays: number }> {
    const l = this.load(sessionId);
    if (!l.ok) return l;
    const { mode, st } = l.value;
    if (st.phase === 'confirmed') return err('ILLEGAL_TRANSITION', 'the identity check is already confirmed');
    if (st.phase === 'not_offered') return err('ILLEGAL_TRANSITION', 'the identity notice has not been shown');
    if (!canSubmit(mode, st)) return err('IDENTITY_LIMIT_REACHED', `at most ${MAX_IDENTITY_SUBMISSIONS} photos or ID numbers per interview`);
    return l;
  }
}

function maskedOf(db: Db, sessionId: string, ordinal: number): string | undefined {
  for (const e of identityEvents(db, sessionId)) {
    if (e.type === 'identity_id_entered' && e.payload.ordinal === ordinal && typeof e.payload.masked === 'string') return e.payload.masked;
  }
  return undefined;
}
