/**
 * Analytics summaries (hub/analytics/summaries.ts) against the fact rows: random sessions synced
 * through the signed ingest route (several kiosks = centres, several packs = jobs, exits, returns,
 * pre-checks at their own times, re-scored attempts, reviewer overrides, score ties on whole
 * numbers), then re-synced changes (a session moving to another job, new attempts, new reviews),
 * HR imports and re-imports that change outcomes and demographics. After each phase:
 *  - every report from the summaries equals the same report computed from the fact rows alone
 *    (runReport `source: 'raw'`), value for value, for random filter ranges that cut days and
 *    months (and ones aligned on them, and open-ended), by job, centre and stage;
 *  - the summary tables ingest and imports maintained equal a rebuild from scratch
 *    (rebuildAllSummaries, what the bench and migration 0006 run): no stale or missing cell.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyImport } from '../../hub/analytics/imports';
import { REPORT_NAMES, runReport, type Filters } from '../../hub/analytics/reports';
import { planRange, rebuildAllSql, rebuildAllSummaries, SUMMARIES } from '../../hub/analytics/summaries';
import { GENESIS, journalEventHash } from '../../hub/journal-chain';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

/** Deterministic PRNG (mulberry32) so a failure replays. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.SUMMARY_TEST_SEED ?? 20261207);
const rnd = prng(SEED);
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

const T0 = Date.parse('2026-01-29T00:00:00+08:00');
const SPAN = 75 * 86_400_000; // across three month boundaries
const N = 90;
const JOBS = ['pack.sales', 'pack.support', 'pack.ops'];
const QUESTIONS = ['q.teamwork', 'q.pressure', 'q.ethics'];
const COMPETENCIES = ['c.collab', 'c.calm', 'c.honesty'];

interface Ev {
  type: string;
  at: number;
  payload: Record<string, unknown>;
}
interface Sess {
  id: string;
  code: string;
  kiosk: number;
  t: number;
  job: string;
  events: Ev[];
  state: string;
  attempts: Map<number, number>;
}

function chainItems(sessionId: string, events: readonly Ev[], fromSeq: number, prevHash: string) {
  let prev = prevHash;
  return events.map((e, i) => {
    const seq = fromSeq + i;
    const payload = JSON.stringify(e.payload);
    const hash = journalEventHash(prev, sessionId, seq, e.type, e.at, payload);
    const body = { sessionId, seq, type: e.type, at: e.at, payload, prevHash: prev, hash };
    prev = hash;
    return { key: `ev:${sessionId}:${seq}`, kind: 'journal_event', body };
  });
}

/** A score with a total that is often a whole number (ties across buckets) and sometimes fractional. */
function scoreItem(s: Sess, qi: number, attempt: number) {
  const total = rnd() < 0.3 ? Math.floor(rnd() * 101) : Math.round(rnd() * 1000) / 10 + (rnd() < 0.2 ? 1 / 3 : 0);
  const t = Math.min(100, total);
  const status = rnd() < 0.1 ? 'needs_human_scoring' : 'scored';
  const band = t >= 60 ? 'pass' : t >= 45 ? 'borderline' : 'below';
  const comps = COMPETENCIES.filter(() => rnd() < 0.7).map((competencyId) => ({ competencyId, level: 1 + Math.floor(rnd() * 5) }));
  return {
    key: `score:${s.id}:${qi}:${attempt}`,
    kind: 'score',
    body: { sessionId: s.id, question_index: qi, attempt, question_id: QUESTIONS[qi], status, total: t, band, result: { competencies: comps } },
  };
}

let reviewId = 0;
function reviewItem(s: Sess, qi: number, at: number) {
  reviewId += 1;
  return {
    key: `review:${s.id}:${reviewId}`,
    kind: 'review',
    body: { sessionId: s.id, id: reviewId, question_index: qi, attempt: s.attempts.get(qi) ?? 0, competency_id: pick(COMPETENCIES), reviewer: 'r1', old_level: 2, new_level: 1 + Math.floor(rnd() * 5), reason_code: 'evidence_missed', at },
  };
}

