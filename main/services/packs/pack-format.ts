/**
 * The `.ikpack` file: a signed envelope around a manifest whose question content is encrypted.
 *
 *   { "ikpack": 1,
 *     "payload":   { kind:"interview-pack", id, version, title, policy, validity, outline,
 *                    content: AES-256-GCM(JCS({competencies, tags, stages})), unlock: {...} },
 *     "signature": { alg:"Ed25519", keyId, value } }
 *
 * The signature covers `interview-kiosk/pack/v1\n` + RFC 8785(payload). The file itself is written
 * in canonical form too, and the loader insists on that, so any changed byte — even whitespace —
 * is refused. Checks run from cheapest to dearest and from trust to meaning: size, envelope,
 * signature and key, schema version, manifest shape, demo/production, validity window; content
 * only after it is unlocked.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Clock } from '../../common/clock';
import { err, ok, type Result } from '../../common/result';
import { canonicalize, CanonicalJsonError } from './canonical-json';
import {
  DEFAULT_SCRYPT,
  deriveCodeKey,
  deriveCodeKeyAsync,
  SCRYPT_LIMITS,
  generateUnlockCode,
  open,
  seal,
  sha256Hex,
  signPayload,
  verifyPayload,
  type Sealed,
  type SignedKind,
  type SigningKeyPair,
} from './pack-crypto';
import { packErrorText, type PackErrorCode } from './pack-errors';
import { formatPath, lintPack, shapeIssues, type LintIssue } from './pack-lint';
import {
  flattenQuestions,
  HrEndpointRef,
  isSafeText,
  Id,
  Pack,
  PACK_SCHEMA_VERSION,
  PackPolicy,
  PackText,
  PackVersion,
  StageKind,
  Validity,
  type FlatQuestion,
} from './pack-schema';
import type { StagedOutline } from './pack-provider';
import type { TrustStore } from './provisioning';
import { openStage, sealStages, StageContent, stageKeyOf, type StageRelease } from './stage-content';
import { createHash } from 'node:crypto';

export const ENVELOPE_VERSION = 1;
/** A 200-question pack is ~0.5 MB; anything this big is not a pack. */
export const MAX_PACK_BYTES = 8 * 1024 * 1024;
/** Kiosk clocks drift; a pack that becomes valid within this much is accepted. */
export const CLOCK_SKEW_MS = 10 * 60 * 1000;

// ---------------------------------------------------------------- shapes

const B64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64');
const SealedShape = z.object({ iv: B64, ciphertext: B64, tag: B64 }).strict();

export const OfflineUnlock = z
  .object({
    kdf: z.literal('scrypt'),
    // Bounded so one attempt costs at most 64 MiB and a fraction of a second (SCRYPT_LIMITS).
    N: z.number().int().min(1 << 14).max(SCRYPT_LIMITS.maxN),
    r: z.number().int().min(8).max(SCRYPT_LIMITS.maxR),
    p: z.number().int().min(1).max(SCRYPT_LIMITS.maxP),
    salt: B64,
    wrapped: SealedShape,
  })
  .strict();
export type OfflineUnlock = z.infer<typeof OfflineUnlock>;

export const PackManifest = z
  .object({
    kind: z.literal('interview-pack'),
    schemaVersion: z.literal(PACK_SCHEMA_VERSION),
    id: Id,
    version: PackVersion,
    title: PackText,
    demo: z.boolean(),
    issuedAt: z.iso.datetime({ offset: true }),
    validity: Validity,
    hrEndpoint: HrEndpointRef.optional(),
    policy: PackPolicy,
    /** What a manager may see before unlocking: no question text. */
    outline: z
      .object({
        stages: z.array(z.object({ id: Id, kind: StageKind, title: PackText, questionCount: z.number().int().min(1).max(50) }).strict()).min(1).max(10),
        questionCount: z.number().int().min(1).max(500),
        competencyCount: z.number().int().min(1).max(30),
      })
      .strict(),
    content: z.object({ alg: z.literal('A256GCM'), sealed: SealedShape }).strict(),
    unlock: z.object({ online: z.boolean(), offline: OfflineUnlock.nullable() }).strict(),
    /** Format v2 (docs/pack-format-v2.md): stages 2..n sealed one by one. Absent in v1 packs. */
    stageContent: StageContent.optional(),
  })
  .strict();
