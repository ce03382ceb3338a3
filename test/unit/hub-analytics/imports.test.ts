/**
 * HR's analytics CSV against hostile files: encodings, BOM, formula injection, oversize files and
 * row counts, duplicates, unknown columns and values. Every fault is listed with its line; a file
 * with any fault yields no rows at all.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CATEGORY_COLUMNS, MAX_IMPORT_ROWS, MAX_ROW_ERRORS, parseImport } from '../../../hub/analytics/imports';

const codes = (r: ReturnType<typeof parseImport>) => (r.ok ? [] : r.errors.map((e) => e.code));

describe('outcome imports', () => {
  it('reads UTF-8 with a BOM, CRLF, Chinese headers and values, blanks as unknown', () => {
    const r = parseImport('outcomes', '\uFEFF邀请码,终面,录用,试用期\r\nA-1,通过,是,\r\nA-2,未通过,否,合格\r\n');
    expect(r.ok).toBe(true);
    if (!r.ok || r.kind !== 'outcomes') return;
    expect(r.columns).toEqual(['final_round', 'offer', 'probation']);
    expect(r.rows).toEqual([
      { line: 2, inviteCode: 'A-1', final_round: true, offer: true, probation: null },
      { line: 3, inviteCode: 'A-2', final_round: false, offer: false, probation: true },
    ]);
  });

  it('only the columns the file carries are set', () => {
    const r = parseImport('outcomes', 'invite_code,offer\nA,yes\n');
    expect(r.ok && r.kind === 'outcomes' && r.columns).toEqual(['offer']);
  });

  it('lists every bad row with its line and imports none', () => {
    const r = parseImport('outcomes', 'invite_code,final_round\nA,pass\nA,fail\nB,maybe\nC\nD E,pass\n');
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'DUPLICATE_ROW'],
      [4, 'BAD_OUTCOME'],
      [5, 'WRONG_CELL_COUNT'],
      [6, 'BAD_INVITE_CODE'],
    ]);
  });

  it('refuses unknown or duplicate columns and a header without invite_code', () => {
    expect(codes(parseImport('outcomes', 'invite_code,salary\nA,1\n'))).toContain('UNKNOWN_COLUMN');
    expect(codes(parseImport('outcomes', 'invite_code,offer,offer\nA,yes,no\n'))).toContain('DUPLICATE_COLUMN');
    expect(codes(parseImport('outcomes', 'name,offer\nA,yes\n'))).toContain('MISSING_COLUMN');
    expect(codes(parseImport('outcomes', ''))).toEqual(['CSV_EMPTY']);
    expect(codes(parseImport('outcomes', 'invite_code,offer\n'))).toEqual(['CSV_NO_ROWS']);
  });
});

describe('demographic imports', () => {
  it('keeps whatever category columns HR gives, lower-cased; blanks become unknown', () => {
    const r = parseImport('demographics', 'invite_code,Sex,民族,Age band\nA,female,汉族,25-34\nB,,回族,\n');
    expect(r.ok).toBe(true);
    if (!r.ok || r.kind !== 'demographics') return;
    expect(r.columns).toEqual(['sex', '民族', 'age band']);
    expect(r.rows[1]).toEqual({ line: 3, inviteCode: 'B', categories: { sex: 'unknown', 民族: '回族', 'age band': 'unknown' } });
  });

  it('refuses spreadsheet formulas and odd characters in a category', () => {
    for (const v of ['=cmd|\' /C calc\'!A0', '+1+1', '@SUM(A1)', '-2', '<script>', 'a;b']) {
      const r = parseImport('demographics', `invite_code,sex\nA,"${v.replace(/"/g, '""')}"\n`);
      expect(codes(r), v).toEqual(['BAD_CATEGORY']);
    }
    expect(codes(parseImport('demographics', 'invite_code,=evil\nA,x\n'))).toContain('BAD_COLUMN_NAME');
  });

  it('bounds the number of category columns', () => {
    const cols = Array.from({ length: MAX_CATEGORY_COLUMNS + 1 }, (_, i) => `c${i}`);
    expect(codes(parseImport('demographics', `invite_code,${cols.join(',')}\nA,${cols.map(() => 'x').join(',')}\n`))).toContain('TOO_MANY_COLUMNS');
  });
});

describe('hostile files', () => {
  it('refuses a file that is not UTF-8 (GBK or Latin-1 bytes decoded as UTF-8)', () => {
    const gbk = Buffer.concat([Buffer.from('invite_code,sex\nA,'), Buffer.from([0xc4, 0xd0, 0xd0, 0xd4]), Buffer.from('\n')]).toString('utf8');
    expect(codes(parseImport('demographics', gbk))).toEqual(['CSV_NOT_UTF8']);
    const latin1 = Buffer.from('invite_code,sex\nA,f\xe9minin\n', 'latin1').toString('utf8');
    expect(codes(parseImport('demographics', latin1))).toEqual(['CSV_NOT_UTF8']);
  });

  it('refuses a huge file and too many rows before doing per-row work', () => {
    expect(codes(parseImport('outcomes', `invite_code,offer\n${'A,yes\n'.repeat(200_000)}`))).toEqual(['CSV_TOO_LARGE']);
    const many = `invite_code,offer\n${Array.from({ length: MAX_IMPORT_ROWS + 2 }, (_, i) => `C${i},y`).join('\n')}\n`;
    expect(codes(parseImport('outcomes', many))).toEqual(['CSV_TOO_MANY_ROWS']);
  });

  it('refuses control characters and broken quoting with the line', () => {
    const r = parseImport('outcomes', 'invite_code,offer\nA,"yes\n');
    expect(codes(r)).toEqual(['CSV_UNTERMINATED_QUOTE']);
    expect(codes(parseImport('outcomes', 'invite_code,offer\nA,y\u0000es\n'))).toEqual(['CSV_CONTROL_CHARACTER']);
  });

  it('caps the error list', () => {
    const rows = Array.from({ length: 500 }, () => 'A,nope').join('\n');
    const r = parseImport('outcomes', `invite_code,offer\n${rows}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.length).toBe(MAX_ROW_ERRORS);
  });
});
