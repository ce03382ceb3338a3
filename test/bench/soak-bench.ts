/**
 * `npm run bench:soak -- --json`: a simulated 60-minute interview — 3,600 one-second chunks of
 * about 125 KB (1 Mbps) through the real session service and a real database, with the ticker
 * persisting the answer clock and the answers submitted every two minutes — measuring resident
 * memory at the start and the end. Run with --expose-gc (the npm script does) so both readings
 * are taken after a full collection. Last line: one JSON object.
 *
 * Target (exit 1 on a miss): resident memory grows by at most 24 MB from the end of the first
 * answer to the end of the interview (`rssGrowthMb`; about 13 MB is measured here, so a leak of
 * a few KB per chunk, 3,600 chunks, misses it), and the run really was collected (`gcExposed`).
 * A shorter run (`--minutes`) keeps the same absolute target: less recording can only grow less.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ManualClock } from '../../main/common/clock';
import { benchService, round2 } from './bench-util';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '60' },
    'chunk-kb': { type: 'string', default: '125' },
    'answer-seconds': { type: 'string', default: '120' },
    json: { type: 'boolean', default: false },
    // A deliberate leak (KB retained per chunk), so a test proves the target can be missed.
    'leak-kb': { type: 'string', default: '0' },
  },
});
const leakBytes = Number(values['leak-kb']) * 1024;
const leaked: Buffer[] = [];
const minutes = Number(values.minutes);
const chunkBytes = Number(values['chunk-kb']) * 1024;
const answerSeconds = Number(values['answer-seconds']);
const totalChunks = minutes * 60;
const questions = Math.ceil(totalChunks / answerSeconds) + 1;
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-soak-'));
const clock = new ManualClock();
const { service, must, start, db } = benchService(dir, questions, clock, answerSeconds + 30);
const gc = (globalThis as { gc?: () => void }).gc;
const rssMb = () => {
  gc?.();
  return process.memoryUsage().rss / 1048576;
};

// A pool of distinct chunk bodies, so the allocator sees realistic churn without generating
// 450 MB of random bytes.
const bodies = Array.from({ length: 32 }, () => randomBytes(chunkBytes));
let q = start();
let chunks = 0;
// The start reading is taken once the first answer is in: by then SQLite's page cache, the WAL
// index and the allocator's arenas have reached their working size. Growth after it is what leaks.
const warmup = answerSeconds;
let rssStart = 0;
const t0 = performance.now();
while (chunks < totalChunks) {
  if (chunks === warmup) rssStart = rssMb();
  clock.advance(1000);
  service.tick();
  const ack = must(
    service.appendChunk({ sessionId: q.sessionId, questionIndex: q.questionIndex, attempt: q.attempt, segment: q.segment, seq: q.nextSeq, mimeType: 'video/webm;codecs=vp8,opus', data: bodies[chunks % bodies.length]! }),
  );
  q = { ...q, nextSeq: q.nextSeq + 1, committedChunks: ack.committedChunks };
  chunks += 1;
  if (leakBytes > 0) leaked.push(Buffer.alloc(leakBytes, chunks & 0xff));
  if (process.env.SOAK_TRACE && chunks % 300 === 0) process.stderr.write(`${chunks} rss ${rssMb().toFixed(1)} heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(1)} ext ${(process.memoryUsage().external / 1048576).toFixed(1)}\n`);
  if (q.nextSeq >= answerSeconds) {
    const next = must(service.submitAnswer(q.sessionId, q.questionIndex, q.attempt));
    if (next.kind !== 'question') throw new Error('ran out of questions');
    q = next.question;
  }
}
const rssEnd = rssMb();
const dbMb = statSync(path.join(dir, 'interview-kiosk.sqlite')).size / 1048576;
db.close();
rmSync(dir, { recursive: true, force: true });
const RSS_GROWTH_MAX_MB = 24;
const growth = round2(rssEnd - rssStart);
const misses = [...(growth <= RSS_GROWTH_MAX_MB ? [] : ['rssGrowthMb']), ...(gc ? [] : ['gcExposed'])];
console.log(
  JSON.stringify({
    minutes,
    chunks,
    chunkKiB: Number(values['chunk-kb']),
    warmupChunks: warmup,
    rssStartMb: round2(rssStart),
    rssEndMb: round2(rssEnd),
    rssGrowthMb: growth,
    databaseMb: Math.round(dbMb),
    gcExposed: Boolean(gc),
    ...(leakBytes > 0 ? { injectedLeakMb: round2((leaked.length * leakBytes) / 1048576) } : {}),
    wallSeconds: Math.round((performance.now() - t0) / 1000),
    target: { rssGrowthMb: RSS_GROWTH_MAX_MB, gcExposed: true },
    misses,
    pass: misses.length === 0,
  }),
);
process.exitCode = misses.length === 0 ? 0 : 1;
