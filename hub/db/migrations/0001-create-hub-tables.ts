import type { HubMigration } from './index';

/**
 * Accounts and credentials, enrolled kiosks (public keys, replay nonces), every ingested outbox
 * item exactly once (primary key = kiosk + idempotency key), the journal as the kiosks recorded
 * it with the chain verified on arrival, media objects verified by hash, and the audit log.
 */
export const hubMigration0001: HubMigration = {
  version: 1,
  name: 'create-hub-tables',
  up: `
    CREATE TABLE hr_users (
      id            text PRIMARY KEY,
      username      text NOT NULL UNIQUE CHECK (length(username) BETWEEN 1 AND 100),
      password_hash text NOT NULL,
      role          text NOT NULL CHECK (role IN ('hr_admin','recruiter','proctor','auditor')),
      created_at    timestamptz NOT NULL DEFAULT now()
    );
    CREATE TABLE hr_tokens (
      token_hash    text PRIMARY KEY,
      user_id       text NOT NULL REFERENCES hr_users(id),
      expires_at    timestamptz NOT NULL
    );
    CREATE TABLE enrolment_codes (
      code_hash     text PRIMARY KEY,
      created_by    text NOT NULL REFERENCES hr_users(id),
      expires_at    timestamptz NOT NULL,
      used_at       timestamptz,
      kiosk_id      text
    );
    CREATE TABLE kiosks (
      id            text PRIMARY KEY,
      name          text NOT NULL,
      public_key    text NOT NULL,
      enrolled_at   timestamptz NOT NULL DEFAULT now(),
      last_seen_at  timestamptz
    );
    CREATE TABLE kiosk_nonces (
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      nonce         text NOT NULL,
      seen_at       timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kiosk_id, nonce)
    );
    CREATE TABLE upload_tokens (
      token_hash    text PRIMARY KEY,
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      expires_at    timestamptz NOT NULL
    );
    CREATE TABLE items (
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      idem_key      text NOT NULL,
      kind          text NOT NULL,
      session_id    text,
      body          jsonb NOT NULL,
      body_sha256   text NOT NULL,
      received_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kiosk_id, idem_key)
    );
    CREATE INDEX items_kind ON items (kind, received_at);
    CREATE INDEX items_session ON items (kiosk_id, session_id);
    CREATE TABLE hub_sessions (
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      session_id    text NOT NULL,
      invite_code   text NOT NULL,
      state         text NOT NULL,
      body          jsonb NOT NULL,
      updated_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kiosk_id, session_id)
    );
    CREATE TABLE journal_events (
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      session_id    text NOT NULL,
      seq           integer NOT NULL CHECK (seq >= 1),
      type          text NOT NULL,
      at            bigint NOT NULL,
      payload       text NOT NULL,
      prev_hash     text NOT NULL,
      hash          text NOT NULL,
      PRIMARY KEY (kiosk_id, session_id, seq)
    );
    CREATE TABLE chain_flags (
      id            bigserial PRIMARY KEY,
      kiosk_id      text NOT NULL,
      session_id    text NOT NULL,
      seq           integer NOT NULL,
      kind          text NOT NULL CHECK (kind IN ('gap','fork','bad_hash')),
      detail        jsonb NOT NULL,
      flagged_at    timestamptz NOT NULL DEFAULT now(),
      resolved_at   timestamptz
    );
    CREATE INDEX chain_flags_open ON chain_flags (kiosk_id, session_id, seq) WHERE resolved_at IS NULL;
    CREATE TABLE media_objects (
      kiosk_id      text NOT NULL REFERENCES kiosks(id),
      idem_key      text NOT NULL,
      storage_key   text NOT NULL,
      size          bigint NOT NULL,
      sha256        text NOT NULL,
      verified_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (kiosk_id, idem_key)
    );
    CREATE TABLE audit_log (
      id            bigserial PRIMARY KEY,
      at            timestamptz NOT NULL DEFAULT now(),
      actor         text NOT NULL,
      role          text NOT NULL,
      action        text NOT NULL,
      target        text NOT NULL
    );
  `,
};
