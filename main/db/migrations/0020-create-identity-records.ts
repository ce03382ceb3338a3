import type { Migration } from './types';

/**
 * The optional identity check at check-in (issue #15, main/services/identity/identity-check.ts):
 * one row per photo or ID number a candidate submitted. An ID number is kept only sealed under the
 * session's data key (`sealed`); a photo lives in a sealed file `identity/<session>/photo-<n>.jpg.sealed`
 * that the row names with its digests. Nothing here is plaintext: erasing the session's key makes
 * every row and file unreadable, and erasure deletes the rows and the files too.
 *
 * Hub proctor tokens gain the action `confirm_identity` (main/common/proctor-token.ts), so the
 * nonce table's CHECK is widened: SQLite cannot alter a CHECK, so the table is rebuilt with its rows
 * and its append-only triggers.
 */
export const migration0020: Migration = {
  version: 20,
  name: 'create-identity-records',
  up: `
    CREATE TABLE identity_records (
      session_id     TEXT NOT NULL REFERENCES sessions(id),
      ordinal        INTEGER NOT NULL CHECK (ordinal BETWEEN 1 AND 100),
      method         TEXT NOT NULL CHECK (method IN ('photo','id_number')),
      doc_type       TEXT CHECK (doc_type IS NULL OR doc_type IN ('prc_resident_id','passport','other')),
      sealed         BLOB CHECK (sealed IS NULL OR length(sealed) BETWEEN 53 AND 4096),
      file           TEXT CHECK (file IS NULL OR length(file) BETWEEN 1 AND 200),
      sha256         TEXT NOT NULL CHECK (length(sha256) = 64),
      bytes          INTEGER NOT NULL CHECK (bytes >= 0),
      created_at     INTEGER NOT NULL,
      PRIMARY KEY (session_id, ordinal),
      CHECK ((method = 'id_number' AND sealed IS NOT NULL AND file IS NULL) OR (method = 'photo' AND sealed IS NULL AND file IS NOT NULL))
    ) STRICT;

    CREATE TABLE proctor_token_nonces_v20 (
      nonce      TEXT NOT NULL PRIMARY KEY CHECK (length(nonce) = 10 AND nonce NOT GLOB '*[^0-9a-f]*'),
      session_id TEXT NOT NULL CHECK (length(session_id) BETWEEN 1 AND 200),
      action     TEXT NOT NULL CHECK (action IN ('resume', 'lift_pause', 'extend', 'confirm_identity')),
      key_id     TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 100),
      issued_at  INTEGER NOT NULL,
      expires_at INTEGER NOT NULL CHECK (expires_at > issued_at),
      used_at    INTEGER NOT NULL
    ) STRICT;
    INSERT INTO proctor_token_nonces_v20 SELECT nonce, session_id, action, key_id, issued_at, expires_at, used_at FROM proctor_token_nonces;
    DROP TABLE proctor_token_nonces;
    ALTER TABLE proctor_token_nonces_v20 RENAME TO proctor_token_nonces;
    CREATE TRIGGER proctor_token_nonces_no_update BEFORE UPDATE ON proctor_token_nonces
      BEGIN SELECT RAISE(ABORT, 'proctor_token_nonces is append-only'); END;
    CREATE TRIGGER proctor_token_nonces_no_delete BEFORE DELETE ON proctor_token_nonces
      BEGIN SELECT RAISE(ABORT, 'proctor_token_nonces is append-only'); END;
  `,
};
