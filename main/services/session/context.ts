/**
 * What every part of the session service shares: its dependencies, the in-memory state of the
 * process (answer clocks, chunk counters, storage faults) and the session repository helpers —
 * loading a session with its pinned pack, state transitions and the fail-closed guard.
 */
import { randomBytes } from 'node:crypto';
import type { PageEvent } from '../../../preload/contract/page';
import type { StatusEvent } from '../../../preload/contract/session';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, isCodedError, CodedError, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { storageErrorCode } from '../../db/errors';
import { getProgress, getSession, updateSession, type SessionRow } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import { getSessionAccommodations } from '../../db/queries/accommodations';
import { accommodatePack, parseStoredAccommodations } from './accommodations';
import type { WalMaintenance } from '../../db/wal-maintenance';
import type { SegmentMediaStore } from '../storage/media-store';
import type { EnvironmentProbe } from '../environment/environment';
import type { Journal } from '../journal/journal';
import type { InviteDirectory, LoadedPack, PackProvider } from '../packs/pack-provider';
import type { FlatQuestion } from '../packs/pack-schema';
import type { ProctorAuthority } from './proctor-authority';
import type { ProctorPauseState } from './proctor-pause';
import type { ResumeCodeIssuer } from './resume-codes';
import type { StageFlow, StageKeySource } from './stage-flow';
import { canTransition, targetOf, type Transition } from './state-machine';

export interface SessionServiceDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly packs: PackProvider;
  readonly invites: InviteDirectory;
  readonly resumeCodes: ResumeCodeIssuer;
  /** Hub-issued proctor tokens with the centre code as fallback; absent: the centre code only. */
  readonly proctor?: ProctorAuthority;
  readonly environment: EnvironmentProbe;
  readonly logger: Logger;
  readonly wal?: WalMaintenance;
  /** The segment-file media store; by default one over `media/` beside the database. */
  readonly media?: SegmentMediaStore;
  readonly emit?: (event: StatusEvent) => void;
  /** Tells pages of a session that another page took it over (the transports fan it out). */
  readonly emitPage?: (event: PageEvent) => void;
  /**
   * Called once an `answer_submitted` has committed (typed, spoken or auto-submitted), so scoring
   * can run off the IPC path. Must return at once and never throw into the session.
   */
  readonly onAnswerSubmitted?: (sessionId: string, questionIndex: number, attempt: number) => void;
  /** Releases the stages of a pack sealed stage by stage (v2); without it such packs stop after stage 0. */
  readonly stages?: StageKeySource;
}

export class SessionContext {
  readonly log: Logger;
  /** Sessions whose storage failed in this process: recording is refused until they resume. */
  readonly failed = new Map<string, string>();
  /**
   * Sessions paused for the proctor (proctor-pause.ts), with the resume count at the time: a
   * pause belongs to one stretch of the interview, and a resume (which needs the code) ends it.
   */
  readonly proctorPauses = new Map<string, ProctorPauseState & { readonly resumeCount: number }>();
  /** Called when a session's storage failed, so the parts holding per-session memory drop it. */
  private readonly forgetters: Array<(sessionId: string) => void> = [];
  /** Per session: the accommodated pack, rebuilt when the pack or the accommodations change. */
  private readonly accommodated = new Map<string, { base: LoadedPack; json: string; pack: LoadedPack }>();
  /** Per-stage release of v2 packs (stage-flow.ts); set once by the SessionService. */
  stageFlow: StageFlow | undefined;

  constructor(readonly deps: SessionServiceDeps) {
    this.log = deps.logger.scope('session');
  }

  get db(): Db {
    return this.deps.db;
  }

  now(): number {
    return this.deps.clock.now();
  }

  onForget(f: (sessionId: string) => void): void {
    this.forgetters.push(f);
  }

  /** The session's pack as this candidate takes it: with their accommodations applied (accommodations.ts). */
  packOf(s: SessionRow): LoadedPack | undefined {
    const base = this.deps.packs.get(s.pack_id, s.id);
    if (!base) return undefined;
    const json = getSessionAccommodations(this.db, s.id)?.accommodations;
    if (!json) return base;
    const cached = this.accommodated.get(s.id);
    if (cached && cached.base === base && cached.json === json) return cached.pack;
    const a = parseStoredAccommodations(json);
    const pack = a ? accommodatePack(base, a) : base;
    this.accommodated.set(s.id, { base, json, pack });
    return pack;
  }

  hasStarted(s: SessionRow): boolean {
    return getProgress(this.db, s.id, 0) !== undefined;
  }

