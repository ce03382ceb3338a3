/**
 * The résumé-bomb corpus (generated here, test/fixtures/resumes/generate-bombs.ts): each document
 * is refused or parsed within a bound, and the kiosk's main loop is never blocked more than
 * 50 ms while the corpus goes through the parser (measured with monitorEventLoopDelay). Before
 * issue #12 a 216 KB DOCX exhausted the kiosk's heap and a 0.9 MB PDF blocked its loop for
 * minutes: parsing ran on the main thread.
 */
import { inflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChildResumeParser, RESUME_LIMITS } from '../../main/services/packs/resume-parser';
import { extractResumeText } from '../../main/services/packs/resume-text';
import { generateBombs, type Bomb } from '../fixtures/resumes/generate-bombs';
import { loopDuring } from '../support/loop-probe';

const TIMEOUT_MS = 5_000;
/** Spawning, messaging and killing a child on a loaded 2-core machine. */
const SLACK_MS = 3_000;
const MAX_LOOP_BLOCK_MS = 50;

const parser = new ChildResumeParser({ timeoutMs: TIMEOUT_MS });
afterAll(() => parser.close());

interface Outcome {
  readonly bomb: Bomb;
  readonly ok: boolean;
  readonly reason: string;
  readonly ms: number;
}

describe('résumé bombs', () => {
  const bombs = generateBombs();
  beforeAll(async () => {
    // The child is started when the kiosk starts, not while a candidate waits: warm it here.
    const { makePdf } = await import('../fixtures/resumes/generate-resumes');
    await parser.parse('pdf', makePdf(['warm-up']));
    await new Promise((r) => setTimeout(r, 200));
  }, 30_000);

  it('has DOCX and PDF cases of every kind', () => {
    expect(bombs.filter((b) => b.kind === 'docx').length).toBeGreaterThanOrEqual(6);
    expect(bombs.filter((b) => b.kind === 'pdf').length).toBeGreaterThanOrEqual(6);
    expect(Math.max(...bombs.map((b) => b.data.length))).toBeLessThan(3 * 1024 * 1024);
  });

  it(
    'refuses or parses each within its bound, and never blocks the main loop over 50 ms',
    async () => {
      // Idle baseline, measured the same way just before: on a shared two-core machine the
      // scheduler alone delays timers; the baseline says how much of a delay is the machine's.
      const idle = await loopDuring(() => new Promise((r) => setTimeout(r, 1500)));
      const outcomes: Outcome[] = [];
      const busy = await loopDuring(async () => {
        for (const bomb of bombs) {
          const t0 = performance.now();
          const r = await extractResumeText({ mediaType: bomb.kind === 'pdf' ? 'application/pdf' : 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', data: bomb.data }, parser);
          outcomes.push({ bomb, ok: r.ok, reason: r.ok ? `parsed ${r.value.text.length} chars` : r.error.message, ms: Math.round(performance.now() - t0) });
        }
      });
      const summary = {
        documents: outcomes.length,
        refused: outcomes.filter((o) => !o.ok).length,
        parsed: outcomes.filter((o) => o.ok).length,
        childrenKilled: parser.killed,
        slowestMs: Math.max(...outcomes.map((o) => o.ms)),
        boundMs: TIMEOUT_MS + SLACK_MS,
        loopMaxBlockMs: busy.maxBusyMs,
        targetMaxBlockMs: MAX_LOOP_BLOCK_MS,
        loopDelayP99Ms: busy.delayP99Ms,
        loopDelayMaxMs: busy.delayMaxMs,
        idleLoopMaxBlockMs: idle.maxBusyMs,
        idleLoopDelayMaxMs: idle.delayMaxMs,
        heapMbChild: RESUME_LIMITS.heapMb,
      };
      for (const o of outcomes) process.stdout.write(`${o.bomb.name.padEnd(32)} ${o.ok ? 'parsed ' : 'refused'} ${String(o.ms).padStart(6)} ms  ${o.reason.slice(0, 110)}\n`);
      process.stdout.write(JSON.stringify(summary) + '\n');
      for (const o of outcomes) {
        expect.soft(o.ms, `${o.bomb.name} took ${o.ms} ms`).toBeLessThanOrEqual(TIMEOUT_MS + SLACK_MS);
        if (o.bomb.expect === 'refused') expect.soft(o.ok, `${o.bomb.name} must be refused (${o.reason})`).toBe(false);
        if (o.bomb.expect === 'parsed') expect.soft(o.ok, `${o.bomb.name} must be parsed (${o.reason})`).toBe(true);
      }
      // Parsing on the main thread would hold the loop for whole seconds (the control below shows
      // the same probe catching one 128 MiB inflate). The gate is on the loop's own busy
      // stretches: timer lateness alone also counts the OS scheduler of a loaded shared machine
      // (idleLoopDelayMaxMs is that noise, measured side by side with nothing to parse).
      expect(summary.loopMaxBlockMs).toBeLessThan(MAX_LOOP_BLOCK_MS);
    },
    20 * (TIMEOUT_MS + SLACK_MS),
  );

  it('the probe can see a blocked loop (control: one bomb stream inflated on the main thread)', async () => {
    const pdf = bombs.find((b) => b.name === 'pdf-flate-bomb.pdf')!.data;
    const start = pdf.indexOf('stream\n') + 7;
    const end = pdf.lastIndexOf('\nendstream');
    let size = 0;
    const report = await loopDuring(async () => {
      await new Promise((r) => setTimeout(r, 30));
      size = inflateSync(pdf.subarray(start, end)).length;
      await new Promise((r) => setTimeout(r, 30));
    });
    expect(size).toBe(128 * 1024 * 1024);
    expect(report.maxBusyMs).toBeGreaterThan(MAX_LOOP_BLOCK_MS);
    expect(report.delayMaxMs).toBeGreaterThan(MAX_LOOP_BLOCK_MS);
  });

  it('still reads an ordinary résumé after the corpus (a fresh child replaces killed ones)', async () => {
    const r = await extractResumeText({ mediaType: 'application/pdf', data: Buffer.from('%PDF-1.7\n') }, parser);
    expect(r.ok).toBe(false);
    const { makePdf } = await import('../fixtures/resumes/generate-resumes');
    const ok = await extractResumeText({ mediaType: 'application/pdf', data: makePdf(['Java engineer, Spring and MySQL']) }, parser);
    expect(ok.ok && ok.value.text).toContain('Spring');
  });
});
