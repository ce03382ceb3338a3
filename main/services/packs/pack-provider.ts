/**
 * Where the session service gets packs and invites. Issue-level signing and schedules plug in
 * behind these interfaces; the session service only needs a validated pack and its hash.
 */
import { createHash } from 'node:crypto';
import demoPackJson from '../../../build/packs/demo-interview.json';
import { err, ok, type Result } from '../../common/result';
import { stableStringify } from '../journal/journal';
import { flattenQuestions, Pack, type FlatQuestion } from './pack-schema';

export interface LoadedPack {
  readonly pack: Pack;
  /** sha256 of the pack's canonical JSON; sessions pin it so a changed pack is noticed. */
  readonly hash: string;
  readonly questions: readonly FlatQuestion[];
}

export interface PackProvider {
  get(packId: string): LoadedPack | undefined;
}

export interface Invite {
  readonly code: string;
  readonly candidateRef: string;
  readonly packId: string;
  /** Epoch ms window in which the invite may be checked in; absent means always. */
  readonly notBefore?: number;
  readonly notAfter?: number;
}

export interface InviteDirectory {
  lookup(code: string): Invite | undefined;
}

export function formatZodPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)), '');
}

export function loadPack(raw: unknown): Result<LoadedPack> {
  const parsed = Pack.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? formatZodPath(first.path) : '';
    return err('INVALID_INPUT', `pack is invalid: ${where ? where + ': ' : ''}${first?.message ?? 'unknown problem'}`);
  }
  const hash = createHash('sha256').update(stableStringify(parsed.data)).digest('hex');
  return ok({ pack: parsed.data, hash, questions: flattenQuestions(parsed.data) });
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

/** The embedded demo pack; `npm start` needs nothing else. */
export function demoPack(): LoadedPack {
  const loaded = loadPack(demoPackJson);
  if (!loaded.ok) throw new Error(`embedded demo pack is invalid: ${loaded.error.message}`);
  return loaded.value;
}

export const DEMO_INVITE_CODE = 'DEMO-2026';

/** Demo invites: `DEMO-2026` and any `DEMO-XXXX` code, so the demo can be taken again. */
export class DemoInviteDirectory implements InviteDirectory {
  constructor(private readonly packId: string) {}
  lookup(code: string): Invite | undefined {
    if (!/^DEMO-[A-Z0-9]{4,8}$/.test(code)) return undefined;
    return { code, candidateRef: `demo-candidate-${code.slice(5).toLowerCase()}`, packId: this.packId };
  }
}
