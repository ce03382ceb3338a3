import { describe, expect, it } from 'vitest';
import { getProgress, getSession, getIncident } from '../../../../main/db/queries/sessions';
import { readSegment } from '../../../../main/db/queries/media';
import { SegmentMediaStore } from '../../../../main/services/storage/media-store';
import { verifyJournal } from '../../../../main/services/journal/journal';
import { AUTO_SUBMIT_GRACE_MS } from '../../../../main/services/session/session-service';
import { chunk, makeFixture, must, packWith, startedSession } from '../../../support/session-fixture';

const types = (f: ReturnType<typeof makeFixture>, sessionId: string) =>
  (f.db.prepare(`SELECT type FROM journal WHERE session_id = ? ORDER BY seq`).all(sessionId) as Array<{ type: string }>).map((r) => r.type);

/** Moves from the text question (index 0) to the first video question (index 1) and begins answering. */
function toVideoQuestion(f: ReturnType<typeof makeFixture>) {
  const { sessionId, question } = startedSession(f);
  expect(question.mode).toBe('text');
  const next = must(f.service.submitAnswer(sessionId, 0, 0, '我叫张三，做了五年后端开发。'));
  if (next.kind !== 'question') throw new Error('expected question 2');
  expect(next.question).toMatchObject({ questionIndex: 1, mode: 'video', phase: 'preparing', prepRemainingMs: 30_000 });
  const begun = must(f.service.beginAnswer(sessionId, 1));
  expect(begun.phase).toBe('answering');
  return { sessionId, q: begun };
}

describe('SessionService: the whole interview', () => {
  it('runs check-in to completion, journaling every step in an intact hash chain', async () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    for (let seq = 0; seq < 3; seq++) {
      f.clock.advance(1000);
      must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(2000, seq) }));
    }
    let v = must(f.service.submitAnswer(sessionId, 1, 0));
    v = must(f.service.submitAnswer(sessionId, 2, 0, 'Journal first, acknowledge after the fsync.'));
    for (const qi of [3, 4]) {
      must(f.service.beginAnswer(sessionId, qi));
      must(await f.service.appendChunk({ sessionId, questionIndex: qi, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk(500) }));
      v = must(f.service.submitAnswer(sessionId, qi, 0));
    }
    expect(v.kind).toBe('completed');
    if (v.kind === 'completed') expect(v.receipt).toMatchObject({ answeredCount: 5, receiptId: expect.stringMatching(/^RCP-/) });
    expect(getSession(f.db, sessionId)!.state).toBe('completed');
    const t = types(f, sessionId);
    expect(t.slice(0, 5)).toEqual(['checked_in', 'consent_given', 'precheck_recorded', 'interview_started', 'question_started']);
    expect(t.filter((x) => x === 'chunk_committed')).toHaveLength(5);
    expect(t.at(-1)).toBe('interview_completed');
    expect(verifyJournal(f.db, sessionId).ok).toBe(true);
    expect(f.service.checkIn('DEMO-2026', 'zh-CN')).toMatchObject({ ok: false, error: { code: 'INVITE_USED' } });
  });

  it('refuses an unknown invite and a used one, and returns the same session for a repeated check-in', () => {
    const f = makeFixture();
    expect(f.service.checkIn('NOPE-1234', 'en')).toMatchObject({ ok: false, error: { code: 'INVITE_NOT_FOUND' } });
    const a = must(f.service.checkIn('DEMO-AAAA', 'en'));
    const b = must(f.service.checkIn('DEMO-AAAA', 'zh-CN'));
    expect(b.sessionId).toBe(a.sessionId);
    expect(b.locale).toBe('zh-CN');
  });

  it('rejects an illegal transition with a code and changes nothing', () => {
    const f = makeFixture();
    const s = must(f.service.checkIn('DEMO-2026', 'zh-CN'));
    const before = types(f, s.sessionId);
    expect(f.service.start(s.sessionId)).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    expect(f.service.reportPrecheck(s.sessionId, 'ok', 'ok')).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    expect(getSession(f.db, s.sessionId)!.state).toBe('checked_in');
    expect(types(f, s.sessionId)).toEqual(before);
  });

  it('records a declined consent and ends politely', () => {
    const f = makeFixture();
    const s = must(f.service.checkIn('DEMO-2026', 'en'));
    expect(f.service.giveConsent(s.sessionId, true, 'some-old-version')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(f.service.giveConsent(s.sessionId, false, f.pack.pack.policy.consentVersion, 'not comfortable')).toMatchObject({ ok: false, error: { code: 'CONSENT_DECLINED' } });
    expect(getSession(f.db, s.sessionId)!.state).toBe('exited');
    expect(types(f, s.sessionId)).toContain('consent_declined');
  });

  it('blocks the interview when the camera needed for video answers is missing', () => {
    const f = makeFixture();
    const s = must(f.service.checkIn('DEMO-2026', 'en'));
    must(f.service.giveConsent(s.sessionId, true, f.pack.pack.policy.consentVersion));
    expect(f.service.reportPrecheck(s.sessionId, 'denied', 'ok')).toMatchObject({ ok: false, error: { code: 'PRECHECK_FAILED' } });
    expect(getSession(f.db, s.sessionId)!.state).toBe('consented');
    must(f.service.reportPrecheck(s.sessionId, 'ok', 'ok'));
    expect(getSession(f.db, s.sessionId)!.state).toBe('prechecked');
  });
});

