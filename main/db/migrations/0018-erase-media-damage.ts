import type { Migration } from './types';

/**
 * `media_damage` rows (keys of chunks found missing or wrong, and why) are part of a session's
 * media record and go with it when the session is erased. The table stays append-only otherwise:
 * like `media_chunks` since 0011, a DELETE is refused unless `session_erasures` records the
 * session's erasure (main/services/storage/crypto/erasure.ts writes that row first).
 */
export const migration0018: Migration = {
  version: 18,
  name: 'erase-media-damage',
  up: `
    DROP TRIGGER media_damage_no_delete;
    CREATE TRIGGER media_damage_no_delete BEFORE DELETE ON media_damage
      WHEN NOT EXISTS (SELECT 1 FROM session_erasures WHERE session_id = OLD.session_id)
      BEGIN SELECT RAISE(ABORT, 'media_damage is append-only'); END;
  `,
};
