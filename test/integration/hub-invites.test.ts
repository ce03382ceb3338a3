/**
 * Invites on the hub: the JSON route's validation, the CSV import against hostile files (every
 * fault listed with its line, nothing half-imported — including a failure inside the database
 * half-way through the rows), the formula-safe export, and the audit of every candidate-data read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, safeCell, toCsv } from '../../hub/invites/csv';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

const HEADER = 'name,email,phone,channel,job,centre,window_start,window_end,location';
const row = (name: string, over: Partial<Record<'email' | 'phone' | 'channel' | 'start' | 'end' | 'location', string>> = {}) =>
  [name, over.email ?? 'a@example.com', over.phone ?? '+8613800000001', over.channel ?? 'email', 'pack.sales', '"Centre, Shanghai"', over.start ?? '2030-01-05T09:00:00+08:00', over.end ?? '2030-01-05T11:00:00+08:00', over.location ?? 'centre'].join(',');

async function importCsv(hub: TestHub, text: string, contentType = 'text/csv') {
  const res = await fetch(`${hub.url}/v1/invites/import`, { method: 'POST', headers: { authorization: `Bearer ${hub.adminToken}`, 'content-type': contentType }, body: text });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function inviteCount(hub: TestHub): Promise<number> {
  const r = await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM invites');
  return r.rows[0]!.n;
}

describe('invite CSV reader and writer', () => {
  it('reads quoted cells with commas, doubled quotes and line breaks, and reports structural faults with their line', () => {
    expect(parseCsv('a,b\r\n"x, y","say ""hi""\nthere"\n').map((r) => r.cells)).toEqual([
      ['a', 'b'],
      ['x, y', 'say "hi"\nthere'],
    ]);
    expect(() => parseCsv('a,b\n"open,b\n')).toThrow(/never ends/);
    expect(() => parseCsv('a,b\nx"y,b\n')).toThrow(/line 2: a quote inside an unquoted cell/);
    expect(() => parseCsv('a\n"x"y\n')).toThrow(/text after a closing quote/);
    expect(() => parseCsv('a\nnul\u0000byte\n')).toThrow(/control character/);
    expect(() => parseCsv(`a\n${'x'.repeat(501)}\n`)).toThrow(/longer than 500/);
    expect(() => parseCsv(`a\n${'x\n'.repeat(11)}`, 10)).toThrow(/more than 10 rows/);
  });

  it('neutralises spreadsheet formulas on export', () => {
    for (const f of ['=1+1', '+cmd', '-2', '@SUM(A1)', '\tx']) expect(safeCell(f).startsWith("'")).toBe(true);
    expect(safeCell('王小明')).toBe('王小明');
    expect(toCsv(['n'], [['=HYPERLINK("http://evil","x")']])).toBe('n\r\n"\'=HYPERLINK(""http://evil"",""x"")"\r\n');
  });
});

describe(`hub invites (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('the JSON route refuses an invalid invite with each field named', async () => {
    const r = await hub.api('POST', '/v1/invites', hub.adminToken, {
      candidateName: '',
      channel: 'dingtalk',
      jobId: 'x y',
      centre: 'c',
      windowStart: '2030-01-05 09:00',
      windowEnd: '2030-01-05T08:00:00Z',
      location: 'moon',
      extra: 1,
    });
    expect(r.status).toBe(400);
    const fields = (r.json.error as { fields: Array<{ field: string }> }).fields.map((f) => f.field);
    for (const f of ['candidateName', 'jobId', 'windowStart', 'location']) expect(fields).toContain(f);
    const past = await hub.api('POST', '/v1/invites', hub.adminToken, { candidateName: 'A', email: 'a@example.com', channel: 'email', jobId: 'j', centre: 'c', windowStart: '2001-01-01T00:00:00Z', windowEnd: '2001-01-01T01:00:00Z', location: 'home' });
    expect((past.json.error as { fields: Array<{ code: string }> }).fields[0]!.code).toBe('WINDOW_IN_PAST');
    expect(await inviteCount(hub)).toBe(0);
  });

  it('a CSV with any bad row imports nothing and lists every fault with its line', async () => {
    const text = [
      HEADER,
      row('Good One'),
      row('Bad Channel', { channel: 'fax' }),
      row('No Phone', { channel: 'wecom', phone: '' }),
      row('Backwards', { start: '2030-01-05T11:00:00+08:00', end: '2030-01-05T09:00:00+08:00' }),
      'Short,row',
      row('Good Two'),
    ].join('\n');
    const r = await importCsv(hub, text);
    expect(r.status).toBe(400);
    const rows = (r.json.error as { code: string; rows: Array<{ line: number; field: string; code: string }> }).rows;
    expect((r.json.error as { code: string }).code).toBe('CSV_INVALID');
    expect(rows.map((x) => `${x.line}:${x.field || x.code}`)).toEqual(['3:channel', '4:phone', '5:windowEnd', '6:CSV_COLUMN_COUNT']);
    expect(await inviteCount(hub)).toBe(0);
  });

  it('hostile files are refused whole: bad quoting, a missing column, too large, too many rows', async () => {
    const quoting = await importCsv(hub, `${HEADER}\n${row('Ok')}\n"unterminated,x\n`);
    expect((quoting.json.error as { rows: Array<{ code: string }> }).rows[0]!.code).toBe('CSV_UNTERMINATED_QUOTE');
    const header = await importCsv(hub, `name,email,channel\nA,a@example.com,email\n`);
    expect((header.json.error as { rows: Array<{ code: string }> }).rows[0]!.code).toBe('CSV_BAD_HEADER');
    const big = await importCsv(hub, `${HEADER}\n${row('x'.repeat(400))}\n`.repeat(3000));
    expect(big.status).toBe(413);
    const many = await importCsv(hub, `${HEADER}\n${`${row('Many')}\n`.repeat(5001)}`);
    expect(many.status).toBe(400);
    expect((many.json.error as { rows: Array<{ code: string }> }).rows[0]!.code).toBe('CSV_TOO_MANY_ROWS');
    expect(await inviteCount(hub)).toBe(0);
  });

  it('a failure inside the database on a later row rolls back the rows before it (one transaction)', async () => {
    await hub.db.pool.query(`CREATE FUNCTION test_refuse_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.candidate_name = 'Boom' THEN RAISE EXCEPTION 'refused by test trigger'; END IF; RETURN NEW; END $$`);
    await hub.db.pool.query('CREATE TRIGGER test_refuse_boom BEFORE INSERT ON invites FOR EACH ROW EXECUTE FUNCTION test_refuse_boom()');
    try {
      const r = await importCsv(hub, [HEADER, row('First'), row('Second'), row('Boom'), row('Fourth')].join('\n'));
      expect(r.status).toBe(500);
      expect(await inviteCount(hub)).toBe(0);
      const jobs = await hub.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM reminder_jobs');
      expect(jobs.rows[0]!.n).toBe(0);
    } finally {
      await hub.db.pool.query('DROP TRIGGER test_refuse_boom ON invites; DROP FUNCTION test_refuse_boom()');
    }
  });

  it('a valid CSV imports every row with its reminders; the export is formula-safe and every read is audited', async () => {
    const text = `\ufeff${HEADER},locale\r\n${row('"=HYPERLINK(""http://evil"",""click"")"')},en\r\n${row('李雷', { channel: 'dingtalk', email: '' })},zh-CN\r\n`;
    const asJson = await importCsv(hub, JSON.stringify({ csv: text }), 'application/json');
    expect([asJson.status, (asJson.json.error as { code: string }).code]).toEqual([415, 'CSV_EXPECTED']);
    const r = await importCsv(hub, text, 'text/csv; charset=utf-8');
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.imported).toBe(2);
    expect((r.json.invites as Array<{ reminders: number; code: string }>).map((x) => x.reminders)).toEqual([2, 2]);
    const recruiter = await hub.api('POST', '/v1/users', hub.adminToken, { username: 'rec1', password: 'recruiter-password-1', role: 'recruiter' });
    expect(recruiter.status).toBe(201);
    const token = await hub.login('rec1', 'recruiter-password-1');
    const list = await hub.api('GET', '/v1/invites', token);
    expect((list.json.invites as Array<{ candidateName: string; centre: string; locale: string }>).map((x) => [x.candidateName, x.centre, x.locale]).sort()).toEqual([
      ['=HYPERLINK("http://evil","click")', 'Centre, Shanghai', 'en'],
      ['李雷', 'Centre, Shanghai', 'zh-CN'],
    ]);
    const res = await fetch(`${hub.url}/v1/invites/export`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const cells = parseCsv(csv).map((x) => x.cells);
    expect(cells.map((c) => c[1])).toContain('\'=HYPERLINK("http://evil","click")');
    expect(cells.flat().filter((c) => /^[=+\-@]/.test(c))).toEqual([]);
    const audit = await hub.db.pool.query<{ actor: string; action: string }>("SELECT actor, action FROM audit_log WHERE actor='user:rec1'");
    expect(audit.rows.map((x) => x.action)).toEqual(['GET /v1/invites', 'GET /v1/invites/export']);
  });
});
