import type { Migration } from './types';

/**
 * Journal events and media chunks leave the outbox: they reach the hub by a per-session cursor.
 *
 * Migration 0016 queued one outbox row per journal event and one per media chunk, by trigger, in
 * the chunk's own transaction — two more rows and their index pages on every chunk, which took the
 * store's write amplification from 1.19 to 1.43 (bench:journal, target 1.2). Both are append-only
 * and ordered (`journal` by (session_id, seq); every media row commits with its `chunk_committed`
 * event), so what is still to send is exactly "the session's events after the last one the hub
 * acknowledged", and the items an event implies (its media chunk, a pre-check run, a reschedule
 * request) follow from the event itself (main/db/queries/outbox.ts `journalItems`). The cursor
 * (`sync_cursor.confirmed_seq`) moves only when the hub acknowledged every item of every event up
 * to it; a started tus upload keeps its URL in `sync_uploads` (by idempotency key) so it resumes
 * after a restart. Sessions, incidents, no-shows, scores and reviews keep their outbox rows.
 *
 * Data: each session's cursor starts before its first event with an unacknowledged row (an event,
 * a pre-check or reschedule item, or the media chunk of a `chunk_committed` event), else at its
 * last event; the started uploads' URLs move over; the four kinds leave the outbox.
 */
export const migration0017: Migration = {
  version: 17,
  name: 'sync-cursors',
  up: `
    DROP TRIGGER outbox_journal;
    DROP TRIGGER outbox_media;

    CREATE TABLE sync_cursor (
      session_id     TEXT PRIMARY KEY,
      confirmed_seq  INTEGER NOT NULL DEFAULT 0 CHECK (confirmed_seq >= 0),
      attempts       INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error     TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
      confirmed_at   INTEGER
    ) STRICT, WITHOUT ROWID;

    CREATE TABLE sync_uploads (
      idem_key       TEXT PRIMARY KEY CHECK (length(idem_key) <= 300),
      upload_url     TEXT NOT NULL CHECK (length(upload_url) <= 2000)
    ) STRICT, WITHOUT ROWID;

    INSERT INTO sync_uploads (idem_key, upload_url)
      SELECT idem_key, upload_url FROM outbox
      WHERE kind = 'media_chunk' AND confirmed_at IS NULL AND upload_url IS NOT NULL AND length(upload_url) <= 2000;

    INSERT INTO sync_cursor (session_id, confirmed_seq)
      SELECT s.session_id, MIN(
        COALESCE((SELECT min(CAST(json_extract(o.ref, '$.seq') AS INTEGER)) - 1 FROM outbox o
                  WHERE o.session_id = s.session_id AND o.confirmed_at IS NULL
                    AND o.kind IN ('journal_event', 'precheck_run', 'reschedule_request')), s.last),
        COALESCE((SELECT min(j.seq) - 1 FROM outbox o JOIN journal j
                    ON j.session_id = o.session_id AND j.type = 'chunk_committed'
                   AND json_extract(j.payload, '$.questionIndex') = json_extract(o.ref, '$.questionIndex')
                   AND json_extract(j.payload, '$.attempt') = json_extract(o.ref, '$.attempt')
                   AND json_extract(j.payload, '$.segment') = json_extract(o.ref, '$.segment')
                   AND json_extract(j.payload, '$.seq') = json_extract(o.ref, '$.seq')
                  WHERE o.session_id = s.session_id AND o.confirmed_at IS NULL AND o.kind = 'media_chunk'), s.last),
        s.last)
      FROM (SELECT session_id, max(seq) AS last FROM journal GROUP BY session_id) s;

    DELETE FROM outbox WHERE kind IN ('journal_event', 'precheck_run', 'reschedule_request', 'media_chunk');
  `,
};
