/**
 * A page that dies mid-flag leaves a `started` without an `ended` (issue #15). The kiosk closes such
 * flags with an `ended` whose reason is `interrupted`: at its next start (after a crash or a stop),
 * and when a new page attaches to the session (reload, second tab, resume), so neither HR's review
 * nor the proctor's board shows a flag open for ever, and the new page's flags count afresh.
 * Through the real composition root and IPC router, on the demo pack.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createKioskCore, type KioskCore } from '../../main/app/composition-root';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { tempDir } from '../e2e/harness';

const root = path.resolve(import.meta.dirname, '../..');
const sender = { transport: 'web' as const, trusted: true, description: 'test' };
const PAGE_A = 'pageAAAAAAAAAAAAAAAAAAAA';
const PAGE_B = 'pageBBBBBBBBBBBBBBBBBBBB';

async function call<T>(core: KioskCore, channel: string, body: unknown): Promise<T> {
  const r = (await core.router.handle(channel, body, sender)) as { ok: boolean; value: T; error?: { code: string; message: string } };
  if (!r.ok) throw new Error(`${channel}: ${r.error?.code} ${r.error?.message}`);
  return r.value;
}

function flagEvents(dbPath: string, sessionId: string): Array<Record<string, unknown> & { type: string }> {
  const db = new Database(dbPath, { readonly: true });
  try {
    return (db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? AND type IN ('vision_flag', 'cant_hear_shown', 'cant_hear_cleared') ORDER BY seq`).all(sessionId) as { type: string; payload: string }[]).map((r) => ({ type: r.type, ...(JSON.parse(r.payload) as Record<string, unknown>) }));
  } finally {
    db.close();
  }
}

/** A demo session on its first video or audio question, attached to PAGE_A, with a no_face flag started. */
async function sessionWithOpenFlag(core: KioskCore, clock: ManualClock): Promise<{ sessionId: string; questionIndex: number; attempt: number }> {
  const s = await call<{ sessionId: string; consentVersion: string }>(core, 'kiosk:session:checkIn', { inviteCode: 'DEMO-2026', locale: 'en' });
  await call(core, 'kiosk:session:consent', { sessionId: s.sessionId, accepted: true, consentVersion: s.consentVersion });
  await call(core, 'kiosk:session:precheck', { sessionId: s.sessionId, camera: 'ok', microphone: 'ok' });
  const v = await call<{ question: { questionIndex: number; attempt: number } }>(core, 'kiosk:session:start', { sessionId: s.sessionId });
  await call(core, 'kiosk:page:attach', { sessionId: s.sessionId, pageId: PAGE_A, tabId: 'tabAAAAAAAAAAAAAAAAAAAAA', reloaded: false });
  const { questionIndex, attempt } = v.question;
  clock.advance(10_000);
  await call(core, 'kiosk:vision:flag', { sessionId: s.sessionId, questionIndex, attempt, flag: { status: 'started', kind: 'no_face', heldMs: 5000, confidence: 0.9 } });
  return { sessionId: s.sessionId, questionIndex, attempt };
}

describe('flags left open by a page that died', () => {
  it('end as interrupted at the next start, with the duration up to the interruption', async () => {
    const dataDir = tempDir('kiosk-flags-restart-');
    const clock = new ManualClock(Date.parse('2026-12-07T02:00:00Z'));
    const open = () => createKioskCore({ dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, clock, resourcesDir: root });
    let core = open();
    const { sessionId } = await sessionWithOpenFlag(core, clock);
    const startedAt = clock.now() - 5000;
    clock.advance(7_000);
    // The kiosk stops with the flag open (the page never sent its end).
    core.close();
    expect(flagEvents(core.dbPath, sessionId).filter((e) => e.type === 'vision_flag').map((e) => e.status)).toEqual(['started']);
    clock.advance(60_000);
    core = open();
    try {
      const vision = flagEvents(core.dbPath, sessionId).filter((e) => e.type === 'vision_flag');
      const db = new Database(core.dbPath, { readonly: true });
      const interruptedAt = (db.prepare('SELECT interrupted_at FROM sessions WHERE id = ?').get(sessionId) as { interrupted_at: number }).interrupted_at;
      db.close();
      expect(vision).toEqual([
        expect.objectContaining({ status: 'started', kind: 'no_face' }),
        expect.objectContaining({ status: 'ended', kind: 'no_face', reason: 'interrupted', startedAt, endedAt: interruptedAt, durationMs: interruptedAt - startedAt }),
      ]);
      expect(interruptedAt - startedAt).toBe(12_000);
      // The next start finds nothing more to close.
      core.close();
      core = open();
      expect(flagEvents(core.dbPath, sessionId).filter((e) => e.type === 'vision_flag')).toHaveLength(2);
    } finally {
      core.close();
    }
  });

  it('end as interrupted when a new page attaches, and the new page can start the same flag again', async () => {
    const dataDir = tempDir('kiosk-flags-attach-');
    const clock = new ManualClock(Date.parse('2026-12-07T02:00:00Z'));
    const core = createKioskCore({ dataDir, logger: silentLogger, appVersion: 'test', shell: 'node', tickMs: 0, clock, resourcesDir: root });
    try {
      const { sessionId, questionIndex, attempt } = await sessionWithOpenFlag(core, clock);
      clock.advance(3_000);
      await call(core, 'kiosk:page:attach', { sessionId, pageId: PAGE_B, tabId: 'tabBBBBBBBBBBBBBBBBBBBBB', reloaded: true });
      const after = flagEvents(core.dbPath, sessionId);
      const ended = after.filter((e) => e.type === 'vision_flag' && e.status === 'ended');
      expect(ended).toEqual([expect.objectContaining({ kind: 'no_face', reason: 'interrupted', durationMs: 8_000 })]);
      // Without the fix the recorder still held no_face open and refused the new page's start.
      const again = await call<{ recorded: boolean }>(core, 'kiosk:vision:flag', { sessionId, questionIndex, attempt, flag: { status: 'started', kind: 'no_face', heldMs: 5000, confidence: 0.8 } });
      expect(again.recorded).toBe(true);
    } finally {
      core.close();
    }
  });
});
