/**
 * The interview pack schema (zod). A pack is what HR authors and the kiosk trusts: the job's
 * competency model, the stages and questions (with résumé-tailored variants), the tag dictionary
 * that picks variants, and the policy the kiosk enforces.
 *
 * This is the plaintext shape — what an author writes and what the kiosk holds in memory after
 * unlocking. On disk a pack travels as a signed, partly encrypted `.ikpack` (pack-format.ts).
 * Fields added after the first foundation version have defaults so older in-process packs (tests,
 * benches) still load; `lintPack` is where an authored pack must prove it is complete.
 */
import { z } from 'zod';
import { AnswerMode, TimerMode } from '../../../preload/contract/common';
import { VisionPackPolicy } from '../../../shared/vision/policy';
import { IdentityPackPolicy } from '../../../shared/identity/policy';

export const PACK_SCHEMA_VERSION = 1;

/**
 * Characters that have no business in interview text and are used in attacks: C0/C1 controls
 * (other than tab and newline), bidirectional marks, embeddings, overrides and isolates ("Trojan
 * Source": LRM, RLM, ALM, U+202A–202E, U+2066–2069), invisible format characters that hide text
 * from a reviewer (Unicode TAG characters U+E0000–E007F, word joiner and invisible operators
 * U+2060–2064, deprecated format characters U+206A–206F, interlinear annotations U+FFF9–FFFB,
 * the BOM), the line and paragraph separators U+2028/2029, and lone surrogates. Zero-width
 * joiners (U+200C/200D) stay allowed: some scripts need them. Lint and the loader share this
 * test, so nothing lint refuses can load.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE_TEXT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]|\uDB40[\uDC00-\uDC7F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isSafeText(s: string): boolean {
  return !UNSAFE_TEXT.test(s);
}

const safe = (max: number, min = 1) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine(isSafeText, { message: 'contains control or bidirectional-override characters' })
    .refine((s) => min === 0 || s.trim().length > 0, { message: 'must not be blank' });

/** Every user-facing text a pack carries exists in both languages. */
export const PackText = z.object({ 'zh-CN': safe(4000), en: safe(4000) }).strict();
export type PackText = z.infer<typeof PackText>;

const phraseList = z.array(safe(200)).max(20);
export const PackPhrases = z.object({ 'zh-CN': phraseList, en: phraseList }).strict();

/** `major.minor.patch`, each a number without leading zeros (`01.01.00` is not a version). */
export const PACK_VERSION_PATTERN = /^(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})\.(0|[1-9]\d{0,5})$/;
export const PackVersion = z.string().regex(PACK_VERSION_PATTERN, 'major.minor.patch, numbers without leading zeros');

