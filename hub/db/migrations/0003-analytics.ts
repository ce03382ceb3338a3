import type { HubMigration } from './index';

/**
 * Analytics (#14). Per-session facts maintained at ingest (hub/analytics/facts.ts recomputes a
 * session's rows inside the ingest transaction whenever one of its items arrives), so a report is
 * a grouped scan of small, indexed rows and never re-reads journal payloads. HR's later outcomes
 * and, in their own table, the demographic categories HR imports for the fairness monitor only.
 * Times are timestamptz; hours of day are computed in the report's time zone.
 */
export const hubMigration0003: HubMigration = {
  version: 3,
  name: 'analytics',
  up: `
    CREATE TABLE analytics_sessions (
      kiosk_id        text NOT NULL,
      session_id      text NOT NULL,
      invite_code     text,
      job             text NOT NULL,
      stage           text NOT NULL DEFAULT 'interview',
      centre          text NOT NULL,
      started_at      timestamptz NOT NULL,
      state           text NOT NULL,
      completed       boolean NOT NULL DEFAULT false,
      exited          boolean NOT NULL DEFAULT false,
      exit_reason     text,
      exit_question   integer,
      exit_at         timestamptz,
      exit_elapsed_ms bigint,
      returned        boolean NOT NULL DEFAULT false,
      resumes         integer NOT NULL DEFAULT 0,
      answers         integer NOT NULL DEFAULT 0,
      score_mean      double precision,
      selected        boolean,
      -- copied from hr_outcomes / hr_demographics (at ingest and at each import) so reports scan one table
      final_round     boolean,
      offer           boolean,
      probation       boolean,
      demo            text,
      PRIMARY KEY (kiosk_id, session_id)
    );
    CREATE INDEX analytics_sessions_time ON analytics_sessions (started_at);
    CREATE INDEX analytics_sessions_job ON analytics_sessions (job, started_at);
    CREATE INDEX analytics_sessions_centre ON analytics_sessions (centre, started_at);
    CREATE INDEX analytics_sessions_invite ON analytics_sessions (invite_code);

    -- one row per answered question (the latest attempt), with review outcome
    CREATE TABLE analytics_answers (
      kiosk_id        text NOT NULL,
      session_id      text NOT NULL,
      question_index  integer NOT NULL,
      question_id     text NOT NULL,
      invite_code     text,
      job             text NOT NULL,
      centre          text NOT NULL,
      started_at      timestamptz NOT NULL,
      total           double precision NOT NULL,
      band            text NOT NULL,
      status          text NOT NULL,
      for_review      boolean NOT NULL,
      overrides       integer NOT NULL DEFAULT 0,
      final_round     boolean,
      offer           boolean,
      probation       boolean,
      demo            text,
      PRIMARY KEY (kiosk_id, session_id, question_index)
    );
    CREATE INDEX analytics_answers_time ON analytics_answers (started_at);
    CREATE INDEX analytics_answers_invite ON analytics_answers (invite_code);

    CREATE TABLE analytics_competencies (
      kiosk_id        text NOT NULL,
      session_id      text NOT NULL,
      question_index  integer NOT NULL,
      question_id     text NOT NULL,
      competency_id   text NOT NULL,
      invite_code     text,
      job             text NOT NULL,
      centre          text NOT NULL,
      started_at      timestamptz NOT NULL,
      level           integer NOT NULL,
      overridden      boolean NOT NULL DEFAULT false,
      for_review      boolean NOT NULL,
      final_round     boolean,
      offer           boolean,
      probation       boolean,
      PRIMARY KEY (kiosk_id, session_id, question_index, competency_id)
    );
    CREATE INDEX analytics_competencies_time ON analytics_competencies (started_at);
    CREATE INDEX analytics_competencies_invite ON analytics_competencies (invite_code);

    -- one row per check of each kiosk pre-check run
    CREATE TABLE analytics_prechecks (
      kiosk_id        text NOT NULL,
      session_id      text NOT NULL,
      seq             integer NOT NULL,
      check_id        text NOT NULL,
      job             text NOT NULL,
      centre          text NOT NULL,
      device          text NOT NULL,
      at              timestamptz NOT NULL,
      status          text NOT NULL,
      cause           text,
      PRIMARY KEY (kiosk_id, session_id, seq, check_id)
    );
    CREATE INDEX analytics_prechecks_time ON analytics_prechecks (at);

    -- HR imports: later outcomes per candidate (invite code) and, separately, demographics
    CREATE TABLE hr_outcomes (
      invite_code     text PRIMARY KEY,
      final_round     boolean,
      offer           boolean,
      probation       boolean,
      import_id       text NOT NULL,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE hr_demographics (
      invite_code     text PRIMARY KEY,
      categories      jsonb NOT NULL,
      import_id       text NOT NULL,
      updated_at      timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE analytics_imports (
      id              text PRIMARY KEY,
      kind            text NOT NULL CHECK (kind IN ('outcomes','demographics')),
      actor           text NOT NULL,
      rows            integer NOT NULL,
      sha256          text NOT NULL,
      at              timestamptz NOT NULL DEFAULT now()
    );
  `,
};
