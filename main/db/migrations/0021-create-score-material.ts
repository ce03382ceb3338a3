import type { Migration } from './types';

/**
 * What a human reviewer on the hub needs beside a score (#14 review): the rubric the score used
 * (the question's competencies with their level descriptors and indicators, taken from the
 * unlocked pack at scoring time, so a later sync needs no pack) and, for a spoken answer scored
 * from a transcript, that transcript. Both are sealed under the session's data key when the
 * connection has a sealer (identities `ik-text/v1|review_rubric|…` and `ik-text/v1|transcript|…`):
 * pack content stays protected at rest and the transcript is candidate data. Written in the
 * scoring transaction (upserted with a re-score); deleted with the session's content on erasure.
 */
export const migration0021: Migration = {
  version: 21,
  name: 'create-score-material',
  up: `
    CREATE TABLE score_material (
      session_id         TEXT NOT NULL REFERENCES sessions(id),
      question_index     INTEGER NOT NULL CHECK (question_index >= 0),
      attempt            INTEGER NOT NULL CHECK (attempt >= 0),
      rubric             TEXT CHECK (rubric IS NULL OR (json_valid(rubric) AND length(rubric) <= 65536)),
      rubric_sealed      BLOB CHECK (rubric_sealed IS NULL OR length(rubric_sealed) <= 262144),
      transcript_sealed  BLOB CHECK (transcript_sealed IS NULL OR length(transcript_sealed) <= 262144),
      CHECK ((rubric IS NULL) <> (rubric_sealed IS NULL)),
      PRIMARY KEY (session_id, question_index, attempt)
    ) STRICT;
  `,
};
