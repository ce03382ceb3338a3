/**
 * Camera flags as main receives them (issue #15): validated against the session, journaled as
 * `vision_flag` with main's clock, bounded — and never part of a score or a reason to stop.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { sessionScores } from '../../../../main/db/queries/scoring';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { MAX_FLAG_EVENTS_PER_ANSWER, openFlagsOf, VisionFlagRecorder } from '../../../../main/services/integrity/vision-flags';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { DemoInviteDirectory, demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../../../main/services/packs/pack-provider';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { ScoringRunner } from '../../../../main/services/scoring/scoring-runner';
import { HmacResumeCodes } from '../../../../main/services/session/resume-codes';
import { SessionService } from '../../../../main/services/session/session-service';
import { VisionFlagReport } from '../../../../preload/contract/vision';
import type { VisionPackPolicy } from '../../../../shared/vision/policy';
import { must, TEST_SECRET, tempDbPath } from '../../../support/session-fixture';

let seg: JiebaSegmenter;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});

const ANSWER = 'Last year I owned the checkout service when it kept timing out, and my task was to fix it. I checked the logs, found a pool change and rolled it back; as a result latency went from 4 s to 240 ms.';

function packWith(vision: VisionPackPolicy | undefined): LoadedPack {
  const base = structuredClone(demoPack().pack);
  if (vision) base.policy.vision = vision;
  const r = loadPack(base);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function rig(pack: LoadedPack) {
  const db = openDatabase(tempDbPath());
  opened.push(db);
  const clock = new ManualClock();
  const journal = new SqliteJournal(db);
  const packs = new StaticPackProvider([pack]);
  const runner = new ScoringRunner({
    db, journal, clock, logger: silentLogger, segmenter: () => Promise.resolve(seg),
    packFor: (id) => {
      const s = db.prepare('SELECT locale FROM sessions WHERE id = ?').get(id) as { locale: 'zh-CN' | 'en' } | undefined;
      return s ? { pack: pack.pack, locale: s.locale } : undefined;
    },
  });
  const service = new SessionService({
    db, journal, clock, packs, invites: new DemoInviteDirectory(pack.pack.id), resumeCodes: new HmacResumeCodes(TEST_SECRET),
    environment: new OsEnvironmentProbe('0.0.0-test', 'node'), logger: silentLogger, onAnswerSubmitted: (s, q, a) => runner.schedule(s, q, a),
  });
  const vision = new VisionFlagRecorder({ db, journal, clock, packs });
  const s = must(service.checkIn('DEMO-6001', 'en'));
  must(service.giveConsent(s.sessionId, true, s.consentVersion));
  must(service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  must(service.start(s.sessionId));
  const flags = () => (db.prepare(`SELECT payload, at FROM journal WHERE session_id = ? AND type = 'vision_flag' ORDER BY seq`).all(s.sessionId) as { payload: string; at: number }[]).map((r) => ({ ...(JSON.parse(r.payload) as Record<string, unknown>), at: r.at }));
  /** Answers every question; with `withFlags`, reports a long no-face and a two-faces flag during each answer. */
  const finish = async (withFlags: boolean) => {
    for (let i = 0; i < 10; i++) {
      const cur = must(service.current(s.sessionId));
      if (cur.kind !== 'question') break;
      const q = cur.question;
      if (q.phase === 'preparing') must(service.beginAnswer(s.sessionId, q.questionIndex));
      if (withFlags) {
        for (const kind of ['no_face', 'multiple_faces'] as const) {
          must(vision.report({ sessionId: s.sessionId, questionIndex: q.questionIndex, attempt: q.attempt, flag: { status: 'started', kind, heldMs: 5000, confidence: 0.9 } }));
          clock.advance(30_000);
          must(vision.report({ sessionId: s.sessionId, questionIndex: q.questionIndex, attempt: q.attempt, flag: { status: 'ended', kind, durationMs: 35_000, confidence: 0.9, frames: 70, reason: 'cleared' } }));
        }
      }
      must(service.submitAnswer(s.sessionId, q.questionIndex, q.attempt, q.mode === 'text' ? ANSWER : undefined));
    }
    await new Promise((r) => setTimeout(r, 0));
    await runner.whenIdle();
  };
  return { db, clock, service, vision, sessionId: s.sessionId, flags, finish };
}

