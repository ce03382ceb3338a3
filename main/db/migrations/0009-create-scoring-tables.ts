import type { Migration } from './types';

/**
 * Scoring and human review:
 * - `answer_scores`: the scorer's result per submitted answer (one row per attempt), with the
 *   scorer version and model hash that produced it; the full explanation as JSON;
 * - `review_items`: the review queue (borderline answers, answers that need a human);
 * - `review_overrides`: a reviewer's changed level with who, old and new level and a reason
 *   code. Append-only like the journal: a correction is a new row.
 */
export const migration0009: Migration = {
  version: 9,
  name: 'create-scoring-tables',
  up: `
    CREATE TABLE answer_scores (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      question_id      TEXT NOT NULL,
      status           TEXT NOT NULL CHECK (status IN ('scored','needs_human_scoring')),
      scorer_version   TEXT NOT NULL,
      engine           TEXT NOT NULL CHECK (engine IN ('rubric','rubric+model')),
      model_sha256     TEXT CHECK (model_sha256 IS NULL OR length(model_sha256) = 64),
      total            REAL NOT NULL CHECK (total >= 0 AND total <= 100),
      band             TEXT NOT NULL CHECK (band IN ('pass','borderline','below')),
      result           TEXT NOT NULL CHECK (json_valid(result)),
      computed_at      INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index, attempt)
    ) STRICT;

    CREATE TABLE review_items (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      reason           TEXT NOT NULL CHECK (reason IN ('borderline','needs_human_scoring','other_language')),
      state            TEXT NOT NULL CHECK (state IN ('open','resolved')),
      created_at       INTEGER NOT NULL,
      resolved_at      INTEGER,
      resolved_by      TEXT,
      PRIMARY KEY (session_id, question_index, attempt)
    ) STRICT;
    CREATE INDEX review_items_open ON review_items(state, created_at);

    CREATE TABLE review_overrides (
      id               INTEGER PRIMARY KEY,
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      competency_id    TEXT NOT NULL,
      reviewer         TEXT NOT NULL CHECK (length(reviewer) BETWEEN 1 AND 100),
      old_level        INTEGER NOT NULL CHECK (old_level BETWEEN 0 AND 5),
      new_level        INTEGER NOT NULL CHECK (new_level BETWEEN 1 AND 5),
      reason_code      TEXT NOT NULL CHECK (reason_code IN ('evidence_missed','evidence_overcredited','transcript_error',
                                                            'language_accommodation','rubric_gap','human_scoring_required')),
      note             TEXT CHECK (note IS NULL OR length(note) <= 2000),
      at               INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER review_overrides_no_update BEFORE UPDATE ON review_overrides
      BEGIN SELECT RAISE(ABORT, 'review overrides are append-only'); END;
    CREATE TRIGGER review_overrides_no_delete BEFORE DELETE ON review_overrides
      BEGIN SELECT RAISE(ABORT, 'review overrides are append-only'); END;
  `,
};