describe('SessionService: media chunks', () => {
  it('commits a chunk with its sha256 and stores a retried chunk once', async () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    const req = { sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm;codecs=vp8,opus', data: chunk(4096, 3) };
    const first = must(await f.service.appendChunk(req));
    const again = must(await f.service.appendChunk(req));
    expect(first).toMatchObject({ duplicate: false, committedChunks: 1, bytes: 4096 });
    expect(again).toMatchObject({ duplicate: true, committedChunks: 1, sha256: first.sha256 });
    expect(readSegment(f.db, sessionId, 1, 0, 0)).toHaveLength(1);
  });

  it('refuses different bytes under an acknowledged key, gaps in order, and chunks for text questions', async () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    expect(await f.service.appendChunk({ sessionId, questionIndex: 0, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk() })).toMatchObject({
      ok: false,
      error: { code: 'ANSWER_MODE_MISMATCH' },
    });
    must(f.service.submitAnswer(sessionId, 0, 0, 'hello'));
    const base = { sessionId, questionIndex: 1, attempt: 0, segment: 0, mimeType: 'video/webm' };
    must(await f.service.appendChunk({ ...base, seq: 0, data: chunk(100, 1) }));
    expect(await f.service.appendChunk({ ...base, seq: 0, data: chunk(100, 2) })).toMatchObject({ ok: false, error: { code: 'CHUNK_CONFLICT' } });
    expect(await f.service.appendChunk({ ...base, seq: 2, data: chunk(100, 2) })).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    expect(await f.service.appendChunk({ ...base, questionIndex: 3, seq: 0, data: chunk() })).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
  });

  it('starts answering by itself when a chunk arrives during preparation', async () => {
    const f = makeFixture();
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, 'x'));
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk() }));
    expect(getProgress(f.db, sessionId, 1)!.phase).toBe('answering');
  });

  it('starts a fresh attempt on retake when the pack allows one, and refuses a second', async () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: chunk() }));
    const retake = must(f.service.retake(sessionId, 1, 0));
    expect(retake).toMatchObject({ attempt: 1, segment: 0, nextSeq: 0, committedChunks: 0 });
    expect(f.service.retake(sessionId, 1, 1)).toMatchObject({ ok: false, error: { code: 'NO_RETAKES_LEFT' } });
    expect(readSegment(f.db, sessionId, 1, 0, 0)).toHaveLength(1); // the first attempt is kept
  });
});

