/**
 * HR's CSV imports for analytics: later outcomes per candidate (final round, offer, probation) and
 * demographic categories (whatever columns HR gives: sex, 民族, age band…) kept in their own table
 * for the fairness monitor only. UTF-8 with or without a BOM; a file is all-or-nothing: every row
 * fault is listed with its line and nothing is written unless the whole file is valid.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { HubDatabase } from '../db/database';
import { CsvError, parseCsv } from '../invites/csv';
import { syncHrColumns } from './facts';

export const MAX_IMPORT_ROWS = 20_000;
export const MAX_CATEGORY_COLUMNS = 6;
export const MAX_ROW_ERRORS = 100;

export type ImportKind = 'outcomes' | 'demographics';

export interface RowError {
  readonly line: number;
  readonly column?: string;
  readonly code: string;
  readonly message: string;
}

export type ParsedImport =
  | { readonly ok: true; readonly kind: 'outcomes'; readonly rows: ReadonlyArray<{ line: number; inviteCode: string; final_round?: boolean | null; offer?: boolean | null; probation?: boolean | null }>; readonly columns: readonly OutcomeColumn[] }
  | { readonly ok: true; readonly kind: 'demographics'; readonly rows: ReadonlyArray<{ line: number; inviteCode: string; categories: Record<string, string> }>; readonly columns: readonly string[] }
  | { readonly ok: false; readonly errors: readonly RowError[] };

export type OutcomeColumn = 'final_round' | 'offer' | 'probation';

const CODE_RE = /^[A-Za-z0-9_-]{1,200}$/;
const CATEGORY_NAME_RE = /^[\p{L}\p{N}_ ]{1,40}$/u;
const CATEGORY_VALUE_RE = /^[\p{L}\p{N} _./()·-]{0,60}$/u;

const OUTCOME_ALIASES: Record<string, OutcomeColumn> = {
  final_round: 'final_round',
  'final round': 'final_round',
  终面: 'final_round',
  终面结果: 'final_round',
  offer: 'offer',
  录用: 'offer',
  probation: 'probation',
  试用期: 'probation',
  试用期结果: 'probation',
};
const CODE_ALIASES = new Set(['invite_code', 'invite code', 'code', '邀请码']);
const TRUE_VALUES = new Set(['pass', 'passed', 'yes', 'y', 'true', '1', 'offer', 'hired', '通过', '是', '录用', '合格']);
const FALSE_VALUES = new Set(['fail', 'failed', 'no', 'n', 'false', '0', 'rejected', 'declined', '未通过', '不通过', '否', '未录用', '不合格']);
const BLANK_VALUES = new Set(['', 'unknown', 'pending', '未知', '待定']);

/** Parses and validates a whole file; never throws on bad input. */
export function parseImport(kind: ImportKind, text: string): ParsedImport {
  if (text.includes('\uFFFD')) return { ok: false, errors: [{ line: 0, code: 'CSV_NOT_UTF8', message: 'the file is not valid UTF-8 (save it as “CSV UTF-8”)' }] };
  let records;
  try {
    records = parseCsv(text, MAX_IMPORT_ROWS);
  } catch (e) {
    if (e instanceof CsvError) return { ok: false, errors: [{ line: e.line, code: e.code, message: e.message }] };
    throw e;
  }
  const [head, ...body] = records;
  if (!head) return { ok: false, errors: [{ line: 0, code: 'CSV_EMPTY', message: 'the file has no header row' }] };
  if (body.length === 0) return { ok: false, errors: [{ line: head.line, code: 'CSV_NO_ROWS', message: 'the file has a header but no rows' }] };
  const names = head.cells.map((c) => c.trim());
  const lower = names.map((n) => n.toLowerCase());
  const codeAt = lower.findIndex((n) => CODE_ALIASES.has(n));
  const errors: RowError[] = [];
  const push = (e: RowError) => {
    if (errors.length < MAX_ROW_ERRORS) errors.push(e);
  };
  if (codeAt < 0) push({ line: head.line, code: 'MISSING_COLUMN', message: 'the header needs an invite_code column' });
  const seenHead = new Set<string>();
  for (const n of lower) {
    if (seenHead.has(n)) push({ line: head.line, column: n, code: 'DUPLICATE_COLUMN', message: `column "${n}" appears twice` });
    seenHead.add(n);
  }
  const outcomeCols: Array<{ at: number; col: OutcomeColumn }> = [];
  const catCols: Array<{ at: number; name: string }> = [];
  if (kind === 'outcomes') {
    names.forEach((n, at) => {
      if (at === codeAt) return;
      const col = OUTCOME_ALIASES[n.toLowerCase()];
      if (!col) push({ line: head.line, column: n, code: 'UNKNOWN_COLUMN', message: `unknown column "${n}" (expected final_round, offer, probation)` });
      else outcomeCols.push({ at, col });
    });
    if (outcomeCols.length === 0) push({ line: head.line, code: 'MISSING_COLUMN', message: 'the header needs at least one of final_round, offer, probation' });
  } else {
    names.forEach((n, at) => {
      if (at === codeAt) return;
      if (!CATEGORY_NAME_RE.test(n)) push({ line: head.line, column: n, code: 'BAD_COLUMN_NAME', message: `column name "${n.slice(0, 40)}" must be 1–40 letters, digits, spaces or _` });
      else catCols.push({ at, name: n.toLowerCase() });
    });
    if (catCols.length === 0) push({ line: head.line, code: 'MISSING_COLUMN', message: 'the header needs at least one category column' });
    if (catCols.length > MAX_CATEGORY_COLUMNS) push({ line: head.line, code: 'TOO_MANY_COLUMNS', message: `at most ${MAX_CATEGORY_COLUMNS} category columns` });
  }
  if (errors.length) return { ok: false, errors };
  const seen = new Map<string, number>();
  const outRows: Array<{ line: number; inviteCode: string } & Record<string, unknown>> = [];
  for (const rec of body) {
    if (rec.cells.length !== names.length) {
      push({ line: rec.line, code: 'WRONG_CELL_COUNT', message: `line ${rec.line}: ${rec.cells.length} cells, the header has ${names.length}` });
      continue;
    }
    const code = rec.cells[codeAt]!.trim();
    if (!CODE_RE.test(code)) {
      push({ line: rec.line, column: names[codeAt], code: 'BAD_INVITE_CODE', message: `line ${rec.line}: the invite code must be 1–200 letters, digits, _ or -` });
      continue;
    }
    const dup = seen.get(code);
    if (dup !== undefined) {
      push({ line: rec.line, column: names[codeAt], code: 'DUPLICATE_ROW', message: `line ${rec.line}: invite code ${code} already on line ${dup}` });
      continue;
    }
    seen.set(code, rec.line);
    if (kind === 'outcomes') {
      const row: { line: number; inviteCode: string } & Partial<Record<OutcomeColumn, boolean | null>> = { line: rec.line, inviteCode: code };
      let bad = false;
      for (const { at, col } of outcomeCols) {
        const v = rec.cells[at]!.trim().toLowerCase();
        if (TRUE_VALUES.has(v)) row[col] = true;
        else if (FALSE_VALUES.has(v)) row[col] = false;
        else if (BLANK_VALUES.has(v)) row[col] = null;
        else {
          bad = true;
          push({ line: rec.line, column: col, code: 'BAD_OUTCOME', message: `line ${rec.line}: "${v.slice(0, 40)}" is not pass/fail, yes/no or blank` });
        }
      }
      if (!bad) outRows.push(row);
    } else {
      const categories: Record<string, string> = {};
      let bad = false;
      for (const { at, name } of catCols) {
        const v = rec.cells[at]!.trim();
        if (!CATEGORY_VALUE_RE.test(v) || /^[=+\-@]/.test(v)) {
          bad = true;
          push({ line: rec.line, column: name, code: 'BAD_CATEGORY', message: `line ${rec.line}: category values are up to 60 letters, digits, spaces and . _ / ( ) · - (not starting with = + - @)` });
        } else categories[name] = v === '' ? 'unknown' : v;
      }
      if (!bad) outRows.push({ line: rec.line, inviteCode: code, categories });
    }
  }
  if (errors.length) return { ok: false, errors };
  return kind === 'outcomes'
    ? { ok: true, kind, rows: outRows as never, columns: outcomeCols.map((c) => c.col) }
    : { ok: true, kind, rows: outRows as never, columns: catCols.map((c) => c.name) };
}

