import type { HubMigration } from './index';

/**
 * Invites HR schedules on the hub, the reminders owed for them (a durable job queue: one row per
 * invite, schedule version and reminder kind, claimed with FOR UPDATE SKIP LOCKED under a lease),
 * every send attempt, pre-check results reported for an invite, and candidates' reschedule
 * requests. Times the scheduler compares (windows, due times, leases) are ms since epoch from the
 * hub's injected clock, so a test can drive them without waiting on wall time.
 */
export const hubMigration0002: HubMigration = {
  version: 2,
  name: 'invites-reminders',
  up: `
    CREATE TABLE invites (
      id              text PRIMARY KEY,
      code            text NOT NULL UNIQUE,
      candidate_name  text NOT NULL CHECK (length(candidate_name) BETWEEN 1 AND 200),
      email           text,
      phone           text,
      channel         text NOT NULL CHECK (channel IN ('email','dingtalk','wecom')),
      job_id          text NOT NULL,
      centre          text NOT NULL,
      location        text NOT NULL CHECK (location IN ('home','centre')),
      locale          text NOT NULL DEFAULT 'zh-CN' CHECK (locale IN ('zh-CN','en')),
      window_start    bigint NOT NULL,
      window_end      bigint NOT NULL,
      status          text NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled','cancelled','checked_in','no_show')),
      schedule_version integer NOT NULL DEFAULT 1,
      no_show_reason  text,
      status_at       bigint,
      -- a reschedule sets this (database clock): only check-ins and kiosk no-shows synced after it count
      attendance_since timestamptz,
      created_by      text NOT NULL,
      created_at      bigint NOT NULL,
      CHECK (window_end > window_start),
      CHECK (email IS NOT NULL OR phone IS NOT NULL)
    );
    CREATE INDEX invites_open ON invites (window_end) WHERE status = 'scheduled';

    CREATE TABLE reminder_jobs (
      id              bigserial PRIMARY KEY,
      invite_id       text NOT NULL REFERENCES invites(id),
      schedule_version integer NOT NULL,
      kind            text NOT NULL,
      channel         text NOT NULL,
      due_at          bigint NOT NULL,
      next_attempt_at bigint NOT NULL,
      state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sending','sent','failed','unknown','cancelled','expired')),
      attempts        integer NOT NULL DEFAULT 0,
      claim_token     text,
      lease_until     bigint,
      idempotency_key text NOT NULL UNIQUE,
      last_error      text,
      sent_at         bigint,
      finished_at     bigint,
      UNIQUE (invite_id, schedule_version, kind)
    );
    CREATE INDEX reminder_jobs_due ON reminder_jobs (next_attempt_at) WHERE state = 'pending';
    CREATE INDEX reminder_jobs_leased ON reminder_jobs (lease_until) WHERE state = 'sending';

    CREATE TABLE reminder_attempts (
      job_id          bigint NOT NULL REFERENCES reminder_jobs(id),
      attempt         integer NOT NULL,
      at              bigint NOT NULL,
      outcome         text NOT NULL CHECK (outcome IN ('sent','retry','failed','unknown')),
      detail          text,
      PRIMARY KEY (job_id, attempt)
    );

    CREATE TABLE invite_prechecks (
      id              bigserial PRIMARY KEY,
      invite_id       text NOT NULL REFERENCES invites(id),
      overall         text NOT NULL CHECK (overall IN ('READY','READY_WITH_WARNINGS','NOT_READY')),
      failures        jsonb NOT NULL,
      reported_by     text NOT NULL,
      received_at     bigint NOT NULL
    );
    CREATE INDEX invite_prechecks_invite ON invite_prechecks (invite_id, id);

    CREATE TABLE reschedule_requests (
      id              text PRIMARY KEY,
      invite_id       text NOT NULL REFERENCES invites(id),
      reason          text NOT NULL CHECK (reason IN ('device','network','environment','time','health','other')),
      text            text,
      requested_by    text NOT NULL,
      received_at     bigint NOT NULL
    );
    CREATE INDEX reschedule_requests_invite ON reschedule_requests (invite_id);
  `,
};
