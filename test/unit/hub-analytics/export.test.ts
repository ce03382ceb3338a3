/** Report exports: CSV with a BOM, headers in the asked language, formula cells neutralised; XLSX read back. */
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { reportCsv, reportXlsx } from '../../../hub/analytics/export';
import type { Report } from '../../../hub/analytics/reports';
import { parseCsv } from '../../../hub/invites/csv';

const report: Report = {
  name: 'exits',
  title: { 'zh-CN': '中途退出', en: 'Exits' },
  columns: [
    { key: 'value', label: { 'zh-CN': '取值', en: 'Value' }, kind: 'text' },
    { key: 'exits', label: { 'zh-CN': '退出人数', en: 'Exits' }, kind: 'integer' },
    { key: 'share', label: { 'zh-CN': '占比', en: 'Share' }, kind: 'percent' },
  ],
  rows: [
    { value: '=HYPERLINK("http://evil","x")', exits: 3, share: 0.25 },
    { value: '网络', exits: 1, share: null },
  ],
  chart: null,
  notes: [],
  meta: { sessions: 12, generatedAt: '2026-12-07T00:00:00.000Z' },
};

describe('report export', () => {
  it('CSV: BOM, zh-CN or en header, formula-looking cells prefixed, empty for null', () => {
    const zh = reportCsv(report, 'zh-CN');
    expect(zh.charCodeAt(0)).toBe(0xfeff);
    const rows = parseCsv(zh).map((r) => r.cells);
    expect(rows[0]).toEqual(['取值', '退出人数', '占比']);
    expect(rows[1]![0]).toBe('\'=HYPERLINK("http://evil","x")');
    expect(rows[2]).toEqual(['网络', '1', '']);
    expect(parseCsv(reportCsv(report, 'en'))[0]!.cells).toEqual(['Value', 'Exits', 'Share']);
  });

  it('XLSX: same rows, numbers as numbers, text never a formula', async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await reportXlsx(report, 'en')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.getRow(1).values).toEqual([undefined, 'Value', 'Exits', 'Share']);
    expect(ws.getRow(2).getCell(1).value).toBe('=HYPERLINK("http://evil","x")');
    expect(ws.getRow(2).getCell(1).formula).toBeUndefined();
    expect(ws.getRow(2).getCell(2).value).toBe(3);
    expect(ws.getRow(2).getCell(3).value).toBe(0.25);
    expect(ws.rowCount).toBe(3);
  });
});
