import type { Migration } from './types';

/**
 * Media rows are append-only, like the journal: the database refuses to update or delete a
 * committed chunk. A recording's bytes and stored sha256 can then only change by someone
 * removing these triggers, and `npm run data -- verify` still finds that, because each chunk's
 * `chunk_committed` event (hash-chained) keeps the original sha256 and size.
 */
export const migration0004: Migration = {
  version: 4,
  name: 'protect-media-chunks',
  up: `
    CREATE TRIGGER media_chunks_no_update BEFORE UPDATE ON media_chunks
      BEGIN SELECT RAISE(ABORT, 'media_chunks is append-only'); END;
    CREATE TRIGGER media_chunks_no_delete BEFORE DELETE ON media_chunks
      BEGIN SELECT RAISE(ABORT, 'media_chunks is append-only'); END;
  `,
};
