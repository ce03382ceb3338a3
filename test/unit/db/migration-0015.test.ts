import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../../main/db/connection';
import { LATEST_SCHEMA_VERSION, migrations } from '../../../main/db/migrations';
import { findProctorNonce, insertProctorNonce, type ProctorNonceRow } from '../../../main/db/queries/proctor-tokens';

const row = (nonce: string, over: Partial<ProctorNonceRow> = {}): ProctorNonceRow => ({ nonce, session_id: 's-1', action: 'resume', key_id: 'ed25519:00', issued_at: 10, expires_at: 20, used_at: 15, ...over });

describe('migration 0015: proctor-token nonces', () => {
  it('upgrades an older database; a nonce is stored once and never changed or forgotten', () => {
    const db = new Database(':memory:');
    runMigrations(db, migrations.filter((m) => m.version < 15));
    expect(runMigrations(db).to).toBe(LATEST_SCHEMA_VERSION);
    insertProctorNonce(db, row('0123456789'));
    expect(findProctorNonce(db, '0123456789')).toMatchObject({ session_id: 's-1', action: 'resume' });
    expect(findProctorNonce(db, '9876543210')).toBeUndefined();
    expect(() => insertProctorNonce(db, row('0123456789', { session_id: 's-2' }))).toThrow(/UNIQUE|PRIMARY/);
    expect(() => db.prepare(`UPDATE proctor_token_nonces SET used_at = 1`).run()).toThrow(/append-only/);
    expect(() => db.prepare(`DELETE FROM proctor_token_nonces`).run()).toThrow(/append-only/);
    db.close();
  });

  it('refuses malformed rows', () => {
    const db = new Database(':memory:');
    runMigrations(db);
    expect(() => insertProctorNonce(db, row('ABCDEF0123'))).toThrow(/CHECK/);
    expect(() => insertProctorNonce(db, row('012345678'))).toThrow(/CHECK/);
    expect(() => insertProctorNonce(db, row('0123456789', { action: 'nuke' as never }))).toThrow(/CHECK/);
    expect(() => insertProctorNonce(db, row('0123456789', { expires_at: 10 }))).toThrow(/CHECK/);
    db.close();
  });
});
