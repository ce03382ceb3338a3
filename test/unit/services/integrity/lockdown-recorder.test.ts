import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../main/common/logger';
import { LockdownRecorder } from '../../../../main/services/integrity/lockdown-recorder';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../../../main/services/packs/pack-provider';
import { makeFixture, must, startedSession, type Fixture } from '../../../support/session-fixture';

function pasteAllowedPack(): LoadedPack {
  const base = structuredClone(demoPack().pack);
  base.policy.lockdown = { ...base.policy.lockdown, blockClipboard: false };
  return must(loadPack(base));
}

function recorder(f: Fixture, mainObservesWindow = false) {
  const journal = new SqliteJournal(f.db);
  return { journal, rec: new LockdownRecorder({ db: f.db, journal, clock: f.clock, packs: new StaticPackProvider([f.pack]), logger: silentLogger, mainObservesWindow }) };
}

const lockdownEvents = (journal: SqliteJournal, sessionId: string) =>
  journal
    .recent(sessionId, 100)
    .filter((e) => e.type === 'lockdown_event')
    .map((e) => e.payload);

describe('LockdownRecorder', () => {
  it('journals focus loss with its duration for the session in progress, and keeps the chain valid', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const { rec, journal } = recorder(f);
    expect(must(rec.report({ sessionId, kind: 'focus_lost' }))).toEqual({ recorded: true, durationMs: null });
    f.clock.advance(4200);
    // A second loss before the regain keeps the first start.
    must(rec.report({ sessionId, kind: 'focus_lost' }));
    f.clock.advance(800);
    expect(must(rec.report({ sessionId, kind: 'focus_regained' }))).toEqual({ recorded: true, durationMs: 5000 });
    const events = lockdownEvents(journal, sessionId);
    expect(events.map((e) => e.kind)).toEqual(['focus_lost', 'focus_lost', 'focus_regained']);
    expect(events[2]).toMatchObject({ source: 'renderer', durationMs: 5000, questionIndex: 0, state: 'in_progress' });
    expect(journal.verify(sessionId).ok).toBe(true);
  });

  it('keeps the window and the renderer apart: each pairs its own loss and regain', () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    const { rec } = recorder(f, true);
    rec.record({ kind: 'focus_lost' }, 'window');
    f.clock.advance(1000);
    expect(must(rec.report({ sessionId, kind: 'visible' })).durationMs).toBeNull();
    expect(must(rec.record({ kind: 'focus_regained' }, 'window')).durationMs).toBe(1000);
  });

  it('records shell events against every session in progress, and nothing outside an interview', () => {
    const f = makeFixture();
    const { rec, journal } = recorder(f);
    expect(must(rec.record({ kind: 'shortcut_blocked', shortcut: 'reload' }, 'window'))).toEqual({ recorded: false, durationMs: null });
    const { sessionId } = startedSession(f);
    expect(must(rec.record({ kind: 'display_added', displays: 2, detail: '1920x1080' }, 'window')).recorded).toBe(true);
    expect(lockdownEvents(journal, sessionId)).toEqual([expect.objectContaining({ kind: 'display_added', displays: 2, source: 'window' })]);
  });

  it('refuses an unknown session and a shortcut report without its name', () => {
    const f = makeFixture();
    const { rec } = recorder(f);
    expect(rec.report({ sessionId: '00000000-0000-4000-8000-000000000000', kind: 'focus_lost' })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
    const { sessionId } = startedSession(f);
    expect(rec.report({ sessionId, kind: 'shortcut_blocked' })).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('tells the renderer to block paste when the pack blocks the clipboard, and not when it allows it', () => {
    const strict = makeFixture();
    const a = startedSession(strict);
    expect(must(recorder(strict).rec.policy(a.sessionId))).toEqual({ blockPaste: true, clearClipboardAtStart: true, mainObservesWindow: false });
    const relaxed = makeFixture({ pack: pasteAllowedPack() });
    const b = startedSession(relaxed);
    expect(must(recorder(relaxed, true).rec.policy(b.sessionId))).toEqual({ blockPaste: false, clearClipboardAtStart: false, mainObservesWindow: true });
    expect(must(recorder(relaxed).rec.policy(null)).blockPaste).toBe(true);
  });
});