export type PackManifest = z.infer<typeof PackManifest>;

const Envelope = z.object({
  ikpack: z.number().int().min(1),
  payload: z.record(z.string(), z.unknown()),
  signature: z
    // Exactly 64 bytes in canonical base64: lenient decoding would let bytes change unnoticed.
    // The 86th symbol carries 2 bits and 4 zero pad bits, so only A, Q, g and w may stand there.
    .object({ alg: z.literal('Ed25519'), keyId: z.string().max(100), value: z.string().regex(/^[A-Za-z0-9+/]{85}[AQgw]==$/) })
    .strict()
    .optional(),
});

// ---------------------------------------------------------------- refusals

export interface Refusal {
  readonly code: PackErrorCode;
  readonly detail: string;
  readonly path?: string;
  readonly issues?: readonly LintIssue[];
}

/** A refusal as a Result: the message leads with the manager's text, then the detail. */
export function refuse<T>(code: PackErrorCode, detail: string, path?: string): Result<T> {
  return err(code, `${packErrorText[code].en} (${path ? path + ': ' : ''}${detail})`);
}

// ---------------------------------------------------------------- the envelope (packs and schedules)

export interface OpenedEnvelope {
  readonly payload: Record<string, unknown>;
  readonly keyId: string;
  /** sha256 of the signed payload's canonical form: the identity sessions pin. */
  readonly hash: string;
}

const MAGIC: Record<'pack' | 'schedule', string> = { pack: 'ikpack', schedule: 'ikschedule' };

/** Writes an envelope in the canonical form the loader insists on. */
export function writeEnvelope(kind: 'pack' | 'schedule', payload: Record<string, unknown>, key: SigningKeyPair | null): string {
  const envelope: Record<string, unknown> = { [MAGIC[kind]]: ENVELOPE_VERSION, payload };
  if (key) envelope.signature = { alg: 'Ed25519', keyId: key.keyId, value: signPayload(kind, payload, key) };
  return canonicalize(envelope) + '\n';
}

/**
 * Size, envelope, signature and key. Nothing in the payload is interpreted before the signature
 * has been checked against a key from the provisioning config.
 */
