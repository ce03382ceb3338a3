/**
 * `npm run bench:console -- --json [--database-url URL] [--sessions 100000] [--repeats 10]`: the
 * HR console's analytics queries over a large hub. Seeds `--sessions` interview sessions with
 * their answers, competency levels, pre-check checks, invites (no-shows, home checks, reschedule
 * requests), HR outcomes and demographic categories straight into the fact tables with SQL
 * generate_series (fast; the ingest path itself is proven by hub:analytics-check and the
 * integration tests), builds the summaries with the SQL ingest runs (`rebuildAllSummaries`: every
 * cell touched; hub-analytics-summaries.test.ts proves ingest and imports maintain exactly that),
 * VACUUM ANALYZEs, then runs every report through `runReport` (the route's code)
 * `--repeats` times in two shapes: the whole year unfiltered, and one centre's month (what the
 * console loads by default). Prints p50/p95 per report and shape and overall, and the seeding
 * time (seedFactsMs: the fact rows; seedSummariesMs: the summaries).
 *
 * Target: p95 < 300 ms for every report and overall (both shapes; `--gate centre-month`: the
 * default console view only, the year-wide figures still printed with their own pass). Last line: one JSON object with
 * `target` and `pass`; exit 1 on a miss. Without --database-url it runs on embedded PGlite (slow;
 * for a smoke run use a small --sessions).
 */
import { parseArgs } from 'node:util';
import { REPORT_NAMES, runReport, type Filters } from '../../hub/analytics/reports';
import { scratchDatabase } from '../../hub/analytics/scratch-db';
import { rebuildAllSummaries } from '../../hub/analytics/summaries';
import type { HubDatabase } from '../../hub/db/database';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    'database-url': { type: 'string', default: process.env.HUB_BENCH_DATABASE_URL ?? '' },
    sessions: { type: 'string', default: '100000' },
    repeats: { type: 'string', default: '10' },
    'target-p95-ms': { type: 'string', default: '300' },
    // all (default): both shapes must meet the target. centre-month: only what the console loads
    // by default gates the exit status; the year-wide figures are still printed with their own pass.
    gate: { type: 'string', default: 'all' },
    // keep the seeded database (prints its URL on stderr) for EXPLAIN; PostgreSQL only
    keep: { type: 'boolean', default: false },
  },
});
const SESSIONS = Number(values.sessions);
const REPEATS = Number(values.repeats);
const TARGET = Number(values['target-p95-ms']);
const GATE = values.gate === 'centre-month' ? 'centreMonth' : values.gate === 'all' ? 'all' : null;
if (GATE === null) {
  console.log(JSON.stringify({ error: 'bad --gate (all or centre-month)', pass: false }));
  process.exit(2);
}
if (!Number.isInteger(SESSIONS) || SESSIONS < 100 || SESSIONS > 2_000_000 || !Number.isInteger(REPEATS) || REPEATS < 3 || REPEATS > 1000) {
  console.log(JSON.stringify({ error: 'bad --sessions (100..2000000) or --repeats (3..1000)', pass: false, target: { p95Ms: TARGET } }));
  process.exit(2);
}

const YEAR_START = Date.parse('2026-01-01T00:00:00Z') / 1000;
const SPAN_S = 365 * 86400;