const started = (sessionId: string, questionIndex = 0, kind: 'no_face' | 'multiple_faces' = 'no_face') => ({ sessionId, questionIndex, attempt: 0, flag: { status: 'started' as const, kind, heldMs: 5000, confidence: 0.9 } });
const ended = (sessionId: string, questionIndex = 0, kind: 'no_face' | 'multiple_faces' = 'no_face') => ({ sessionId, questionIndex, attempt: 0, flag: { status: 'ended' as const, kind, durationMs: 8000, confidence: 0.9, frames: 16, reason: 'cleared' as const } });

describe('vision flag journaling', () => {
  it('journals a started and an ended flag with main\'s clock, start time and duration', () => {
    const r = rig(packWith(undefined));
    r.clock.set(100_000);
    expect(must(r.vision.report(started(r.sessionId))).recorded).toBe(true);
    r.clock.set(103_000);
    expect(must(r.vision.report(ended(r.sessionId))).recorded).toBe(true);
    expect(r.flags()).toEqual([
      { status: 'started', kind: 'no_face', questionIndex: 0, attempt: 0, confidence: 0.9, heldMs: 5000, startedAt: 95_000, at: 100_000 },
      { status: 'ended', kind: 'no_face', questionIndex: 0, attempt: 0, confidence: 0.9, durationMs: 8000, startedAt: 95_000, endedAt: 103_000, frames: 16, reason: 'cleared', at: 103_000 },
    ]);
  });

  it('refuses a flag for another question, a session not in progress, or a pack with vision off — journaling nothing', () => {
    const r = rig(packWith(undefined));
    expect(r.vision.report(started(r.sessionId, 3))).toMatchObject({ ok: false, error: { code: 'QUESTION_MISMATCH' } });
    expect(r.vision.report(started('00000000-0000-4000-8000-000000000009'))).toMatchObject({ ok: false, error: { code: 'SESSION_NOT_FOUND' } });
    const off = rig(packWith({ enabled: false }));
    expect(off.vision.report(started(off.sessionId))).toMatchObject({ ok: false, error: { code: 'ILLEGAL_TRANSITION' } });
    expect(must(off.vision.policy(off.sessionId)).enabled).toBe(false);
    expect([...r.flags(), ...off.flags()]).toEqual([]);
  });

  it('ignores an end without a start and a second start while open, and bounds a looping page', () => {
    const r = rig(packWith(undefined));
    expect(must(r.vision.report(ended(r.sessionId))).recorded).toBe(false);
    expect(must(r.vision.report(started(r.sessionId))).recorded).toBe(true);
    expect(must(r.vision.report(started(r.sessionId))).recorded).toBe(false);
    for (let i = 0; i < MAX_FLAG_EVENTS_PER_ANSWER * 2; i++) r.vision.report(i % 2 ? started(r.sessionId) : ended(r.sessionId));
    expect(r.flags()).toHaveLength(MAX_FLAG_EVENTS_PER_ANSWER);
  });

  it('gives the page the pack\'s policy with defaults filled in', () => {
    const r = rig(packWith({ noFaceSeconds: 8 }));
    expect(must(r.vision.policy(r.sessionId))).toMatchObject({ enabled: true, noFaceSeconds: 8, multipleFacesSeconds: 2 });
  });

  it('the contract refuses malformed reports', () => {
    const sid = '00000000-0000-4000-8000-000000000001';
    for (const bad of [
      { ...started(sid), flag: { status: 'started', kind: 'emotion', heldMs: 1, confidence: 1 } },
      { ...started(sid), flag: { status: 'started', kind: 'no_face', heldMs: -1, confidence: 1 } },
      { ...started(sid), flag: { status: 'started', kind: 'no_face', heldMs: 1, confidence: 1.5 } },
      { ...started(sid), flag: { status: 'ended', kind: 'no_face', durationMs: 1, confidence: 1, frames: 0, reason: 'cleared' } },
      { ...started(sid), extra: true },
    ]) expect(VisionFlagReport.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('flags never reach a score and never stop the interview', () => {
  it('scores the same answers identically with or without camera flags, and completes the interview', async () => {
    const plain = rig(packWith(undefined));
    await plain.finish(false);
    const flagged = rig(packWith(undefined));
    await flagged.finish(true);
    expect(flagged.flags().length).toBeGreaterThanOrEqual(8);
    const results = (r: ReturnType<typeof rig>) => sessionScores(r.db, r.sessionId).map((s) => ({ q: s.question_index, status: s.status, total: s.total, band: s.band, result: s.result }));
    expect(results(plain).length).toBeGreaterThan(0);
    expect(results(flagged)).toEqual(results(plain));
    expect(must(flagged.service.current(flagged.sessionId)).kind).toBe(must(plain.service.current(plain.sessionId)).kind);
    expect(must(flagged.service.current(flagged.sessionId)).kind).not.toBe('question');
  });
});

describe('flags a dead page left open end as interrupted', () => {
  it('openFlagsOf: a started without its ended, per kind and answer; a shown hint without its clear', () => {
    const ev = (type: string, at: number, payload: Record<string, unknown>) => ({ type, at, payload });
    expect(
      openFlagsOf([
        ev('vision_flag', 10, { status: 'started', kind: 'no_face', questionIndex: 1, attempt: 0, startedAt: 5, confidence: 0.9 }),
        ev('vision_flag', 11, { status: 'started', kind: 'multiple_faces', questionIndex: 1, attempt: 0, startedAt: 9, confidence: 0.8 }),
        ev('vision_flag', 12, { status: 'ended', kind: 'multiple_faces', questionIndex: 1, attempt: 0 }),
        ev('vision_flag', 13, { status: 'ended', kind: 'no_face', questionIndex: 1, attempt: 1 }),
        ev('cant_hear_shown', 14, { questionIndex: 1, attempt: 0, engine: 'silero_v5' }),
        ev('cant_hear_shown', 15, { questionIndex: 2, attempt: 0, engine: 'silero_v5' }),
        ev('cant_hear_cleared', 16, { questionIndex: 2, attempt: 0 }),
      ]),
    ).toEqual([
      { source: 'vision', kind: 'no_face', questionIndex: 1, attempt: 0, startedAt: 5, confidence: 0.9 },
      { source: 'cant_hear', questionIndex: 1, attempt: 0, startedAt: 14, payload: { questionIndex: 1, attempt: 0, engine: 'silero_v5' } },
    ]);
  });

  it('closeInterrupted journals the ends once, with the duration, and lets the same kind start again', () => {
    const r = rig(packWith(undefined));
    r.clock.set(100_000);
    must(r.vision.report(started(r.sessionId)));
    const journal = new SqliteJournal(r.db);
    journal.append(r.sessionId, 'cant_hear_shown', { questionIndex: 0, attempt: 0, atMs: 8000, engine: 'level_only', seconds: 8 }, 101_000);
    r.clock.set(104_000);
    expect(r.vision.closeInterrupted(r.sessionId)).toBe(2);
    expect(r.flags().at(-1)).toEqual({ status: 'ended', kind: 'no_face', questionIndex: 0, attempt: 0, confidence: 0.9, durationMs: 9000, startedAt: 95_000, endedAt: 104_000, frames: 0, reason: 'interrupted', at: 104_000 });
    const cleared = r.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'cant_hear_cleared'`).all(r.sessionId) as { payload: string }[];
    expect(cleared.map((c) => JSON.parse(c.payload) as unknown)).toEqual([{ questionIndex: 0, attempt: 0, atMs: 8000, engine: 'level_only', seconds: 8, durationMs: 3000, reason: 'interrupted' }]);
    // Nothing left open: a second call closes nothing; the page's next start is journaled again.
    expect(r.vision.closeInterrupted(r.sessionId)).toBe(0);
    expect(must(r.vision.report(started(r.sessionId))).recorded).toBe(true);
  });
});
