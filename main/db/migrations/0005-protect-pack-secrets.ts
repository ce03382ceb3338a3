import type { Migration } from './types';

/**
 * Pack secrets and résumé parsing (issue #12):
 * - `pack_content_keys` is rebuilt: the content key is stored wrapped by the KeyProtector (OS
 *   keystore in the Electron shell), never as the 32 raw bytes. Keys stored unwrapped by earlier
 *   versions are dropped with `secure_delete` on, so their pages are overwritten; a session that
 *   was running during the upgrade unlocks again (unlock code or HR endpoint).
 * - `unlock_attempts`: every offline unlock-code attempt, append-only (triggers refuse UPDATE and
 *   DELETE), so the attempt limit and its lockout survive a restart.
 * - `schedule_invites` gains the résumé text extracted when the schedule was imported (in a
 *   child process with memory and time limits), or the reason it could not be read; check-in then
 *   never parses a document.
 */
export const migration0005: Migration = {
  version: 5,
  name: 'protect-pack-secrets',
  up: `
    PRAGMA secure_delete = ON;
    DROP TABLE pack_content_keys;
    CREATE TABLE pack_content_keys (
      pack_hash        TEXT PRIMARY KEY CHECK (length(pack_hash) = 64),
      pack_id          TEXT NOT NULL,
      wrapped_key      BLOB NOT NULL CHECK (length(wrapped_key) BETWEEN 33 AND 4096),
      protector        TEXT NOT NULL CHECK (protector IN ('os-keystore','file-key','memory')),
      via              TEXT NOT NULL CHECK (via IN ('hr_endpoint','unlock_code','demo')),
      unlocked_at      INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE unlock_attempts (
      id               INTEGER PRIMARY KEY,
      pack_id          TEXT NOT NULL,
      at               INTEGER NOT NULL,
      succeeded        INTEGER NOT NULL CHECK (succeeded IN (0, 1))
    ) STRICT;
    CREATE INDEX unlock_attempts_pack_at ON unlock_attempts(pack_id, at);
    CREATE TRIGGER unlock_attempts_no_update BEFORE UPDATE ON unlock_attempts
      BEGIN SELECT RAISE(ABORT, 'unlock_attempts is append-only'); END;
    CREATE TRIGGER unlock_attempts_no_delete BEFORE DELETE ON unlock_attempts
      BEGIN SELECT RAISE(ABORT, 'unlock_attempts is append-only'); END;

    ALTER TABLE schedule_invites ADD COLUMN resume_kind TEXT CHECK (resume_kind IS NULL OR resume_kind IN ('text','pdf','docx'));
    ALTER TABLE schedule_invites ADD COLUMN resume_text TEXT;
    ALTER TABLE schedule_invites ADD COLUMN resume_problem TEXT;
  `,
};
