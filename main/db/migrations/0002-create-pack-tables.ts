import type { Migration } from './types';

/**
 * Interview packs, schedules and tailoring:
 * - `installed_packs`: the highest version of each pack this kiosk accepted (refuses rollbacks);
 * - `pack_content_keys`: content keys released at check-in, kept only while a session of that
 *   pack can still run (crash recovery needs them), purged afterwards;
 * - `schedules` / `schedule_invites`: signed day schedules, imported after verification;
 * - `no_show_events`: scheduled invites never checked in by the end of their window, with the
 *   kiosk's state, waiting to reach HR (`reported_at`);
 * - `session_variants`: which variant each session got for each question, and which tags chose it.
 */
export const migration0002: Migration = {
  version: 2,
  name: 'create-pack-tables',
  up: `
    CREATE TABLE installed_packs (
      pack_id          TEXT PRIMARY KEY,
      version          TEXT NOT NULL,
      pack_hash        TEXT NOT NULL CHECK (length(pack_hash) = 64),
      key_id           TEXT NOT NULL,
      file_name        TEXT NOT NULL,
      installed_at     INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE pack_content_keys (
      pack_hash        TEXT PRIMARY KEY CHECK (length(pack_hash) = 64),
      pack_id          TEXT NOT NULL,
      content_key      BLOB NOT NULL CHECK (length(content_key) = 32),
      via              TEXT NOT NULL CHECK (via IN ('hr_endpoint','unlock_code','demo')),
      unlocked_at      INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE schedules (
      schedule_id      TEXT PRIMARY KEY,
      centre_id        TEXT NOT NULL,
      day              TEXT NOT NULL,
      payload_hash     TEXT NOT NULL CHECK (length(payload_hash) = 64),
      key_id           TEXT NOT NULL,
      imported_at      INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE schedule_invites (
      invite_code      TEXT PRIMARY KEY,
      schedule_id      TEXT NOT NULL REFERENCES schedules(schedule_id),
      candidate_ref    TEXT NOT NULL,
      pack_id          TEXT NOT NULL,
      not_before       INTEGER NOT NULL,
      not_after        INTEGER NOT NULL CHECK (not_after > not_before),
      resume_type      TEXT,
      resume           BLOB,
      resume_sha256    TEXT CHECK (resume_sha256 IS NULL OR length(resume_sha256) = 64)
    ) STRICT;
    CREATE INDEX schedule_invites_not_after ON schedule_invites(not_after);

    CREATE TABLE no_show_events (
      invite_code      TEXT PRIMARY KEY,
      schedule_id      TEXT NOT NULL,
      candidate_ref    TEXT NOT NULL,
      pack_id          TEXT NOT NULL,
      not_before       INTEGER NOT NULL,
      not_after        INTEGER NOT NULL,
      detected_at      INTEGER NOT NULL,
      kiosk_state      TEXT NOT NULL CHECK (json_valid(kiosk_state)),
      reported_at      INTEGER
    ) STRICT;

    CREATE TABLE session_variants (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      question_id      TEXT NOT NULL,
      variant_id       TEXT NOT NULL,
      matched_tags     TEXT NOT NULL CHECK (json_valid(matched_tags)),
      PRIMARY KEY (session_id, question_index)
    ) STRICT;
  `,
};
