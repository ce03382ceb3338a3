import type { Migration } from './types';

/**
 * Hub-issued proctor tokens (main/common/proctor-token.ts) carry a 40-bit nonce; a kiosk accepts
 * each nonce once. Append-only: a used nonce can never be forgotten, so a token cannot be replayed
 * by deleting its row. The session journal also records each acceptance (`proctor_token_accepted`).
 */
export const migration0015: Migration = {
  version: 15,
  name: 'create-proctor-token-nonces',
  up: `
    CREATE TABLE proctor_token_nonces (
      nonce      TEXT NOT NULL PRIMARY KEY CHECK (length(nonce) = 10 AND nonce NOT GLOB '*[^0-9a-f]*'),
      session_id TEXT NOT NULL CHECK (length(session_id) BETWEEN 1 AND 200),
      action     TEXT NOT NULL CHECK (action IN ('resume', 'lift_pause', 'extend')),
      key_id     TEXT NOT NULL CHECK (length(key_id) BETWEEN 1 AND 100),
      issued_at  INTEGER NOT NULL,
      expires_at INTEGER NOT NULL CHECK (expires_at > issued_at),
      used_at    INTEGER NOT NULL
    ) STRICT;
    CREATE TRIGGER proctor_token_nonces_no_update BEFORE UPDATE ON proctor_token_nonces
      BEGIN SELECT RAISE(ABORT, 'proctor_token_nonces is append-only'); END;
    CREATE TRIGGER proctor_token_nonces_no_delete BEFORE DELETE ON proctor_token_nonces
      BEGIN SELECT RAISE(ABORT, 'proctor_token_nonces is append-only'); END;
  `,
};