async function seed(db: HubDatabase, n: number): Promise<{ factsMs: number; summariesMs: number }> {
  const t0 = Date.now();
  const q = (sql: string, p: unknown[] = []) => db.pool.query(sql, p);
  const step = SPAN_S / n;
  await q("SELECT setseed(0.42)");
  await q(`INSERT INTO kiosks (id, name, public_key) SELECT 'k' || g, 'Kiosk ' || g, 'none' FROM generate_series(0, 199) g`);
  await q(
    `INSERT INTO analytics_sessions (kiosk_id, session_id, invite_code, job, stage, centre, started_at, state, completed, exited, exit_reason, exit_question, exit_at, exit_elapsed_ms, returned, resumes, answers, score_mean, selected, final_round, offer, probation, demo)
     SELECT 'k' || (g % 200), 's' || g, 'C' || g, 'job.' || (g % 8), 'interview', 'centre-' || (g % 20), t,
            CASE WHEN ex THEN 'exited' ELSE 'completed' END, NOT ex OR back, ex,
            CASE WHEN ex THEN (ARRAY['network','device','time','health','personal','other'])[1 + g % 6] END,
            CASE WHEN ex THEN g % 5 END, CASE WHEN ex THEN t + interval '12 minutes' END, CASE WHEN ex THEN 60000 * (1 + g % 40) END,
            ex AND back, CASE WHEN ex AND back THEN 1 ELSE 0 END, 3, sc, sc >= 45,
            CASE WHEN ho THEN random() < 0.3 + sc / 200 END, CASE WHEN ho AND random() < 0.6 THEN random() < 0.5 END, CASE WHEN ho AND random() < 0.3 THEN random() < 0.8 END,
            CASE WHEN random() < 0.9 THEN jsonb_build_object('sex', (ARRAY['female','male','unknown'])[1 + (random() * 2.1)::int], 'ethnicity', (ARRAY['汉族','回族','壮族','满族','维吾尔族','unknown'])[1 + (random() * 5)::int], 'age_band', (ARRAY['18-24','25-34','35-44','45+'])[1 + (random() * 3)::int])::text END
     FROM (SELECT g, to_timestamp($1::float8 + g * $2::float8) AS t, random() < 0.1 AS ex, random() < 0.5 AS back, round((random() * 60 + random() * 40)::numeric, 1)::float8 AS sc, random() < 0.35 AS ho
           FROM generate_series(0, $3 - 1) g) x`,
    [YEAR_START, step, n],
  );
  await q(
    `INSERT INTO analytics_answers (kiosk_id, session_id, question_index, question_id, invite_code, job, centre, started_at, total, band, status, for_review, overrides, final_round, offer, probation, demo)
     SELECT s.kiosk_id, s.session_id, qi, 'q' || qi, s.invite_code, s.job, s.centre, s.started_at, tot, CASE WHEN tot >= 60 THEN 'pass' WHEN tot >= 45 THEN 'borderline' ELSE 'below' END,
            CASE WHEN random() < 0.03 THEN 'needs_human_scoring' ELSE 'scored' END, tot BETWEEN 45 AND 60, CASE WHEN tot BETWEEN 45 AND 60 AND random() < 0.2 THEN 1 ELSE 0 END,
            s.final_round, s.offer, s.probation, s.demo
     FROM analytics_sessions s CROSS JOIN generate_series(0, 2) qi CROSS JOIN LATERAL (SELECT least(100, greatest(0, s.score_mean + (random() - 0.5) * 20)) AS tot) t`,
  );
  await q(
    `INSERT INTO analytics_competencies (kiosk_id, session_id, question_index, question_id, competency_id, invite_code, job, centre, started_at, level, overridden, for_review, final_round, offer, probation)
     SELECT a.kiosk_id, a.session_id, a.question_index, a.question_id, 'c' || a.question_index, a.invite_code, a.job, a.centre, a.started_at, 1 + least(4, floor(a.total / 20))::int, a.overrides > 0, a.for_review,
            a.final_round, a.offer, a.probation FROM analytics_answers a`,
  );
  await q(
    `INSERT INTO analytics_prechecks (kiosk_id, session_id, seq, check_id, job, centre, device, at, status, cause)
     SELECT s.kiosk_id, s.session_id, 3, c, s.job, s.centre, CASE WHEN random() < 0.2 THEN 'home' ELSE 'kiosk' END, s.started_at - interval '5 minutes',
            CASE WHEN random() < 0.05 THEN 'fail' WHEN random() < 0.1 THEN 'warn' ELSE 'pass' END, CASE WHEN random() < 0.5 THEN 'precheck.fix.' || c END
     FROM analytics_sessions s CROSS JOIN unnest(ARRAY['camera.frames','network.latency']) c`,
  );
  const invites = Math.max(100, Math.floor(n / 5));
  await q(
    `INSERT INTO invites (id, code, candidate_name, email, channel, job_id, centre, location, window_start, window_end, status, no_show_reason, created_by, created_at)
     SELECT 'i' || g, 'C' || g, 'Candidate ' || g, 'c' || g || '@example.com', (ARRAY['email','dingtalk','wecom'])[1 + g % 3], 'job.' || (g % 8), 'centre-' || (g % 20),
            CASE WHEN g % 4 = 0 THEN 'home' ELSE 'centre' END, ws, ws + 7200000,
            CASE WHEN r < 0.1 THEN 'no_show' WHEN r < 0.85 THEN 'checked_in' ELSE 'scheduled' END,
            CASE WHEN r < 0.1 THEN (ARRAY['forgot','conflict','illness',NULL])[1 + g % 4] END, 'bench', ws - 86400000
     FROM (SELECT g, (($1::float8 + g * $2::float8) * 1000)::bigint AS ws, random() AS r FROM generate_series(0, $3 - 1) g) x`,
    [YEAR_START, SPAN_S / invites, invites],
  );
  await q(`INSERT INTO invite_prechecks (invite_id, overall, failures, reported_by, received_at) SELECT id, CASE WHEN random() < 0.3 THEN 'NOT_READY' ELSE 'READY' END, '[]', 'anonymous', window_start - 3600000 FROM invites WHERE random() < 0.4`);
  await q(`INSERT INTO reschedule_requests (id, invite_id, reason, requested_by, received_at) SELECT 'r' || id, id, (ARRAY['device','network','environment','time','health','other'])[1 + (random() * 5)::int], 'anonymous', window_start - 7200000 FROM invites WHERE random() < 0.08`);
  // HR's tables as an import leaves them (the fact rows above already carry the copied columns,
  // as syncHrColumns sets them; the import path itself is covered by hub:analytics-check and tests).
  await q(`INSERT INTO hr_outcomes (invite_code, final_round, offer, probation, import_id) SELECT invite_code, final_round, offer, probation, 'bench' FROM analytics_sessions WHERE final_round IS NOT NULL`);
  await q(`INSERT INTO hr_demographics (invite_code, categories, import_id) SELECT invite_code, demo::jsonb, 'bench' FROM analytics_sessions WHERE demo IS NOT NULL`);
  const factsMs = Date.now() - t0;
  // The summaries as ingest maintains them: the same SQL (refreshSummaryCells' rebuild of the
  // touched cells), with every cell touched. The integration test proves ingest and imports leave
  // exactly what this builds.
  const t1 = Date.now();
  await rebuildAllSummaries(db.pool);
  const summariesMs = Date.now() - t1;
  // What autovacuum does on a live hub after a bulk load: visibility map and statistics.
  await q('VACUUM ANALYZE');
  return { factsMs, summariesMs };
}

