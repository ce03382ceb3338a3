/**
 * `npm run bench:chunk-phases -- --json`: where the time of one stored chunk goes, phase by phase,
 * so a tail can be pinned on our code or on the disk. It records through the real session
 * service (`RecordingService.appendChunk`: session checks, sha256, segment file, metadata row and
 * hash-chained journal event in one WAL commit, fdatasync of the file in the thread pool) and
 * through the bench's floor (the same durable work with bare statements, as bench:journal does),
 * in alternating blocks, and times every phase of every chunk with `performance.now()`:
 *
 *  - `validate`: from the call to the store being asked to write (session, pack, question,
 *    page and progress checks, sha256, answer clock);
 *  - `write`: sealing the chunk and its pwrite to the segment file (page cache), fdatasync started;
 *  - `rows`: the metadata row and the journal event inserted (stringify, chain hash, statements);
 *  - `commit`: SQLite's COMMIT — the WAL frames written and fsynced (synchronous=FULL);
 *  - `durableWait`: what is left of the segment file's fdatasync after the commit;
 *  - `ack`: from both being durable to the caller holding the acknowledgement.
 *
 * The timings come from the outside: the service gets a media store and a journal that note the
 * time as they are called and otherwise do exactly what the product's do (subclasses that call
 * the real methods), so no timing code sits on the product's path.
 *
 * `own` is everything but the disk waits (validate + rows + ack): the work that is ours; the
 * floor's `own` is the same span of its bare statements (sha256, JSON, chain hash, inserts). Gate
 * (exit 1 on a miss), a ratio of two series measured side by side in this run so that a busy
 * neighbour slows both alike: the service's own p99 is at most 3x the floor's own p99
 * (`ownOverFloorOwnP99 <= 3`) — the session logic must not add a tail of its own on top of the
 * durable work. Reported beside it: each phase's p50/p99 for the service and the floor,
 * `p99OverFloor` (is the whole tail ours or the floor's?), and `syncShareOfTail`, the share of
 * the slowest 1% of chunks' time spent in the disk phases (write + commit + durableWait).
 * `--inject-ms N` adds N ms of busy work to `validate` (proof that the gate bites).
 * `--floor-new-file` gives the floor a new file in a new folder for the measured answer, as the
 * product has per segment (by default it keeps appending to one file, as bench:journal's floor).
 * Last line: one JSON object.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { eventHash, SqliteJournal, type JournalEntry, type JournalEventType } from '../../main/services/journal/journal';
import { SegmentMediaStore, threadPoolFdatasync, type StagedChunk } from '../../main/services/storage/media-store';
import type { ChunkKey } from '../../main/db/queries/media';
import type { Db } from '../../main/db/connection';
import { benchService, percentile, round2 } from './bench-util';

const { values } = parseArgs({
  options: {
    chunks: { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    'inject-ms': { type: 'string', default: '0' },
    // Chunks of the first answer (default: as many as the measured one); see bench:journal.
    'warmup-chunks': { type: 'string' },
    // The floor appends to one file across answers (as bench:journal's does); with this flag it
    // starts a new file in a new folder for the second answer, as the product does per segment.
    'floor-new-file': { type: 'boolean', default: false },
  },
});
const n = Number(values.chunks);
const warmup = values['warmup-chunks'] === undefined ? n : Number(values['warmup-chunks']);
const injectMs = Number(values['inject-ms']);
const busy = (ms: number) => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spin: the cost is the point
  }
};
const SIZE = 64 * 1024;
/** The gate: the session logic's own p99 over the bare statements' own p99, side by side. */
const OWN_OVER_FLOOR_OWN_P99_MAX = 3;
const BLOCK = 25;
const payloads = Array.from({ length: 16 }, (_, i) => new Uint8Array(SIZE).map((_, j) => (i * 31 + j * 7) & 0xff));
const PHASES = ['validate', 'write', 'rows', 'commit', 'durableWait', 'ack'] as const;
type Phase = (typeof PHASES)[number];
type Sample = Record<Phase, number> & { total: number };

/** The instants of the chunk being stored; reset before each one. */
const marks = { stage: 0, written: 0, appended: 0, committed: 0, durable: 0 };

