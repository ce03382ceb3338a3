import { describe, expect, it } from 'vitest';
import { demoPack, loadPack } from '../../../../main/services/packs/pack-provider';
import { chunk, makeFixture, must, startedSession, type Fixture } from '../../../support/session-fixture';

function types(f: Fixture, sessionId: string): string[] {
  return (f.db.prepare(`SELECT type FROM journal WHERE session_id = ? ORDER BY seq`).all(sessionId) as Array<{ type: string }>).map((r) => r.type);
}

describe('SessionService: leaving keeps the promise it made', () => {
  it('journals exit_requested when the exit dialog asks, before exit_confirmed', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'personal'));
    const t = types(f, sessionId);
    expect(t.indexOf('exit_requested')).toBeGreaterThan(-1);
    expect(t.indexOf('exit_requested')).toBeLessThan(t.indexOf('exit_confirmed'));
  });

  it('journals an exit_requested even when leaving is confirmed without the dialog asking first', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.confirmExit(sessionId, 'personal'));
    expect(types(f, sessionId)).toContain('exit_requested');
  });

  it('gives the receipt the same deadlines the dialog promised, however long the dialog stayed open', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const info = must(f.service.requestExit(sessionId));
    f.clock.advance(75_000);
    const receipt = must(f.service.confirmExit(sessionId, 'device'));
    expect(receipt.terms.aloneUntil).toBe(info.terms.aloneUntil);
    expect(receipt.terms.returnUntil).toBe(info.terms.returnUntil);
    expect(receipt.terms.returnUntil).not.toBeNull();
  });

  it('offers "welcome back" at the question and time where the candidate left', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
    must(f.service.beginAnswer(sessionId, 1));
    f.clock.advance(8_000);
    f.service.tick();
    must(f.service.requestExit(sessionId));
    must(f.service.confirmExit(sessionId, 'personal'));
    f.clock.advance(30_000);
    const offer = must(f.service.resumeOffer(sessionId));
    expect(offer).toMatchObject({ questionIndex: 1, state: 'exited', answerRemainingMs: 120_000 - 8_000 });
    expect(offer.terms.returnUntil).not.toBeNull();
  });
});

describe('SessionService: pins', () => {
  it('refuses a chunk for a segment beyond the open one', async () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
    must(f.service.beginAnswer(sessionId, 1));
    const r = await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 1, seq: 0, mimeType: 'video/webm', data: chunk() });
    expect(!r.ok && r.error.code).toBe('QUESTION_MISMATCH');
    expect(f.db.prepare(`SELECT count(*) AS n FROM media_chunks`).get()).toEqual({ n: 0 });
  });

  it('refuses to resume onto a pack whose hash differs from the one pinned at check-in', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    f.db.close();
    const changed = structuredClone(demoPack().pack);
    changed.stages[0]!.questions[0]!.answerSeconds += 1;
    const pack = loadPack(changed);
    if (!pack.ok) throw new Error(pack.error.message);
    expect(pack.value.hash).not.toBe(f.pack.hash);
    const g = makeFixture({ dbPath: f.dbPath, clock: f.clock, pack: pack.value });
    g.service.recoverAfterStart();
    const r = g.service.resume('DEMO-2026', undefined);
    expect(!r.ok && r.error.code).toBe('PACK_CHANGED');
    const row = g.db.prepare(`SELECT state, resume_count FROM sessions WHERE id = ?`).get(sessionId);
    expect(row).toEqual({ state: 'interrupted', resume_count: 0 });
  });
});
