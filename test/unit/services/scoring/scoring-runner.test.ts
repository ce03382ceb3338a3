/**
 * Scoring hooked into the session: a real SessionService over real SQLite reports each committed
 * submit to the ScoringRunner, which scores it later (never inside the submit), idempotently,
 * journals failures and retries them with catchUp() at the next start.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { openDatabase, type Db } from '../../../../main/db/connection';
import { getAnswerScore, openReviewItems, sessionScores } from '../../../../main/db/queries/scoring';
import { OsEnvironmentProbe } from '../../../../main/services/environment/environment';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { DemoInviteDirectory, demoPack, StaticPackProvider, type LoadedPack } from '../../../../main/services/packs/pack-provider';
import { JiebaSegmenter } from '../../../../main/services/packs/resume-tags';
import { ScoringRunner } from '../../../../main/services/scoring/scoring-runner';
import { HmacResumeCodes } from '../../../../main/services/session/resume-codes';
import { SessionService } from '../../../../main/services/session/session-service';
import type { CurrentView } from '../../../../preload/contract/session';
import { TEST_SECRET, tempDbPath } from '../../../support/session-fixture';

let seg: JiebaSegmenter;
beforeAll(async () => {
  seg = await JiebaSegmenter.shared();
});

const TYPED = 'Last year I owned the checkout service when it kept timing out, and my task was to fix it. I checked the logs, found a pool change and rolled it back; as a result latency went from 4 s to 240 ms.';

function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

interface Rig {
  db: Db;
  service: SessionService;
  runner: ScoringRunner;
  deferred: Array<() => void>;
  packAvailable: { value: boolean };
}

const opened: Db[] = [];
afterEach(() => {
  for (const db of opened.splice(0)) if (db.open) db.close();
});

function rig(dbPath = tempDbPath(), pack: LoadedPack = demoPack(), clock = new ManualClock()): Rig {
  const db = openDatabase(dbPath);
  opened.push(db);
  const journal = new SqliteJournal(db);
  const packs = new StaticPackProvider([pack]);
  const deferred: Array<() => void> = [];
  const packAvailable = { value: true };
  const runner = new ScoringRunner({
    db,
    journal,
    clock,
    logger: silentLogger,
    segmenter: () => Promise.resolve(seg),
    defer: (f) => deferred.push(f),
    packFor: (id) => {
      const s = db.prepare('SELECT pack_id, locale FROM sessions WHERE id = ?').get(id) as { pack_id: string; locale: 'zh-CN' | 'en' } | undefined;
      const p = s && packAvailable.value ? packs.get(s.pack_id) : undefined;
      return s && p ? { pack: p.pack, locale: s.locale } : undefined;
    },
  });
  const service = new SessionService({
    db,
    journal,
    clock,
    packs,
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(TEST_SECRET),
    environment: new OsEnvironmentProbe('0.0.0-test', 'node'),
    logger: silentLogger,
    onAnswerSubmitted: (s, q, a) => runner.schedule(s, q, a),
  });
  return { db, service, runner, deferred, packAvailable };
}

/** Runs what the runner deferred until it is idle. */
async function drain(r: Rig): Promise<void> {
  for (let i = 0; i < 100 && (r.deferred.length || i === 0); i++) {
    for (const f of r.deferred.splice(0)) f();
    await new Promise((res) => setTimeout(res, 0));
  }
  await r.runner.whenIdle();
}

