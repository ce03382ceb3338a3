import type { Migration } from './types';

/**
 * Pack format v2, per-stage release (docs/pack-format-v2.md): the stage keys a session has been
 * released, one row per stage after the first, wrapped by the KeyProtector exactly like the pack's
 * content key (never the raw 32 bytes). A session holds only the stages it has reached; the rows
 * are purged with `secure_delete` when the session can no longer run, as content keys are.
 */
export const migration0019: Migration = {
  version: 19,
  name: 'create-session-stage-keys',
  up: `
    CREATE TABLE session_stage_keys (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      stage_index      INTEGER NOT NULL CHECK (stage_index BETWEEN 1 AND 9),
      stage_id         TEXT NOT NULL CHECK (length(stage_id) BETWEEN 1 AND 64),
      pack_hash        TEXT NOT NULL CHECK (length(pack_hash) = 64),
      wrapped_key      BLOB NOT NULL CHECK (length(wrapped_key) BETWEEN 33 AND 4096),
      protector        TEXT NOT NULL CHECK (protector IN ('os-keystore','file-key','memory')),
      release_mode     TEXT NOT NULL CHECK (release_mode IN ('offline','hr')),
      envelope_sha256  TEXT NOT NULL CHECK (length(envelope_sha256) = 64),
      released_at      INTEGER NOT NULL,
      PRIMARY KEY (session_id, stage_index)
    ) STRICT;
  `,
};
