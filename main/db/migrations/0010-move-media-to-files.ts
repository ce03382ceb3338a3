import type { Migration } from './types';

/**
 * Media bytes leave the database for append-only segment files beside it (docs/media-store.md).
 *
 * The table is rebuilt because a STRICT column's NOT NULL cannot be dropped in place, and rebuilt
 * WITHOUT ROWID: its rows are small now, and one b-tree instead of a table plus its primary-key
 * index means one page less in the WAL per chunk (write amplification). A row now
 * names its bytes by `file` (relative to the media folder), `file_offset` and `stored_size` (the
 * sealed length), or — only for rows written before this version — still holds them in `data`.
 * Exactly one of the two is set. The rows are copied as they are; moving the old BLOBs into files
 * is not SQL and cannot run inside this transaction, so it happens after the migration, segment
 * by segment (`SegmentMediaStore.moveLegacyBlobs`): resumable, each hash verified, and a
 * segment's rows switch to their file in one transaction once the file is durable.
 *
 * The append-only intent of 0004 stays: a row can never be deleted, and the one update allowed
 * is that move — `data` becomes NULL and `file`, `file_offset`, `stored_size` are set once, with
 * every other column unchanged. Anything else is refused.
 *
 * `media_damage` lists chunks whose bytes were found missing or wrong (each also journaled as
 * `media_damaged`); the reader never serves them.
 */
export const migration0010: Migration = {
  version: 10,
  name: 'move-media-to-files',
  up: `
    CREATE TABLE media_chunks_v10 (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      segment          INTEGER NOT NULL CHECK (segment >= 0),
      seq              INTEGER NOT NULL CHECK (seq >= 0),
      mime_type        TEXT NOT NULL,
      size             INTEGER NOT NULL CHECK (size > 0),
      sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
      data             BLOB,
      file             TEXT CHECK (file IS NULL OR (length(file) BETWEEN 1 AND 200 AND file NOT LIKE '%..%')),
      file_offset      INTEGER CHECK (file_offset >= 0),
      stored_size      INTEGER CHECK (stored_size > 0),
      committed_at     INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index, attempt, segment, seq),
      CHECK ((data IS NULL) = (file IS NOT NULL)),
      CHECK ((file IS NULL) = (file_offset IS NULL) AND (file IS NULL) = (stored_size IS NULL))
    ) STRICT, WITHOUT ROWID;

    INSERT INTO media_chunks_v10 (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at)
      SELECT session_id, question_index, attempt, segment, seq, mime_type, size, sha256, data, committed_at FROM media_chunks;

    DROP TABLE media_chunks;
    ALTER TABLE media_chunks_v10 RENAME TO media_chunks;

    CREATE INDEX media_chunks_legacy ON media_chunks (session_id, question_index, attempt, segment) WHERE data IS NOT NULL;

    CREATE TRIGGER media_chunks_no_update BEFORE UPDATE ON media_chunks
      WHEN NOT (
        OLD.data IS NOT NULL AND OLD.file IS NULL
        AND NEW.data IS NULL AND NEW.file IS NOT NULL
        AND NEW.session_id IS OLD.session_id AND NEW.question_index IS OLD.question_index
        AND NEW.attempt IS OLD.attempt AND NEW.segment IS OLD.segment AND NEW.seq IS OLD.seq
        AND NEW.mime_type IS OLD.mime_type AND NEW.size IS OLD.size AND NEW.sha256 IS OLD.sha256
        AND NEW.committed_at IS OLD.committed_at
      )
      BEGIN SELECT RAISE(ABORT, 'media_chunks is append-only'); END;
    CREATE TRIGGER media_chunks_no_delete BEFORE DELETE ON media_chunks
      BEGIN SELECT RAISE(ABORT, 'media_chunks is append-only'); END;

    CREATE TABLE media_damage (
      session_id       TEXT NOT NULL,
      question_index   INTEGER NOT NULL,
      attempt          INTEGER NOT NULL,
      segment          INTEGER NOT NULL,
      seq              INTEGER NOT NULL,
      reason           TEXT NOT NULL CHECK (reason IN ('missing', 'mismatch')),
      detected_at      INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index, attempt, segment, seq)
    ) STRICT;
    CREATE TRIGGER media_damage_no_update BEFORE UPDATE ON media_damage
      BEGIN SELECT RAISE(ABORT, 'media_damage is append-only'); END;
    CREATE TRIGGER media_damage_no_delete BEFORE DELETE ON media_damage
      BEGIN SELECT RAISE(ABORT, 'media_damage is append-only'); END;
  `,
};
