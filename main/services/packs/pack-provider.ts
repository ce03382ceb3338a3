/**
 * Where the session service gets packs and invites. Signed `.ikpack` files are verified and
 * unlocked by `PackRegistry` (pack-registry.ts); invites come from signed day schedules
 * (schedule.ts) and, on a demo kiosk only, from `DemoInviteDirectory`.
 */
import { NO_ACCOMMODATIONS, type Accommodations } from '../../../preload/contract/accommodations';
import { createHash } from 'node:crypto';
import demoPackJson from '../../../build/packs/demo-interview.json';
import { err, ok, type Result } from '../../common/result';
import { canonicalize } from './canonical-json';
import { formatPath, lintPack } from './pack-lint';
import { flattenQuestions, type FlatQuestion, type Pack, type PackText } from './pack-schema';

export interface LoadedPack {
  readonly pack: Pack;
  /** sha256 of the pack's canonical JSON (RFC 8785); sessions pin it so a changed pack is noticed. */
  readonly hash: string;
  readonly questions: readonly FlatQuestion[];
  /**
   * Pack format v2 opened stage by stage (docs/pack-format-v2.md): `pack` and `questions` hold the
   * stages released so far (a prefix of the outline); this says what follows, without questions.
   * Absent for v1 packs and plaintext packs, which are whole.
   */
  readonly staged?: StagedOutline;
}

export interface StagedOutline {
  readonly release: 'hr' | 'offline';
  /** How many stages (from the first) are in `pack.stages`; the rest are not released yet. */
  readonly releasedStages: number;
  /** Every stage of the outline: ids, titles and counts only. */
  readonly stages: readonly { readonly id: string; readonly title: PackText; readonly questionCount: number }[];
  readonly totalQuestions: number;
}

/** Questions in the whole interview, released or not. */
export function totalQuestionsOf(p: LoadedPack): number {
  return p.staged?.totalQuestions ?? p.questions.length;
}

/** Stages in the whole interview, released or not. */
export function stageCountOf(p: LoadedPack): number {
  return p.staged?.stages.length ?? p.pack.stages.length;
}

/**
 * The devices the interview needs. A stage not yet released (v2) may hold video or audio
 * questions the kiosk cannot see (the signed outline carries no answer modes), so until every
 * stage is released both camera and microphone are required: the check never passes a candidate
 * whose later stage then cannot be recorded.
 */
export function devicesNeeded(p: LoadedPack): { camera: boolean; microphone: boolean } {
  if (p.staged && p.staged.releasedStages < p.staged.stages.length) return { camera: true, microphone: true };
  return { camera: p.questions.some((q) => q.question.mode === 'video'), microphone: p.questions.some((q) => q.question.mode !== 'text') };
}

export interface PackProvider {
  /**
   * The pack ready to run (verified and unlocked), or undefined. With `sessionId`, a pack released
   * stage by stage comes with the stages released to that session; without, stage 0 only.
   */
  get(packId: string, sessionId?: string): LoadedPack | undefined;
}

