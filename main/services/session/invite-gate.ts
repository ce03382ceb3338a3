/**
 * The invite gate: every check-in passes here first. It turns what the candidate typed into the
 * code on their invitation (NFKC, separators, case — see preload/contract/invite-code.ts) and
 * throttles wrong codes per kiosk: a few free tries, then an exponentially growing wait, then a
 * lockout a proctor can clear (`npm run proctor -- invite-clear`).
 *
 * The throttle's state is never held in memory: it is derived from the append-only
 * `invite_attempts` rows (migration 0006), so a restart or a reload does not reset it, and the
 * proctor sees exactly what the kiosk decided on. Refused attempts (while waiting or locked) write
 * nothing: they cost no work, and the rows stay bounded by the throttle itself.
 */
import { INVITE_CODE_PATTERN, MAX_RAW_INVITE_CHARS, normalizeInviteCode } from '../../../preload/contract/invite-code';
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import { err, type Result } from '../../common/result';
import type { Db } from '../../db/connection';
import { insertInviteAttempt, recentInviteAttempts, wrongSinceReset, type InviteAttemptRow } from '../../db/queries/kiosk-records';
import { storageErrorCode } from '../../db/errors';

export interface InviteGatePolicy {
  /** Wrong codes answered at once before any wait. */
  readonly freeAttempts: number;
  /** The first wait; each further wrong code doubles it. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** After this many wrong codes in a row the kiosk stops accepting codes… */
  readonly lockAfter: number;
  /** …for this long after the last one, unless a proctor clears it sooner. */
  readonly lockMs: number;
}

export const DEFAULT_INVITE_POLICY: InviteGatePolicy = {
  freeAttempts: 3,
  baseDelayMs: 2_000,
  maxDelayMs: 60_000,
  lockAfter: 10,
  lockMs: 15 * 60_000,
};

export type InviteGateState =
  | { readonly state: 'open'; readonly wrongInARow: number }
  | { readonly state: 'waiting'; readonly wrongInARow: number; readonly retryAt: number }
  | { readonly state: 'locked'; readonly wrongInARow: number; readonly lockedUntil: number };

export interface InviteGateDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly policy?: InviteGatePolicy;
  /** Whether a normalised code names an invite or a session on this kiosk (used to restore a left-out dash). */
  readonly known?: (code: string) => boolean;
}

/** The wait after `wrong` wrong codes in a row (0 while the free tries last). Pure: the tests' oracle is a table. */
export function delayAfter(wrong: number, p: InviteGatePolicy): number {
  if (wrong < p.freeAttempts) return 0;
  const doublings = Math.min(wrong - p.freeAttempts, 30);
  return Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** doublings);
}

/** The gate's state at `now`, from the count of wrong codes in a row and the time of the last one. */
export function gateState(wrongInARow: number, lastWrongAt: number | null, now: number, p: InviteGatePolicy): InviteGateState {
  if (lastWrongAt === null || wrongInARow === 0) return { state: 'open', wrongInARow: 0 };
  if (wrongInARow >= p.lockAfter) {
    const lockedUntil = lastWrongAt + p.lockMs;
    return now < lockedUntil ? { state: 'locked', wrongInARow, lockedUntil } : { state: 'open', wrongInARow };
  }
  const retryAt = lastWrongAt + delayAfter(wrongInARow, p);
  return now < retryAt ? { state: 'waiting', wrongInARow, retryAt } : { state: 'open', wrongInARow };
}

