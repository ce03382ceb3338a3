import type { HubMigration } from './index';

/**
 * The HR and proctor console (#14). `console_journal` is append-only (a trigger refuses UPDATE and
 * DELETE): every resume code issued, review decision, second-review request and alert
 * acknowledgement, with who, when, for what and why. `review_subjects` maps the opaque review id a
 * blind reviewer sees to the synced score it stands for. An index on kiosk_nonces serves the
 * board's heartbeat (the newest signed request per kiosk).
 */
export const hubMigration0004: HubMigration = {
  version: 4,
  name: 'console-journal',
  up: `
    CREATE TABLE console_journal (
      id            bigserial PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      actor         text NOT NULL,
      role          text NOT NULL,
      action        text NOT NULL CHECK (action IN ('resume_code_issued','resume_code_refused','review_decision','second_review_requested','alert_acknowledged')),
      kiosk_id      text,
      session_id    text,
      review_id     text,
      reason        text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
      detail        jsonb NOT NULL
    );
    CREATE INDEX console_journal_review ON console_journal (review_id, id) WHERE review_id IS NOT NULL;
    CREATE INDEX console_journal_action ON console_journal (action, id);
    CREATE FUNCTION console_journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'console_journal is append-only'; END $$;
    CREATE TRIGGER console_journal_no_change BEFORE UPDATE OR DELETE ON console_journal
      FOR EACH ROW EXECUTE FUNCTION console_journal_append_only();

    -- The board's heartbeat is a kiosk's newest signed request: one index probe per kiosk.
    CREATE INDEX kiosk_nonces_latest ON kiosk_nonces (kiosk_id, seen_at DESC);

    CREATE TABLE review_subjects (
      review_id     text PRIMARY KEY,
      kiosk_id      text NOT NULL,
      idem_key      text NOT NULL,
      UNIQUE (kiosk_id, idem_key)
    );
  `,
};
