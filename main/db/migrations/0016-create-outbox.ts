import type { Migration } from './types';

/**
 * The sync outbox: one row per thing the hub must receive, each with an idempotency key the hub
 * stores exactly once. Rows are written by triggers in the same transaction as the record they
 * name (a journal event, a media chunk, an incident, a no-show, a score, a review override, a
 * session state change), so nothing committed can miss its outbox row and no caller changes.
 * `confirmed_at` is set when the hub acknowledged the item; `upload_url` keeps a started tus
 * upload so it resumes at its offset after a restart. Existing rows are queued once here.
 */
const NOW = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;
const sessionSnapshot = (r: string) =>
  `json_object('id', ${r}.id, 'inviteCode', ${r}.invite_code, 'candidateRef', ${r}.candidate_ref, 'packId', ${r}.pack_id, 'packHash', ${r}.pack_hash, 'locale', ${r}.locale, 'state', ${r}.state, 'questionIndex', ${r}.question_index, 'resumeCount', ${r}.resume_count, 'interruption', ${r}.interruption, 'exitReason', ${r}.exit_reason, 'createdAt', ${r}.created_at, 'updatedAt', ${r}.updated_at)`;
const journalKind = (r: string) =>
  `CASE ${r}.type WHEN 'precheck_recorded' THEN 'precheck_run' WHEN 'reschedule_requested' THEN 'reschedule_request' END`;
const mediaKey = (r: string) =>
  `'media:' || ${r}.session_id || ':' || ${r}.question_index || ':' || ${r}.attempt || ':' || ${r}.segment || ':' || ${r}.seq`;

export const migration0016: Migration = {
  version: 16,
  name: 'create-outbox',
  up: `
    CREATE TABLE outbox (
      id               INTEGER PRIMARY KEY AUTOINCREMENT,
      idem_key         TEXT NOT NULL UNIQUE,
      kind             TEXT NOT NULL CHECK (kind IN ('session','journal_event','incident','kiosk_incident','no_show',
                                                     'reschedule_request','precheck_run','score','review','media_chunk')),
      session_id       TEXT,
      ref              TEXT NOT NULL CHECK (json_valid(ref)),
      created_at       INTEGER NOT NULL,
      attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
      last_error       TEXT CHECK (last_error IS NULL OR length(last_error) <= 500),
      upload_url       TEXT,
      confirmed_at     INTEGER
    ) STRICT;
    CREATE INDEX outbox_pending ON outbox(id) WHERE confirmed_at IS NULL;
    CREATE INDEX outbox_session ON outbox(session_id, confirmed_at);

    CREATE TRIGGER outbox_journal AFTER INSERT ON journal BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('ev:' || NEW.session_id || ':' || NEW.seq, 'journal_event', NEW.session_id, json_object('seq', NEW.seq), ${NOW});
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        SELECT ${journalKind('NEW')} || ':' || NEW.session_id || ':' || NEW.seq, ${journalKind('NEW')}, NEW.session_id, json_object('seq', NEW.seq), ${NOW}
        WHERE ${journalKind('NEW')} IS NOT NULL;
    END;
    CREATE TRIGGER outbox_session_insert AFTER INSERT ON sessions BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('session:' || NEW.id || ':' || lower(hex(randomblob(8))), 'session', NEW.id, ${sessionSnapshot('NEW')}, ${NOW});
    END;
    CREATE TRIGGER outbox_session_state AFTER UPDATE OF state, resume_count, exit_reason ON sessions
      WHEN OLD.state IS NOT NEW.state OR OLD.resume_count IS NOT NEW.resume_count OR OLD.exit_reason IS NOT NEW.exit_reason BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('session:' || NEW.id || ':' || lower(hex(randomblob(8))), 'session', NEW.id, ${sessionSnapshot('NEW')}, ${NOW});
    END;
    CREATE TRIGGER outbox_media AFTER INSERT ON media_chunks BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES (${mediaKey('NEW')}, 'media_chunk', NEW.session_id,
                json_object('questionIndex', NEW.question_index, 'attempt', NEW.attempt, 'segment', NEW.segment, 'seq', NEW.seq), ${NOW});
    END;
    CREATE TRIGGER outbox_incident AFTER INSERT ON incidents BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('incident:' || NEW.id, 'incident', NEW.session_id, json_object('id', NEW.id), ${NOW});
    END;
    CREATE TRIGGER outbox_kiosk_incident AFTER INSERT ON kiosk_incidents BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('kiosk-incident:' || NEW.id || ':' || NEW.seq, 'kiosk_incident', NULL, json_object('id', NEW.id, 'seq', NEW.seq), ${NOW});
    END;
    CREATE TRIGGER outbox_no_show AFTER INSERT ON no_show_events BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('no-show:' || NEW.invite_code, 'no_show', NULL, json_object('inviteCode', NEW.invite_code), ${NOW});
    END;
    CREATE TRIGGER outbox_score AFTER INSERT ON answer_scores BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('score:' || NEW.session_id || ':' || NEW.question_index || ':' || NEW.attempt, 'score', NEW.session_id,
                json_object('questionIndex', NEW.question_index, 'attempt', NEW.attempt), ${NOW});
    END;
    CREATE TRIGGER outbox_review AFTER INSERT ON review_overrides BEGIN
      INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
        VALUES ('review:' || NEW.id, 'review', NEW.session_id, json_object('id', NEW.id), ${NOW});
    END;

    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'session:' || s.id || ':backfill', 'session', s.id, ${sessionSnapshot('s')}, ${NOW} FROM sessions s ORDER BY s.created_at;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'ev:' || j.session_id || ':' || j.seq, 'journal_event', j.session_id, json_object('seq', j.seq), ${NOW} FROM journal j ORDER BY j.at, j.seq;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT ${journalKind('j')} || ':' || j.session_id || ':' || j.seq, ${journalKind('j')}, j.session_id, json_object('seq', j.seq), ${NOW}
      FROM journal j WHERE ${journalKind('j')} IS NOT NULL;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT ${mediaKey('m')}, 'media_chunk', m.session_id,
             json_object('questionIndex', m.question_index, 'attempt', m.attempt, 'segment', m.segment, 'seq', m.seq), ${NOW}
      FROM media_chunks m ORDER BY m.committed_at;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'incident:' || i.id, 'incident', i.session_id, json_object('id', i.id), ${NOW} FROM incidents i;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'kiosk-incident:' || k.id || ':' || k.seq, 'kiosk_incident', NULL, json_object('id', k.id, 'seq', k.seq), ${NOW} FROM kiosk_incidents k;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'no-show:' || n.invite_code, 'no_show', NULL, json_object('inviteCode', n.invite_code), ${NOW} FROM no_show_events n;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'score:' || a.session_id || ':' || a.question_index || ':' || a.attempt, 'score', a.session_id,
             json_object('questionIndex', a.question_index, 'attempt', a.attempt), ${NOW} FROM answer_scores a;
    INSERT INTO outbox (idem_key, kind, session_id, ref, created_at)
      SELECT 'review:' || r.id, 'review', r.session_id, json_object('id', r.id), ${NOW} FROM review_overrides r;
  `,
};