export function openEnvelope(bytes: Uint8Array, kind: 'pack' | 'schedule', trust: TrustStore, now: number): Result<OpenedEnvelope> {
  const subject = kind === 'pack' ? 'pack' : 'schedule';
  if (bytes.byteLength > MAX_PACK_BYTES) return refuse('PACK_TOO_LARGE', `${subject} file is ${bytes.byteLength} bytes; the limit is ${MAX_PACK_BYTES}`);
  // A byte-order mark is not part of the signed form: the decoder must keep it so the byte
  // comparison below sees it (TextDecoder drops a leading BOM by default).
  if (bytes.byteLength >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return looksSigned(bytes.subarray(3), kind) ? refuse('SIGNATURE_INVALID', 'a byte-order mark was added in front of the signed file') : refuse('PACK_MALFORMED', `not a ${subject} file (starts with a byte-order mark)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return looksSigned(bytes, kind) ? refuse('SIGNATURE_INVALID', 'the file is not valid UTF-8 any more') : refuse('PACK_MALFORMED', 'not UTF-8 text');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return looksSigned(bytes, kind) ? refuse('SIGNATURE_INVALID', 'the file no longer parses as JSON') : refuse('PACK_MALFORMED', `not a ${subject} file (not JSON)`);
  }
  const magic = MAGIC[kind];
  const isObject = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
  const obj = raw as Record<string, unknown>;
  // Only the three envelope members may exist: a renamed or added member is an alteration.
  const unknownMember = isObject ? Object.keys(obj).find((k) => k !== magic && k !== 'payload' && k !== 'signature') : undefined;
  const shaped = isObject && unknownMember === undefined ? { ikpack: obj[magic], payload: obj.payload, signature: obj.signature } : unknownMember !== undefined ? null : raw;
  const env = Envelope.safeParse(shaped);
  if (!env.success) {
    const otherKind = kind === 'pack' ? 'schedule' : 'pack';
    if (raw !== null && typeof raw === 'object' && MAGIC[otherKind] in (raw as object)) return refuse('PACK_MALFORMED', `this is a ${otherKind} file, not a ${subject}`);
    return looksSigned(bytes, kind) ? refuse('SIGNATURE_INVALID', 'the signed structure was altered') : refuse('PACK_MALFORMED', `not a ${subject} file (${formatPath(env.error.issues[0]?.path ?? [])} ${env.error.issues[0]?.message ?? ''})`);
  }
  const envelope = env.data;
  if (envelope.ikpack > ENVELOPE_VERSION) return refuse('PACK_SCHEMA_FROM_FUTURE', `file format ${envelope.ikpack} is newer than ${ENVELOPE_VERSION}`);
  if (!envelope.signature) return refuse('PACK_UNSIGNED', `the ${subject} has no signature`);
  const trusted = trust.keys.get(envelope.signature.keyId);
  if (!trusted) return refuse('KEY_UNTRUSTED', `signed by ${envelope.signature.keyId}, which is not in this kiosk's provisioning config`);
  if (!trusted.purposes.includes(kind)) return refuse('KEY_UNTRUSTED', `key ${trusted.keyId} is not trusted to sign a ${subject}`);
  let valid: boolean;
  try {
    valid = verifyPayload(kind as SignedKind, envelope.payload, envelope.signature.value, trusted.key);
  } catch (e) {
    // A payload that cannot be canonicalised (lone surrogate, huge nesting) cannot have been signed.
    if (e instanceof CanonicalJsonError) return refuse('SIGNATURE_INVALID', `payload has no canonical form (${e.message})`);
    throw e;
  }
  if (!valid) return refuse('SIGNATURE_INVALID', `signature by ${trusted.keyId} does not match the content`);
  const canonical = writeEnvelope(kind, envelope.payload, null).slice(0, -1);
  const signedForm = canonical.slice(0, -1) + `,"signature":${canonicalize(envelope.signature)}}`;
  if (text !== signedForm && text !== signedForm + '\n') {
    return refuse('SIGNATURE_INVALID', 'the file bytes differ from the signed canonical form (formatting or extra fields were changed)');
  }
  if (trusted.notAfter !== undefined && now > trusted.notAfter) return refuse('KEY_UNTRUSTED', `key ${trusted.keyId} was retired on ${new Date(trusted.notAfter).toISOString()}`);
  // Whatever the schema of each field says, no string anywhere in a signed file may carry
  // invisible format or bidirectional characters (the same rule lint applies to pack text).
  const hidden = firstUnsafeString(envelope.payload, '');
  if (hidden !== undefined) return refuse('PACK_INVALID', 'contains invisible format, control or bidirectional characters', hidden || '(payload)');
  return ok({ payload: envelope.payload, keyId: trusted.keyId, hash: sha256Hex(canonicalize(envelope.payload)) });
}

/** The path of the first key or string value that `isSafeText` refuses, if any. */
function firstUnsafeString(value: unknown, at: string, depth = 0): string | undefined {
  if (depth > 64) return at;
  if (typeof value === 'string') return isSafeText(value) ? undefined : at;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const r = firstUnsafeString(value[i], `${at}[${i}]`, depth + 1);
      if (r !== undefined) return r;
    }
    return undefined;
  }
  if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      const p = at ? `${at}.${k}` : k;
      if (!isSafeText(k)) return p;
      const r = firstUnsafeString(v, p, depth + 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}

/** A damaged signed file is reported as a signature failure: it was changed after signing. */
function looksSigned(bytes: Uint8Array, kind: 'pack' | 'schedule'): boolean {
  // Either end identifies a signed file; one damaged byte cannot erase both.
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const tail = Buffer.from(bytes.subarray(Math.max(0, bytes.byteLength - 400))).toString('latin1');
  return head.includes(`"${MAGIC[kind]}":1,"payload":{`) || tail.includes('"signature":{"alg":"Ed25519","keyId":"ed25519:');
}

// ---------------------------------------------------------------- packs

export interface VerifiedPack {
  readonly manifest: PackManifest;
  readonly hash: string;
  readonly keyId: string;
  readonly bytes: number;
}

export interface LoadedPackContent {
  readonly pack: Pack;
  readonly hash: string;
  readonly questions: readonly FlatQuestion[];
  /** v2 opened stage by stage: `pack` holds the released stages only (see `StagedOutline`). */
  readonly staged?: StagedOutline;
}

/** Everything that can be checked without the content key. */
export function verifyPack(bytes: Uint8Array, trust: TrustStore, clock: Clock): Result<VerifiedPack> {
  const now = clock.now();
  const opened = openEnvelope(bytes, 'pack', trust, now);
  if (!opened.ok) return opened;
  const { payload } = opened.value;
  const version = payload.schemaVersion;
  if (typeof version === 'number' && version > PACK_SCHEMA_VERSION) {
    return refuse('PACK_SCHEMA_FROM_FUTURE', `pack schema ${version} is newer than ${PACK_SCHEMA_VERSION}`);
  }
  const parsed = PackManifest.safeParse(payload);
  if (!parsed.success) {
    const first = shapeIssues(parsed.error)[0]!;
    return refuse('PACK_INVALID', first.message, first.path);
  }
  const manifest = parsed.data;
  const trusted = trust.keys.get(opened.value.keyId)!;
  if (manifest.demo && trust.mode === 'production') return refuse('PACK_DEMO_REFUSED', `pack ${manifest.id} is a demo pack`);
  if (!manifest.demo && trusted.demo) return refuse('KEY_UNTRUSTED', `a demo key cannot sign a production pack (${manifest.id})`);
  const notBefore = Date.parse(manifest.validity.notBefore);
  const expiresAt = Date.parse(manifest.validity.expiresAt);
  if (!(expiresAt > notBefore)) return refuse('PACK_INVALID', `the validity window is inverted or empty (${manifest.validity.notBefore} to ${manifest.validity.expiresAt})`, 'validity.expiresAt');
  if (now + CLOCK_SKEW_MS < notBefore) return refuse('PACK_NOT_YET_VALID', `valid from ${manifest.validity.notBefore}`);
  if (now >= expiresAt) return refuse('PACK_EXPIRED', `expired at ${manifest.validity.expiresAt}`);
  return ok({ manifest, hash: opened.value.hash, keyId: opened.value.keyId, bytes: bytes.byteLength });
}

function contentAad(m: Pick<PackManifest, 'id' | 'version'>): string {
  return `interview-kiosk/pack-content/v1|${m.id}|${m.version}`;
}
function wrapAad(m: Pick<PackManifest, 'id' | 'version'>): string {
  return `interview-kiosk/pack-key/v1|${m.id}|${m.version}`;
}

/** The content key from the proctor's offline unlock code (authoring tools; synchronous). */
export function unwrapWithCode(manifest: PackManifest, code: string): Result<Buffer> {
  const off = manifest.unlock.offline;
  if (!off) return refuse('UNLOCK_CODE_INVALID', `pack ${manifest.id} cannot be unlocked with a code; it needs the HR endpoint`);
  return openWrapped(manifest, deriveCodeKey(code, Buffer.from(off.salt, 'base64'), off));
}

/** The kiosk's path: the same, with scrypt on the thread pool so the main loop keeps running. */
export async function unwrapWithCodeAsync(manifest: PackManifest, code: string): Promise<Result<Buffer>> {
  const off = manifest.unlock.offline;
  if (!off) return refuse('UNLOCK_CODE_INVALID', `pack ${manifest.id} cannot be unlocked with a code; it needs the HR endpoint`);
  return openWrapped(manifest, await deriveCodeKeyAsync(code, Buffer.from(off.salt, 'base64'), off));
}

function openWrapped(manifest: PackManifest, kek: Buffer): Result<Buffer> {
  const off = manifest.unlock.offline!;
  const key = open(kek, off.wrapped, wrapAad(manifest));
  if (!key || key.length !== 32) return refuse('UNLOCK_CODE_INVALID', `the code does not unlock pack ${manifest.id}`);
  return ok(key);
}

/**
 * Decrypts, then checks the content as strictly as the signer did. A v2 pack (`stageContent`)
 * needs every later stage's key: derived here from the master key in the content when the pack
 * releases offline, or given in `stageKeys` (index → key) after an online release; until the
 * session flow opens stages one by one (docs/pack-format-v2.md), the whole pack is assembled.
 */
export function decryptPack(verified: VerifiedPack, contentKey: Buffer, stageKeys?: ReadonlyMap<number, Buffer>): Result<LoadedPackContent> {
  const m = verified.manifest;
  const plain = open(contentKey, m.content.sealed, contentAad(m));
  if (!plain) return refuse('UNLOCK_CODE_INVALID', `the key does not open pack ${m.id}`);
  let content: unknown;
  try {
    content = JSON.parse(plain.toString('utf8'));
  } catch {
    return refuse('PACK_INVALID', 'the decrypted content is not JSON');
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) return refuse('PACK_INVALID', 'the decrypted content is not an object');
  let c = content as Record<string, unknown>;
  if (m.stageContent) {
    const assembled = assembleStages(m, c, stageKeys);
    if (!assembled.ok) return assembled;
    c = assembled.value;
  }
  const extra = Object.keys(c).filter((k) => !['competencies', 'tags', 'stages'].includes(k));
  if (extra.length > 0) return refuse('PACK_INVALID', `unknown content field ${JSON.stringify(extra[0])}`);
  const linted = lintedPack(m, c.competencies, c.tags, c.stages, 'authoring');
  if (!linted.ok) return linted;
  const pack = linted.value;
  const outline = outlineOf(pack);
  if (canonicalize(outline) !== canonicalize(m.outline)) return refuse('PACK_INCONSISTENT', 'the content does not match the outline the manifest shows', 'outline');
  return ok({ pack, hash: verified.hash, questions: flattenQuestions(pack) });
}

/** The manifest's signed fields and the decrypted content as one pack, checked by the pack linter. */
function lintedPack(m: PackManifest, competencies: unknown, tags: unknown, stages: unknown, profile: 'authoring' | 'runtime'): Result<Pack> {
  const merged = {
    schemaVersion: m.schemaVersion,
    id: m.id,
    version: m.version,
    title: m.title,
    demo: m.demo,
    validity: m.validity,
    ...(m.hrEndpoint ? { hrEndpoint: m.hrEndpoint } : {}),
    policy: m.policy,
    competencies,
    tags,
    stages,
  };
  const linted = lintPack(merged, profile);
  if (!linted.pack) {
    const first = linted.issues[0]!;
    return refuse('PACK_INVALID', `${first.message} [${first.code}]`, first.path);
  }
  const firstError = linted.issues.find((i) => i.severity === 'error');
  if (firstError) return refuse('PACK_INCONSISTENT', `${firstError.message} [${firstError.code}]`, firstError.path);
  return ok(linted.pack);
}

/**
 * The stage master key a v2 pack's content must (offline release) or must not (HR release) carry:
 * offline gives the 32-byte key, HR gives undefined.
 */
function stageMasterOf(release: 'offline' | 'hr', content: Record<string, unknown>): Result<Buffer | undefined> {
  const raw = content.stageMaster;
  if (release === 'hr') return raw === undefined ? ok(undefined) : refuse('PACK_INVALID', 'an HR-release pack must not carry its stage master key', 'content.stageMaster');
  const master = typeof raw === 'string' ? Buffer.from(raw, 'base64') : undefined;
  if (!master || master.length !== 32) return refuse('PACK_INVALID', 'an offline-release pack carries its stage master key in the content', 'content.stageMaster');
  return ok(master);
}

/** v2: the later stages' questions, each opened with its own key, put back into the content. */
function assembleStages(m: PackManifest, c: Record<string, unknown>, given: ReadonlyMap<number, Buffer> | undefined): Result<Record<string, unknown>> {
  const sc = m.stageContent!;
  const { stageMaster: _master, ...rest } = c;
  const masterOf = stageMasterOf(sc.release, c);
  if (!masterOf.ok) return masterOf;
  const master = masterOf.value;
  if (!Array.isArray(rest.stages)) return refuse('PACK_INVALID', 'the decrypted content has no stage list');
  const stages = rest.stages as unknown[];
  const expected = m.outline.stages.length - 1;
  if (stages.length !== m.outline.stages.length || sc.stages.length !== expected) return refuse('PACK_INCONSISTENT', 'the sealed stages do not match the outline', 'stageContent.stages');
  const out: unknown[] = [stages[0]];
  for (let i = 1; i < stages.length; i++) {
    const shell = stages[i];
    const stageId = m.outline.stages[i]!.id;
    if (shell === null || typeof shell !== 'object' || Array.isArray(shell) || 'questions' in shell) return refuse('PACK_INVALID', `stage ${i} must hold no questions in the content`, `content.stages[${i}]`);
    const key = master ? stageKeyOf(master, m, i, stageId) : given?.get(i);
    if (!key) return refuse('PACK_LOCKED', `stage ${i} (${stageId}) is released by the HR endpoint after stage ${i - 1} is submitted`);
    const q = openStage(m, sc, i, stageId, key);
    if (!q.ok) return q;
    out.push({ ...shell, questions: q.value });
  }
  return ok({ ...rest, stages: out });
}

/** The decrypted v1 content object (a v2 pack's content too: stage 0 plus the later stages' shells). */
function openContent(m: PackManifest, contentKey: Buffer): Result<Record<string, unknown>> {
  const plain = open(contentKey, m.content.sealed, contentAad(m));
  if (!plain) return refuse('UNLOCK_CODE_INVALID', `the key does not open pack ${m.id}`);
  let content: unknown;
  try {
    content = JSON.parse(plain.toString('utf8'));
  } catch {
    return refuse('PACK_INVALID', 'the decrypted content is not JSON');
  } finally {
    plain.fill(0);
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) return refuse('PACK_INVALID', 'the decrypted content is not an object');
  return ok(content as Record<string, unknown>);
}

/** sha256 of a sealed stage envelope as signed in the manifest (what the journal names, never the key). */
export function stageEnvelopeSha256(m: PackManifest, index: number): string | undefined {
  const e = m.stageContent?.stages.find((s) => s.index === index);
  return e ? createHash('sha256').update(canonicalize(e.sealed)).digest('hex') : undefined;
}

/**
 * `release: "offline"`: stage `index`'s key, derived from the stage master key carried in the
 * content. The kiosk calls this only when the previous stage has been submitted (policy, not
 * cryptography: docs/pack-format-v2.md).
 */
export function offlineStageKey(verified: VerifiedPack, contentKey: Buffer, index: number): Result<Buffer> {
  const m = verified.manifest;
  const sc = m.stageContent;
  if (!sc) return refuse('PACK_INVALID', `pack ${m.id} is not released stage by stage`);
  if (sc.release !== 'offline') return refuse('PACK_LOCKED', `stage ${index} of ${m.id} is released by the HR endpoint`);
  const stage = m.outline.stages[index];
  if (!stage || index < 1) return refuse('PACK_INVALID', `pack ${m.id} has no stage ${index}`);
  const c = openContent(m, contentKey);
  if (!c.ok) return c;
  const masterOf = stageMasterOf('offline', c.value);
  if (!masterOf.ok) return masterOf;
  const master = masterOf.value!;
  const key = stageKeyOf(master, m, index, stage.id);
  master.fill(0);
  return ok(key);
}

/**
 * v2, stage by stage: stage 0 from the content plus the later stages whose keys were released
 * (`released`: index → key), in outline order and stopping at the first stage not released. The
 * result holds no question of an unreleased stage; its `staged` outline gives the counts and
 * titles the progress UI needs. A v1 pack is decrypted whole, as by `decryptPack`.
 */
export function decryptReleasedStages(verified: VerifiedPack, contentKey: Buffer, released: ReadonlyMap<number, Buffer>): Result<LoadedPackContent> {
  const m = verified.manifest;
  const sc = m.stageContent;
  if (!sc) return decryptPack(verified, contentKey);
  const opened = openContent(m, contentKey);
  if (!opened.ok) return opened;
  const { stageMaster: _master, ...rest } = opened.value;
  const masterOf = stageMasterOf(sc.release, opened.value);
  if (!masterOf.ok) return masterOf;
  masterOf.value?.fill(0);
  const extra = Object.keys(rest).filter((k) => !['competencies', 'tags', 'stages'].includes(k));
  if (extra.length > 0) return refuse('PACK_INVALID', `unknown content field ${JSON.stringify(extra[0])}`);
  if (!Array.isArray(rest.stages)) return refuse('PACK_INVALID', 'the decrypted content has no stage list');
  const shells = rest.stages as unknown[];
  if (shells.length !== m.outline.stages.length || sc.stages.length !== m.outline.stages.length - 1) return refuse('PACK_INCONSISTENT', 'the sealed stages do not match the outline', 'stageContent.stages');
  const out: unknown[] = [shells[0]];
  for (let i = 1; i < shells.length; i++) {
    const shell = shells[i];
    if (shell === null || typeof shell !== 'object' || Array.isArray(shell) || 'questions' in shell) return refuse('PACK_INVALID', `stage ${i} must hold no questions in the content`, `content.stages[${i}]`);
    const key = released.get(i);
    if (!key) break;
    const q = openStage(m, sc, i, m.outline.stages[i]!.id, key);
    if (!q.ok) return q;
    out.push({ ...shell, questions: q.value });
  }
  // The runtime profile: an authoring rule such as "every competency measured twice" spans stages not released yet.
  const linted = lintedPack(m, rest.competencies, rest.tags, out, 'runtime');
  if (!linted.ok) return linted;
  const pack = linted.value;
  if (canonicalize(outlineOf(pack).stages) !== canonicalize(m.outline.stages.slice(0, out.length)) || pack.competencies.length !== m.outline.competencyCount) {
    return refuse('PACK_INCONSISTENT', 'the content does not match the outline the manifest shows', 'outline');
  }
  const staged: StagedOutline = {
    release: sc.release,
    releasedStages: out.length,
    stages: m.outline.stages.map((s) => ({ id: s.id, title: s.title, questionCount: s.questionCount })),
    totalQuestions: m.outline.questionCount,
  };
  return ok({ pack, hash: verified.hash, questions: flattenQuestions(pack), staged });
}

function outlineOf(pack: Pack): PackManifest['outline'] {
  return {
    stages: pack.stages.map((s) => ({ id: s.id, kind: s.kind, title: s.title, questionCount: s.questions.length })),
    questionCount: pack.stages.reduce((a, s) => a + s.questions.length, 0),
    competencyCount: pack.competencies.length,
  };
}

// ---------------------------------------------------------------- building (the authoring tool)

export interface BuildOptions {
  readonly issuedAt: Date;
  /** Omit for a fresh random key; HR keeps it for the endpoint (the `.key.json` sidecar). */
  readonly contentKey?: Buffer;
  /** `null` disables offline unlocking; omit for a fresh random code. */
  readonly unlockCode?: string | null;
  readonly scrypt?: { N: number; r: number; p: number };
  /** Corpus and tests only: sign content that lint refuses. */
  readonly skipLint?: boolean;
  /** Corpus and tests only: encrypt this instead of the pack's own content. */
  readonly rawContent?: unknown;
  /** Format v2: seal stages 2..n one by one, released by the HR endpoint or offline at the kiosk. */
  readonly stageRelease?: StageRelease;
  /** v2: the stage master key (omit for a fresh random one; HR keeps it for `hr` release). */
  readonly stageMasterKey?: Buffer;
}

export interface BuiltPack {
  readonly text: string;
  readonly hash: string;
  readonly contentKey: Buffer;
  readonly unlockCode: string | null;
  readonly manifest: PackManifest;
  /** v2 only: the key the HR endpoint derives stage keys from. */
  readonly stageMasterKey?: Buffer;
}

/**
 * The `.key.json` sidecar `pack sign` writes beside a pack: what the HR endpoint keeps to release it
 * (the hub takes it as is: POST /v1/hr-endpoint/pack-keys). A pack sealed stage by stage also
 * carries its stage master key and the outline's stages (ids and question counts): the endpoint
 * checks stage ids against them and counts a stage submitted when every question of it is.
 */
export function contentKeySidecar(built: BuiltPack): Record<string, unknown> {
  return {
    kind: 'interview-kiosk-content-key',
    packId: built.manifest.id,
    version: built.manifest.version,
    packHash: built.hash,
    contentKey: built.contentKey.toString('base64'),
    unlockCode: built.unlockCode,
    ...(built.stageMasterKey ? { stageMasterKey: built.stageMasterKey.toString('base64'), stages: built.manifest.outline.stages.map((st) => ({ id: st.id, questionCount: st.questionCount })) } : {}),
  };
}

/** Lints (authoring profile), encrypts the content and signs. */
export function buildPack(source: unknown, key: SigningKeyPair, options: BuildOptions): Result<BuiltPack> {
  const linted = lintPack(source, 'authoring');
  let pack: Pack;
  if (options.skipLint) {
    const p = Pack.safeParse(source);
    if (!p.success) return refuse('PACK_INVALID', p.error.issues[0]?.message ?? 'invalid', formatPath(p.error.issues[0]?.path ?? []));
    pack = p.data;
  } else {
    if (!linted.ok || !linted.pack) {
      const first = linted.issues.find((i) => i.severity === 'error')!;
      return refuse(linted.pack ? 'PACK_INCONSISTENT' : 'PACK_INVALID', `${first.message} [${first.code}]`, first.path);
    }
    pack = linted.pack;
  }
  if (!pack.validity) return refuse('PACK_INVALID', 'a validity window is required to sign', 'validity');
  const contentKey = options.contentKey ?? randomBytes(32);
  const unlockCode = options.unlockCode === undefined ? generateUnlockCode() : options.unlockCode;
  const ids = { id: pack.id, version: pack.version };
  const staged = options.stageRelease && pack.stages.length >= 2 ? sealStages(ids, pack.stages, options.stageRelease, options.stageMasterKey) : undefined;
  if (options.stageRelease && !staged) return refuse('PACK_INVALID', 'per-stage release needs at least two stages', 'stages');
  const stagesInContent = staged ? pack.stages.map((s, i) => (i === 0 ? s : { id: s.id, kind: s.kind, title: s.title })) : pack.stages;
  const plaintext =
    options.rawContent !== undefined
      ? JSON.stringify(options.rawContent)
      : canonicalize({ competencies: pack.competencies, tags: pack.tags, stages: stagesInContent, ...(staged && options.stageRelease === 'offline' ? { stageMaster: staged.master.toString('base64') } : {}) });
  const content = seal(contentKey, Buffer.from(plaintext, 'utf8'), contentAad(ids));
  let offline: OfflineUnlock | null = null;
  if (unlockCode !== null) {
    const params = options.scrypt ?? DEFAULT_SCRYPT;
    const salt = randomBytes(16);
    const kek = deriveCodeKey(unlockCode, salt, params);
    offline = { kdf: 'scrypt', N: params.N, r: params.r, p: params.p, salt: salt.toString('base64'), wrapped: seal(kek, contentKey, wrapAad(ids)) };
  }
  const manifest: PackManifest = {
    kind: 'interview-pack',
    schemaVersion: PACK_SCHEMA_VERSION,
    id: pack.id,
    version: pack.version,
    title: pack.title,
    demo: pack.demo,
    issuedAt: options.issuedAt.toISOString(),
    validity: pack.validity,
    ...(pack.hrEndpoint ? { hrEndpoint: pack.hrEndpoint } : {}),
    policy: pack.policy,
    outline: outlineOf(pack),
    content: { alg: 'A256GCM', sealed: content as Sealed },
    unlock: { online: pack.hrEndpoint !== undefined, offline },
    ...(staged ? { stageContent: staged.stageContent } : {}),
  };
  const text = writeEnvelope('pack', manifest as unknown as Record<string, unknown>, key);
  return ok({ text, hash: sha256Hex(canonicalize(manifest)), contentKey, unlockCode, manifest, ...(staged ? { stageMasterKey: staged.master } : {}) });
}

/** The whole loader in one call: verify, then (given a code or key) unlock and check content. */
export function loadPackBytes(bytes: Uint8Array, trust: TrustStore, clock: Clock, unlock: { code?: string; key?: Buffer } = {}): Result<{ verified: VerifiedPack; loaded?: LoadedPackContent }> {
  const verified = verifyPack(bytes, trust, clock);
  if (!verified.ok) return verified;
  let key = unlock.key;
  if (!key && unlock.code !== undefined) {
    const k = unwrapWithCode(verified.value.manifest, unlock.code);
    if (!k.ok) return k;
    key = k.value;
  }
  if (!key) return ok({ verified: verified.value });
  const loaded = decryptPack(verified.value, key);
  if (!loaded.ok) return loaded;
  return ok({ verified: verified.value, loaded: loaded.value });
}
