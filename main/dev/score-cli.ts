/**
 * `npm run score -- <command>`: the scoring tools for authors, auditors and reviewers.
 *
 *   eval    --pack-source P --answers A.jsonl [--out F] [--json] [--min-qwk 0.6 --min-spearman 0.6 --min-within-one 0.8]
 *   answer  --pack-source P --question ID --locale zh-CN|en --text-file F [--json]
 *   train   --answers A.jsonl --out native-models/<name> [--pack-source P] [--group-column group] [--justification "…"] [--json]
 *   explain --session ID [--data-dir D] [--locale zh-CN|en]
 *   review  list|override … [--data-dir D]
 *   report  --session ID --pack-source P --locale zh-CN|en --out report.html [--pdf report.pdf] [--verdict] [--data-dir D]
 *
 * Every command prints one JSON object as its last line with --json and exits non-zero on a miss.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { databasePath } from '../app/composition-root';
import { systemClock } from '../common/clock';
import { openDatabase, openDatabaseReadOnly } from '../db/connection';
import { useFileKeys } from '../services/storage/crypto/file-keys';
import { overridesWithoutNotes, sessionScores } from '../db/queries/scoring';
import { getAnswer } from '../db/queries/sessions';
import { SqliteJournal } from '../services/journal/journal';
import { Pack } from '../services/packs/pack-schema';
import { JiebaSegmenter } from '../services/packs/resume-tags';
import { evaluate, parseGradedJsonl } from '../services/scoring/evaluate';
import { describeReason } from '../services/scoring/explain';
import { renderFeedbackReport } from '../services/scoring/feedback-report';
import { RubricScorer, type AnswerScore } from '../services/scoring/rubric';
import { ReviewQueue } from '../services/scoring/scoring-service';
import { trainModel } from '../services/scoring/train';

class UsageError extends Error {}

/** Reads a file the user named, refusing anything larger than the command could sensibly use. */
function readBounded(file: string, maxBytes: number): string {
  const size = statSync(file).size;
  if (size > maxBytes) throw new UsageError(`${file} is ${size} bytes; the limit is ${maxBytes}`);
  return readFileSync(file, 'utf8');
}