function started(r: Rig, code = 'DEMO-5001', locale: 'zh-CN' | 'en' = 'en'): string {
  const s = must(r.service.checkIn(code, locale));
  must(r.service.giveConsent(s.sessionId, true, s.consentVersion));
  must(r.service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  must(r.service.start(s.sessionId));
  return s.sessionId;
}

function submitTyped(r: Rig, id: string, text: string): CurrentView {
  const cur = must(r.service.current(id));
  if (cur.kind !== 'question') throw new Error(`not on a question: ${cur.kind}`);
  const q = cur.question;
  if (q.phase === 'preparing') must(r.service.beginAnswer(id, q.questionIndex));
  return must(r.service.submitAnswer(id, q.questionIndex, q.attempt, q.mode === 'text' ? text : undefined));
}

const types = (db: Db, id: string) => (db.prepare('SELECT type FROM journal WHERE session_id = ? ORDER BY seq').all(id) as { type: string }[]).map((x) => x.type);

describe('scoring runner hooked into the session', () => {
  it('scores a typed answer after the submit returns, never inside it', async () => {
    const r = rig();
    const id = started(r);
    submitTyped(r, id, TYPED);
    // The submit has returned and committed; nothing is scored yet (the work is deferred).
    expect(types(r.db, id)).toContain('answer_submitted');
    expect(sessionScores(r.db, id)).toHaveLength(0);
    expect(r.deferred.length).toBe(1);
    await drain(r);
    const row = getAnswerScore(r.db, id, 0, 0);
    expect(row?.status).toBe('scored');
    expect(types(r.db, id).at(-1)).toBe('score_computed');
  });

  it('marks a spoken answer without a transcript needs_human_scoring and queues it for review', async () => {
    const r = rig();
    const id = started(r);
    submitTyped(r, id, TYPED); // q1 text
    submitTyped(r, id, ''); // q2 video, no transcript
    await drain(r);
    expect(getAnswerScore(r.db, id, 1, 0)?.status).toBe('needs_human_scoring');
    expect(openReviewItems(r.db, 10).some((i) => i.session_id === id && i.question_index === 1 && i.reason === 'needs_human_scoring')).toBe(true);
  });

  it('is idempotent per answer: a second report journals no second score', async () => {
    const r = rig();
    const id = started(r);
    submitTyped(r, id, TYPED);
    r.runner.schedule(id, 0, 0);
    await drain(r);
    r.runner.schedule(id, 0, 0);
    expect(r.runner.catchUp()).toBe(0);
    await drain(r);
    expect(types(r.db, id).filter((t) => t === 'score_computed')).toHaveLength(1);
    expect(r.runner.stats.skipped).toBe(1);
  });

  it('journals a failure without touching the interview, and retries it at the next start', async () => {
    const dbPath = tempDbPath();
    const pack = demoPack();
    const clock = new ManualClock();
    const r = rig(dbPath, pack, clock);
    r.packAvailable.value = false;
    const id = started(r);
    const next = submitTyped(r, id, TYPED);
    await drain(r);
    expect(next.kind).toBe('question');
    expect(types(r.db, id).at(-1)).toBe('score_failed');
    const failed = JSON.parse((r.db.prepare(`SELECT payload FROM journal WHERE session_id = ? AND type = 'score_failed'`).get(id) as { payload: string }).payload) as Record<string, unknown>;
    expect(failed).toMatchObject({ questionIndex: 0, attempt: 0, code: 'SCORE_NO_PACK', retry: 'next_start' });
    // The interview carries on: the next question is open and answerable.
    expect(must(r.service.current(id)).kind).toBe('question');
    expect(sessionScores(r.db, id)).toHaveLength(0);
    r.db.close();
    // Next start: catch-up finds the unscored answer and scores it.
    const again = rig(dbPath, pack, clock);
    again.service.recoverAfterStart();
    expect(again.runner.catchUp()).toBe(1);
    await drain(again);
    expect(getAnswerScore(again.db, id, 0, 0)?.status).toBe('scored');
  });

  it('a scorer that throws never reaches the session', async () => {
    const r = rig();
    const id = started(r);
    submitTyped(r, id, TYPED);
    await drain(r);
    // A scorer whose segmenter fails to load: the runner catches, logs and journals.
    const boom = new ScoringRunner({
      db: r.db,
      journal: new SqliteJournal(r.db),
      clock: new ManualClock(),
      logger: silentLogger,
      segmenter: () => Promise.reject(new Error('segmenter failed to load')),
      packFor: () => undefined,
      defer: (f) => r.deferred.push(f),
    });
    boom.schedule(id, 1, 0);
    for (const f of r.deferred.splice(0)) f();
    await boom.whenIdle();
    expect(boom.stats.failed).toBe(1);
    const last = r.db.prepare(`SELECT type, payload FROM journal WHERE session_id = ? ORDER BY seq DESC LIMIT 1`).get(id) as { type: string; payload: string };
    expect(last.type).toBe('score_failed');
    expect(JSON.parse(last.payload)).toMatchObject({ code: 'SCORE_INTERNAL', questionIndex: 1 });
    expect(must(r.service.current(id)).kind).toBe('question');
  });
});
