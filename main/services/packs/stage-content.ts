/**
 * Pack format v2, per-stage content release: the pure cryptography (docs/pack-format-v2.md).
 *
 * In a v1 pack one content key opens every question. In v2 the questions of stage 2..n are each
 * sealed under their own stage key, so a kiosk that has unlocked the pack at check-in can read
 * stage 1 only; stage N+1's key is released when stage N has been submitted:
 * - `release: 'hr'`: the HR endpoint (or hub) holds the stage master key and seals stage N+1's key
 *   to the kiosk's ephemeral X25519 key (`grantStageKey`) once it has stage N's submission;
 * - `release: 'offline'`: the stage master key travels inside the v1 content (under the content
 *   key), and the kiosk derives stage N+1's key itself when stage N is submitted. That is a
 *   policy the kiosk enforces, not cryptography: said so in the docs.
 *
 * Stage keys are derived, never stored one by one: K_i = HKDF-SHA256(master, salt = pack id and
 * version, info = stage index and id). Each stage's AES-256-GCM envelope is bound (AAD) to the
 * pack id, version, stage index and stage id, so an envelope moved to another stage or pack, or
 * opened with another stage's key, is refused. The envelopes sit inside the signed manifest, so
 * a changed byte is also a signature failure; the AAD binding is what still holds for a signer
 * who reuses a master key across packs.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from '../../common/result';
import { canonicalize } from './canonical-json';
import { deriveReleaseKey, generateEphemeralKey, open, publicKeyObject, seal, signPayload, verifyPayload, type Sealed, type SigningKeyPair } from './pack-crypto';
import { Id, PackVersion, Question, type Stage } from './pack-schema';

export const STAGE_CONTENT_FORMAT = 2;
/** Stages 2..10: the outline allows at most ten stages, and stage 1 is in the v1 content. */
export const MAX_SEALED_STAGES = 9;

const B64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const SealedShape = z.object({ iv: B64, ciphertext: B64, tag: B64 }).strict();

export const StageRelease = z.enum(['hr', 'offline']);
export type StageRelease = z.infer<typeof StageRelease>;

/** The v2 manifest field: one sealed envelope per stage after the first. */
export const StageContent = z
  .object({
    format: z.literal(STAGE_CONTENT_FORMAT),
    alg: z.literal('A256GCM'),
    release: StageRelease,
    stages: z
      .array(z.object({ index: z.number().int().min(1).max(MAX_SEALED_STAGES), stageId: Id, sealed: SealedShape }).strict())
      .min(1)
      .max(MAX_SEALED_STAGES),
  })
  .strict();
export type StageContent = z.infer<typeof StageContent>;

export interface PackIds {
  readonly id: string;
  readonly version: string;
}

const StageQuestions = z.array(Question).min(1).max(50);

/**
 * What `npm run pack -- sign` writes when the author did not say (`--stage-release`): a pack of two
 * or more stages is sealed stage by stage (format v2) — released by its HR endpoint when it names
 * one, else offline on the kiosk; a one-stage pack (nothing to hold back) stays v1. `none` asks for
 * v1 explicitly. Anything else is refused (undefined `ok: false`).
 */
export function defaultStageRelease(source: unknown, flag: string | undefined): { ok: true; release: StageRelease | undefined } | { ok: false } {
  if (flag === 'none') return { ok: true, release: undefined };
  if (flag === 'hr' || flag === 'offline') return { ok: true, release: flag };
  if (flag !== undefined) return { ok: false };
  const src = source !== null && typeof source === 'object' ? (source as { stages?: unknown; hrEndpoint?: unknown }) : {};
  const stages = Array.isArray(src.stages) ? src.stages.length : 0;
  if (stages < 2) return { ok: true, release: undefined };
  return { ok: true, release: src.hrEndpoint !== undefined && src.hrEndpoint !== null ? 'hr' : 'offline' };
}

export function stageAad(ids: PackIds, index: number, stageId: string): string {
  return `interview-kiosk/stage-content/v2|${ids.id}|${ids.version}|${index}|${stageId}`;
}