function sessionSnapshot(s: Sess, v: number) {
  return { key: `session:${s.id}:${v}`, kind: 'session', body: { id: s.id, inviteCode: s.code, state: s.state, packId: s.job, questionIndex: 2, resumeCount: 0, createdAt: s.t, updatedAt: s.t + v } };
}

function newSession(i: number): { s: Sess; items: unknown[] } {
  // Minutes at random, so sessions fall on every side of day and month edges.
  const t = T0 + Math.floor(rnd() * SPAN / 60_000) * 60_000;
  const s: Sess = { id: `s-${i}`, code: `INV-${i}`, kiosk: i % 3, t, job: pick(JOBS), events: [], state: 'completed', attempts: new Map() };
  const exits = rnd() < 0.25;
  const back = exits && rnd() < 0.5;
  const ev: Ev[] = [
    { type: 'checked_in', at: t - 600_000, payload: {} },
    // The pre-check sometimes the day before (its own period).
    { type: 'precheck_recorded', at: t - (rnd() < 0.2 ? 86_400_000 : 300_000), payload: { mode: pick(['kiosk', 'home']), checks: [{ id: 'camera.frames', status: pick(['pass', 'pass', 'fail', 'warn']), remediationKey: pick([null, 'precheck.fix.camera']) }, { id: 'network.latency', status: pick(['pass', 'fail']), remediationKey: null }] } },
    { type: 'interview_started', at: t, payload: {} },
  ];
  if (exits) ev.push({ type: 'exit_confirmed', at: t + 600_000, payload: { reason: pick(['network', 'device', 'personal']), questionIndex: 1 } });
  if (back) ev.push({ type: 'resumed', at: t + 3_600_000, payload: { questionIndex: 1 } });
  const completed = !exits || back;
  if (completed) ev.push({ type: 'interview_completed', at: t + 4_000_000, payload: {} });
  s.state = completed ? 'completed' : 'exited';
  s.events = ev;
  const items: unknown[] = [sessionSnapshot(s, 1), ...chainItems(s.id, ev, 1, GENESIS)];
  const nq = 1 + Math.floor(rnd() * 3);
  for (let qi = 0; qi < nq; qi++) {
    s.attempts.set(qi, 0);
    items.push(scoreItem(s, qi, 0));
    if (rnd() < 0.3) items.push(reviewItem(s, qi, t + 5_000_000));
  }
  return { s, items };
}

