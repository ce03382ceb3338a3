/**
 * HR analytics through the hub's HTTP routes: a kiosk syncs sessions (hash-chained journal events:
 * exits, returns, pre-checks; score and review records) through the signed ingest route; HR
 * imports outcomes and demographics as CSV (hr_admin only, all-or-nothing); every report answers
 * the contract's shape with the numbers the seeded data implies; each role sees only its reports
 * (a proctor none); exports parse back to the same rows with a formula-safe CSV and a real XLSX.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exactMedians, middleRanks } from '../../hub/analytics/medians';
import { parseCsv } from '../../hub/invites/csv';
import { GENESIS, journalEventHash } from '../../hub/journal-chain';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

const T0 = Date.parse('2026-11-03T01:00:00Z'); // 09:00 in UTC+8
const N = 40;

interface Ev {
  type: string;
  at: number;
  payload: Record<string, unknown>;
}

function chain(sessionId: string, events: readonly Ev[]) {
  let prev = GENESIS;
  return events.map((e, i) => {
    const seq = i + 1;
    const payload = JSON.stringify(e.payload);
    const hash = journalEventHash(prev, sessionId, seq, e.type, e.at, payload);
    const body = { sessionId, seq, type: e.type, at: e.at, payload, prevHash: prev, hash };
    prev = hash;
    return { key: `ev:${sessionId}:${seq}`, kind: 'journal_event', body };
  });
}

/** Session i: exits at question 1 for network when i % 4 == 0 (and comes back and completes when i % 8 == 0). */
function sessionItems(i: number) {
  const id = `sess-${i}`;
  const code = `INV-${i}`;
  const t = T0 + i * 3_600_000 * 24 * 0.5;
  const exits = i % 4 === 0;
  const back = i % 8 === 0;
  const completed = !exits || back;
  const ev: Ev[] = [
    { type: 'checked_in', at: t, payload: {} },
    { type: 'precheck_recorded', at: t + 1000, payload: { mode: 'kiosk', checks: [{ id: 'camera.frames', status: i % 5 === 0 ? 'fail' : 'pass', remediationKey: i % 5 === 0 ? 'precheck.fix.camera' : null }, { id: 'network.latency', status: 'pass', remediationKey: null }] } },
    { type: 'interview_started', at: t + 60_000, payload: {} },
  ];
  if (exits) ev.push({ type: 'exit_confirmed', at: t + 60_000 + 600_000, payload: { reason: 'network', questionIndex: 1 } });
  if (back) ev.push({ type: 'resumed', at: t + 3_600_000, payload: { questionIndex: 1 } });
  if (completed) ev.push({ type: 'interview_completed', at: t + 4_000_000, payload: {} });
  const total = 30 + (i % 10) * 7; // 30..93
  return [
    { key: `session:${id}:1`, kind: 'session', body: { id, inviteCode: code, state: completed ? 'completed' : 'exited', packId: 'pack.sales', questionIndex: 2, resumeCount: back ? 1 : 0, createdAt: t, updatedAt: t } },
    ...chain(id, ev),
    {
      key: `score:${id}:0:0`,
      kind: 'score',
      body: { sessionId: id, question_index: 0, attempt: 0, question_id: 'q.teamwork', status: 'scored', total, band: total >= 60 ? 'pass' : total >= 45 ? 'borderline' : 'below', result: { competencies: [{ competencyId: 'c.collab', level: 1 + Math.floor(total / 25) }] } },
    },
    ...(total >= 45 && total < 60 ? [{ key: `review:${id}:1`, kind: 'review', body: { sessionId: id, id: i, question_index: 0, attempt: 0, competency_id: 'c.collab', reviewer: 'r1', old_level: 2, new_level: 3, reason_code: 'evidence_missed', at: t + 5_000_000 } }] : []),
  ];
}