/** The product's store, noting when it is called; the work is the real store's. */
class TimedStore extends SegmentMediaStore {
  override stage(key: ChunkKey, data: Uint8Array): StagedChunk {
    if (injectMs > 0) busy(injectMs);
    marks.stage = performance.now();
    const c = super.stage(key, data);
    marks.written = performance.now();
    const durable = c.durable.then(() => {
      marks.durable = performance.now();
    });
    durable.catch(() => undefined);
    return {
      file: c.file,
      offset: c.offset,
      storedSize: c.storedSize,
      durable,
      // Called right after the transaction returned: its COMMIT is done.
      commit: () => {
        marks.committed = performance.now();
        c.commit();
      },
      rollback: () => c.rollback(),
    };
  }
}

/** The product's journal, noting when the chunk's event has been inserted. */
class TimedJournal extends SqliteJournal {
  override append(sessionId: string, type: JournalEventType, payload: Record<string, unknown>, at: number): JournalEntry {
    const e = super.append(sessionId, type, payload, at);
    if (type === 'chunk_committed') marks.appended = performance.now();
    return e;
  }
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-chunk-phases-'));
const bench = benchService(dir, 2, undefined, undefined, (db: Db) => new TimedStore(db), (db: Db) => new TimedJournal(db));
let q = bench.start();

// The floor: the same rows through bare statements, BEGIN/COMMIT split so the commit is timed alone.
const floorDir = path.join(dir, 'floor');
mkdirSync(floorDir, { recursive: true });
const floorBench = benchService(floorDir, 1);
const floorQ = floorBench.start();
const fdb = floorBench.db;
const insertMedia = fdb.prepare(
  `INSERT INTO media_chunks (session_id, question_index, attempt, segment, seq, mime_type, size, sha256, file, file_offset, stored_size, committed_at)
   VALUES (?, ?, 0, 1, ?, 'video/webm', ?, ?, 'floor/segment.webm', ?, ?, ?)`,
);
const insertEvent = fdb.prepare(`INSERT INTO journal (session_id, seq, type, at, payload, prev_hash, hash) VALUES (?, ?, 'chunk_committed', ?, ?, ?, ?)`);
const begin = fdb.prepare('BEGIN');
const commit = fdb.prepare('COMMIT');
let floorFd = openSync(path.join(floorDir, 'segment.webm'), 'w');
let floorOffset = 0;
let floorSeq = 0;
let floorEventSeq = 1_000_000;
let floorHead = '0'.repeat(64);

async function floorChunk(u: Uint8Array): Promise<Sample> {
  const t0 = performance.now();
  const data = Buffer.from(u.buffer, u.byteOffset, u.byteLength);
  const sha256 = hash('sha256', data, 'hex');
  const t1 = performance.now();
  writeSync(floorFd, data, 0, data.byteLength, floorOffset);
  let durableAt = 0;
  const durable = threadPoolFdatasync(floorFd).then(() => {
    durableAt = performance.now();
  });
  const t2 = performance.now();
  const now = Date.now();
  begin.run();
  insertMedia.run(floorQ.sessionId, floorQ.questionIndex, floorSeq, data.byteLength, sha256, floorOffset, data.byteLength, now);
  const body = JSON.stringify({ attempt: 0, elapsedMs: 1234, questionIndex: floorQ.questionIndex, segment: 1, seq: floorSeq, sha256, size: data.byteLength });
  const link = eventHash(floorHead, floorQ.sessionId, floorEventSeq, 'chunk_committed', now, body);
  insertEvent.run(floorQ.sessionId, floorEventSeq, now, body, floorHead, link);
  const t3 = performance.now();
  commit.run();
  const t4 = performance.now();
  floorHead = link;
  floorSeq += 1;
  floorEventSeq += 1;
  floorOffset += data.byteLength;
  await durable;
  const t5 = performance.now();
  return phases(t0, t1, t2, t3, t4, durableAt, t5);
}

async function serviceChunk(u: Uint8Array): Promise<Sample> {
  marks.stage = marks.written = marks.appended = marks.committed = marks.durable = 0;
  const t0 = performance.now();
  const ack = bench.must(
    await bench.service.appendChunk({ sessionId: q.sessionId, questionIndex: q.questionIndex, attempt: 0, segment: 0, seq: q.nextSeq, mimeType: 'video/webm', data: u }),
  );
  const t5 = performance.now();
  q = { ...q, nextSeq: q.nextSeq + 1, committedChunks: ack.committedChunks };
  if (!marks.stage || !marks.written || !marks.appended || !marks.committed || !marks.durable) throw new Error('a phase of the chunk was not observed');
  return phases(t0, marks.stage, marks.written, marks.appended, marks.committed, marks.durable, t5);
}

function phases(t0: number, stage: number, written: number, appended: number, committed: number, durable: number, end: number): Sample {
  const settled = Math.max(committed, durable);
  return {
    validate: stage - t0,
    write: written - stage,
    rows: appended - written,
    commit: committed - appended,
    durableWait: Math.max(0, durable - committed),
    ack: end - settled,
    total: end - t0,
  };
}

async function recordAnswer(n: number): Promise<{ service: Sample[]; floor: Sample[] }> {
  const service: Sample[] = [];
  const floor: Sample[] = [];
  while (service.length < n) {
    for (let i = 0; i < BLOCK && service.length < n; i++) service.push(await serviceChunk(payloads[service.length % 16]!));
    for (let i = 0; i < BLOCK && floor.length < n; i++) floor.push(await floorChunk(payloads[floor.length % 16]!));
  }
  return { service, floor };
}

await recordAnswer(warmup); // a fresh WAL grows; the steady state is the next answer (as in bench:journal)
const next = bench.must(bench.service.submitAnswer(q.sessionId, q.questionIndex, 0)); // checkpoints
if (next.kind !== 'question') throw new Error('expected a second question');
q = next.question;
fdb.pragma('wal_checkpoint(PASSIVE)');
if (values['floor-new-file']) {
  closeSync(floorFd);
  mkdirSync(path.join(floorDir, 'media', 'second'), { recursive: true });
  floorFd = openSync(path.join(floorDir, 'media', 'second', 'segment.webm'), 'w');
  floorOffset = 0;
}
const steady = await recordAnswer(n);
closeSync(floorFd);
bench.db.close();
fdb.close();
rmSync(dir, { recursive: true, force: true });

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const own = (s: Sample) => s.validate + s.rows + s.ack;
const disk = (s: Sample) => s.write + s.commit + s.durableWait;
function table(xs: Sample[]) {
  const out: Record<string, { p50: number; p99: number }> = {};
  for (const p of [...PHASES, 'total'] as const) {
    const v = xs.map((s) => s[p]);
    out[p] = { p50: round3(percentile(v, 50)), p99: round3(percentile(v, 99)) };
  }
  return out;
}
const svcP99 = percentile(steady.service.map((s) => s.total), 99);
const tail = steady.service.filter((s) => s.total >= svcP99);
const tailTotal = tail.reduce((a, s) => a + s.total, 0);
const result = {
  chunks: n,
  warmupChunks: warmup,
  chunkKiB: 64,
  p50Ms: round2(percentile(steady.service.map((s) => s.total), 50)),
  p99Ms: round2(svcP99),
  floorP50Ms: round2(percentile(steady.floor.map((s) => s.total), 50)),
  floorP99Ms: round2(percentile(steady.floor.map((s) => s.total), 99)),
  p99OverFloor: round2(svcP99 / percentile(steady.floor.map((s) => s.total), 99)),
  ownP50Ms: round3(percentile(steady.service.map(own), 50)),
  ownP99Ms: round3(percentile(steady.service.map(own), 99)),
  floorOwnP99Ms: round3(percentile(steady.floor.map(own), 99)),
  ownOverFloorOwnP99: round2(percentile(steady.service.map(own), 99) / percentile(steady.floor.map(own), 99)),
  diskP99Ms: round2(percentile(steady.service.map(disk), 99)),
  syncShareOfTail: round2(tail.reduce((a, s) => a + disk(s), 0) / tailTotal),
  service: table(steady.service),
  floor: table(steady.floor),
};
const target = { ownOverFloorOwnP99: OWN_OVER_FLOOR_OWN_P99_MAX };
const misses = result.ownOverFloorOwnP99 <= target.ownOverFloorOwnP99 ? [] : ['ownOverFloorOwnP99'];
console.log(JSON.stringify({ ...result, floorNewFile: values['floor-new-file'], target, ...(injectMs > 0 ? { injectedMs: injectMs } : {}), misses, pass: misses.length === 0 }));
process.exitCode = misses.length === 0 ? 0 : 1;
