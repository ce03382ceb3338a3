import type { Migration } from './types';

/**
 * Encryption at rest, retention and deletion (issue #11, docs/encryption-at-rest.md):
 * - `session_keys`: each session's random data key, wrapped twice — by the kiosk's KeyProtector
 *   (OS keystore in the Electron shell) and, when provisioned, for the HR endpoint's X25519 key.
 *   The raw key is never stored. Deleting the row (with `secure_delete`) is the crypto-shredding.
 * - `answers.sealed` / `answer_drafts.sealed`: typed answers and drafts sealed (AES-256-GCM) under
 *   the session's data key; `text` is then NULL / ''. Rows written before this version keep their
 *   plaintext `text` and are read as before (and shredded with `secure_delete` on deletion).
 * - `session_uploads`: the hub sync records here that HR confirmed receipt of a session; the
 *   retention clock starts only then. Nothing is ever deleted automatically without a row here.
 * - `session_erasures`: append-only (triggers refuse UPDATE and DELETE) record that a session's
 *   data was erased, why and when. Its existence is also what lets a session's media rows be
 *   deleted: the media trigger from 0004 now refuses a DELETE unless an erasure is recorded.
 */
export const migration0011: Migration = {
  version: 11,
  name: 'create-session-keys',
  up: `
    CREATE TABLE session_keys (
      session_id       TEXT PRIMARY KEY REFERENCES sessions(id),
      kiosk_wrapped    BLOB NOT NULL CHECK (length(kiosk_wrapped) BETWEEN 33 AND 4096),
      protector        TEXT NOT NULL CHECK (protector IN ('os-keystore','file-key','memory')),
      hr_wrapped       BLOB CHECK (hr_wrapped IS NULL OR length(hr_wrapped) = 84),
      hr_key_id        TEXT CHECK ((hr_wrapped IS NULL) = (hr_key_id IS NULL)),
      created_at       INTEGER NOT NULL
    ) STRICT;

    ALTER TABLE answers ADD COLUMN sealed BLOB;
    ALTER TABLE answer_drafts ADD COLUMN sealed BLOB;

    CREATE TABLE session_uploads (
      session_id       TEXT PRIMARY KEY REFERENCES sessions(id),
      confirmed_at     INTEGER NOT NULL,
      receipt          TEXT NOT NULL CHECK (length(receipt) BETWEEN 1 AND 200)
    ) STRICT;

    CREATE TABLE session_erasures (
      session_id       TEXT PRIMARY KEY,
      reason           TEXT NOT NULL CHECK (reason IN ('retention','request')),
      requested_at     INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER session_erasures_no_update BEFORE UPDATE ON session_erasures
      BEGIN SELECT RAISE(ABORT, 'session_erasures is append-only'); END;
    CREATE TRIGGER session_erasures_no_delete BEFORE DELETE ON session_erasures
      BEGIN SELECT RAISE(ABORT, 'session_erasures is append-only'); END;

    DROP TRIGGER IF EXISTS media_chunks_no_delete;
    CREATE TRIGGER media_chunks_no_delete BEFORE DELETE ON media_chunks
      WHEN NOT EXISTS (SELECT 1 FROM session_erasures WHERE session_id = OLD.session_id)
      BEGIN SELECT RAISE(ABORT, 'media_chunks is append-only'); END;
  `,
};
