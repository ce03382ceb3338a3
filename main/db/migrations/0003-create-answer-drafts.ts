import type { Migration } from './types';

/**
 * Typed drafts: the latest draft of each attempt of a typed answer, so a reload or a killed host
 * gives the candidate their text back. Each save is also journaled (length and sha256), so the
 * journal proves which text was on the kiosk when; a submitted answer supersedes its draft.
 */
export const migration0003: Migration = {
  version: 3,
  name: 'create-answer-drafts',
  up: `
    CREATE TABLE answer_drafts (
      session_id       TEXT NOT NULL REFERENCES sessions(id),
      question_index   INTEGER NOT NULL CHECK (question_index >= 0),
      attempt          INTEGER NOT NULL CHECK (attempt >= 0),
      text             TEXT NOT NULL CHECK (length(text) <= 20000),
      sha256           TEXT NOT NULL CHECK (length(sha256) = 64),
      saved_at         INTEGER NOT NULL,
      PRIMARY KEY (session_id, question_index, attempt)
    ) STRICT;
  `,
};
