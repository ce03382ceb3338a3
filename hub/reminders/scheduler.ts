/**
 * The reminder queue: a table (`reminder_jobs`) on the hub's PostgreSQL, one row per invite,
 * schedule version and reminder kind (unique), so a reminder exists once however often it is
 * scheduled. Delivery is AT MOST ONCE, on purpose: "never sends twice" is the requirement.
 *
 *   1. claim: one transaction takes due rows `FOR UPDATE SKIP LOCKED`, only for invites still
 *      scheduled at that schedule version, and commits them as `sending` with a fresh claim token
 *      and a lease — the claim is durable BEFORE anything is sent;
 *   2. send, with a timeout shorter than the lease;
 *   3. record the outcome, fenced by the claim token: `sent`; a DEFINITE failure goes back to
 *      `pending` with exponential backoff until the attempt cap, then `failed`; an AMBIGUOUS failure
 *      (the message may have left) becomes `unknown` and is never retried.
 *
 * A crash between 1 and 3 leaves a `sending` row whose lease runs out; it becomes `unknown`
 * (LEASE_EXPIRED), not resent: the hub cannot tell whether the message left, and a second
 * message is the failure the requirement forbids. HR sees `failed` and `unknown` reminders
 * (GET /v1/reminders) and can reach the candidate another way. The idempotency key travels with
 * the message (Message-ID, X-Reminder-Key) so a receiver can also tell repeats apart.
 *
 * The clock is injected (tests drive it; nothing here waits on wall time except `start`'s timer).
 * The same tick records hub-side no-shows.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { HubDatabase } from '../db/database';
import { cancelStaleReminders } from '../invites/invites';
import type { ReminderSender } from './channels';
import type { ReminderConfig } from './config';
import { reminderMessage } from './messages';

export interface TickReport {
  readonly sent: number;
  readonly retried: number;
  readonly failed: number;
  readonly unknown: number;
  readonly expired: number;
  readonly cancelled: number;
  readonly leaseExpired: number;
  readonly noShows: number;
  readonly checkedIn: number;
}

interface ClaimedJob {
  id: string;
  invite_id: string;
  kind: string;
  channel: 'email' | 'dingtalk' | 'wecom';
  attempts: number;
  idempotency_key: string;
  claim_token: string;
  candidate_name: string;
  email: string | null;
  phone: string | null;
  code: string;
  window_start: string;
  window_end: string;
  location: 'home' | 'centre';
  centre: string;
  job_id: string;
}

export interface SchedulerDeps {
  readonly db: HubDatabase;
  readonly config: ReminderConfig;
  readonly sender: ReminderSender;
  readonly now: () => number;
  /** A tick started by `start()` that throws (the database is down) is reported here and retried at the next poll. */
  readonly onError?: (err: unknown) => void;
  /** Jobs claimed per transaction (default 1: a crash mid-send loses at most the one reminder it was sending). */
  readonly batch?: number;
}

/**
 * The failed checks of the invite's latest pre-check result, if it was NOT_READY. Results arrive
 * at POST /v1/invite-codes/:code/precheck (the at-home page or a kiosk). A kiosk's synced
 * `precheck_run` items belong to a session, i.e. a check-in, which already ends the reminders, so
 * they are not consulted here.
 */
export async function failedChecks(q: pg.Pool | pg.PoolClient, inviteId: string): Promise<string[] | undefined> {
  const r = await q.query<{ overall: string; failures: string[] }>('SELECT overall, failures FROM invite_prechecks WHERE invite_id=$1 ORDER BY id DESC LIMIT 1', [inviteId]);
  const latest = r.rows[0];
  return latest?.overall === 'NOT_READY' ? latest.failures : undefined;
}

export class ReminderScheduler {
  private running: Promise<TickReport> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly batch: number;

  constructor(private readonly deps: SchedulerDeps) {
    this.batch = deps.batch ?? 1;
  }

