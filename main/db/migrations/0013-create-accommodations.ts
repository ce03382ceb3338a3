import type { Migration } from './types';

/**
 * Accommodations (issue #20): the signed schedule's per-invite accommodations are kept with the
 * invite, and each session keeps the accommodations in force (from its invite, or set on the spot
 * by a proctor with their code and a reason). Every change is also journaled
 * (`accommodations_set`), so the history is in the hash chain; this table holds the current one.
 */
export const migration0013: Migration = {
  version: 13,
  name: 'create-accommodations',
  up: `
    ALTER TABLE schedule_invites ADD COLUMN accommodations TEXT CHECK (accommodations IS NULL OR json_valid(accommodations));

    CREATE TABLE session_accommodations (
      session_id       TEXT PRIMARY KEY REFERENCES sessions(id),
      accommodations   TEXT NOT NULL CHECK (json_valid(accommodations)),
      source           TEXT NOT NULL CHECK (source IN ('invite', 'proctor')),
      set_by           TEXT,
      reason           TEXT CHECK (reason IS NULL OR length(reason) <= 300),
      changes          INTEGER NOT NULL CHECK (changes >= 0),
      set_at           INTEGER NOT NULL
    ) STRICT;
  `,
};
