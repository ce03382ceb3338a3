import type { Migration } from './types';

/**
 * Machine-level records, kept before (or without) any interview session:
 * - `invite_attempts`: every wrong invite code, every accepted one, the start of a lockout and a
 *   proctor's clearing of it. The check-in throttle is derived from these rows, so it survives a
 *   restart, and the proctor lists them (`npm run proctor -- invite-attempts`).
 * - `kiosk_incidents`: help asked for on a screen without a session (the welcome screen, the
 *   at-home system check): a raised hand or a diagnostic bundle, under one incident number.
 * Both are append-only, like the journal: a clearing is a new row, never an edit.
 */
export const migration0006: Migration = {
  version: 6,
  name: 'create-kiosk-records',
  up: `
    CREATE TABLE invite_attempts (
      id        INTEGER PRIMARY KEY,
      at        INTEGER NOT NULL,
      outcome   TEXT NOT NULL CHECK (outcome IN ('wrong','accepted','locked','cleared')),
      code      TEXT NOT NULL CHECK (length(code) <= 64),
      note      TEXT CHECK (note IS NULL OR length(note) <= 200)
    ) STRICT;
    CREATE INDEX invite_attempts_by_outcome ON invite_attempts (outcome, id);
    CREATE TRIGGER invite_attempts_no_update BEFORE UPDATE ON invite_attempts
      BEGIN SELECT RAISE(ABORT, 'invite_attempts is append-only'); END;
    CREATE TRIGGER invite_attempts_no_delete BEFORE DELETE ON invite_attempts
      BEGIN SELECT RAISE(ABORT, 'invite_attempts is append-only'); END;

    CREATE TABLE kiosk_incidents (
      id        TEXT NOT NULL CHECK (id GLOB 'INC-[0-9]*'),
      seq       INTEGER NOT NULL CHECK (seq >= 1),
      kind      TEXT NOT NULL CHECK (kind IN ('hand_raised','diagnostics')),
      at        INTEGER NOT NULL,
      screen    TEXT NOT NULL CHECK (length(screen) <= 32),
      body      TEXT NOT NULL CHECK (json_valid(body)),
      PRIMARY KEY (id, seq)
    ) STRICT, WITHOUT ROWID;
    CREATE TRIGGER kiosk_incidents_no_update BEFORE UPDATE ON kiosk_incidents
      BEGIN SELECT RAISE(ABORT, 'kiosk_incidents is append-only'); END;
    CREATE TRIGGER kiosk_incidents_no_delete BEFORE DELETE ON kiosk_incidents
      BEGIN SELECT RAISE(ABORT, 'kiosk_incidents is append-only'); END;
  `,
};