export const Id = z.string().regex(/^[a-z0-9][a-z0-9_-]{1,63}$/, 'lower-case letters, digits, "-" and "_" (2–64)');
export const TagId = z.string().regex(/^[a-z0-9][a-z0-9_.+#-]{0,47}$/, 'lower-case letters, digits and . + # - _ (1–48)');

export const Indicator = z
  .object({
    level: z.number().int().min(1).max(5),
    description: PackText,
    /** Phrases an answer at this level typically contains: the anchor for later scoring. */
    evidence: PackPhrases,
  })
  .strict();

export const Competency = z
  .object({
    id: Id,
    name: PackText,
    description: PackText.optional(),
    weight: z.number().gt(0).lte(1),
    /** Score (0–100) at or above which the candidate meets this competency. */
    threshold: z.number().min(0).max(100),
    indicators: z.array(Indicator).max(5).default([]),
  })
  .strict();
export type Competency = z.infer<typeof Competency>;

/** One entry of the pack's tag dictionary: what to look for in a résumé, per language. */
export const Tag = z
  .object({
    id: TagId,
    label: PackText,
    synonyms: z.object({ 'zh-CN': z.array(safe(60)).max(30), en: z.array(safe(60)).max(30) }).strict(),
  })
  .strict();
export type Tag = z.infer<typeof Tag>;

export const Variant = z
  .object({
    id: Id,
    /** Tags that select this variant; `any` needs one of them in the résumé, `all` every one. */
    tags: z.array(TagId).min(1).max(8),
    match: z.enum(['any', 'all']).default('any'),
    prompt: PackText,
  })
  .strict();
export type Variant = z.infer<typeof Variant>;

export const Question = z
  .object({
    id: Id,
    prompt: PackText,
    mode: AnswerMode,
    prepSeconds: z.number().int().min(0).max(600),
    answerSeconds: z.number().int().min(10).max(1800),
    retakes: z.number().int().min(0).max(3),
    competencies: z.array(Id).min(1).max(8),
    variants: z.array(Variant).max(10).default([]),
  })
  .strict();
export type Question = z.infer<typeof Question>;

export const StageKind = z.enum(['self_introduction', 'professional', 'situational']);
export type StageKind = z.infer<typeof StageKind>;

export const Stage = z
  .object({
    id: Id,
    kind: StageKind,
    title: PackText,
    questions: z.array(Question).min(1).max(50),
  })
  .strict();
export type Stage = z.infer<typeof Stage>;

export const ResumePolicy = z
  .object({
    /** Seconds after an interruption during which the candidate resumes alone. */
    graceSeconds: z.number().int().min(0).max(7 * 24 * 3600),
    /** Seconds after an interruption during which a proctor's code still lets the candidate resume. */
    returnWindowSeconds: z.number().int().min(60).max(30 * 24 * 3600),
    timerMode: TimerMode,
    maxResumes: z.number().int().min(0).max(20),
    /** Wrong proctor codes tolerated before resuming is locked for this session. */
    maxCodeAttempts: z.number().int().min(1).max(10),
  })
  .strict();
export type ResumePolicy = z.infer<typeof ResumePolicy>;

export const LockdownPolicy = z
  .object({
    fullscreen: z.boolean().default(true),
    blockClipboard: z.boolean().default(true),
    maxDisplays: z.number().int().min(1).max(4).default(1),
    /** Focus loss is recorded and shown to a human; it never fails a candidate by itself. */
    flagFocusLoss: z.boolean().default(true),
  })
  .strict();

/** What happens when integrity monitoring finds something (never a failed interview by itself). */
export const IntegrityAction = z.enum(['record', 'warn', 'pause_and_alert']);
export const IntegrityFindingKind = z.enum(['virtual_machine', 'remote_desktop', 'remote_control_app', 'screen_capture_app', 'prohibited_process', 'virtual_camera', 'audio_loopback', 'capture_excluded_window']);

/**
 * The pack's integrity policy: programs it prohibits beyond the per-OS defaults (matched by
 * executable and original file name, case-insensitively) and the action for each kind of finding
 * where it differs from the kiosk's default. Optional: a pack without it gets the defaults.
 */
export const IntegrityPackPolicy = z
  .object({
    prohibitedProcesses: z
      .array(
        z
          .string()
          .min(1)
          .max(100)
          .refine((v) => !/[\\/]/.test(v) && ![...v].some((c) => c.charCodeAt(0) < 0x20), 'a program name, not a path'),
      )
      .max(200)
      .default([]),
    actions: z.partialRecord(IntegrityFindingKind, IntegrityAction).default({}),
  })
  .strict();
export type IntegrityPackPolicy = z.infer<typeof IntegrityPackPolicy>;

export const PrecheckPolicy = z
  .object({
    minUploadKbps: z.number().int().min(0).max(1_000_000).default(512),
    maxLatencyMs: z.number().int().min(10).max(10_000).default(800),
    minFreeDiskMb: z.number().int().min(100).max(1_000_000).default(2048),
    minCameraWidth: z.number().int().min(160).max(7680).default(640),
    minBatteryPercent: z.number().int().min(0).max(100).default(30),
  })
  .strict();

/**
 * How the pack's answers are scored and what the candidate sees of it (issue #10). Optional, and
 * every field optional without a default, so a pack signed before these fields existed decodes
 * exactly as signed; `scoringPolicyOf` supplies the kiosk's defaults (hints on, a margin of 5
 * points, no verdict for the candidate).
 */
export const ScoringPackPolicy = z
  .object({
    /** Real-time STAR hints while a candidate types (the same rules for everyone). */
    hints: z.boolean().optional(),
    /** Points either side of a threshold that make a score `borderline` (sent to a human). */
    borderlineMargin: z.number().int().min(0).max(25).optional(),
    /** Whether the candidate's feedback report may state a suitability verdict. */
    candidateVerdict: z.boolean().optional(),
  })
  .strict();
export type ScoringPackPolicy = z.infer<typeof ScoringPackPolicy>;

export interface ResolvedScoringPolicy {
  readonly hints: boolean;
  readonly borderlineMargin: number;
  readonly candidateVerdict: boolean;
}

/** Kept equal to DEFAULT_BORDERLINE_MARGIN in services/scoring/signals.ts (a unit test pins it). */
export const DEFAULT_PACK_BORDERLINE_MARGIN = 5;

/** The pack's scoring policy with the kiosk's defaults filled in. */
export function scoringPolicyOf(pack: { readonly policy: { readonly scoring?: ScoringPackPolicy | undefined } }): ResolvedScoringPolicy {
  const s = pack.policy.scoring;
  return { hints: s?.hints ?? true, borderlineMargin: s?.borderlineMargin ?? DEFAULT_PACK_BORDERLINE_MARGIN, candidateVerdict: s?.candidateVerdict ?? false };
}
/** Retention when a pack does not say (and for sessions whose pack is no longer installed). */
export const DEFAULT_RETENTION_DAYS = 180;

/**
 * The fair clock (issue #20): whether Help and Leave stop the answer clock, and for how long at
 * most per question, so a dialog cannot become thinking time. Optional: absent means stop, 120 s.
 */
export const FairClockPolicy = z
  .object({
    dialogsStopClock: z.boolean().default(true),
    dialogPauseCapSeconds: z.number().int().min(0).max(600).default(120),
  })
  .strict();
export type FairClockPolicy = z.infer<typeof FairClockPolicy>;

/**
 * What accommodations the pack allows. Optional: absent means typed answers may replace video or
 * audio for a candidate whose invite asks for it; a pack that assesses speaking says false.
 */
export const AccommodationPolicy = z
  .object({
    textInsteadOfMedia: z.boolean().default(true),
  })
  .strict();
export type AccommodationPolicy = z.infer<typeof AccommodationPolicy>;

// --- audio (issue #15, audio half) ---
/**
 * Voice activity during spoken answers (shared/audio/speech-activity.ts): speaking time and
 * silences are journaled for HR, the candidate is told when the microphone cannot hear them, and
 * background speech is flagged for a human only where the pack asks. Never part of a score.
 * Optional without a default: a pack without it decodes exactly as signed (`audioPolicyOf` fills in).
 */
export const AudioPackPolicy = z
  .object({
    /** Run the voice-activity detector during spoken answers (default on). */
    vad: z.boolean().optional(),
    /** Seconds of no speech near the noise floor before "we can't hear you" (default 8). */
    cantHearSeconds: z.number().int().min(4).max(60).optional(),
    /** Flag speech well below the candidate's own level for a human (default off). */
    backgroundSpeech: z.enum(['off', 'flag']).optional(),
  })
  .strict();
export type AudioPackPolicy = z.infer<typeof AudioPackPolicy>;

export interface ResolvedAudioPolicy {
  readonly vad: boolean;
  readonly cantHearSeconds: number;
  readonly backgroundSpeech: 'off' | 'flag';
}

export function audioPolicyOf(pack: { readonly policy: { readonly audio?: AudioPackPolicy | undefined } }): ResolvedAudioPolicy {
  const a = pack.policy.audio;
  return { vad: a?.vad ?? true, cantHearSeconds: a?.cantHearSeconds ?? 8, backgroundSpeech: a?.backgroundSpeech ?? 'off' };
}
// --- end audio ---

export const PackPolicy = z
  .object({
    resume: ResumePolicy,
    consentVersion: z.string().min(1).max(64).regex(/^[\w.:-]+$/, 'letters, digits and . : - _ only'),
    /** Days a session's media and answer texts are kept after HR confirmed the upload (then erased). */
    retentionDays: z.number().int().min(1).max(3650).default(DEFAULT_RETENTION_DAYS),
    lockdown: LockdownPolicy.default(() => LockdownPolicy.parse({})),
    precheck: PrecheckPolicy.default(() => PrecheckPolicy.parse({})),
    // Optional without a default: a pack without it decodes exactly as signed, and gets the kiosk's defaults.
    integrity: IntegrityPackPolicy.optional(),
    // Optional without a default, for the same reason (scoringPolicyOf fills in the defaults).
    scoring: ScoringPackPolicy.optional(),
    fairClock: FairClockPolicy.optional(),
    accommodations: AccommodationPolicy.optional(),
    // Camera integrity flags (issue #15, shared/vision/policy.ts): optional without a default, so a
    // pack without it decodes exactly as signed; resolveVisionPolicy fills in the kiosk's defaults.
    vision: VisionPackPolicy.optional(),
    // --- audio (issue #15, audio half): optional without a default, like scoring ---
    audio: AudioPackPolicy.optional(),
    // --- end audio ---
    // Optional identity check at check-in (issue #15, shared/identity/policy.ts): optional without a
    // default, so a pack without it decodes exactly as signed; absent means 'off'.
    identity: IdentityPackPolicy.optional(),
  })
  .strict();
export type PackPolicy = z.infer<typeof PackPolicy>;

/** An Ed25519 public key as base64 of its 32 raw bytes. */
export const PublicKeyB64 = z.string().regex(/^[A-Za-z0-9+/]{43}=$/, '32-byte Ed25519 public key in base64');

export const HrEndpointRef = z
  .object({
    url: z.url({ protocol: /^https?$/ }).max(500),
    /** The key that signs the endpoint's answers (released content keys). */
    publicKey: PublicKeyB64,
  })
  .strict();
export type HrEndpointRef = z.infer<typeof HrEndpointRef>;

const IsoInstant = z.iso.datetime({ offset: true });
export const Validity = z
  .object({
    notBefore: IsoInstant,
    expiresAt: IsoInstant,
  })
  .strict();
export type Validity = z.infer<typeof Validity>;

export const Pack = z
  .object({
    schemaVersion: z.literal(PACK_SCHEMA_VERSION),
    id: Id,
    version: PackVersion,
    title: PackText,
    /** A demonstration pack: only a kiosk with a demo provisioning config accepts it. */
    demo: z.boolean().default(false),
    validity: Validity.optional(),
    hrEndpoint: HrEndpointRef.optional(),
    competencies: z.array(Competency).min(1).max(30),
    tags: z.array(Tag).max(500).default([]),
    stages: z.array(Stage).min(1).max(10),
    policy: PackPolicy,
  })
  .strict();
export type Pack = z.infer<typeof Pack>;
export type PackInput = z.input<typeof Pack>;

/** A question with its place in the interview, as the session service walks it. */
export interface FlatQuestion {
  readonly index: number;
  readonly stageIndex: number;
  readonly indexInStage: number;
  readonly stage: Stage;
  readonly question: Question;
}

export function flattenQuestions(pack: Pack): FlatQuestion[] {
  const out: FlatQuestion[] = [];
  pack.stages.forEach((stage, stageIndex) =>
    stage.questions.forEach((question, indexInStage) =>
      out.push({ index: out.length, stageIndex, indexInStage, stage, question }),
    ),
  );
  return out;
}