describe(`analytics summaries equal the fact rows (${hubTestDbLabel()}, seed ${SEED})`, () => {
  let hub: TestHub;
  const kiosks: KioskCredential[] = [];
  const sessions: Sess[] = [];
  let version = 1;

  const ingest = async (k: number, items: readonly unknown[]) => {
    for (let i = 0; i < items.length; i += 150) {
      const body = JSON.stringify({ items: items.slice(i, i + 150) });
      const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(kiosks[k]!, 'POST', '/v1/kiosk/items', body, Date.now()), 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      const r = (await res.json()) as { results: Array<{ key: string; status: string }> };
      expect(r.results.filter((x) => x.status !== 'stored')).toEqual([]);
    }
  };

  const snapshotSummaries = async () => {
    const out: Record<string, unknown[]> = {};
    for (const s of Object.values(SUMMARIES)) {
      const r = await hub.db.pool.query(`SELECT * FROM ${s.table} ORDER BY grain, period, job, ${s.dims.map((d) => d.col).join(', ')}`);
      out[s.table] = r.rows.map((row: Record<string, unknown>) => JSON.stringify(row));
    }
    return out;
  };

  /** Random filters: open-ended, aligned on CST days/months, and cutting them at any minute. */
  const filters = (): Filters[] => {
    const at = () => T0 - 2 * 86_400_000 + Math.floor(rnd() * (SPAN + 4 * 86_400_000) / 60_000) * 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    const out: Filters[] = [
      {},
      { from: '2026-02-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' },
      { from: '2026-02-01T00:00:00+08:00' },
      { from: '2026-01-01T00:00:00+08:00', to: '2027-01-01T00:00:00+08:00' },
      { from: '2025-12-31T16:00:00+08:00', to: '2027-01-01T00:00:00+08:00' },
      { to: '2026-03-15T00:00:00+08:00' },
      { centre: 'Centre 1', from: '2026-03-01T00:00:00+08:00', to: '2026-04-01T00:00:00+08:00' },
      { job: 'pack.sales' },
    ];
    for (let i = 0; i < 10; i++) {
      const a = at();
      const b = at();
      const f: Filters = { ...(rnd() < 0.85 ? { from: iso(Math.min(a, b)) } : {}), ...(rnd() < 0.85 ? { to: iso(Math.max(a, b) + 60_000) } : {}) };
      if (rnd() < 0.3) Object.assign(f, { job: pick(JOBS) });
      if (rnd() < 0.25) Object.assign(f, { centre: `Centre ${Math.floor(rnd() * 3)}` });
      out.push(f);
    }
    return out;
  };

  const compareAll = async (phase: string) => {
    let nonEmpty = 0;
    for (const f of filters()) {
      for (const name of REPORT_NAMES) {
        const stages = name === 'validity' || name === 'fairness' ? [undefined, pick(['interview', 'final_round', 'offer', 'probation'] as const)] : [undefined];
        for (const stage of stages) {
          const ff: Filters = stage ? { ...f, stage } : f;
          const raw = await runReport(hub.db.pool, name, ff, () => 0, { source: 'raw' });
          const sum = await runReport(hub.db.pool, name, ff, () => 0, { source: 'summaries' });
          expect(sum, `${phase} ${name} ${JSON.stringify(ff)}`).toStrictEqual(raw);
          if (raw.rows.length > 0) nonEmpty++;
        }
      }
    }
    // The comparison is not vacuous.
    expect(nonEmpty).toBeGreaterThan(60);
    // What ingest and imports maintained equals a rebuild from the fact rows.
    const maintained = await snapshotSummaries();
    await rebuildAllSummaries(hub.db.pool);
    expect(await snapshotSummaries(), phase).toStrictEqual(maintained);
  };

  beforeAll(async () => {
    hub = await startTestHub();
    for (let k = 0; k < 3; k++) {
      const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
      kiosks.push(await enrolKiosk(hub.url, String(code.json.code), `Centre ${k}`));
    }
    const byKiosk: unknown[][] = [[], [], []];
    for (let i = 0; i < N; i++) {
      const { s, items } = newSession(i);
      sessions.push(s);
      byKiosk[s.kiosk]!.push(...items);
    }
    for (let k = 0; k < 3; k++) await ingest(k, byKiosk[k]!);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('the range plan covers a range exactly once: whole months and days, partial days from the rows', () => {
    const day = 86_400_000;
    for (let i = 0; i < 500; i++) {
      const a = T0 - 40 * day + Math.floor(rnd() * 200 * day);
      const b = a + 1 + Math.floor(rnd() * (rnd() < 0.3 ? day : rnd() < 0.5 ? 120 * day : 800 * day));
      const from = rnd() < 0.1 ? null : a;
      const to = rnd() < 0.1 ? null : b;
      const plan = planRange(from, to);
      const spans = [...plan.summary, ...plan.raw].map((s) => [s.from ?? -Infinity, s.to ?? Infinity] as const).sort((x, y) => x[0] - y[0]);
      // Contiguous, no overlap, from `from` to `to`.
      expect(spans[0]![0]).toBe(from ?? -Infinity);
      expect(spans[spans.length - 1]![1]).toBe(to ?? Infinity);
      for (let j = 1; j < spans.length; j++) expect(spans[j]![0]).toBe(spans[j - 1]![1]);
      for (const s of plan.summary) {
        // Summary spans start and end on CST midnights (months on the 1st).
        for (const edge of [s.from, s.to]) if (edge !== null) expect((edge + 8 * 3_600_000) % day).toBe(0);
        if (s.grain !== 'd') for (const edge of [s.from, s.to]) if (edge !== null) expect(new Date(edge + 8 * 3_600_000).getUTCDate()).toBe(1);
        if (s.grain === 'y') for (const edge of [s.from, s.to]) if (edge !== null) expect(new Date(edge + 8 * 3_600_000).getUTCMonth()).toBe(0);
      }
      // Rows are read only for less than a day at each edge (under two days when no whole day fits).
      expect(plan.raw.reduce((t, r) => t + ((r.to ?? Infinity) - (r.from ?? -Infinity)), 0)).toBeLessThan(2 * day);
    }
  });

  it('after ingest', async () => {
    await compareAll('ingest');
  }, 600_000);

  it('after imports of demographics and outcomes', async () => {
    const sexes = ['female', 'male', 'unknown', ''];
    const eth = ['汉族', '回族', '壮族', ''];
    const demo = ['invite_code,sex,民族', ...sessions.filter(() => rnd() < 0.85).map((s) => `${s.code},${pick(sexes)},${pick(eth)}`)].join('\n');
    expect(await applyImport(hub.db, 'demographics', demo, 'admin')).toMatchObject({ ok: true });
    const yn = ['pass', 'fail', '', '是', '否'];
    const out = ['invite_code,final_round,offer,probation', ...sessions.filter(() => rnd() < 0.8).map((s) => `${s.code},${pick(yn)},${pick(yn)},${pick(yn)}`)].join('\n');
    expect(await applyImport(hub.db, 'outcomes', out, 'admin')).toMatchObject({ ok: true });
    await compareAll('import');
  }, 600_000);

  it('after re-synced changes (a session changes job, new attempts and reviews) and re-imports', async () => {
    const byKiosk: unknown[][] = [[], [], []];
    for (const s of sessions) {
      if (rnd() < 0.25) {
        s.job = pick(JOBS.filter((j) => j !== s.job));
        version += 1;
        byKiosk[s.kiosk]!.push(sessionSnapshot(s, version));
      }
      if (rnd() < 0.3) {
        const qi = pick([...s.attempts.keys()]);
        const attempt = (s.attempts.get(qi) ?? 0) + 1;
        s.attempts.set(qi, attempt);
        byKiosk[s.kiosk]!.push(scoreItem(s, qi, attempt));
      }
      if (rnd() < 0.2) byKiosk[s.kiosk]!.push(reviewItem(s, pick([...s.attempts.keys()]), s.t + 6_000_000));
    }
    // The three kiosks sync at once (concurrent transactions on PostgreSQL rebuilding the same job's cells).
    await Promise.all([0, 1, 2].map((k) => ingest(k, byKiosk[k]!)));
    // Re-imports change earlier values (only the columns a file carries are replaced).
    const demo = ['invite_code,sex,age_band', ...sessions.filter(() => rnd() < 0.5).map((s) => `${s.code},${pick(['female', 'male'])},${pick(['18-24', '25-34', 'over 35'])}`)].join('\n');
    const re = await applyImport(hub.db, 'demographics', demo, 'admin');
    expect(re, JSON.stringify(re)).toMatchObject({ ok: true });
    const out = ['invite_code,offer', ...sessions.filter(() => rnd() < 0.5).map((s) => `${s.code},${pick(['pass', 'fail'])}`)].join('\n');
    expect(await applyImport(hub.db, 'outcomes', out, 'admin')).toMatchObject({ ok: true });
    // A job moved: the old job's cells lost the session, the new job's gained it.
    const moved = await hub.db.pool.query<{ n: number }>("SELECT count(DISTINCT job)::int AS n FROM analytics_sum_sessions WHERE grain = 'm'");
    expect(moved.rows[0]!.n).toBe(JOBS.length);
    await compareAll('changes');
  }, 600_000);

  it("migration 0006's backfill of an existing hub's facts builds what ingest maintained", async () => {
    const maintained = await snapshotSummaries();
    expect(maintained.analytics_sum_answers!.length).toBeGreaterThan(0);
    for (const s of Object.values(SUMMARIES)) await hub.db.pool.query(`DELETE FROM ${s.table}`);
    // The migration's own SQL text (no parameters), as migrate() runs it.
    await hub.db.pool.query(rebuildAllSql());
    expect(await snapshotSummaries()).toStrictEqual(maintained);
  }, 600_000);
});