export type ImportResult = { ok: true; importId: string; rows: number } | { ok: false; errors: readonly RowError[] };

/** Validates, checks every candidate is known to the hub, then writes all rows in one transaction (or nothing). */
export async function applyImport(db: HubDatabase, kind: ImportKind, text: string, actor: string): Promise<ImportResult> {
  const parsed = parseImport(kind, text);
  if (!parsed.ok) return parsed;
  const codes = parsed.rows.map((r) => r.inviteCode);
  const known = await db.pool.query<{ code: string }>(
    `SELECT c.code FROM unnest($1::text[]) AS c(code) WHERE EXISTS (SELECT 1 FROM invites i WHERE i.code = c.code) OR EXISTS (SELECT 1 FROM analytics_sessions s WHERE s.invite_code = c.code)`,
    [codes],
  );
  const knownSet = new Set(known.rows.map((r) => r.code));
  const unknown = parsed.rows.filter((r) => !knownSet.has(r.inviteCode));
  if (unknown.length) {
    return { ok: false, errors: unknown.slice(0, MAX_ROW_ERRORS).map((r) => ({ line: r.line, code: 'UNKNOWN_CANDIDATE', message: `line ${r.line}: no invite or session has this invite code` })) };
  }
  const importId = randomUUID();
  const sha = createHash('sha256').update(text).digest('hex');
  await db.transaction(async (c) => {
    if (parsed.kind === 'outcomes') {
      const cols = parsed.columns;
      const vals = (k: OutcomeColumn) => parsed.rows.map((r) => (r[k] === undefined ? null : r[k]));
      // Only the columns the file carries are replaced; others keep their earlier value.
      const set = cols.map((k) => `${k} = EXCLUDED.${k}`).join(', ');
      await c.query(
        `INSERT INTO hr_outcomes (invite_code, final_round, offer, probation, import_id)
         SELECT code, fr, of, pr, $5 FROM unnest($1::text[], $2::boolean[], $3::boolean[], $4::boolean[]) AS t(code, fr, of, pr)
         ON CONFLICT (invite_code) DO UPDATE SET ${set}, import_id = EXCLUDED.import_id, updated_at = now()`,
        [codes, vals('final_round'), vals('offer'), vals('probation'), importId],
      );
    } else {
      await c.query(
        `INSERT INTO hr_demographics (invite_code, categories, import_id)
         SELECT code, cats::jsonb, $3 FROM unnest($1::text[], $2::text[]) AS t(code, cats)
         ON CONFLICT (invite_code) DO UPDATE SET categories = EXCLUDED.categories, import_id = EXCLUDED.import_id, updated_at = now()`,
        [codes, parsed.rows.map((r) => JSON.stringify(r.categories)), importId],
      );
    }
    await syncHrColumns(c, codes);
    await c.query('INSERT INTO analytics_imports (id, kind, actor, rows, sha256) VALUES ($1,$2,$3,$4,$5)', [importId, kind, actor, parsed.rows.length, sha]);
  });
  return { ok: true, importId, rows: parsed.rows.length };
}
