import type { HubMigration } from './index';

/**
 * The HR endpoint API on the hub (docs/hr-endpoint.openapi.yaml, hub/hr): the bearer tokens kiosks
 * present (stored as SHA-256, one live token per kiosk), packs' content keys and stage master keys
 * (AES-256-GCM under the hub's key-wrapping key from config, never plaintext), every unlock and
 * stage release decision (granted or refused), the signed day schedules HR publishes per centre and
 * day (kept byte for byte), and no-shows and kiosk incidents recorded once per idempotency key.
 * Times the API compares are ms since epoch from the hub's injected clock.
 */
export const hubMigration0008: HubMigration = {
  version: 8,
  name: 'hr-endpoint',
  up: `
    CREATE TABLE hr_kiosk_tokens (
      token_hash    text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
      kiosk_id      text NOT NULL,
      centre_id     text NOT NULL,
      issued_by     text NOT NULL,
      issued_at     bigint NOT NULL,
      revoked_at    bigint
    );
    CREATE UNIQUE INDEX hr_kiosk_tokens_live ON hr_kiosk_tokens (kiosk_id) WHERE revoked_at IS NULL;

    CREATE TABLE hr_pack_keys (
      pack_hash     text PRIMARY KEY CHECK (pack_hash ~ '^[0-9a-f]{64}$'),
      pack_id       text NOT NULL,
      version       text NOT NULL,
      content_key   jsonb NOT NULL,
      stage_master  jsonb,
      stages        jsonb,
      wrap_key_id   text NOT NULL,
      uploaded_by   text NOT NULL,
      uploaded_at   bigint NOT NULL,
      CHECK ((stage_master IS NULL) = (stages IS NULL))
    );

    CREATE TABLE hr_releases (
      id            bigserial PRIMARY KEY,
      at            bigint NOT NULL,
      operation     text NOT NULL CHECK (operation IN ('unlock','stage')),
      kiosk_id      text NOT NULL,
      centre_id     text NOT NULL,
      invite_code   text NOT NULL,
      pack_hash     text NOT NULL,
      stage_index   integer,
      outcome       text NOT NULL
    );
    CREATE INDEX hr_releases_invite ON hr_releases (invite_code, id);

    CREATE TABLE hr_schedules (
      centre_id     text NOT NULL,
      day           text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      body          text NOT NULL,
      sha256        text NOT NULL,
      published_by  text NOT NULL,
      published_at  bigint NOT NULL,
      PRIMARY KEY (centre_id, day)
    );

    CREATE TABLE hr_no_show_batches (
      idem_key      text PRIMARY KEY CHECK (idem_key ~ '^[0-9a-f]{64}$'),
      body_sha256   text NOT NULL,
      codes         jsonb NOT NULL,
      kiosk_id      text NOT NULL,
      received_at   bigint NOT NULL
    );
    CREATE TABLE hr_no_shows (
      invite_code   text PRIMARY KEY,
      kiosk_id      text NOT NULL,
      centre_id     text NOT NULL,
      event         jsonb NOT NULL,
      received_at   bigint NOT NULL,
      -- database clock, compared with invites.attendance_since (also the database's) by the
      -- reminder scheduler, which turns a reported invite into a no_show/kiosk_reported
      recorded_at   timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE hr_kiosk_incidents (
      incident_id   text PRIMARY KEY CHECK (incident_id ~ '^[0-9a-f]{64}$'),
      body_sha256   text NOT NULL,
      kiosk_id      text NOT NULL,
      body          jsonb NOT NULL,
      received_at   bigint NOT NULL
    );
  `,
};
