/**
 * `node --import tsx test/bench/resume-bombs.ts [--json] [--timeout-ms 10000]`: the résumé-bomb
 * corpus (generated, test/fixtures/resumes/generate-bombs.ts) through the kiosk's résumé parser
 * (a child process with memory and time limits). Each document must be refused or parsed within
 * its bound, the cases marked `refused` must be refused, and the main loop's longest busy stretch
 * must stay under 50 ms. Exits 1 when any target is missed; the last stdout line is one JSON object.
 */
import { parseArgs } from 'node:util';
import { ChildResumeParser, RESUME_LIMITS } from '../../main/services/packs/resume-parser';
import { extractResumeText } from '../../main/services/packs/resume-text';
import { generateBombs } from '../fixtures/resumes/generate-bombs';
import { makePdf } from '../fixtures/resumes/generate-resumes';
import { loopDuring } from '../support/loop-probe';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, 'timeout-ms': { type: 'string', default: String(RESUME_LIMITS.timeoutMs) } } });
const TIMEOUT_MS = Number(values['timeout-ms']);
const SLACK_MS = 3000;
const TARGET_MAX_BLOCK_MS = 50;

async function main(): Promise<number> {
  const bombs = generateBombs();
  const parser = new ChildResumeParser({ timeoutMs: TIMEOUT_MS });
  try {
    await parser.parse('pdf', makePdf(['warm-up']));
    const idle = await loopDuring(() => new Promise((r) => setTimeout(r, 1500)));
    const rows: { name: string; expect: string; outcome: 'refused' | 'parsed'; ms: number; reason: string }[] = [];
    const busy = await loopDuring(async () => {
      for (const b of bombs) {
        const t0 = performance.now();
        const r = await extractResumeText({ mediaType: b.kind === 'pdf' ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', data: b.data }, parser);
        rows.push({ name: b.name, expect: b.expect, outcome: r.ok ? 'parsed' : 'refused', ms: Math.round(performance.now() - t0), reason: r.ok ? `${r.value.text.length} chars` : r.error.message });
      }
    });
    const wrong = rows.filter((r) => (r.expect === 'refused' && r.outcome !== 'refused') || (r.expect === 'parsed' && r.outcome !== 'parsed'));
    const late = rows.filter((r) => r.ms > TIMEOUT_MS + SLACK_MS);
    if (!values.json) for (const r of rows) process.stdout.write(`${r.name.padEnd(32)} ${r.outcome.padEnd(7)} ${String(r.ms).padStart(6)} ms  ${r.reason.slice(0, 100)}\n`);
    const summary = {
      documents: rows.length,
      refused: rows.filter((r) => r.outcome === 'refused').length,
      parsed: rows.filter((r) => r.outcome === 'parsed').length,
      wrongOutcome: wrong.map((r) => r.name),
      overBound: late.map((r) => r.name),
      slowestMs: Math.max(...rows.map((r) => r.ms)),
      boundMs: TIMEOUT_MS + SLACK_MS,
      childrenKilled: parser.killed,
      loopMaxBlockMs: busy.maxBusyMs,
      targetMaxBlockMs: TARGET_MAX_BLOCK_MS,
      loopDelayP99Ms: busy.delayP99Ms,
      loopDelayMaxMs: busy.delayMaxMs,
      idleLoopDelayMaxMs: idle.delayMaxMs,
      childHeapMb: RESUME_LIMITS.heapMb,
      ok: wrong.length === 0 && late.length === 0 && busy.maxBusyMs < TARGET_MAX_BLOCK_MS,
    };
    process.stdout.write(JSON.stringify(summary) + '\n');
    return summary.ok ? 0 : 1;
  } finally {
    await parser.close();
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stdout.write(JSON.stringify({ ok: false, error: e instanceof Error ? e.message : String(e) }) + '\n');
    process.exit(1);
  },
);
