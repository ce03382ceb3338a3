import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateProctorSigningKey, issueProctorToken, proctorPublicKey, formatProctorToken, type ProctorAction } from '../../../../main/common/proctor-token';
import { getSession } from '../../../../main/db/queries/sessions';
import { verifyJournal } from '../../../../main/services/journal/journal';
import { makeFixture, must, packWith, startedSession, type Fixture } from '../../../support/session-fixture';

const hub = generateProctorSigningKey();
const where = { kioskId: 'kiosk-07', centreId: 'centre-sz' };
const setup = { keys: [proctorPublicKey(hub.publicKey)], ...where };

function token(f: Fixture, sessionId: string, o: { action?: ProctorAction; ttl?: number; at?: number; kioskId?: string; nonce?: string } = {}): string {
  return formatProctorToken(
    issueProctorToken(
      { sessionId, kioskId: o.kioskId ?? where.kioskId, centreId: where.centreId, action: o.action ?? 'resume', now: o.at ?? f.clock.now(), ttlMinutes: o.ttl ?? 15, nonce: o.nonce ?? randomBytes(5).toString('hex') },
      hub,
    ),
  );
}

const journalTypes = (f: Fixture, id: string) => (f.db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? ORDER BY seq`).all(id) as Array<{ type: string; payload: string }>);

/** An interrupted session past its 60 s grace window, after a restart. */
function interrupted() {
  const f = makeFixture({ pack: packWith({ graceSeconds: 60, maxCodeAttempts: 5, maxResumes: 5 }), proctorTokens: setup });
  const { sessionId } = startedSession(f);
  const g = f.reopen();
  g.clock.advance(61_000);
  return { g, sessionId };
}

describe('resume with a hub-issued proctor token', () => {
  it('resumes with a genuine token and journals its nonce in the same transaction', () => {
    const { g, sessionId } = interrupted();
    must(g.service.resume('DEMO-2026', token(g, sessionId)));
    expect(getSession(g.db, sessionId)!.state).toBe('in_progress');
    const rows = journalTypes(g, sessionId);
    const i = rows.findIndex((r) => r.type === 'proctor_token_accepted');
    expect(i).toBeGreaterThan(0);
    expect(rows[i + 1]!.type).toBe('resumed');
    expect(JSON.parse(rows[i]!.payload)).toMatchObject({ action: 'resume', keyId: hub.keyId, nonce: expect.stringMatching(/^[0-9a-f]{10}$/) });
    expect(verifyJournal(g.db, sessionId).ok).toBe(true);
  });

  it('refuses the same token a second time, even after a restart, and counts the attempt', () => {
    const { g, sessionId } = interrupted();
    const t = token(g, sessionId, { ttl: 60 });
    must(g.service.resume('DEMO-2026', t));
    const h = g.reopen();
    h.clock.advance(61_000);
    expect(h.service.resume('DEMO-2026', t)).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_USED' } });
    expect(getSession(h.db, sessionId)!.failed_codes).toBe(1);
    const refused = journalTypes(h, sessionId).filter((r) => r.type === 'resume_refused').map((r) => JSON.parse(r.payload) as { code: string; detail?: string });
    expect(refused.at(-1)).toEqual({ code: 'PROCTOR_CODE_USED', detail: 'PROCTOR_TOKEN_REPLAYED' });
    // A fresh token works.
    must(h.service.resume('DEMO-2026', token(h, sessionId)));
  });

  it('a replayed nonce inside the transaction rolls the resume back', () => {
    const { g, sessionId } = interrupted();
    const nonce = 'abcdef0123';
    // The nonce was used by another session on this kiosk (same hub, another token).
    g.db.prepare(`INSERT INTO proctor_token_nonces (nonce, session_id, action, key_id, issued_at, expires_at, used_at) VALUES (?, 'other', 'resume', ?, 1, 2, 3)`).run(nonce, hub.keyId);
    expect(g.service.resume('DEMO-2026', token(g, sessionId, { nonce }))).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_USED' } });
    expect(getSession(g.db, sessionId)!.state).toBe('interrupted');
    expect(() => g.db.prepare(`DELETE FROM proctor_token_nonces`).run()).toThrow(/append-only/);
  });

  it('refuses expired, wrong-session, wrong-kiosk and wrong-action tokens with their own codes', () => {
    const { g, sessionId } = interrupted();
    const old = token(g, sessionId, { ttl: 5, at: g.clock.now() - 10 * 60_000 });
    expect(g.service.resume('DEMO-2026', old)).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_EXPIRED' } });
    expect(g.service.resume('DEMO-2026', token(g, 'another-session'))).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_NOT_FOR_THIS' } });
    expect(g.service.resume('DEMO-2026', token(g, sessionId, { kioskId: 'kiosk-08' }))).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_NOT_FOR_THIS' } });
    expect(g.service.resume('DEMO-2026', token(g, sessionId, { action: 'lift_pause' }))).toMatchObject({ ok: false, error: { code: 'PROCTOR_CODE_NOT_FOR_THIS' } });
    expect(getSession(g.db, sessionId)!.failed_codes).toBe(4);
    expect(getSession(g.db, sessionId)!.state).toBe('interrupted');
  });

  it('refuses a token signed by another key as a wrong code', () => {
    const { g, sessionId } = interrupted();
    const forged = formatProctorToken(issueProctorToken({ sessionId, ...where, action: 'resume', now: g.clock.now(), ttlMinutes: 15, nonce: '0123456789' }, generateProctorSigningKey()));
    expect(g.service.resume('DEMO-2026', forged)).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
  });

  it('keeps the centre code as the fallback', () => {
    const { g, sessionId } = interrupted();
    must(g.service.resume('DEMO-2026', g.codes.codeFor(sessionId, 0)));
    expect(journalTypes(g, sessionId).some((r) => r.type === 'proctor_token_accepted')).toBe(false);
  });

  it('a kiosk without hub keys refuses every token but still takes the centre code', () => {
    const f = makeFixture({ pack: packWith({ graceSeconds: 60 }), proctorTokens: { keys: [], ...where } });
    const { sessionId } = startedSession(f);
    const g = f.reopen();
    g.clock.advance(61_000);
    expect(g.service.resume('DEMO-2026', token(g, sessionId))).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    must(g.service.resume('DEMO-2026', g.codes.codeFor(sessionId, 0)));
  });
});