/** K_i from the stage master key; the same on the authoring tool, the HR endpoint and (offline) the kiosk. */
export function stageKeyOf(master: Buffer, ids: PackIds, index: number, stageId: string): Buffer {
  if (master.length !== 32) throw new RangeError('a stage master key has 32 bytes');
  return Buffer.from(hkdfSync('sha256', master, Buffer.from(`${ids.id}|${ids.version}`, 'utf8'), Buffer.from(`interview-kiosk/stage-key/v2|${index}|${stageId}`, 'utf8'), 32));
}

/** Authoring: seals the questions of every stage after the first under its derived key. */
export function sealStages(ids: PackIds, stages: readonly Stage[], release: StageRelease, master: Buffer = randomBytes(32)): { stageContent: StageContent; master: Buffer } {
  if (stages.length < 2) throw new RangeError('per-stage release needs at least two stages');
  if (stages.length - 1 > MAX_SEALED_STAGES) throw new RangeError(`at most ${MAX_SEALED_STAGES + 1} stages`);
  const sealed = stages.slice(1).map((s, i) => {
    const index = i + 1;
    return { index, stageId: s.id, sealed: seal(stageKeyOf(master, ids, index, s.id), Buffer.from(canonicalize(s.questions), 'utf8'), stageAad(ids, index, s.id)) as Sealed };
  });
  return { stageContent: { format: STAGE_CONTENT_FORMAT, alg: 'A256GCM', release, stages: sealed }, master };
}

/**
 * The questions of stage `index`, opened with its stage key and checked against the schema. The
 * envelope must name the stage the outline puts at that index; anything else is refused.
 */
export function openStage(ids: PackIds, stageContent: unknown, index: number, expectedStageId: string, stageKey: Buffer): Result<Question[]> {
  const parsed = StageContent.safeParse(stageContent);
  if (!parsed.success) return err('PACK_INVALID', `stage content is malformed (${parsed.error.issues[0]?.message ?? 'invalid'})`);
  const entries = parsed.data.stages.filter((s) => s.index === index);
  if (entries.length !== 1) return err('PACK_INVALID', `stage content has ${entries.length} envelopes for stage ${index}`);
  const entry = entries[0]!;
  if (entry.stageId !== expectedStageId) return err('PACK_INCONSISTENT', `the envelope at stage ${index} is for ${entry.stageId}, not ${expectedStageId}`);
  if (stageKey.length !== 32) return err('UNLOCK_CODE_INVALID', 'a stage key has 32 bytes');
  const plain = open(stageKey, entry.sealed, stageAad(ids, index, expectedStageId));
  if (!plain) return err('UNLOCK_CODE_INVALID', `the key does not open stage ${index} (${expectedStageId}), or its envelope was altered`);
  let json: unknown;
  try {
    json = JSON.parse(plain.toString('utf8'));
  } catch {
    return err('PACK_INVALID', `stage ${index} content is not JSON`);
  }
  const questions = StageQuestions.safeParse(json);
  if (!questions.success) return err('PACK_INVALID', `stage ${index} content is not a question list (${questions.error.issues[0]?.message ?? 'invalid'})`);
  return ok(questions.data);
}

/**
 * The release rule, the same at the HR endpoint and (offline) at the kiosk: stage `index`'s key
 * may be released only when every earlier stage has been submitted. Stage 0 needs no release.
 */
export function mayReleaseStage(index: number, submittedStageIds: ReadonlySet<string>, outlineStageIds: readonly string[]): boolean {
  if (!Number.isInteger(index) || index < 1 || index >= outlineStageIds.length) return false;
  return outlineStageIds.slice(0, index).every((id) => submittedStageIds.has(id));
}

// ---------------------------------------------------------------- online release (HR endpoint / hub)

export const StageKeyRequest = z
  .object({
    packId: Id,
    packVersion: PackVersion,
    packHash: z.string().regex(/^[0-9a-f]{64}$/),
    inviteCode: z.string().min(1).max(64),
    kioskId: z.string().min(1).max(128),
    stageIndex: z.number().int().min(1).max(MAX_SEALED_STAGES),
    stageId: Id,
    /** The stage just submitted: the endpoint checks it against its own record of submissions. */
    submittedStageId: Id,
    kioskPublicKey: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
    nonce: z.string().regex(/^[A-Za-z0-9+/]{22}==$/),
  })
  .strict();