  transition(s: SessionRow, t: Transition, now: number, extra: Partial<SessionRow> = {}): void {
    if (!canTransition(s.state, t)) throw new CodedError('ILLEGAL_TRANSITION', `cannot ${t} a session that is ${s.state}`);
    const to = targetOf(t);
    updateSession(this.db, s.id, { ...extra, state: to, updated_at: now });
    if (to !== s.state) this.deps.emit?.({ sessionId: s.id, state: to });
  }

  illegal<T>(s: SessionRow, t: Transition): Result<T> {
    return err('ILLEGAL_TRANSITION', `cannot ${t.replace('_', ' ')} an interview that is ${s.state.replace('_', ' ')}`);
  }

  /** Loads a session and its pack, refusing a pack that is missing or no longer the pinned one. */
  withSession<T>(sessionId: string, f: (s: SessionRow, pack: LoadedPack, now: number) => Result<T>): Result<T> {
    const s = getSession(this.db, sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    const pack = this.packOf(s);
    if (!pack) return err('PACK_NOT_FOUND', `the interview pack ${s.pack_id} is not installed on this kiosk`);
    if (pack.hash !== s.pack_hash) return err('PACK_CHANGED', 'the interview pack changed after this session began; HR must reissue the invite');
    return this.guard(s.id, () => f(s, pack, this.now()));
  }

  withActiveQuestion<T>(
    sessionId: string,
    questionIndex: number,
    f: (s: SessionRow, pack: LoadedPack, q: FlatQuestion, now: number) => Result<T>,
  ): Result<T> {
    const storageFault = this.failed.get(sessionId);
    if (storageFault) return err(storageFault as 'JOURNAL_WRITE_FAILED', 'recording stopped because the kiosk could not save; ask the staff for help');
    return this.withSession(sessionId, (s, pack, now) => {
      if (s.state !== 'in_progress') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}, not in progress`);
      if (this.proctorPauseOf(s)) return err('PROCTOR_PAUSED', 'the interview is paused until the proctor continues it');
      if (s.question_index !== questionIndex) {
        return err('QUESTION_MISMATCH', `question ${questionIndex} is not the open question (${s.question_index})`);
      }
      const q = pack.questions[questionIndex];
      if (!q) return err('QUESTION_MISMATCH', 'no such question');
      return f(s, pack, q, now);
    });
  }

  /** The proctor pause standing on this session, if any (a pause from before a resume is over). */
  proctorPauseOf(s: SessionRow): ProctorPauseState | undefined {
    const p = this.proctorPauses.get(s.id);
    if (p && p.resumeCount !== s.resume_count) {
      this.proctorPauses.delete(s.id);
      return undefined;
    }
    return p;
  }

  /** Runs f; a storage fault fails closed: the session is interrupted and the candidate told. */
  guard<T>(sessionId: string, f: () => Result<T>): Result<T> {
    try {
      return f();
    } catch (e) {
      if (isCodedError(e)) return err(e.code, e.message);
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.failClosed(sessionId, code, e);
      return err(code, storageMessage(code));
    }
  }

  private failClosed(sessionId: string, code: string, cause: unknown): void {
    this.log.error('storage failure; recording stopped', { code, error: cause instanceof Error ? cause.message : String(cause) });
    this.failed.set(sessionId, code);
    for (const f of this.forgetters) f(sessionId);
    const now = this.now();
    try {
      const s = getSession(this.db, sessionId);
      if (s && s.state === 'in_progress') {
        transact(this.db, () => {
          this.transition(s, 'interrupt', now, { interrupted_at: now, interruption: 'storage' });
          this.deps.journal.append(s.id, 'storage_failure', { code }, now);
        });
      }
    } catch {
      // The store is failing: the in-memory fault above already refuses further recording, and
      // the next start finds the session in_progress and treats it as a crash.
    }
    this.deps.emit?.({ sessionId, state: 'interrupted', code, message: storageMessage(code) });
  }
}

export function newIncidentId(now: number): string {
  const d = new Date(now);
  const day = `${d.getUTCFullYear()}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
  return `INC-${day}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

function storageMessage(code: string): string {
  switch (code) {
    case 'STORAGE_FULL':
      return 'the kiosk disk is full: recording stopped and everything saved so far is kept; ask the staff for help';
    case 'STORAGE_READONLY':
      return 'the kiosk cannot write its interview store: recording stopped and everything saved so far is kept; ask the staff for help';
    case 'STORAGE_CORRUPT':
      return 'the kiosk interview store is damaged: recording stopped; ask the staff for help';
    default:
      return 'the kiosk could not save: recording stopped and everything saved so far is kept; ask the staff for help';
  }
}