  /** One pass over due work; concurrent calls share the pass in progress. */
  tick(): Promise<TickReport> {
    if (!this.running) {
      this.running = this.pass().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick().catch((err: unknown) => this.deps.onError?.(err)), this.deps.config.pollMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
    this.deps.sender.close();
  }

  private async pass(): Promise<TickReport> {
    const { db } = this.deps;
    const now = this.deps.now();
    const report = { sent: 0, retried: 0, failed: 0, unknown: 0, expired: 0, cancelled: 0, leaseExpired: 0, noShows: 0, checkedIn: 0 };
    const status = await this.recordAttendance(now);
    report.noShows = status.noShows;
    report.checkedIn = status.checkedIn;
    report.cancelled = await cancelStaleReminders(db.pool, now);
    report.leaseExpired = await this.expireLeases(now);
    report.unknown += report.leaseExpired;
    for (;;) {
      const { jobs, expired } = await this.claim(this.deps.now());
      report.expired += expired;
      if (jobs.length === 0) break;
      for (const job of jobs) {
        const outcome = await this.deliver(job);
        report[outcome]++;
      }
      if (jobs.length < this.batch) break;
    }
    return report;
  }

  /** A kiosk's check-in (a session with the invite code) or no-show closes the invite; so does a window that ended without either. */
  private async recordAttendance(now: number): Promise<{ noShows: number; checkedIn: number }> {
    const { pool } = this.deps.db;
    // A late sync of a check-in overrides the hub's own guess (no_checkin_reported).
    const checkedIn = await pool.query(
      `UPDATE invites i SET status='checked_in', no_show_reason=NULL, status_at=$1
        WHERE (i.status='scheduled' OR (i.status='no_show' AND i.no_show_reason='no_checkin_reported'))
          AND EXISTS (SELECT 1 FROM hub_sessions s WHERE s.invite_code = i.code AND (i.attendance_since IS NULL OR s.updated_at > i.attendance_since))`,
      [now],
    );
    const kiosk = await pool.query(
      `UPDATE invites i SET status='no_show', no_show_reason='kiosk_reported', status_at=$1
        WHERE (i.status='scheduled' OR (i.status='no_show' AND i.no_show_reason='no_checkin_reported'))
          AND (EXISTS (SELECT 1 FROM items it WHERE it.kind='no_show' AND it.body->>'invite_code' = i.code AND (i.attendance_since IS NULL OR it.received_at > i.attendance_since))
               -- a no-show the kiosk reported on the HR endpoint API (/hr/v1/no-shows, hub/hr)
               OR EXISTS (SELECT 1 FROM hr_no_shows n WHERE n.invite_code = i.code AND (i.attendance_since IS NULL OR n.recorded_at > i.attendance_since)))`,
      [now],
    );
    const hub = await pool.query(
      `UPDATE invites i SET status='no_show', no_show_reason='no_checkin_reported', status_at=$1
        WHERE i.status='scheduled' AND i.window_end + $2 <= $1`,
      [now, this.deps.config.noShowGraceMs],
    );
    return { noShows: (kiosk.rowCount ?? 0) + (hub.rowCount ?? 0), checkedIn: checkedIn.rowCount ?? 0 };
  }

  private async expireLeases(now: number): Promise<number> {
    const r = await this.deps.db.transaction(async (c) => {
      const rows = await c.query<{ id: string; attempts: number }>(
        `UPDATE reminder_jobs SET state='unknown', finished_at=$1, claim_token=NULL,
                last_error='LEASE_EXPIRED: the hub stopped between claiming and recording this send; not resent (at most once)'
          WHERE state='sending' AND lease_until <= $1 RETURNING id, attempts`,
        [now],
      );
      for (const j of rows.rows) {
        await c.query("INSERT INTO reminder_attempts (job_id, attempt, at, outcome, detail) VALUES ($1,$2,$3,'unknown','LEASE_EXPIRED') ON CONFLICT DO NOTHING", [j.id, j.attempts, now]);
      }
      return rows.rowCount ?? 0;
    });
    return r;
  }

  private async claim(now: number): Promise<{ jobs: ClaimedJob[]; expired: number }> {
    return this.deps.db.transaction(async (c) => {
      const token = randomUUID();
      // Reminders whose interview has started are not sent late.
      const expired = await c.query(
        `UPDATE reminder_jobs j SET state='expired', finished_at=$1, last_error='WINDOW_STARTED: not sent before the interview began'
           FROM invites i WHERE i.id=j.invite_id AND j.state='pending' AND j.next_attempt_at <= $1 AND i.window_start <= $1`,
        [now],
      );
      const r = await c.query<ClaimedJob>(
        `WITH due AS (
           SELECT j.id FROM reminder_jobs j JOIN invites i ON i.id = j.invite_id
            WHERE j.state='pending' AND j.next_attempt_at <= $1
              AND i.status='scheduled' AND i.schedule_version = j.schedule_version
            ORDER BY j.next_attempt_at, j.id
            LIMIT $2
            FOR UPDATE OF j SKIP LOCKED)
         UPDATE reminder_jobs j SET state='sending', attempts=j.attempts+1, claim_token=$3, lease_until=$4
           FROM due, invites i
          WHERE j.id = due.id AND i.id = j.invite_id AND j.state = 'pending'
          RETURNING j.id, j.invite_id, j.kind, j.channel, j.attempts, j.idempotency_key, j.claim_token,
                    i.candidate_name, i.email, i.phone, i.code, i.window_start, i.window_end, i.location, i.centre, i.job_id`,
        [now, this.batch, token, now + this.deps.config.leaseMs],
      );
      return { jobs: r.rows, expired: expired.rowCount ?? 0 };
    });
  }

  private async deliver(job: ClaimedJob): Promise<'sent' | 'retried' | 'failed' | 'unknown'> {
    const { config, db } = this.deps;
    const failed = await failedChecks(db.pool, job.invite_id);
    const msg = reminderMessage({
      candidateName: job.candidate_name,
      code: job.code,
      windowStart: Number(job.window_start),
      windowEnd: Number(job.window_end),
      location: job.location,
      centre: job.centre,
      jobId: job.job_id,
      kind: job.kind,
      timeZone: config.timeZone,
      ...(config.checkUrl ? { checkUrl: config.checkUrl } : {}),
      ...(failed ? { failedChecks: failed } : {}),
    });
    const outcome = await this.deps.sender.send({ channel: job.channel, to: { email: job.email, phone: job.phone }, subject: msg.subject, text: msg.text, idempotencyKey: job.idempotency_key });
    const now = this.deps.now();
    let state: 'sent' | 'pending' | 'failed' | 'unknown';
    let result: 'sent' | 'retried' | 'failed' | 'unknown';
    let next: number | null = null;
    if (outcome.ok) {
      state = 'sent';
      result = 'sent';
    } else if (!outcome.definite) {
      state = 'unknown';
      result = 'unknown';
    } else {
      const delay = config.retryBaseMs * 2 ** (job.attempts - 1);
      const permanent = outcome.detail.startsWith('CHANNEL_NOT_CONFIGURED') || outcome.detail.startsWith('NO_ADDRESS');
      if (!permanent && job.attempts < config.maxAttempts && now + delay < Number(job.window_start)) {
        state = 'pending';
        result = 'retried';
        next = now + delay;
      } else {
        state = 'failed';
        result = 'failed';
      }
    }
    await db.transaction(async (c) => {
      const u = await c.query(
        `UPDATE reminder_jobs SET state=$3, claim_token=NULL, lease_until=NULL, last_error=$4,
                next_attempt_at=COALESCE($5, next_attempt_at),
                sent_at=CASE WHEN $3='sent' THEN $6::bigint ELSE sent_at END,
                finished_at=CASE WHEN $3 IN ('sent','failed','unknown') THEN $6::bigint ELSE NULL END
          WHERE id=$1 AND claim_token=$2 AND state='sending'`,
        [job.id, job.claim_token, state, outcome.ok ? null : outcome.detail, next, now],
      );
      // Fenced: a send whose lease already ran out (and was recorded `unknown`) changes nothing.
      if (u.rowCount !== 1) return;
      await c.query('INSERT INTO reminder_attempts (job_id, attempt, at, outcome, detail) VALUES ($1,$2,$3,$4,$5) ON CONFLICT DO NOTHING', [
        job.id,
        job.attempts,
        now,
        result === 'retried' ? 'retry' : result,
        outcome.detail,
      ]);
    });
    return result;
  }
}