describe('SessionService: time and crashes', () => {
  it('persists elapsed time at least every second while a question is open', () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    for (let i = 1; i <= 6; i++) {
      f.clock.advance(500);
      f.service.tick();
      const p = getProgress(f.db, sessionId, 1)!;
      expect(f.clock.now() - p.persisted_at).toBeLessThanOrEqual(1000);
      expect(p.elapsed_ms).toBe(i * 500);
    }
  });

  it('after a crash, marks the session interrupted and resumes at the same question with the remaining time', async () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    for (let seq = 0; seq < 4; seq++) {
      f.clock.advance(1000);
      must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(1000, seq) }));
    }
    f.clock.advance(700); // recording went on for 0.7 s that was never persisted
    const g = f.reopen();
    const s = getSession(g.db, sessionId)!;
    expect(s.state).toBe('interrupted');
    expect(s.interruption).toBe('crash');
    expect(types(g, sessionId)).toContain('crash_detected');
    const offer = must(g.service.findResumable());
    expect(offer).toMatchObject({ sessionId, questionIndex: 1, needsResumeCode: false, answerRemainingMs: 120_000 - 4000 });
    g.clock.advance(60_000);
    const v = must(g.service.resume('DEMO-2026', undefined));
    if (v.kind !== 'question') throw new Error('expected a question');
    expect(v.question).toMatchObject({ questionIndex: 1, segment: 1, nextSeq: 0, committedChunks: 4, phase: 'answering' });
    expect(Math.abs(v.question.answerRemainingMs - (120_000 - 4000))).toBeLessThanOrEqual(1000);
    expect(readSegment(g.db, sessionId, 1, 0, 0).map((c) => c.seq)).toEqual([0, 1, 2, 3]);
    expect(verifyJournal(g.db, sessionId).ok).toBe(true);
  });

  it('counts the interruption against the answer time in wallclock mode', () => {
    const f = makeFixture({ pack: packWith({ timerMode: 'wallclock' }) });
    toVideoQuestion(f);
    f.clock.advance(10_000);
    f.service.tick();
    const g = f.reopen();
    g.clock.advance(30_000);
    const v = must(g.service.resume('DEMO-2026', undefined));
    if (v.kind !== 'question') throw new Error('expected a question');
    expect(Math.abs(v.question.answerRemainingMs - (120_000 - 40_000))).toBeLessThanOrEqual(1000);
  });

  it('closes a question by itself when its answer time is long over', () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    f.clock.advance(120_000 + AUTO_SUBMIT_GRACE_MS + 1);
    f.service.tick();
    expect(getSession(f.db, sessionId)!.question_index).toBe(2);
    const row = f.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'answer_submitted' ORDER BY seq DESC LIMIT 1`).get(sessionId) as { payload: string };
    expect(JSON.parse(row.payload)).toMatchObject({ questionIndex: 1, auto: true });
  });
});

describe('SessionService: resume policy', () => {
  it('requires a proctor code after the grace window, counts wrong codes and locks after the limit', () => {
    const f = makeFixture({ pack: packWith({ graceSeconds: 60, maxCodeAttempts: 3 }) });
    const { sessionId } = toVideoQuestion(f);
    const g = f.reopen();
    g.clock.advance(61_000);
    expect(g.service.resume('DEMO-2026', undefined)).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_REQUIRED' } });
    expect(g.service.resume('DEMO-2026', 'AAAAA-AAAAA')).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    const good = g.codes.codeFor(sessionId, 0);
    expect(g.codes.verify('another-session', 0, good)).toBe(false);
    must(g.service.resume('DEMO-2026', good));
    expect(getSession(g.db, sessionId)!.state).toBe('in_progress');

    const h = g.reopen();
    h.clock.advance(61_000);
    for (let i = 0; i < 2; i++) expect(h.service.resume('DEMO-2026', 'ZZZZZ-ZZZZZ')).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    expect(must(h.service.resumeOffer(sessionId)).terms.canReturn).toBe(true);
    expect(h.service.resume('DEMO-2026', 'ZZZZZ-ZZZZZ')).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_INVALID' } });
    // One attempt before the limit, the welcome-back facts still promise a return; at the limit they do not.
    expect(must(h.service.resumeOffer(sessionId)).terms).toMatchObject({ canReturn: false, returnUntil: null, aloneUntil: null });
    expect(h.service.resume('DEMO-2026', h.codes.codeFor(sessionId, 1))).toMatchObject({ ok: false, error: { code: 'RESUME_CODE_LOCKED' } });
    expect(types(h, sessionId).filter((t) => t === 'resume_refused').length).toBeGreaterThanOrEqual(4);
  });

  it('refuses to resume more often than the pack allows', () => {
    let f = makeFixture({ pack: packWith({ maxResumes: 2 }) });
    toVideoQuestion(f);
    for (let i = 0; i < 2; i++) {
      f = f.reopen();
      must(f.service.resume('DEMO-2026', undefined));
    }
    f = f.reopen();
    expect(f.service.resume('DEMO-2026', undefined)).toMatchObject({ ok: false, error: { code: 'RESUME_LIMIT_REACHED' } });
  });

  it('expires the session when the return window has passed', () => {
    const f = makeFixture({ pack: packWith({ returnWindowSeconds: 3600 }) });
    const { sessionId } = toVideoQuestion(f);
    const g = f.reopen();
    g.clock.advance(3600_000 + 1);
    expect(g.service.resume('DEMO-2026', g.codes.codeFor(sessionId, 0))).toMatchObject({ ok: false, error: { code: 'RESUME_WINDOW_CLOSED' } });
    expect(getSession(g.db, sessionId)!.state).toBe('expired');
    expect(g.service.checkIn('DEMO-2026', 'en')).toMatchObject({ ok: false, error: { code: 'INVITE_USED' } });
  });
});

describe('SessionService: exit', () => {
  it('says what leaving means, then records the reason, the environment and an incident receipt', () => {
    const f = makeFixture();
    const { sessionId } = toVideoQuestion(f);
    f.service.reportDevices({ sessionId, camera: 'ok', microphone: 'lost', online: false, displays: [{ width: 1920, height: 1080 }] });
    const info = must(f.service.requestExit(sessionId));
    const now = f.clock.now();
    expect(info).toMatchObject({ answeredCount: 1, questionCount: 5, terms: { canReturn: true, aloneUntil: now + 600_000, returnUntil: now + 86_400_000, resumesLeft: 3 } });
    const receipt = must(f.service.confirmExit(sessionId, 'network', 'Wi-Fi keeps dropping'));
    expect(receipt).toMatchObject({ reason: 'network', nextStep: 'resume_alone', incidentId: expect.stringMatching(/^INC-\d{8}-[0-9A-F]{8}$/) });
    expect(getSession(f.db, sessionId)).toMatchObject({ state: 'exited', exit_reason: 'network', interruption: 'exit' });
    const incident = getIncident(f.db, receipt.incidentId)!;
    const body = JSON.parse(incident.body) as Record<string, unknown> & { environment: Record<string, unknown>; lastEvents: unknown[] };
    expect(body.environment).toMatchObject({ os: { platform: process.platform }, network: { online: false }, devices: { camera: 'ok', microphone: 'lost' }, displays: [{ width: 1920, height: 1080 }] });
    expect(body.lastEvents.length).toBeGreaterThan(3);
    expect(types(f, sessionId)).toContain('exit_confirmed');
    // An exit is not a crash: the next candidate at this kiosk is not offered this session.
    expect(must(f.service.findResumable())).toBeNull();
    // The candidate comes back with the invite code inside the grace window.
    f.clock.advance(120_000);
    const back = must(f.service.resume('DEMO-2026', undefined));
    expect(back.kind).toBe('question');
  });

  it('fails closed when the store is full: the session is interrupted and acknowledged chunks are kept', async () => {
    // The disk fills while the third chunk's bytes are being made durable.
    let syncs = 0;
    const full = Object.assign(new Error('ENOSPC: no space left on device, fdatasync'), { code: 'ENOSPC' });
    const f = makeFixture({ media: (db) => new SegmentMediaStore(db, { fdatasync: async () => { if (++syncs >= 3) throw full; } }) });
    const { sessionId } = toVideoQuestion(f);
    const acked = [];
    for (const seq of [0, 1]) acked.push(must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(3000, seq) })));
    const r = await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 2, mimeType: 'video/webm', data: chunk(200_000, 9) });
    expect(r).toMatchObject({ ok: false, error: { code: 'STORAGE_FULL' } });
    expect(f.events.at(-1)).toMatchObject({ sessionId, state: 'interrupted', code: 'STORAGE_FULL' });
    // Recording stays refused until the session is resumed.
    expect(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq: 3, mimeType: 'video/webm', data: chunk(10) })).toMatchObject({ ok: false, error: { code: 'STORAGE_FULL' } });
    expect(getSession(f.db, sessionId)!.state).toBe('interrupted');
    const stored = readSegment(f.db, sessionId, 1, 0, 0);
    expect(stored.slice(0, 2).map((c) => c.sha256)).toEqual(acked.map((a) => a.sha256));
    const back = must(f.service.resume('DEMO-2026', undefined));
    expect(back.kind === 'question' && back.question.segment).toBe(1);
  });
});