export class InviteGate {
  private readonly log: Logger;
  private readonly policy: InviteGatePolicy;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: InviteGateDeps) {
    this.log = deps.logger.scope('invite-gate');
    this.policy = deps.policy ?? DEFAULT_INVITE_POLICY;
  }

  status(): InviteGateState {
    const { count, lastAt } = wrongSinceReset(this.deps.db);
    return gateState(count, lastAt, this.deps.clock.now(), this.policy);
  }

  /**
   * The code to try for what the candidate typed, or null when it cannot be an invite code. A
   * code typed without its dash (`DEMO2026`) is matched when exactly one placement of a dash
   * names a known invite.
   */
  resolve(raw: string): string | null {
    if (raw.length > MAX_RAW_INVITE_CHARS) return null;
    const code = normalizeInviteCode(raw);
    if (!INVITE_CODE_PATTERN.test(code)) return null;
    const known = this.deps.known;
    if (!known || code.includes('-') || known(code)) return code;
    const matches: string[] = [];
    for (let i = 1; i < code.length; i++) {
      const dashed = `${code.slice(0, i)}-${code.slice(i)}`;
      if (INVITE_CODE_PATTERN.test(dashed) && known(dashed)) matches.push(dashed);
    }
    return matches.length === 1 ? matches[0]! : code;
  }

  /**
   * Runs one check-in attempt through the gate. `attempt` gets the normalised code; its
   * INVITE_NOT_FOUND counts as a wrong code, success resets the count, other refusals (an
   * interview that has ended, a locked pack) are about a real invite and count for nothing.
   */
  checkIn<T>(raw: string, attempt: (code: string) => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    // One attempt at a time: parallel requests must not all pass while the gate is still open.
    const run = this.queue.then(() => this.checkInNow(raw, attempt));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async checkInNow<T>(raw: string, attempt: (code: string) => Promise<Result<T>> | Result<T>): Promise<Result<T>> {
    const before = this.status();
    if (before.state === 'locked') {
      this.log.warn('check-in refused: locked', { lockedUntil: before.lockedUntil });
      return err('INVITE_LOCKED', `too many wrong invite codes; check-in is locked until ${new Date(before.lockedUntil).toISOString()} or until a proctor clears it`);
    }
    if (before.state === 'waiting') {
      return err('INVITE_THROTTLED', `wrong invite codes in a row: wait until ${new Date(before.retryAt).toISOString()} before the next try`);
    }
    const code = this.resolve(raw);
    if (code === null) {
      const r = this.recordWrong(normalizeInviteCode(raw).slice(0, 64));
      return r ?? err('INVITE_NOT_FOUND', 'this is not an invite code (letters, digits and dashes, 4 to 32 characters)');
    }
    const result = await attempt(code);
    if (result.ok) {
      this.record({ outcome: 'accepted', code });
      return result;
    }
    if (result.error.code === 'INVITE_NOT_FOUND') {
      const r = this.recordWrong(code);
      if (r) return r;
    }
    return result;
  }

  /** A proctor's clearing: the count starts again from zero. */
  clear(by: string): InviteGateState {
    this.record({ outcome: 'cleared', code: '', note: by.slice(0, 200) });
    this.log.info('invite lockout cleared', { by });
    return this.status();
  }

  recent(limit = 50): InviteAttemptRow[] {
    return recentInviteAttempts(this.deps.db, limit);
  }

  private recordWrong(code: string): Result<never> | null {
    const stored = this.record({ outcome: 'wrong', code });
    if (stored) return stored;
    const after = this.status();
    if (after.state !== 'locked') return null;
    // The code that starts (or, after a lockout ran out, restarts) the lockout says so at once.
    this.record({ outcome: 'locked', code: '', note: `until ${new Date(after.lockedUntil).toISOString()}` });
    this.log.warn('check-in locked after wrong invite codes', { wrongInARow: after.wrongInARow });
    return err('INVITE_LOCKED', `too many wrong invite codes; check-in is locked until ${new Date(after.lockedUntil).toISOString()} or until a proctor clears it`);
  }

  private record(row: { outcome: 'wrong' | 'accepted' | 'locked' | 'cleared'; code: string; note?: string }): Result<never> | null {
    try {
      insertInviteAttempt(this.deps.db, { at: this.deps.clock.now(), ...row });
      return null;
    } catch (e) {
      const code = storageErrorCode(e);
      if (!code) throw e;
      // Fail closed: a throttle that cannot keep its record does not let the code through.
      this.log.error('invite attempt not recorded', { code });
      return err(code, 'the kiosk could not record this check-in attempt; ask the staff for help');
    }
  }
}
