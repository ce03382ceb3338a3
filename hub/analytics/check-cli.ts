/**
 * `npm run hub:analytics-check -- --json [--database-url URL]`: seeds candidates through the hub's
 * real paths (kiosk items through `ingestItems`, HR's outcome and demographic CSV through
 * `applyImport`) and reads the fairness report through `runReport`, the code the console's route
 * calls. Two data sets:
 *
 * 1. The scoring example published in the DCWP final rule (6 RCNY 5-301(c), "culture fit"): sex
 *    categories Male 92 applicants, scoring rate 54.3 %, impact ratio 1.00; Female 76, 44.7 %,
 *    0.82; race/ethnicity Hispanic or Latino 28, 64.2 %, 1.00; White 40, 37.5 %, 0.58; Black or
 *    African American 32, 50.0 %, 0.78; Native Hawaiian or Pacific Islander 8, 62.5 %, 0.97;
 *    Asian 24, 41.7 %, 0.65 (the table's remaining rows are seeded as an unknown race).
 * 2. The worked values of issue #14: a selection-rate impact ratio of 0.80 and a scoring-rate
 *    impact ratio of 0.745 (200 vs 400 candidates: selected 100 vs 160, above the median 100 vs 149).
 *
 * The expected figures below are the published ones, written out here (the oracle), never
 * recomputed by the report code. Last line: one JSON object with `ok`, `target`, `pass`; exit 1
 * on any mismatch.
 */
import { parseArgs } from 'node:util';
import type { HubDatabase } from '../db/database';
import { ingestItems, type IngestItem } from '../ingest';
import { applyImport } from './imports';
import { runReport } from './reports';
import { scratchDatabase } from './scratch-db';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'database-url': { type: 'string', default: '' } } });

interface Person {
  readonly code: string;
  readonly score: number;
  readonly categories: Record<string, string>;
  readonly finalRound?: boolean;
}

const DCWP_JOB = 'dcwp-culture-fit';
const ISSUE_JOB = 'issue-14-example';

/** The published culture-fit table (oracle). Rates are the published percentages, ratios as printed. */
const PUBLISHED = {
  sex: [
    { category: 'Male', n: 92, rate: 0.543, ratio: 1.0 },
    { category: 'Female', n: 76, rate: 0.447, ratio: 0.82 },
  ],
  race: [
    { category: 'Hispanic or Latino', n: 28, rate: 0.642, ratio: 1.0 },
    { category: 'White', n: 40, rate: 0.375, ratio: 0.58 },
    { category: 'Black or African American', n: 32, rate: 0.5, ratio: 0.78 },
    { category: 'Native Hawaiian or Pacific Islander', n: 8, rate: 0.625, ratio: 0.97 },
    { category: 'Asian', n: 24, rate: 0.417, ratio: 0.65 },
  ],
} as const;
/** Issue #14's worked values (oracle). */
const ISSUE = { selectionImpactRatio: 0.8, scoringImpactRatio: 0.745 } as const;

function dcwpPeople(): Person[] {
  // Above-median counts per race (18, 15, 16, 5, 10; the other 36 of unknown race: 20) and per sex
  // (50 of 92 male, 34 of 76 female) – 84 of 168 above, so the sample median falls between 20 and 80.
  const races: Array<[string, number, number]> = [
    ['Hispanic or Latino', 28, 18],
    ['White', 40, 15],
    ['Black or African American', 32, 16],
    ['Native Hawaiian or Pacific Islander', 8, 5],
    ['Asian', 24, 10],
    ['unknown', 36, 20],
  ];
  const above: string[] = [];
  const below: string[] = [];
  for (const [race, n, a] of races) {
    for (let i = 0; i < n; i++) (i < a ? above : below).push(race);
  }
  const people: Person[] = [];
  // Sexes: 50 male + 34 female above; 42 male + 42 female below.
  above.forEach((race, i) => people.push({ code: `DCWP-A${i}`, score: 80, categories: { sex: i < 50 ? 'Male' : 'Female', race } }));
  below.forEach((race, i) => people.push({ code: `DCWP-B${i}`, score: 20, categories: { sex: i < 42 ? 'Male' : 'Female', race } }));
  return people;
}

function issuePeople(): Person[] {
  const people: Person[] = [];
  const group = (sex: string, n: number, above: number, selected: number) => {
    for (let i = 0; i < n; i++) people.push({ code: `I14-${sex}-${i}`, score: i < above ? 80 : 20, categories: { sex }, finalRound: (i + 7) % n < selected });
  };
  group('Male', 200, 100, 100);
  group('Female', 400, 149, 160);
  return people;
}