function loadPack(file: string | undefined): Pack {
  if (!file) throw new UsageError('--pack-source <pack.json> is required');
  let json: unknown;
  try {
    json = JSON.parse(readBounded(file, 20 * 1024 * 1024));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`pack source is not readable JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = Pack.safeParse(json);
  if (!r.success) throw new UsageError(`pack source is invalid: ${r.error.issues[0]?.path.join('.')}: ${r.error.issues[0]?.message}`);
  return r.data;
}

function locale(v: string | undefined): 'zh-CN' | 'en' {
  if (v === 'zh-CN' || v === 'en') return v;
  throw new UsageError('--locale must be zh-CN or en');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      'pack-source': { type: 'string' },
      answers: { type: 'string' },
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      question: { type: 'string' },
      locale: { type: 'string' },
      'text-file': { type: 'string' },
      session: { type: 'string' },
      'data-dir': { type: 'string' },
      'min-qwk': { type: 'string', default: '0.6' },
      'min-spearman': { type: 'string', default: '0.6' },
      'min-within-one': { type: 'string', default: '0.8' },
      'group-column': { type: 'string', default: 'group' },
      justification: { type: 'string' },
      seed: { type: 'string', default: '7' },
      reviewer: { type: 'string' },
      level: { type: 'string' },
      competency: { type: 'string' },
      reason: { type: 'string' },
      note: { type: 'string' },
      'question-index': { type: 'string' },
      attempt: { type: 'string' },
      verdict: { type: 'boolean', default: false },
      pdf: { type: 'string' },
    },
  });
  switch (command) {
    case 'eval': {
      const pack = loadPack(values['pack-source']);
      if (!values.answers) throw new UsageError('--answers <graded.jsonl> is required');
      const parsed = parseGradedJsonl(readBounded(values.answers, 200 * 1024 * 1024));
      for (const e of parsed.errors) process.stderr.write(`line ${e.line}: ${e.message}\n`);
      const seg = await JiebaSegmenter.shared();
      const { summary, rows } = evaluate(pack, seg, parsed.rows);
      if (values.out) writeFileSync(values.out, rows.map((r) => JSON.stringify({ id: r.id, levels: r.levels, total: r.total, band: r.band, evidence: r.evidence })).join('\n') + '\n');
      const targets = { qwk: Number(values['min-qwk']), spearman: Number(values['min-spearman']), withinOneLevel: Number(values['min-within-one']) };
      const ok = summary.answers > 0 && summary.qwk >= targets.qwk && summary.spearman >= targets.spearman && summary.withinOneLevel >= targets.withinOneLevel;
      if (!values.json) {
        for (const r of rows) process.stdout.write(`${r.id}\t${JSON.stringify(r.levels)}\t${r.total}\t${r.band} (human ${r.humanBand})\n`);
      }
      process.stdout.write(JSON.stringify({ ...summary, badLines: parsed.errors.length, targets, ok }) + '\n');
      return ok ? 0 : 1;
    }
    case 'answer': {
      const pack = loadPack(values['pack-source']);
      if (!values.question) throw new UsageError('--question <id> is required');
      if (!values['text-file']) throw new UsageError('--text-file <file> is required');
      const lang = locale(values.locale);
      const seg = await JiebaSegmenter.shared();
      const scorer = new RubricScorer(pack, seg);
      if (!scorer.question(values.question)) throw new UsageError(`no question ${values.question} in the pack`);
      const s = scorer.score({ questionId: values.question, locale: lang, text: readBounded(values['text-file'], 1024 * 1024) });
      if (!values.json) {
        for (const c of s.competencies) {
          process.stdout.write(`${c.competencyId}: level ${c.level} (${c.score}/${c.threshold}) ${c.band}\n`);
          for (const e of c.evidence) if (e.kind !== 'indicator_description') process.stdout.write(`  [${e.start},${e.end}) ${e.kind}${e.level ? ` L${e.level}` : ''}${e.negated ? ' NEGATED' : ''}: ${e.text}\n`);
          for (const w of c.whyNotHigher) process.stdout.write(`  not higher: ${describeReason(w, lang)}\n`);
        }
      }
      process.stdout.write(JSON.stringify(s) + '\n');
      return 0;
    }
    case 'train': {
      const pack = loadPack(values['pack-source']);
      if (!values.answers) throw new UsageError('--answers <graded.jsonl> is required');
      if (!values.out) throw new UsageError('--out native-models/<name> is required');
      const text = readBounded(values.answers, 200 * 1024 * 1024);
      const parsed = parseGradedJsonl(text);
      for (const e of parsed.errors) process.stderr.write(`line ${e.line}: ${e.message}\n`);
      const seg = await JiebaSegmenter.shared();
      const r = await trainModel(pack, seg, parsed.rows, {
        name: path.basename(values.out),
        outDir: values.out,
        groupColumn: values['group-column'] ?? 'group',
        ...(values.justification ? { justification: values.justification } : {}),
        trainingDataText: text,
      });
      if (r.ok) {
        process.stdout.write(JSON.stringify({ ok: true, dir: r.dir, backend: r.manifest.backend, rows: r.manifest.rows, heldOut: r.manifest.heldOut, impactRatio: r.manifest.fairness.impactRatio, justified: r.manifest.fairness.justification !== undefined }) + '\n');
        return 0;
      }
      process.stdout.write(JSON.stringify({ ok: false, code: r.code, message: r.message, heldOut: r.manifest?.heldOut, impactRatio: r.manifest?.fairness.impactRatio }) + '\n');
      return 1;
    }
    case 'explain': {
      if (!values.session) throw new UsageError('--session <id> is required');
      const lang = values.locale ? locale(values.locale) : 'zh-CN';
      const db = openDatabaseReadOnly(databasePath(path.resolve(values['data-dir'] ?? '.kiosk-data')));
      const rows = sessionScores(db, values.session);
      const out = rows.map((row) => {
        const s = JSON.parse(row.result) as AnswerScore;
        const overrides = overridesWithoutNotes(db, values.session!, row.question_index, row.attempt);
        if (!values.json) {
          process.stdout.write(`Q${row.question_index + 1} ${row.question_id} (attempt ${row.attempt}) — ${s.status}, ${row.engine} ${row.scorer_version}${row.model_sha256 ? ' model ' + row.model_sha256.slice(0, 12) : ''}\n`);
          for (const c of s.competencies) {
            process.stdout.write(`  ${c.competencyId}: level ${c.level} → ${c.score}/${c.threshold} ${c.band}\n`);
            for (const e of c.evidence) if (e.end > e.start) process.stdout.write(`    evidence [${e.start},${e.end}) ${e.kind}${e.level ? ' L' + e.level : ''}${e.negated ? ' (negated, not counted)' : ''}: ${e.text}\n`);
            for (const w of c.whyNotHigher) process.stdout.write(`    not higher: ${describeReason(w, lang)}\n`);
          }
          for (const o of overrides) process.stdout.write(`  override by ${o.reviewer}: ${o.competency_id} ${o.old_level} → ${o.new_level} (${o.reason_code})\n`);
          process.stdout.write(`  band ${row.band} (total ${row.total}): ${s.reasons.map((r) => describeReason(r, lang)).join('; ')}\n`);
        }
        return { questionIndex: row.question_index, attempt: row.attempt, band: row.band, total: row.total, overrides: overrides.length };
      });
      db.close();
      process.stdout.write(JSON.stringify({ ok: true, session: values.session, answers: out.length, items: out }) + '\n');
      return out.length > 0 ? 0 : 1;
    }
    case 'report': {
      if (!values.session) throw new UsageError('--session <id> is required');
      if (!values.out) throw new UsageError('--out <report.html> is required');
      const pack = loadPack(values['pack-source']);
      const lang = locale(values.locale);
      const db = openDatabaseReadOnly(databasePath(path.resolve(values['data-dir'] ?? '.kiosk-data')));
      // Typed answers are sealed at rest; the web shell's file key opens them (docs/encryption-at-rest.md).
      useFileKeys(db, path.resolve(values['data-dir'] ?? '.kiosk-data'));
      const answers = sessionScores(db, values.session).map((row) => {
        const score = JSON.parse(row.result) as AnswerScore;
        // A reviewer's level replaces the scorer's in what the candidate sees.
        const latest = new Map(overridesWithoutNotes(db, values.session!, row.question_index, row.attempt).map((o) => [o.competency_id, o.new_level]));
        const competencies = score.competencies.map((c) => (latest.has(c.competencyId) ? { ...c, level: latest.get(c.competencyId)!, score: latest.get(c.competencyId)! * 20 } : c));
        const overridden = score.status === 'needs_human_scoring' && competencies.every((c) => latest.has(c.competencyId));
        return { score: { ...score, competencies, status: overridden ? ('scored' as const) : score.status }, text: getAnswer(db, values.session!, row.question_index)?.text ?? '' };
      });
      db.close();
      const html = renderFeedbackReport({ pack, locale: lang, answers, showVerdict: values.verdict ?? false });
      writeFileSync(values.out, html);
      let pdf: string | null = null;
      if (values.pdf) {
        if (!existsSync('/usr/bin/chromium')) throw new UsageError('--pdf needs /usr/bin/chromium');
        const r = spawnSync('/usr/bin/chromium', ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', `--print-to-pdf=${path.resolve(values.pdf)}`, '--no-pdf-header-footer', `file://${path.resolve(values.out)}`], { encoding: 'utf8', timeout: 60_000 });
        if (r.status !== 0 || !existsSync(values.pdf)) throw new Error(`chromium could not print the report: ${r.stderr.slice(-300)}`);
        pdf = values.pdf;
      }
      process.stdout.write(JSON.stringify({ ok: true, session: values.session, answers: answers.length, html: values.out, pdf }) + '\n');
      return answers.length > 0 ? 0 : 1;
    }
    case 'review': {
      const sub = positionals[0];
      const db = openDatabase(databasePath(path.resolve(values['data-dir'] ?? '.kiosk-data')));
      try {
        const q = new ReviewQueue(db, new SqliteJournal(db), systemClock);
        if (sub === 'list') {
          const items = q.list();
          if (!values.json) for (const i of items) process.stdout.write(`${i.session_id}\tQ${i.question_index + 1}\tattempt ${i.attempt}\t${i.reason}\n`);
          process.stdout.write(JSON.stringify({ ok: true, open: items.length, items }) + '\n');
          return 0;
        }
        if (sub === 'override') {
          if (!values.session || !values.competency || !values.reviewer || !values.level || !values.reason || values['question-index'] === undefined) {
            throw new UsageError('review override needs --session --question-index --competency --reviewer --level --reason [--attempt 0] [--note …]');
          }
          const r = q.override({
            sessionId: values.session,
            questionIndex: Number(values['question-index']),
            attempt: Number(values.attempt ?? '0'),
            competencyId: values.competency,
            reviewer: values.reviewer,
            newLevel: Number(values.level),
            reasonCode: values.reason,
            ...(values.note !== undefined ? { note: values.note } : {}),
          });
          process.stdout.write(JSON.stringify(r.ok ? { ok: true, ...r.value } : { ok: false, ...r.error }) + '\n');
          return r.ok ? 0 : 1;
        }
        throw new UsageError('review list | review override …');
      } finally {
        db.close();
      }
    }
    default:
      throw new UsageError(`unknown command ${command ?? ''}${positionals.length ? ' ' + positionals.join(' ') : ''}; use eval, answer, train, explain or review`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const usage = e instanceof UsageError;
    const message = e instanceof Error ? e.message : String(e);
    process.stderr.write(`${message}\n`);
    if (process.argv.includes('--json')) process.stdout.write(JSON.stringify({ ok: false, code: usage ? 'USAGE' : 'INTERNAL', message }) + '\n');
    process.exitCode = usage ? 2 : 1;
  },
);
