/**
 * A report as a file: CSV (UTF-8 with a BOM so Excel opens zh-CN text, formula-looking cells
 * neutralised) or XLSX (exceljs; cells typed, text cells never formulas). Same columns and rows as
 * the JSON report, the header in the requested language.
 */
import ExcelJS from 'exceljs';
import { toCsv } from '../invites/csv';
import type { Report } from './reports';

export type ExportLang = 'zh-CN' | 'en';

export function reportCsv(report: Report, lang: ExportLang): string {
  const header = report.columns.map((c) => c.label[lang]);
  const rows = report.rows.map((r) => report.columns.map((c) => r[c.key] ?? null));
  return `\uFEFF${toCsv(header, rows)}`;
}

export async function reportXlsx(report: Report, lang: ExportLang): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'Interview Kiosk hub';
  const ws = wb.addWorksheet(report.name.slice(0, 31));
  ws.addRow(report.columns.map((c) => c.label[lang]));
  ws.getRow(1).font = { bold: true };
  for (const r of report.rows) {
    // exceljs writes a string as a shared string, never a formula; numbers stay numbers.
    ws.addRow(report.columns.map((c) => {
      const v = r[c.key];
      return v === undefined ? null : v;
    }));
  }
  report.columns.forEach((c, i) => {
    const column = ws.getColumn(i + 1);
    column.width = Math.min(40, Math.max(10, c.label[lang].length * 2));
    if (c.kind === 'percent') column.numFmt = '0.0%';
    else if (c.kind === 'ratio' || c.kind === 'number') column.numFmt = '0.000';
  });
  const buf = await wb.xlsx.writeBuffer();
  return Buffer.from(buf as ArrayBuffer);
}