describe(`hub analytics (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let kiosk: KioskCredential;
  const tokens: Record<string, string> = {};

  const get = async (path: string, role: string) => {
    const res = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${tokens[role]}` } });
    return res;
  };
  const postCsv = async (path: string, role: string, text: string | Buffer) => {
    const res = await fetch(`${hub.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tokens[role]}`, 'content-type': 'text/csv' }, body: typeof text === 'string' ? text : new Uint8Array(text) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    hub = await startTestHub();
    tokens.hr_admin = hub.adminToken;
    for (const role of ['recruiter', 'proctor', 'auditor'] as const) {
      expect((await hub.api('POST', '/v1/users', hub.adminToken, { username: `a-${role}`, password: `password-${role}-123`, role })).status).toBe(201);
      tokens[role] = await hub.login(`a-${role}`, `password-${role}-123`);
    }
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    kiosk = await enrolKiosk(hub.url, String(code.json.code), 'Centre Pudong');
    const items = Array.from({ length: N }, (_, i) => sessionItems(i)).flat();
    for (let i = 0; i < items.length; i += 200) {
      const body = JSON.stringify({ items: items.slice(i, i + 200) });
      const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(kiosk, 'POST', '/v1/kiosk/items', body, Date.now()), 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      const r = (await res.json()) as { results: Array<{ status: string }> };
      expect(r.results.every((x) => x.status === 'stored')).toBe(true);
    }
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('imports are hr_admin only, all-or-nothing, and list every bad row', async () => {
    const good = ['\uFEFFinvite_code,sex,民族', ...Array.from({ length: N }, (_, i) => `INV-${i},${i % 2 ? 'female' : 'male'},${i % 3 ? '汉族' : '回族'}`)].join('\r\n');
    expect((await postCsv('/v1/analytics/imports/demographics', 'recruiter', good)).status).toBe(403);
    expect((await postCsv('/v1/analytics/imports/demographics', 'proctor', good)).status).toBe(403);
    const bad = await postCsv('/v1/analytics/imports/demographics', 'hr_admin', `${good}\r\nINV-1,male,汉族\r\nINV-999,male,汉族\r\n`);
    expect(bad.status).toBe(400);
    const err = bad.json.error as { code: string; rows: Array<{ line: number; code: string }> };
    expect(err.code).toBe('IMPORT_INVALID');
    expect(err.rows).toContainEqual(expect.objectContaining({ line: N + 2, code: 'DUPLICATE_ROW' }));
    expect((await hub.db.pool.query('SELECT count(*)::int AS n FROM hr_demographics')).rows[0].n).toBe(0);
    const unknown = await postCsv('/v1/analytics/imports/demographics', 'hr_admin', 'invite_code,sex\nNOBODY,male\n');
    expect((unknown.json.error as { rows: Array<{ code: string }> }).rows[0]!.code).toBe('UNKNOWN_CANDIDATE');
    const gbk = Buffer.concat([Buffer.from('invite_code,sex\nINV-1,'), Buffer.from([0xc4, 0xd0]), Buffer.from('\n')]);
    expect(((await postCsv('/v1/analytics/imports/demographics', 'hr_admin', gbk)).json.error as { rows: Array<{ code: string }> }).rows[0]!.code).toBe('CSV_NOT_UTF8');
    const ok = await postCsv('/v1/analytics/imports/demographics', 'hr_admin', good);
    expect(ok.status, JSON.stringify(ok.json)).toBe(201);
    expect(ok.json.imported).toBe(N);
    const outcomes = ['invite_code,final_round,offer', ...Array.from({ length: N }, (_, i) => `INV-${i},${30 + (i % 10) * 7 >= 51 ? 'pass' : 'fail'},${i % 3 === 0 ? '是' : ''}`)].join('\n');
    expect((await postCsv('/v1/analytics/imports/outcomes', 'hr_admin', outcomes)).status).toBe(201);
    const audit = await hub.db.pool.query<{ action: string }>("SELECT action FROM audit_log WHERE action LIKE 'POST /v1/analytics/imports/%'");
    expect(audit.rows.length).toBe(2);
    // The copies on the fact rows follow the import.
    const f = await hub.db.pool.query<{ n: number }>("SELECT count(*)::int AS n FROM analytics_answers WHERE demo IS NOT NULL AND final_round IS NOT NULL");
    expect(f.rows[0]!.n).toBe(N);
  });

  it('each role sees only its reports; a proctor sees none', async () => {
    const names = async (role: string) => ((await (await get('/v1/analytics', role)).json()) as { reports: Array<{ name: string; title: Record<string, string> }> }).reports.map((r) => r.name);
    expect(await names('proctor')).toEqual([]);
    expect(await names('hr_admin')).toEqual(['exits', 'exit-returns', 'no-shows', 'precheck-failures', 'outcomes', 'score-distribution', 'review-overrides', 'validity', 'fairness']);
    expect(await names('auditor')).toContain('fairness');
    expect(await names('recruiter')).not.toContain('fairness');
    expect(await names('recruiter')).not.toContain('validity');
    expect((await get('/v1/analytics/fairness', 'recruiter')).status).toBe(403);
    expect((await get('/v1/analytics/exits', 'proctor')).status).toBe(403);
    expect((await get('/v1/analytics/exits/export?format=csv', 'proctor')).status).toBe(403);
    const unknown = await get('/v1/analytics/nope', 'hr_admin');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_REPORT');
    for (const q of ['from=yesterday', 'job=%3Dcmd', 'stage=lunch', 'extra=1', 'from=2026-12-01&to=2026-11-01']) {
      const r = await get(`/v1/analytics/exits?${q}`, 'hr_admin');
      expect(r.status, q).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code, q).toBe('INVALID_FILTER');
    }
  });

  it('every report answers the contract shape', async () => {
    for (const name of ['exits', 'exit-returns', 'no-shows', 'precheck-failures', 'outcomes', 'score-distribution', 'review-overrides', 'validity', 'fairness']) {
      const res = await get(`/v1/analytics/${name}?from=2026-11-01T00:00:00Z&to=2026-12-31T00:00:00Z`, 'hr_admin');
      expect(res.status, name).toBe(200);
      const r = (await res.json()) as { name: string; title: Record<string, string>; columns: Array<{ key: string; label: Record<string, string>; kind: string }>; rows: Array<Record<string, unknown>>; meta: { sessions: number; generatedAt: string } };
      expect(r.name).toBe(name);
      expect(r.title['zh-CN']!.length).toBeGreaterThan(0);
      expect(r.title.en!.length).toBeGreaterThan(0);
      for (const c of r.columns) expect(['text', 'integer', 'number', 'percent', 'ratio'], name).toContain(c.kind);
      for (const row of r.rows) expect(Object.keys(row).every((k) => r.columns.some((c) => c.key === k)), `${name} row keys`).toBe(true);
      expect(r.meta.sessions, name).toBe(N);
    }
  });

  it('the numbers follow from the synced data', async () => {
    const exits = (await (await get('/v1/analytics/exit-returns', 'auditor')).json()) as { rows: Array<Record<string, number | string>> };
    // 10 of 40 exit (i % 4 == 0), 5 of them come back (i % 8 == 0) and complete.
    expect(exits.rows.find((r) => r.reason === 'network')).toMatchObject({ exits: 10, returned: 5, returnedCompleted: 5, returnRate: 0.5 });
    const byDim = (await (await get('/v1/analytics/exits', 'auditor')).json()) as { rows: Array<Record<string, number | string>> };
    expect(byDim.rows.find((r) => r.dimension === 'question' && r.value === '1')!.exits).toBe(10);
    expect(byDim.rows.find((r) => r.dimension === 'reason' && r.value === 'network')!.medianMinutes).toBe(10);
    const pre = (await (await get('/v1/analytics/precheck-failures', 'auditor')).json()) as { rows: Array<Record<string, number | string>> };
    expect(pre.rows.find((r) => r.dimension === 'check' && r.value === 'camera.frames')).toMatchObject({ checks: 40, failures: 8 });
    const rev = (await (await get('/v1/analytics/review-overrides', 'auditor')).json()) as { rows: Array<Record<string, number | string>> };
    // Borderline totals 51 and 58 (i % 10 in {3, 4}): 8 answers sent to review, all 8 changed.
    expect(rev.rows.find((r) => r.dimension === 'question')).toMatchObject({ n: 8, overridden: 8, overrideRate: 1 });
    const fair = (await (await get('/v1/analytics/fairness?stage=interview', 'auditor')).json()) as { rows: Array<Record<string, number | string | null>>; notes: Array<{ code: string }> };
    expect(fair.notes.map((n) => n.code)).toContain('HEURISTIC_0_8');
    expect(fair.rows.filter((r) => r.dimension === 'sex').map((r) => r.n).reduce((a, b) => Number(a) + Number(b), 0)).toBeGreaterThan(0);
    expect(fair.rows.some((r) => r.dimension === 'sex×民族')).toBe(true);
    const val = (await (await get('/v1/analytics/validity', 'hr_admin')).json()) as { rows: Array<Record<string, number | string | null>> };
    // final_round passes exactly when total >= 51: a strong positive correlation with a CI above 0.
    const fr = val.rows.find((r) => r.question === 'q.teamwork' && r.competency === '—' && r.outcome === 'final_round')!;
    expect(fr.n).toBe(N);
    expect(Number(fr.r)).toBeGreaterThan(0.7);
    expect(Number(fr.ciLow)).toBeGreaterThan(0);
    // The report's r (from running sums) equals PostgreSQL's own corr over the raw tables.
    const pg = await hub.db.pool.query<{ r: number }>(
      "SELECT corr((i.body->>'total')::float8, o.final_round::int) AS r FROM items i JOIN hub_sessions s ON s.session_id = i.session_id JOIN hr_outcomes o ON o.invite_code = s.invite_code WHERE i.kind = 'score'",
    );
    expect(Number(fr.r)).toBeCloseTo(Number(pg.rows[0]!.r), 9);
    const offer = val.rows.find((r) => r.question === 'q.teamwork' && r.competency === '—' && r.outcome === 'offer')!;
    expect(offer.n).toBe(14); // i % 3 == 0 for i < 40; the other rows were blank (unknown)
  });

  it('exports parse back to the same rows: CSV with a BOM and formula-safe cells, and XLSX', async () => {
    const json = (await (await get('/v1/analytics/outcomes', 'recruiter')).json()) as { columns: Array<{ key: string; label: { en: string } }>; rows: Array<Record<string, unknown>> };
    const csvRes = await get('/v1/analytics/outcomes/export?format=csv&lang=en', 'recruiter');
    expect(csvRes.status).toBe(200);
    expect(csvRes.headers.get('content-type')).toContain('text/csv');
    const bytes = Buffer.from(await csvRes.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // the BOM Excel needs for zh-CN
    const rec = parseCsv(bytes.toString('utf8'));
    expect(rec[0]!.cells).toEqual(json.columns.map((c) => c.label.en));
    expect(rec.length - 1).toBe(json.rows.length);
    const zh = parseCsv(await (await get('/v1/analytics/outcomes/export?format=csv', 'recruiter')).text());
    expect(zh[0]!.cells[0]).toBe('维度');
    const x = await get('/v1/analytics/outcomes/export?format=xlsx&lang=en', 'recruiter');
    expect(x.headers.get('content-type')).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(await x.arrayBuffer()) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.rowCount - 1).toBe(json.rows.length);
    expect(ws.getRow(1).getCell(1).value).toBe('Dimension');
    expect(ws.getRow(2).getCell(3).value).toBe(json.rows[0]!.n);
    expect((await get('/v1/analytics/outcomes/export?format=pdf', 'recruiter')).status).toBe(400);
  });

  it('bucketed exact medians equal PostgreSQL percentile_cont (ties, fractions, even and odd counts, empty populations)', async () => {
    expect(middleRanks(5)).toEqual([3]);
    expect(middleRanks(4)).toEqual([2, 3]);
    expect(middleRanks(0)).toEqual([]);
    await hub.db.pool.query('CREATE TABLE med_probe (g text, v double precision, p boolean)');
    await hub.db.pool.query(
      `INSERT INTO med_probe SELECT 'g' || (i % 7), CASE WHEN i % 3 = 0 THEN 50 ELSE ((i * 7919) % 1000) / 10.0 END, (i * 31) % 5 < 2 FROM generate_series(1, 2001) i`,
    );
    await hub.db.pool.query(`INSERT INTO med_probe VALUES ('single', 42.5, false), ('pair', 10, true), ('pair', 11.5, true)`);
    const got = await exactMedians(hub.db.pool, { from: 'med_probe m', value: 'm.v', group: 'm.g', where: 'true', params: [], populations: ['true', 'm.p'] });
    const want = await hub.db.pool.query<{ g: string; a: number; b: number | null }>(
      'SELECT g, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS a, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FILTER (WHERE p) AS b FROM med_probe GROUP BY g',
    );
    expect(want.rows.length).toBe(9);
    for (const w of want.rows) {
      expect(got.get(w.g)![0], w.g).toBeCloseTo(Number(w.a), 9);
      if (w.b === null) expect(got.get(w.g)![1], w.g).toBeNull();
      else expect(got.get(w.g)![1], w.g).toBeCloseTo(Number(w.b), 9);
    }
  });
});
