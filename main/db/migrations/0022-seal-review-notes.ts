import type { Migration } from './types';

/**
 * A reviewer's note on an override (`review_overrides.note`) is free text about the candidate and
 * the table is append-only, so erasure could never remove it: from now on it is sealed under the
 * session's data key (identity `ik-text/v1|review_note|<session>|<question>/<attempt>`) into
 * `note_sealed`, and crypto-shredding the key makes it unreadable. `note` stays for rows written
 * before (and for connections without a sealer: tools and unrelated unit tests).
 */
export const migration0022: Migration = {
  version: 22,
  name: 'seal-review-notes',
  up: `
    ALTER TABLE review_overrides ADD COLUMN note_sealed BLOB CHECK (note_sealed IS NULL OR length(note_sealed) <= 16384);
  `,
};
