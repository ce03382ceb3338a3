import { describe, expect, it } from 'vitest';
import { AttachPageRequest, SaveDraftRequest } from '../../../../preload/contract/page';
import { MAX_TEXT_ANSWER_CHARS } from '../../../../preload/contract/session';
import { getProgress } from '../../../../main/db/queries/sessions';
import { classifyReturn, SILENCE_MS } from '../../../../main/services/session/page-presence';
import { chunk, makeFixture, must, packWith, startedSession, type Fixture } from '../../../support/session-fixture';

const TAB_A = 'tab-aaaaaaaaaaaaaaaa';
const TAB_B = 'tab-bbbbbbbbbbbbbbbb';
const page = (n: number) => `page-${String(n).padStart(16, '0')}`;

function journal(f: Fixture, sessionId: string): Array<{ type: string; payload: Record<string, unknown> }> {
  return (f.db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? ORDER BY seq`).all(sessionId) as Array<{ type: string; payload: string }>).map(
    (r) => ({ type: r.type, payload: JSON.parse(r.payload) as Record<string, unknown> }),
  );
}

function remaining(f: Fixture, sessionId: string): number {
  const v = must(f.service.current(sessionId));
  if (v.kind !== 'question') throw new Error('expected a question');
  return v.question.phase === 'answering' ? v.question.answerRemainingMs : v.question.prepRemainingMs;
}

function resumeCount(f: Fixture, sessionId: string): number {
  return (f.db.prepare(`SELECT resume_count FROM sessions WHERE id = ?`).get(sessionId) as { resume_count: number }).resume_count;
}

/** A session answering its first (typed) question, shown by page 1 in tab A. */
function answering(f: Fixture) {
  const { sessionId } = startedSession(f);
  must(f.service.attachPage(sessionId, page(1), TAB_A));
  beat(f, sessionId, page(1), 5_000);
  return sessionId;
}

/** Heartbeats every second for `ms`, as a live page does. */
function beat(f: Fixture, sessionId: string, pageId: string, ms: number): void {
  for (let t = 0; t < ms; t += 1000) {
    f.clock.advance(1000);
    must(f.service.pageHeartbeat(sessionId, pageId));
    f.service.tick();
  }
}

describe('classifyReturn', () => {
  const now = 100_000;
  it('calls a new page in the same tab a reload when the old one said goodbye, else a renderer crash', () => {
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - 500, gone: { cause: 'pagehide' } }, { tabId: TAB_A }, now)).toBe('page_reload');
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - 500 }, { tabId: TAB_A }, now)).toBe('renderer_crash');
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - 9_000, gone: { cause: 'silence' } }, { tabId: TAB_A }, now)).toBe('renderer_crash');
  });
  it('calls a page in another tab a takeover while the old page lives, else a closed window or a crash', () => {
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - 500 }, { tabId: TAB_B }, now)).toBe('takeover');
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - SILENCE_MS }, { tabId: TAB_B }, now)).toBe('renderer_crash');
    expect(classifyReturn({ tabId: TAB_A, lastSeen: now - 500, gone: { cause: 'pagehide' } }, { tabId: TAB_B }, now)).toBe('page_closed');
  });
});

describe('SessionService: the page, not the process, fails', () => {
  it('charges nothing for a reload with a paused timer and uses no resume', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(10_000);
    f.service.tick();
    const resumed = must(f.service.resume('DEMO-2026', undefined));
    expect(resumed.kind).toBe('question');
    f.clock.advance(2_000);
    const attached = must(f.service.attachPage(sessionId, page(2), TAB_A));
    expect(attached.question?.answerRemainingMs).toBe(before);
    expect(resumeCount(f, sessionId)).toBe(0);
    const back = journal(f, sessionId).find((e) => e.type === 'page_reattached');
    expect(back?.payload).toMatchObject({ kind: 'page_reload', interruptedMs: 12_000, chargedMs: 0, fromPageId: page(1), pageId: page(2) });
    expect(journal(f, sessionId).some((e) => e.type === 'resumed')).toBe(false);
  });

  it('survives five reloads in a row without using a resume or losing time', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    for (let i = 1; i <= 5; i++) {
      must(f.service.detachPage(sessionId, page(i)));
      f.clock.advance(4_000);
      must(f.service.resume('DEMO-2026', undefined));
      must(f.service.attachPage(sessionId, page(i + 1), TAB_A));
    }
    expect(remaining(f, sessionId)).toBe(before);
    expect(resumeCount(f, sessionId)).toBe(0);
    expect(journal(f, sessionId).filter((e) => e.type === 'page_reattached')).toHaveLength(5);
  });

  it('stops the clock at the last heartbeat when a renderer dies without a word', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    beat(f, sessionId, page(1), 3_000);
    const atLastBeat = remaining(f, sessionId);
    f.clock.advance(400);
    f.service.tick();
    // Silent for longer than SILENCE_MS: the page is gone as of its last heartbeat.
    beat(f, sessionId, 'nobody', 0);
    for (let i = 0; i < 8; i++) {
      f.clock.advance(1_000);
      f.service.tick();
    }
    const detached = journal(f, sessionId).find((e) => e.type === 'page_detached');
    expect(detached?.payload).toMatchObject({ cause: 'silence' });
    const attached = must(f.service.attachPage(sessionId, page(2), TAB_A));
    expect(attached.question?.answerRemainingMs).toBe(atLastBeat);
    const back = journal(f, sessionId).find((e) => e.type === 'page_reattached');
    expect(back?.payload).toMatchObject({ kind: 'renderer_crash', interruptedMs: 8_400, chargedMs: 0 });
  });

  it('journals the held clock when a page goes, and the same value when a page comes back', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(7_000);
    f.service.tick();
    must(f.service.attachPage(sessionId, page(2), TAB_B));
    const rows = journal(f, sessionId);
    const gone = rows.find((e) => e.type === 'page_detached')?.payload;
    const back = rows.find((e) => e.type === 'page_reattached')?.payload;
    expect(typeof gone?.elapsedMs).toBe('number');
    expect(back?.elapsedMs).toBe(gone?.elapsedMs);
    expect(remaining(f, sessionId)).toBe(before);
  });

  it('journals no held clock with a wall-clock timer (nothing is held)', () => {
    const f = makeFixture({ pack: packWith({ timerMode: 'wallclock' }) });
    const sessionId = answering(f);
    must(f.service.detachPage(sessionId, page(1)));
    expect(journal(f, sessionId).find((e) => e.type === 'page_detached')?.payload).not.toHaveProperty('elapsedMs');
  });

  it('calls a window closed and reopened in a new tab page_closed and charges nothing', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(60_000);
    f.service.tick();
    const attached = must(f.service.attachPage(sessionId, page(2), TAB_B));
    expect(attached.question?.answerRemainingMs).toBe(before);
    expect(journal(f, sessionId).find((e) => e.type === 'page_reattached')?.payload).toMatchObject({ kind: 'page_closed', interruptedMs: 60_000 });
  });

  it('charges the time away with a wall-clock timer, and says so', () => {
    const f = makeFixture({ pack: packWith({ timerMode: 'wallclock' }) });
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(10_000);
    const attached = must(f.service.attachPage(sessionId, page(2), TAB_A));
    expect(attached.question?.answerRemainingMs).toBe(before - 10_000);
    expect(journal(f, sessionId).find((e) => e.type === 'page_reattached')?.payload).toMatchObject({ kind: 'page_reload', chargedMs: 10_000 });
  });

  it('treats a page gone longer than the grace window as the candidate leaving: the resume policy applies', () => {
    const f = makeFixture({ pack: packWith({ graceSeconds: 60 }) });
    const sessionId = answering(f);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(61_000);
    f.service.tick();
    expect(must(f.service.current(sessionId)).session.state).toBe('interrupted');
    expect(journal(f, sessionId).some((e) => e.type === 'page_abandoned')).toBe(true);
    // The page wakes up (a laptop lid opened): it learns the session is no longer in progress.
    expect(must(f.service.pageHeartbeat(sessionId, page(1)))).toMatchObject({ active: true, sessionState: 'interrupted' });
    const r = f.service.resume('DEMO-2026', undefined);
    expect(!r.ok && r.error.code).toBe('RESUME_CODE_REQUIRED');
  });

  it('charges nothing for a stalled page and journals the stall when it speaks again', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    const before = remaining(f, sessionId);
    f.clock.advance(SILENCE_MS + 1_000);
    f.service.tick();
    f.clock.advance(1_000);
    const hb = must(f.service.pageHeartbeat(sessionId, page(1)));
    expect(hb.active).toBe(true);
    expect(journal(f, sessionId).find((e) => e.type === 'page_reattached')?.payload).toMatchObject({ kind: 'page_stalled' });
    f.clock.advance(1_000);
    expect(remaining(f, sessionId)).toBe(before - 1_000);
  });

  it('counts a resume after a process crash as before, journaled as process_crash', () => {
    let f = makeFixture();
    const sessionId = answering(f);
    f = f.reopen();
    must(f.service.resume('DEMO-2026', undefined));
    expect(resumeCount(f, sessionId)).toBe(1);
    expect(journal(f, sessionId).find((e) => e.type === 'resumed')?.payload).toMatchObject({ kind: 'process_crash', interruption: 'crash' });
  });
});

describe('SessionService: one page records at a time', () => {
  async function videoAnswering(f: Fixture) {
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
    must(f.service.beginAnswer(sessionId, 1));
    must(f.service.attachPage(sessionId, page(1), TAB_A));
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk(), pageId: page(1) }));
    return sessionId;
  }

  it('lets a newer tab take over: the older page is told, refused, and nothing is called an interruption', async () => {
    const events: unknown[] = [];
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    beat(f, sessionId, page(1), 2_000);
    const before = remaining(f, sessionId);
    (f.service as unknown as { presence: { emitPage?: (e: unknown) => void } }).presence.emitPage = (e) => events.push(e);
    const taken = must(f.service.attachPage(sessionId, page(2), TAB_B));
    expect(taken.question).toMatchObject({ segment: 1, nextSeq: 0 });
    expect(taken.question!.answerRemainingMs).toBe(before);
    expect(events).toEqual([{ sessionId, kind: 'taken_over', activePageId: page(2) }]);
    const late = await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 1, mimeType: 'video/webm', data: chunk(), pageId: page(1) });
    expect(!late.ok && late.error.code).toBe('PAGE_SUPERSEDED');
    expect(must(f.service.pageHeartbeat(sessionId, page(1))).active).toBe(false);
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 1, seq: 0, mimeType: 'video/webm', data: chunk(), pageId: page(2) }));
    const types = journal(f, sessionId).map((e) => e.type);
    expect(types).toContain('page_taken_over');
    expect(types).not.toContain('page_reattached');
    expect(types).not.toContain('resumed');
  });

  it('starts a new segment for a reloaded page that had recorded, so segments never mix two streams', async () => {
    const f = makeFixture();
    const sessionId = await videoAnswering(f);
    must(f.service.detachPage(sessionId, page(1)));
    f.clock.advance(3_000);
    const back = must(f.service.attachPage(sessionId, page(2), TAB_A));
    expect(back.question).toMatchObject({ segment: 1, nextSeq: 0, committedChunks: 1 });
    expect(getProgress(f.db, sessionId, 1)!.segment).toBe(1);
  });
});

describe('SessionService: typed drafts', () => {
  it('keeps a draft across a reload and a killed host, and the submitted answer supersedes it', () => {
    let f = makeFixture();
    const sessionId = answering(f);
    const text = '我负责过一个分布式日志系统的重构，'.repeat(7);
    const ack = must(f.service.saveDraft(sessionId, 0, 0, page(1), text));
    expect(ack).toMatchObject({ journaled: true, length: text.length });
    const v = must(f.service.current(sessionId));
    expect(v.kind === 'question' && v.question.draftText).toBe(text);
    f = f.reopen();
    const resumed = must(f.service.resume('DEMO-2026', undefined));
    expect(resumed.kind === 'question' && resumed.question.draftText).toBe(text);
    const saved = journal(f, sessionId).find((e) => e.type === 'draft_saved');
    expect(saved?.payload).toMatchObject({ questionIndex: 0, attempt: 0, length: text.length });
    must(f.service.submitAnswer(sessionId, 0, 0, text + '完'));
    expect(f.db.prepare(`SELECT count(*) AS n FROM answer_drafts WHERE session_id = ?`).get(sessionId)).toEqual({ n: 0 });
  });

  it('writes nothing for unchanged text and journals at most one draft a second', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    must(f.service.saveDraft(sessionId, 0, 0, page(1), 'a'));
    expect(must(f.service.saveDraft(sessionId, 0, 0, page(1), 'a')).journaled).toBe(false);
    f.clock.advance(200);
    expect(must(f.service.saveDraft(sessionId, 0, 0, page(1), 'ab')).journaled).toBe(false);
    const v = must(f.service.current(sessionId));
    expect(v.kind === 'question' && v.question.draftText).toBe('ab');
    f.clock.advance(1_000);
    expect(must(f.service.saveDraft(sessionId, 0, 0, page(1), 'abc')).journaled).toBe(true);
    expect(journal(f, sessionId).filter((e) => e.type === 'draft_saved')).toHaveLength(2);
  });

  it('refuses drafts from a page that was taken over, for a recorded question, and beyond the size bound', () => {
    const f = makeFixture();
    const sessionId = answering(f);
    must(f.service.attachPage(sessionId, page(2), TAB_B));
    const old = f.service.saveDraft(sessionId, 0, 0, page(1), 'x');
    expect(!old.ok && old.error.code).toBe('PAGE_SUPERSEDED');
    const big = SaveDraftRequest.safeParse({ sessionId, questionIndex: 0, attempt: 0, pageId: page(2), text: 'x'.repeat(MAX_TEXT_ANSWER_CHARS + 1) });
    expect(big.success).toBe(false);
    must(f.service.submitAnswer(sessionId, 0, 0, 'done'));
    const media = f.service.saveDraft(sessionId, 1, 0, page(2), 'x');
    expect(!media.ok && media.error.code).toBe('ANSWER_MODE_MISMATCH');
  });

  it('accepts only strict attach requests', () => {
    const ok = { sessionId: '3b241101-e2bb-4255-8caf-4136c566a962', pageId: page(1), tabId: TAB_A, reloaded: false };
    expect(AttachPageRequest.safeParse(ok).success).toBe(true);
    expect(AttachPageRequest.safeParse({ ...ok, extra: 1 }).success).toBe(false);
    expect(AttachPageRequest.safeParse({ ...ok, pageId: 'short' }).success).toBe(false);
  });
});
