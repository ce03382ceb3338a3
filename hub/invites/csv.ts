/**
 * CSV for invites: a strict RFC 4180 reader for imports (hostile input: size and row caps, quoting
 * errors reported with their line, control characters refused) and a writer for exports that
 * neutralises spreadsheet formulas (a cell starting with = + - @ or a tab/CR is prefixed with ').
 */

export const MAX_CSV_BYTES = 1024 * 1024;
export const MAX_CSV_ROWS = 5000;
export const MAX_CELL_CHARS = 500;

export class CsvError extends Error {
  constructor(
    readonly line: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface CsvRecord {
  /** 1-based line of the file on which the record starts. */
  readonly line: number;
  readonly cells: string[];
}

/** Parses the whole text or throws CsvError at the first structural fault. */
export function parseCsv(text: string, maxRows = MAX_CSV_ROWS): CsvRecord[] {
  if (Buffer.byteLength(text, 'utf8') > MAX_CSV_BYTES) throw new CsvError(0, 'CSV_TOO_LARGE', `the file is larger than ${MAX_CSV_BYTES} bytes`);
  const src = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: CsvRecord[] = [];
  let line = 1;
  let i = 0;
  while (i < src.length) {
    const startLine = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (src[i] === '"') {
        i++;
        for (;;) {
          if (i >= src.length) throw new CsvError(startLine, 'CSV_UNTERMINATED_QUOTE', `a quoted cell starting on line ${startLine} never ends`);
          const ch = src[i]!;
          if (ch === '"') {
            if (src[i + 1] === '"') {
              cell += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (ch === '\n') line++;
          cell += ch;
          i++;
        }
        if (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') throw new CsvError(line, 'CSV_BAD_QUOTE', `line ${line}: text after a closing quote`);
      } else {
        while (i < src.length && src[i] !== ',' && src[i] !== '\n' && src[i] !== '\r') {
          if (src[i] === '"') throw new CsvError(line, 'CSV_BAD_QUOTE', `line ${line}: a quote inside an unquoted cell`);
          cell += src[i];
          i++;
        }
      }
      // eslint-disable-next-line no-control-regex
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(cell)) throw new CsvError(line, 'CSV_CONTROL_CHARACTER', `line ${line}: a control character in a cell`);
      if (cell.length > MAX_CELL_CHARS) throw new CsvError(line, 'CSV_CELL_TOO_LONG', `line ${line}: a cell longer than ${MAX_CELL_CHARS} characters`);
      cells.push(cell);
      if (i >= src.length) break;
      if (src[i] === ',') {
        i++;
        continue;
      }
      // end of record: \n, \r\n or a lone \r
      if (src[i] === '\r') i++;
      if (src[i] === '\n') i++;
      line++;
      break;
    }
    if (cells.length === 1 && cells[0] === '') continue; // blank line
    out.push({ line: startLine, cells });
    if (out.length > maxRows + 1) throw new CsvError(startLine, 'CSV_TOO_MANY_ROWS', `more than ${maxRows} rows`);
  }
  return out;
}

/** A cell a spreadsheet would run as a formula gets a leading apostrophe. */
export function safeCell(value: string): string {
  return /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | number | null>>): string {
  const enc = (v: string | number | null) => {
    const s = safeCell(v === null ? '' : String(v));
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(enc).join(',')).join('\r\n') + '\r\n';
}
