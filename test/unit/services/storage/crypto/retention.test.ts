import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../main/common/logger';
import { getErasure, getSessionKey, getUploadConfirmation } from '../../../../../main/db/queries/session-keys';
import { getDraft } from '../../../../../main/db/queries/drafts';
import { setTextSealer } from '../../../../../main/db/text-sealing';
import { SqliteJournal } from '../../../../../main/services/journal/journal';
import { MemoryKeyProtector } from '../../../../../main/services/packs/key-protector';
import { lintPack } from '../../../../../main/services/packs/pack-lint';
import { demoPack } from '../../../../../main/services/packs/pack-provider';
import { DEFAULT_RETENTION_DAYS, Pack } from '../../../../../main/services/packs/pack-schema';
import { confirmUpload, retentionDueAt, sweepRetention, type RetentionDeps } from '../../../../../main/services/storage/crypto/erasure';
import { SessionKeyring } from '../../../../../main/services/storage/crypto/session-keyring';
import { makeFixture, must, startedSession } from '../../../../support/session-fixture';

const DAY = 86_400_000;

function setup(retentionDays = 30) {
  const f = makeFixture();
  const keyring = new SessionKeyring({ db: f.db, protector: new MemoryKeyProtector(), clock: f.clock, logger: silentLogger });
  setTextSealer(f.db, keyring);
  const { sessionId } = startedSession(f);
  must(f.service.attachPage(sessionId, 'p', 't'));
  must(f.service.saveDraft(sessionId, 0, 0, 'p', 'draft text'));
  const g = f.reopen(); // interrupted, as after a crash
  setTextSealer(g.db, keyring);
  const journal = new SqliteJournal(g.db);
  const deps: RetentionDeps = { db: g.db, keyring: new SessionKeyring({ db: g.db, protector: new MemoryKeyProtector(), clock: g.clock, logger: silentLogger }), journal, clock: g.clock, logger: silentLogger, dataDir: mkdtempSync(path.join(os.tmpdir(), 'kiosk-ret-')), retentionDaysOf: () => retentionDays };
  return { f: g, sessionId, deps };
}

describe('retention after a confirmed upload', () => {
  it('never deletes a session that was not confirmed uploaded, however old', () => {
    const { f, sessionId, deps } = setup(1);
    f.clock.advance(3650 * DAY);
    expect(sweepRetention(deps)).toEqual([]);
    expect(getErasure(f.db, sessionId)).toBeUndefined();
    expect(getSessionKey(f.db, sessionId)).toBeDefined();
    expect(retentionDueAt(undefined, 1)).toBeUndefined();
  });

  it('deletes exactly when the pack\'s retention days have passed since HR confirmed the upload', () => {
    const { f, sessionId, deps } = setup(30);
    const c = must(confirmUpload(deps, sessionId, 'hub-receipt-1'));
    expect(c.first).toBe(true);
    // A second confirmation does not restart the clock.
    f.clock.advance(10 * DAY);
    expect(must(confirmUpload(deps, sessionId, 'hub-receipt-2'))).toEqual({ confirmedAt: c.confirmedAt, first: false });
    expect(getUploadConfirmation(f.db, sessionId)?.receipt).toBe('hub-receipt-1');
    f.clock.set(c.confirmedAt + 30 * DAY - 1);
    expect(sweepRetention(deps)).toEqual([]);
    expect(getDraft(f.db, sessionId, 0, 0)).toBeDefined();
    f.clock.set(c.confirmedAt + 30 * DAY);
    expect(sweepRetention(deps)).toEqual([sessionId]);
    expect(getErasure(f.db, sessionId)).toMatchObject({ reason: 'retention' });
    expect(getSessionKey(f.db, sessionId)).toBeUndefined();
    expect(getDraft(f.db, sessionId, 0, 0)).toBeUndefined();
    const types = deps.journal.recent(sessionId, 3).map((e) => e.type);
    expect(types).toContain('upload_confirmed');
    expect(types.at(-1)).toBe('deleted');
    expect(deps.journal.verify(sessionId).ok).toBe(true);
    // Nothing is done twice.
    expect(sweepRetention(deps)).toEqual([]);
  });

  it('journals hashes and counts only, never the receipt or any content', () => {
    const { f, sessionId, deps } = setup(1);
    must(confirmUpload(deps, sessionId, 'secret-receipt-text'));
    f.clock.advance(2 * DAY);
    expect(sweepRetention(deps)).toEqual([sessionId]);
    const payloads = JSON.stringify(deps.journal.recent(sessionId, 5).map((e) => e.payload));
    expect(payloads).not.toContain('secret-receipt-text');
    expect(payloads).not.toContain('draft text');
    expect(payloads).toMatch(/"contentDigest":"[0-9a-f]{64}"/);
  });

  it('refuses a receipt that is empty or too long, and an unknown session', () => {
    const { sessionId, deps } = setup();
    expect(confirmUpload(deps, sessionId, '')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(confirmUpload(deps, sessionId, 'x'.repeat(201))).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(confirmUpload(deps, 'nope', 'r')).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
  });
});

describe('the pack\'s retention policy', () => {
  it('defaults to DEFAULT_RETENTION_DAYS and warns when very long or very short', () => {
    const base = structuredClone(demoPack().pack) as unknown as { policy: Record<string, unknown> };
    delete base.policy.retentionDays;
    expect(Pack.parse(base).policy.retentionDays).toBe(DEFAULT_RETENTION_DAYS);
    const codes = (days: number) => lintPack({ ...base, policy: { ...base.policy, retentionDays: days } }).issues.map((i) => i.code);
    expect(codes(3)).toContain('policy.retention_short');
    expect(codes(1000)).toContain('policy.retention_long');
    expect(codes(180).filter((c) => c.startsWith('policy.retention'))).toEqual([]);
    expect(lintPack({ ...base, policy: { ...base.policy, retentionDays: 0 } }).ok).toBe(false);
  });
});