export const RESUME_MEDIA_TYPES = ['text/plain', 'application/pdf', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'] as const;
export type ResumeMediaType = (typeof RESUME_MEDIA_TYPES)[number];

/** The candidate's résumé as HR attached it to the invite. Personal data: never logged. */
export interface ResumeDocument {
  readonly mediaType: ResumeMediaType;
  readonly data: Uint8Array;
}

export interface Invite {
  readonly code: string;
  readonly candidateRef: string;
  readonly packId: string;
  /** Epoch ms window in which the invite may be checked in; absent means always. */
  readonly notBefore?: number;
  readonly notAfter?: number;
  readonly resume?: ResumeDocument;
  /** The résumé's text as read when the schedule was imported (so check-in parses nothing). */
  readonly extracted?: ExtractedResume;
  /** The signed schedule the invite came from, when it came from one. */
  readonly scheduleId?: string;
  /** Accommodations HR set for this invite (issue #20). */
  readonly accommodations?: Accommodations;
}

export type ExtractedResume =
  | { readonly ok: true; readonly kind: 'text' | 'pdf' | 'docx'; readonly text: string; readonly sha256: string }
  | { readonly ok: false; readonly problem: string };

export interface InviteDirectory {
  lookup(code: string): Invite | undefined;
}

/** @deprecated use `formatPath` from pack-lint; kept for callers of the foundation API. */
export function formatZodPath(path: readonly PropertyKey[]): string {
  return formatPath(path);
}

export function packHash(pack: Pack): string {
  return createHash('sha256').update(canonicalize(pack)).digest('hex');
}

/**
 * Loads a plaintext pack held in process (tests, benches, the authoring preview): shape plus the
 * runtime meaning checks. Packs from disk go through `verifyPack`/`decryptPack` instead.
 */
export function loadPack(raw: unknown): Result<LoadedPack> {
  const linted = lintPack(raw, 'runtime');
  const first = linted.issues.find((i) => i.severity === 'error');
  if (!linted.pack || first) {
    return err(linted.pack ? 'PACK_INCONSISTENT' : 'PACK_INVALID', `pack is invalid: ${first ? `${first.path ? first.path + ': ' : ''}${first.message}` : 'unknown problem'}`);
  }
  const pack = linted.pack;
  return ok({ pack, hash: packHash(pack), questions: flattenQuestions(pack) });
}

export class StaticPackProvider implements PackProvider {
  private readonly byId = new Map<string, LoadedPack>();
  constructor(packs: readonly LoadedPack[]) {
    for (const p of packs) this.byId.set(p.pack.id, p);
  }
  get(packId: string): LoadedPack | undefined {
    return this.byId.get(packId);
  }
}

/** The small embedded demo pack the foundation's tests use; the kiosk itself runs signed packs. */
export function demoPack(): LoadedPack {
  const loaded = loadPack(demoPackJson);
  if (!loaded.ok) throw new Error(`embedded demo pack is invalid: ${loaded.error.message}`);
  return loaded.value;
}

export const DEMO_INVITE_CODE = 'DEMO-2026';

/**
 * Demo invites: `DEMO-2026` and any `DEMO-XXXX` code, so the demo can be taken again. Used only
 * with a demo provisioning config. `route` picks the pack per code; `resumeFor` may attach a
 * sample résumé so the demo shows tailored questions.
 */
export class DemoInviteDirectory implements InviteDirectory {
  constructor(
    private readonly packId: string,
    private readonly route?: (code: string) => string,
    private readonly resumeFor?: (code: string, packId: string) => ResumeDocument | undefined,
    private readonly accommodationsFor: (code: string) => Accommodations | undefined = demoAccommodations,
  ) {}
  lookup(code: string): Invite | undefined {
    if (!/^DEMO-[A-Z0-9]{4,8}$/.test(code)) return undefined;
    const packId = this.route?.(code) ?? this.packId;
    const resume = this.resumeFor?.(code, packId);
    const accommodations = this.accommodationsFor(code);
    return { code, candidateRef: `demo-candidate-${code.slice(5).toLowerCase()}`, packId, ...(resume ? { resume } : {}), ...(accommodations ? { accommodations } : {}) };
  }
}

/**
 * Demo invites with accommodations, so the demo (and the end-to-end tests) can show them:
 * DEMO-ACC1 gets 1.5× time, a 1-minute rest break between stages and larger text; DEMO-ACC2 types
 * its answers and reads in high contrast.
 */
export function demoAccommodations(code: string): Accommodations | undefined {
  switch (code) {
    case 'DEMO-ACC1':
      return { ...NO_ACCOMMODATIONS, timeMultiplier: 1.5, restBreakMinutes: 1, largeText: true };
    case 'DEMO-ACC2':
      return { ...NO_ACCOMMODATIONS, textAnswers: true, highContrast: true };
    default:
      return undefined;
  }
}

/** Asks each directory in turn; the first that knows the code answers. */
export class CompositeInviteDirectory implements InviteDirectory {
  constructor(private readonly directories: readonly InviteDirectory[]) {}
  lookup(code: string): Invite | undefined {
    for (const d of this.directories) {
      const invite = d.lookup(code);
      if (invite) return invite;
    }
    return undefined;
  }
}
