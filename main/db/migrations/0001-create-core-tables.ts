import type { Migration } from './types';

/**
 * The interview core: sessions, per-question progress, the hash-chained journal and media chunks.
 * The journal is append-only at the database level: triggers refuse UPDATE and DELETE.
 */
export const migration0001: Migration = {
  version: 1,
  name: 'create-core-tables',
  up: `
    CREATE TABLE sessions (
      id               TEXT PRIMARY KEY,
      invite_code      TEXT NOT NULL UNIQUE,
      candidate_ref    TEXT NOT NULL,
      pack_id          TEXT NOT NULL,
      pack_hash        TEXT NOT NULL CHECK (length(pack_hash) = 64),
      locale           TEXT NOT NULL CHECK (locale IN ('zh-CN', 'en')),
      state            TEXT NOT NULL CHECK (state IN ('checked_in','consented','prechecked','in_progress',
                                                       'interrupted','completed','exited','expired','no_show')),
      question_index   INTEGER NOT NULL DEFAULT 0 CHECK (question_index >= 0),
      resume_count     INTEGER NOT NULL DEFAULT 0 CHECK (resume_count >= 0),
      interrupted_at   INTEGER,
      interruption     TEXT CHECK (interruption IN ('crash','exit','storage','device','unknown')),
      exit_reason      TEXT,
      failed_codes     INTEGER NOT NULL DEFAULT 0 CHECK (failed_codes >= 0),
      created_at       INTEGER NOT NULL,
      updated_at       INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE question_progress (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL DEFAULT 0 CHECK (attempt >= 0),
      segment          INTEGER NOT NULL DEFAULT 0 CHECK (segment >= 0),
      phase            TEXT NOT NULL CHECK (phase IN ('preparing','answering','submitted')),
      prep_elapsed_ms  INTEGER NOT NULL DEFAULT 0 CHECK (prep_elapsed_ms >= 0),
      elapsed_ms       INTEGER NOT NULL DEFAULT 0 CHECK (elapsed_ms >= 0),
      persisted_at     INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index)
    ) STRICT;

    CREATE TABLE answers (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL,
      attempt          INTEGER NOT NULL,
      mode             TEXT NOT NULL CHECK (mode IN ('video','audio','text')),
      text             TEXT,
      chunk_count      INTEGER NOT NULL DEFAULT 0,
      elapsed_ms       INTEGER NOT NULL,
      submitted_at     INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index)
    ) STRICT;

    CREATE TABLE journal (
      session_id       TEXT NOT NULL,
      seq              INTEGER NOT NULL CHECK (seq >= 1),
      type             TEXT NOT NULL,
      at               INTEGER NOT NULL,
      payload          TEXT NOT NULL CHECK (json_valid(payload)),
      prev_hash        TEXT NOT NULL CHECK (length(prev_hash) = 64),
      hash             TEXT NOT NULL CHECK (length(hash) = 64),
      PRIMARY KEY (session_id, seq)
    ) STRICT, WITHOUT ROWID;

    CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
      BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;
    CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
      BEGIN SELECT RAISE(ABORT, 'journal is append-only'); END;

    CREATE TABLE media_chunks (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      segment          INTEGER NOT NULL CHECK (segment >= 0),
      seq              INTEGER NOT NULL CHECK (seq >= 0),
      mime_type        TEXT NOT NULL,
      size             INTEGER NOT NULL CHECK (size > 0),
      sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
      data             BLOB NOT NULL,
      committed_at     INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index, attempt, segment, seq)
    ) STRICT;

    CREATE TABLE kiosk_state (
      key              TEXT PRIMARY KEY,
      value            TEXT NOT NULL
    ) STRICT;

    CREATE TABLE incidents (
      id               TEXT PRIMARY KEY,
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      kind             TEXT NOT NULL,
      at               INTEGER NOT NULL,
      body             TEXT NOT NULL CHECK (json_valid(body))
    ) STRICT;
  `,
};