export type StageKeyRequest = z.infer<typeof StageKeyRequest>;

export interface StageKeyGrant {
  readonly request: StageKeyRequest;
  readonly serverPublicKey: string;
  readonly wrapped: Sealed;
  readonly issuedAt: string;
}

export function stageReleaseContext(r: Pick<StageKeyRequest, 'packHash' | 'inviteCode' | 'kioskId' | 'stageIndex' | 'stageId'>): string {
  return `interview-kiosk/stage-release/v2|${r.packHash}|${r.inviteCode}|${r.kioskId}|${r.stageIndex}|${r.stageId}`;
}

/** Kiosk side: the request for stage `stageIndex`'s key and the secret to read the answer. */
export function newStageKeyRequest(fields: Omit<StageKeyRequest, 'kioskPublicKey' | 'nonce'>): { request: StageKeyRequest; secret: ReturnType<typeof generateEphemeralKey> } {
  const eph = generateEphemeralKey();
  return { request: { ...fields, kioskPublicKey: eph.publicKey, nonce: randomBytes(16).toString('base64') }, secret: eph };
}

/**
 * Endpoint side: refuses unless the outline's earlier stages are all submitted (its own record,
 * not the kiosk's word), then seals K_i to the kiosk's ephemeral key and signs.
 */
export function grantStageKey(
  request: unknown,
  o: { master: Buffer; outlineStageIds: readonly string[]; submittedStageIds: ReadonlySet<string>; hrKey: SigningKeyPair; now: Date },
): { ok: true; grant: StageKeyGrant; signature: string } | { ok: false; reason: 'malformed' | 'wrong_stage' | 'not_submitted' } {
  const parsed = StageKeyRequest.safeParse(request);
  if (!parsed.success) return { ok: false, reason: 'malformed' };
  const r = parsed.data;
  if (o.outlineStageIds[r.stageIndex] !== r.stageId || o.outlineStageIds[r.stageIndex - 1] !== r.submittedStageId) return { ok: false, reason: 'wrong_stage' };
  if (!mayReleaseStage(r.stageIndex, o.submittedStageIds, o.outlineStageIds)) return { ok: false, reason: 'not_submitted' };
  const eph = generateEphemeralKey();
  const context = stageReleaseContext(r);
  const wrapKey = deriveReleaseKey(eph.privateKey, r.kioskPublicKey, Buffer.from(r.nonce, 'base64'), context);
  const stageKey = stageKeyOf(o.master, { id: r.packId, version: r.packVersion }, r.stageIndex, r.stageId);
  const grant: StageKeyGrant = { request: r, serverPublicKey: eph.publicKey, wrapped: seal(wrapKey, stageKey, context), issuedAt: o.now.toISOString() };
  return { ok: true, grant, signature: signPayload('stage-release', grant, o.hrKey) };
}

/** Kiosk side: the stage key, or why the answer cannot be trusted. */
export function openStageGrant(
  response: { grant: StageKeyGrant; signature: string },
  request: StageKeyRequest,
  secret: ReturnType<typeof generateEphemeralKey>,
  hrPublicKeyB64: string,
): { ok: true; key: Buffer } | { ok: false; reason: string } {
  const { grant, signature } = response;
  if (typeof signature !== 'string' || !verifyPayload('stage-release', grant, signature, publicKeyObject(hrPublicKeyB64))) return { ok: false, reason: 'the answer is not signed by the HR key' };
  if (canonicalize(grant.request) !== canonicalize(request)) return { ok: false, reason: 'the answer is for another request, stage, pack, invite or kiosk' };
  const context = stageReleaseContext(request);
  try {
    const wrapKey = deriveReleaseKey(secret.privateKey, grant.serverPublicKey, Buffer.from(request.nonce, 'base64'), context);
    const key = open(wrapKey, grant.wrapped, context);
    if (!key || key.length !== 32) return { ok: false, reason: 'the sealed key does not open' };
    return { ok: true, key };
  } catch {
    return { ok: false, reason: 'the server key is not a valid X25519 key' };
  }
}