function pct(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[i]! * 10) / 10;
}

async function main(): Promise<number> {
  const t0 = Date.now();
  const scratch = await scratchDatabase(values['database-url'] || undefined);
  try {
    const seeded = await seed(scratch.db, SESSIONS);
    const seedMs = Date.now() - t0;
    const shapes: Record<string, Filters> = { year: {}, centreMonth: { centre: 'centre-3', from: '2026-06-01T00:00:00+08:00', to: '2026-07-01T00:00:00+08:00' } };
    const perReport: Record<string, { p50Ms: number; p95Ms: number; rows: number }> = {};
    const all: number[] = [];
    const byShape: Record<string, number[]> = {};
    for (const [shape, f] of Object.entries(shapes)) {
      for (const name of REPORT_NAMES) {
        await runReport(scratch.db.pool, name, f); // warm-up, not counted
        const ms: number[] = [];
        let rows = 0;
        for (let i = 0; i < REPEATS; i++) {
          const s = performance.now();
          const r = await runReport(scratch.db.pool, name, f);
          ms.push(performance.now() - s);
          rows = r.rows.length;
        }
        ms.sort((a, b) => a - b);
        all.push(...ms);
        (byShape[shape] ??= []).push(...ms);
        perReport[`${shape}:${name}`] = { p50Ms: pct(ms, 0.5), p95Ms: pct(ms, 0.95), rows };
      }
    }
    all.sort((a, b) => a - b);
    const overall = { p50Ms: pct(all, 0.5), p95Ms: pct(all, 0.95), samples: all.length };
    const worst = Object.entries(perReport).sort((a, b) => b[1].p95Ms - a[1].p95Ms)[0]!;
    const empty = Object.entries(perReport).filter(([, v]) => v.rows === 0).map(([k]) => k);
    // Each shape on its own: its overall p95 and its worst report against the target.
    const shapeResult = (shape: string) => {
      const v = [...(byShape[shape] ?? [])].sort((a, b) => a - b);
      const w = Object.entries(perReport).filter(([k]) => k.startsWith(`${shape}:`)).sort((a, b) => b[1].p95Ms - a[1].p95Ms)[0];
      const p95Ms = pct(v, 0.95);
      return { p95Ms, worst: w ? { report: w[0], p95Ms: w[1].p95Ms } : null, pass: v.length > 0 && p95Ms < TARGET && (w?.[1].p95Ms ?? Infinity) < TARGET };
    };
    const shapesOut = { yearWide: shapeResult('year'), centreMonth: shapeResult('centreMonth') };
    const pass =
      empty.length === 0 &&
      (GATE === 'centreMonth' ? shapesOut.centreMonth.pass : overall.p95Ms < TARGET && worst[1].p95Ms < TARGET);
    if (!values.json) for (const [k, v] of Object.entries(perReport)) console.error(`${k.padEnd(32)} p50 ${v.p50Ms} ms  p95 ${v.p95Ms} ms  rows ${v.rows}`);
    console.log(JSON.stringify({ db: scratch.label, sessions: SESSIONS, repeats: REPEATS, seedMs, seedFactsMs: seeded.factsMs, seedSummariesMs: seeded.summariesMs, reports: perReport, overall, worst: { report: worst[0], p95Ms: worst[1].p95Ms }, ...shapesOut, emptyReports: empty, gate: GATE, target: { p95Ms: TARGET, everyReport: true, shapes: GATE === 'centreMonth' ? ['centreMonth'] : ['year', 'centreMonth'] }, pass, ms: Date.now() - t0 }));
    return pass ? 0 : 1;
  } finally {
    if (values.keep && scratch.label === 'postgres') console.error(`kept: ${scratch.url}`);
    else await scratch.drop().catch(() => undefined);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e), target: { p95Ms: TARGET }, pass: false }));
    process.exit(1);
  },
);
