/**
 * Voice-activity reports as main receives them: checked against the session, the open question,
 * its answer mode and the pack's audio policy; journaled for HR; bounded; nothing written on error.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { SpeechReporter, MAX_HINT_EVENTS_PER_ANSWER, MAX_SUMMARIES_PER_ANSWER } from '../../../../main/services/audio/speech-reporter';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { DemoInviteDirectory, demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../../../main/services/packs/pack-provider';
import { audioPolicyOf, Pack, type AudioPackPolicy } from '../../../../main/services/packs/pack-schema';
import { HmacResumeCodes } from '../../../../main/services/session/resume-codes';
import { SessionService } from '../../../../main/services/session/session-service';
import { SpeechReportRequest, type SpeechReportRequest as Req } from '../../../../preload/contract/audio';
import { must, TEST_SECRET, tempDbPath } from '../../../support/session-fixture';

function packWithAudio(audio: AudioPackPolicy | undefined): LoadedPack {
  const base = structuredClone(demoPack().pack);
  if (audio) base.policy.audio = audio;
  const r = loadPack(base);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

/** A session in progress, moved on to question 1 (the demo pack's first spoken question). */
function rig(pack: LoadedPack) {
  const db = openDatabase(tempDbPath());
  opened.push(db);
  const clock = new ManualClock();
  const journal = new SqliteJournal(db);
  const packs = new StaticPackProvider([pack]);
  const service = new SessionService({
    db,
    journal,
    clock,
    packs,
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(TEST_SECRET),
    environment: new OsEnvironmentProbe('0.0.0-test', 'node'),
    logger: silentLogger,
  });
  const s = must(service.checkIn('DEMO-7001', 'en'));
  must(service.giveConsent(s.sessionId, true, s.consentVersion));
  must(service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  must(service.start(s.sessionId));
  const q0 = must(service.current(s.sessionId));
  if (q0.kind !== 'question') throw new Error('no question');
  if (q0.question.phase === 'preparing') must(service.beginAnswer(s.sessionId, 0));
  must(service.submitAnswer(s.sessionId, 0, 0, 'typed answer for the first question'));
  const reporter = new SpeechReporter({ db, journal, clock, packs });
  const events = (type?: string) =>
    (db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? ORDER BY seq`).all(s.sessionId) as { type: string; payload: string }[])
      .filter((r) => (type ? r.type === type : ['cant_hear_shown', 'cant_hear_cleared', 'speech_summary', 'background_speech_flagged'].includes(r.type)))
      .map((r) => ({ type: r.type, ...(JSON.parse(r.payload) as Record<string, unknown>) }));
  return { db, service, reporter, sessionId: s.sessionId, events };
}

const summary = (sessionId: string, over: Partial<Extract<Req, { kind: 'speech_summary' }>> = {}): Req => ({
  sessionId,
  questionIndex: 1,
  attempt: 0,
  kind: 'speech_summary',
  engine: 'silero_v5',
  durationMs: 60_000,
  speakingMs: 41_000,
  segments: 12,
  leadingSilenceMs: 2_500,
  longestPauseMs: 4_100,
  longPauses: 2,
  noiseFloorDbfs: -62,
  backgroundSpeech: [],
  ...over,
});

describe('audio pack policy', () => {
  it('defaults to the detector on, 8 s and no background-speech flags; an old pack decodes as signed', () => {
    const p = demoPack().pack;
    expect(p.policy.audio).toBeUndefined();
    expect(audioPolicyOf(p)).toEqual({ vad: true, cantHearSeconds: 8, backgroundSpeech: 'off' });
  });

  it('refuses unknown fields and out-of-range values', () => {
    const base = structuredClone(demoPack().pack) as unknown as { policy: Record<string, unknown> };
    for (const bad of [{ vad: true, extra: 1 }, { cantHearSeconds: 2 }, { cantHearSeconds: 8.5 }, { backgroundSpeech: 'identify' }]) {
      base.policy.audio = bad;
      expect(Pack.safeParse(base).success, JSON.stringify(bad)).toBe(false);
    }
    base.policy.audio = { backgroundSpeech: 'flag', cantHearSeconds: 10 };
    expect(Pack.safeParse(base).success).toBe(true);
  });

  it('is served to the page from the session\'s pack', () => {
    const r = rig(packWithAudio({ backgroundSpeech: 'flag', cantHearSeconds: 12 }));
    expect(must(r.reporter.policy(r.sessionId))).toEqual({ vad: true, cantHearSeconds: 12, backgroundSpeech: 'flag' });
    expect(r.reporter.policy(crypto.randomUUID())).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
  });
});

describe('"we can\'t hear you" events', () => {
  it('journals shown and cleared on the open spoken question, and ignores repeats', () => {
    const r = rig(demoPack());
    const hint = (kind: 'cant_hear_shown' | 'cant_hear_cleared', atMs: number) => r.reporter.report({ sessionId: r.sessionId, questionIndex: 1, attempt: 0, kind, atMs, engine: 'silero_v5' });
    expect(must(hint('cant_hear_shown', 8_000)).recorded).toBe(true);
    expect(must(hint('cant_hear_shown', 9_000)).recorded).toBe(false);
    expect(must(hint('cant_hear_cleared', 11_000)).recorded).toBe(true);
    expect(r.events()).toEqual([
      { type: 'cant_hear_shown', questionIndex: 1, attempt: 0, atMs: 8_000, engine: 'silero_v5', seconds: 8 },
      { type: 'cant_hear_cleared', questionIndex: 1, attempt: 0, atMs: 11_000, engine: 'silero_v5', seconds: 8 },
    ]);
  });

  it('refuses a question that is not open, a typed question, and a pack with the detector off — writing nothing', () => {
    const r = rig(demoPack());
    const base = { sessionId: r.sessionId, attempt: 0, kind: 'cant_hear_shown', atMs: 8_000, engine: 'silero_v5' } as const;
    expect(r.reporter.report({ ...base, questionIndex: 3 })).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    expect(r.reporter.report({ ...base, questionIndex: 2 })).toMatchObject({ ok: false, error: { code: 'ANSWER_MODE_MISMATCH' } });
    expect(r.reporter.report({ ...base, questionIndex: 99 })).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    expect(r.reporter.report({ ...base, questionIndex: 1, sessionId: crypto.randomUUID() })).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
    expect(r.events()).toEqual([]);
    const off = rig(packWithAudio({ vad: false }));
    expect(off.reporter.report({ ...base, sessionId: off.sessionId, questionIndex: 1 })).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    expect(off.events()).toEqual([]);
  });

  it('journals at most a bounded number of hint events per answer', () => {
    const r = rig(demoPack());
    for (let i = 0; i < MAX_HINT_EVENTS_PER_ANSWER * 3; i++) {
      r.reporter.report({ sessionId: r.sessionId, questionIndex: 1, attempt: 0, kind: i % 2 ? 'cant_hear_cleared' : 'cant_hear_shown', atMs: i * 1000, engine: 'level_only' });
    }
    expect(r.events()).toHaveLength(MAX_HINT_EVENTS_PER_ANSWER);
  });
});

describe('speech summaries and background-speech flags', () => {
  it('journals a summary per recorded stretch of an answer, numbered, bounded, also just after submit', () => {
    const r = rig(demoPack());
    expect(must(r.reporter.report(summary(r.sessionId))).recorded).toBe(true);
    // The same answer resumed after an interruption: a second stretch, journaled as part 1.
    expect(must(r.reporter.report(summary(r.sessionId, { durationMs: 20_000, speakingMs: 9_000, leadingSilenceMs: 0, longestPauseMs: 1_000 }))).recorded).toBe(true);
    const got = r.events('speech_summary');
    expect(got[0]).toEqual({
      type: 'speech_summary',
      questionIndex: 1,
      attempt: 0,
      engine: 'silero_v5',
      part: 0,
      durationMs: 60_000,
      speakingMs: 41_000,
      segments: 12,
      leadingSilenceMs: 2_500,
      longestPauseMs: 4_100,
      longPauses: 2,
      noiseFloorDbfs: -62,
      backgroundSpeechFlags: 0,
    });
    expect(got[1]).toMatchObject({ part: 1, durationMs: 20_000, speakingMs: 9_000 });
    for (let i = 0; i < MAX_SUMMARIES_PER_ANSWER * 2; i++) r.reporter.report(summary(r.sessionId));
    expect(r.events('speech_summary')).toHaveLength(MAX_SUMMARIES_PER_ANSWER);
    // Another attempt is another answer.
    expect(must(r.reporter.report(summary(r.sessionId, { attempt: 1 }))).recorded).toBe(true);
  });

  it('refuses background-speech flags unless the pack asks for them', () => {
    const flag = { startMs: 10_000, endMs: 14_000, levelDbfs: -48, dropDb: 22, confidence: 0.7 };
    const r = rig(demoPack());
    expect(r.reporter.report(summary(r.sessionId, { backgroundSpeech: [flag] }))).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    expect(r.events()).toEqual([]);
    const f = rig(packWithAudio({ backgroundSpeech: 'flag' }));
    expect(must(f.reporter.report(summary(f.sessionId, { backgroundSpeech: [flag] }))).recorded).toBe(true);
    expect(f.events('background_speech_flagged')).toEqual([
      { type: 'background_speech_flagged', questionIndex: 1, attempt: 0, engine: 'silero_v5', startMs: 10_000, endMs: 14_000, durationMs: 4_000, levelDbfs: -48, dropDb: 22, confidence: 0.7, review: 'human' },
    ]);
  });

  it('refuses a summary for a question not reached yet', () => {
    const r = rig(demoPack());
    expect(r.reporter.report(summary(r.sessionId, { questionIndex: 3 }))).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    expect(r.events()).toEqual([]);
  });

  it('the contract refuses impossible summaries before any service sees them', () => {
    const ok = summary(crypto.randomUUID());
    expect(SpeechReportRequest.safeParse(ok).success).toBe(true);
    const bad: unknown[] = [
      { ...ok, speakingMs: 61_000 },
      { ...ok, longestPauseMs: -1 },
      { ...ok, durationMs: 5 * 3600 * 1000 },
      { ...ok, noiseFloorDbfs: 3 },
      { ...ok, engine: 'whisper' },
      { ...ok, extra: true },
      { ...ok, backgroundSpeech: [{ startMs: 5000, endMs: 4000, levelDbfs: -40, dropDb: 20, confidence: 0.5 }] },
      { ...ok, backgroundSpeech: [{ startMs: 5000, endMs: 70_000, levelDbfs: -40, dropDb: 20, confidence: 0.5 }] },
      { ...ok, backgroundSpeech: Array.from({ length: 51 }, () => ({ startMs: 1, endMs: 2, levelDbfs: -40, dropDb: 20, confidence: 0.5 })) },
      { ...ok, kind: 'cant_hear_shown' },
    ];
    for (const b of bad) expect(SpeechReportRequest.safeParse(b).success, JSON.stringify(b).slice(0, 120)).toBe(false);
  });
});