async function seed(db: HubDatabase, kioskId: string, job: string, people: readonly Person[]): Promise<void> {
  const t0 = Date.parse('2026-11-02T01:00:00Z');
  const items: IngestItem[] = [];
  people.forEach((p, i) => {
    const sessionId = `s-${p.code}`;
    items.push({ key: `session:${sessionId}:1`, kind: 'session', body: { id: sessionId, inviteCode: p.code, state: 'completed', packId: job, questionIndex: 1, resumeCount: 0, createdAt: t0 + i * 60_000, updatedAt: t0 + i * 60_000 + 1_800_000 } });
    items.push({
      key: `score:${sessionId}:0:0`,
      kind: 'score',
      body: { sessionId, question_index: 0, attempt: 0, question_id: 'q.culture', status: 'scored', total: p.score, band: p.score >= 50 ? 'pass' : 'below', result: { competencies: [{ competencyId: 'c.fit', level: p.score >= 50 ? 4 : 2 }] }, computed_at: t0 },
    });
  });
  for (let i = 0; i < items.length; i += 500) {
    const res = await ingestItems(db, kioskId, items.slice(i, i + 500));
    const bad = res.filter((r) => r.status !== 'stored');
    if (bad.length) throw new Error(`ingest refused ${bad.length} items: ${JSON.stringify(bad.slice(0, 3))}`);
  }
  const cats = [...new Set(people.flatMap((p) => Object.keys(p.categories)))];
  const demo = [['invite_code', ...cats].join(','), ...people.map((p) => [p.code, ...cats.map((c) => p.categories[c] ?? '')].join(','))].join('\n');
  const d = await applyImport(db, 'demographics', demo, 'user:analytics-check');
  if (!d.ok) throw new Error(`demographics import refused: ${JSON.stringify(d.errors.slice(0, 3))}`);
  const withOutcome = people.filter((p) => p.finalRound !== undefined);
  if (withOutcome.length) {
    const csv = ['invite_code,final_round', ...withOutcome.map((p) => `${p.code},${p.finalRound ? 'pass' : 'fail'}`)].join('\r\n');
    const o = await applyImport(db, 'outcomes', `\uFEFF${csv}`, 'user:analytics-check');
    if (!o.ok) throw new Error(`outcomes import refused: ${JSON.stringify(o.errors.slice(0, 3))}`);
  }
}

const r3 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 1000) / 1000);
const r2 = (x: number | null | undefined) => (x === null || x === undefined ? null : Math.round(x * 100) / 100);

async function main(): Promise<number> {
  const started = Date.now();
  const scratch = await scratchDatabase(values['database-url'] || undefined);
  const mismatches: string[] = [];
  let out: Record<string, unknown> = {};
  try {
    const { db } = scratch;
    await db.pool.query("INSERT INTO kiosks (id, name, public_key) VALUES ('k_check', 'Centre check', 'none')");
    await seed(db, 'k_check', DCWP_JOB, dcwpPeople());
    await seed(db, 'k_check', ISSUE_JOB, issuePeople());

    const dcwp = await runReport(db.pool, 'fairness', { job: DCWP_JOB, stage: 'interview' });
    const published: Record<string, unknown> = {};
    for (const [dim, rows] of Object.entries(PUBLISHED)) {
      for (const want of rows) {
        const got = dcwp.rows.find((r) => r.dimension === dim && r.category === want.category);
        const rate = typeof got?.scoringRate === 'number' ? got.scoringRate : null;
        const ratio = typeof got?.scoringImpactRatio === 'number' ? got.scoringImpactRatio : null;
        published[`${dim}:${want.category}`] = { n: got?.n ?? null, scoringRate: r3(rate), impactRatio: r2(ratio) };
        if (got?.n !== want.n) mismatches.push(`${dim} ${want.category}: n ${String(got?.n)} ≠ ${want.n}`);
        // A published percentage has one decimal: the computed rate must be within its last digit.
        if (rate === null || Math.abs(rate - want.rate) > 0.001) mismatches.push(`${dim} ${want.category}: scoring rate ${String(rate)} ≠ ${want.rate}`);
        if (r2(ratio) !== want.ratio) mismatches.push(`${dim} ${want.category}: impact ratio ${String(r2(ratio))} ≠ ${want.ratio}`);
      }
    }
    const unknownRace = (dcwp.meta.unknown as Record<string, Record<string, number>> | undefined)?.[`${DCWP_JOB} / interview`]?.race;
    if (unknownRace !== 36) mismatches.push(`unknown race count ${String(unknownRace)} ≠ 36`);

    const issue = await runReport(db.pool, 'fairness', { job: ISSUE_JOB, stage: 'final_round' });
    const female = issue.rows.find((r) => r.dimension === 'sex' && r.category === 'Female');
    const selectionImpactRatio = r3(typeof female?.selectionImpactRatio === 'number' ? female.selectionImpactRatio : null);
    const scoringImpactRatio = r3(typeof female?.scoringImpactRatio === 'number' ? female.scoringImpactRatio : null);
    if (selectionImpactRatio !== ISSUE.selectionImpactRatio) mismatches.push(`selection impact ratio ${String(selectionImpactRatio)} ≠ ${ISSUE.selectionImpactRatio}`);
    if (scoringImpactRatio !== ISSUE.scoringImpactRatio) mismatches.push(`scoring impact ratio ${String(scoringImpactRatio)} ≠ ${ISSUE.scoringImpactRatio}`);
    const highlighted = (issue.highlight ?? []).some((h) => h.column === 'scoringImpactRatio' && issue.rows[h.row]?.category === 'Female');
    if (!highlighted) mismatches.push('the 0.745 scoring impact ratio is not highlighted as under 0.8');
    if (!issue.notes.some((n) => n.code === 'HEURISTIC_0_8' && n['zh-CN'].length > 0 && n.en.includes('heuristic'))) mismatches.push('the 0.8 heuristic note is missing');

    out = { db: scratch.label, selectionImpactRatio, scoringImpactRatio, dcwpScoringExample: published, sessions: dcwp.meta.sessions + issue.meta.sessions };
  } catch (e) {
    mismatches.push(`error: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    await scratch.drop().catch(() => undefined);
  }
  const ok = mismatches.length === 0;
  const result = { ok, ...out, mismatches, target: { selectionImpactRatio: ISSUE.selectionImpactRatio, scoringImpactRatio: ISSUE.scoringImpactRatio, dcwpScoringExample: 'every published n, rate and ratio' }, pass: ok, ms: Date.now() - started };
  if (!values.json) for (const m of mismatches) console.error(`MISMATCH ${m}`);
  console.log(JSON.stringify(result));
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.log(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e), target: ISSUE, pass: false }));
    process.exit(1);
  },
);
