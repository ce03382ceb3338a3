/**
 * The crash harness: starts the recording child, SIGKILLs it at random instants, restarts it,
 * and after every kill checks what a durable journal must guarantee — every acknowledged chunk
 * present with the right hash, `PRAGMA integrity_check`, the journal's hash chain — and that the
 * restarted process resumed at the right question with the right remaining time.
 *
 * The oracle is independent of the product: the harness keeps its own record of every
 * acknowledgement (key, size and sha256 of the bytes the child sent, and the answer clock the
 * service showed right after the commit), and checks the store with test/bench/oracle/, which
 * re-implements the chain hash from its documented format and reads SQLite with its own
 * statements. Nothing here calls the product's verifier or takes an expected value from the
 * database under test.
 */
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { CrashFault } from './crash-faults';
import { chunkKey, oracleChunkEvents, oracleDamagedCount, oracleReadChunk, oracleRowsWithoutEvent, oracleVerifyChain, type EventChunk } from './oracle/journal-oracle';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ANSWER_MS = 1800 * 1000;
const QUESTIONS = 5;
const MAX_RESUMES = 20;

export interface CrashReport {
  kills: number;
  acknowledgedChunks: number;
  lostAcknowledged: number;
  corruptDatabases: number;
  /** Sessions whose chain the oracle found broken (at any check). */
  brokenChains: number;
  /** Acknowledged chunks with no `chunk_committed` event. */
  missingEvents: number;
  /** Acknowledged chunks whose event names another sha256 or size. */
  eventMismatches: number;
  /** Media rows (at the end, every session) with no matching event. */
  mediaRowsWithoutEvent: number;
  /** Chunks the store listed as damaged at recovery (at the end, every session); a process kill leaves none. */
  damagedChunks: number;
  resumeMismatches: number;
  resumesChecked: number;
  killsBeforeReady: number;
  /** From the child's own process start (its performance.timeOrigin) to a resumable session. */
  p50RecoveryMs: number;
  /** The same, measured by the harness from spawn() to the ready line (adds fork/exec and pipes). */
  p95SpawnToReadyMs: number;
  p95RecoveryMs: number;
  /** The product's share of recovery: from the end of module loading to ready (open, quick_check, media recovery, resume). */
  p95AfterLoadMs: number;
  maxRecoveryMs: number;
  databaseMb: number;
  durationS: number;
  mismatchSamples: string[];
}

interface Expect {
  s: string;
  q: number;
  e: number;
}

export async function buildCrashChild(): Promise<string> {
  const outfile = path.join(ROOT, 'dist', 'bench', 'crash-child.cjs');
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(ROOT, 'test', 'bench', 'crash-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['better-sqlite3'],
    logLevel: 'error',
  });
  return outfile;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export async function runCrashTest(opts: {
  kills: number;
  dataDir: string;
  maxKillDelayMs?: number;
  minKb?: number;
  maxKb?: number;
  onProgress?: (i: number) => void;
  /** A deliberately broken product variant (see crash-faults.ts); `none` by default. */
  fault?: CrashFault;
  /** How the child's database is made durable (crash-child.ts `--durability`); the app's `barrier` by default. */
  durability?: 'barrier' | 'full' | 'barrier-skipped';
  /**
   * How the child dies at each kill instant; SIGKILL by default. The power-loss test freezes the
   * child, drops the file system's unsynced state and then SIGKILLs it (test/powerloss/).
   */
  cut?: (proc: ChildProcess) => void;
  /** Runs after the child has died and before the oracle looks (the power-loss test remounts). */
  afterCut?: () => Promise<void>;
}): Promise<CrashReport> {
  const cut = opts.cut ?? ((proc: ChildProcess) => proc.kill('SIGKILL'));
  const started = performance.now();
  const child = await buildCrashChild();
  /** The harness's own record of every acknowledgement, by chunk key. */
  interface Acked { s: string; q: number; a: number; g: number; n: number; h: string; b: number; e: number }
  const acked = new Map<string, Acked>();
  let unverified: Acked[] = [];
  const sessionsTouched = new Set<string>();
  const resumesPerSession = new Map<string, number>();
  const spawnToReady: number[] = [];
  const recoveries: number[] = [];
  const afterLoad: number[] = [];
  const mismatchSamples: string[] = [];
  let expect: Expect | null = null;
  let alt: Expect | null = null;
  // Distinct chunk keys: a chunk is checked after the kill that followed it and again at the end.
  const lost = new Set<string>();
  const missing = new Set<string>();
  const mismatched = new Set<string>();
  let corruptDatabases = 0;
  const brokenSessions = new Set<string>();
  let mediaRowsWithoutEvent = 0;
  let damagedChunks = 0;
  let resumeMismatches = 0;
  let resumesChecked = 0;
  let killsBeforeReady = 0;
  const dbPath = path.join(opts.dataDir, 'interview-kiosk.sqlite');
  const mediaDir = path.join(opts.dataDir, 'media');

  const checkResume = (resumed: { s: string; q: number; e: number; remaining: number } | null): void => {
    const done = (x: Expect | null) => x === null || x.q >= QUESTIONS;
    const limit = expect && (resumesPerSession.get(expect.s) ?? 0) >= MAX_RESUMES;
    const matches = (x: Expect | null): boolean => {
      if (resumed === null) return done(x) || Boolean(limit);
      // After a completed (or resume-exhausted) session the child checks in a new one; a kill can
      // land before it prints that session's id, so a fresh session at its first question is right.
      if ((done(x) || limit) && !sessionsTouched.has(resumed.s)) {
        sessionsTouched.add(resumed.s);
        return resumed.q === 0 && resumed.e <= 1000;
      }
      if (!x || x.s !== resumed.s || x.q !== resumed.q) return false;
      const drift = resumed.e - x.e;
      return drift >= 0 && drift <= 1000 && Math.abs(resumed.remaining - (ANSWER_MS - resumed.e)) <= 5;
    };
    resumesChecked += 1;
    if (!matches(expect) && !matches(alt)) {
      resumeMismatches += 1;
      if (mismatchSamples.length < 5) mismatchSamples.push(JSON.stringify({ expect, alt, resumed }));
    }
    if (resumed) resumesPerSession.set(resumed.s, (resumesPerSession.get(resumed.s) ?? 0) + 1);
  };

  const verify = (all: boolean): void => {
    if (!existsSync(dbPath)) {
      // Only a lost file system can lose the whole database; every chunk acknowledged so far is lost.
      for (const c of all ? [...acked.values()] : unverified) lost.add(chunkKey(c.s, c.q, c.a, c.g, c.n));
      unverified = [];
      return;
    }
    const db = new Database(dbPath, { fileMustExist: true, readonly: true });
    try {
      const ic = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      if (ic[0]?.integrity_check !== 'ok') corruptDatabases += 1;
      const tables = new Set((db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as Array<{ name: string }>).map((r) => r.name));
      if (!tables.has('media_chunks') || !tables.has('journal') || !tables.has('media_damage')) {
        // A database that lost its schema (commits that were never made durable): every chunk
        // acknowledged so far is lost, and its event missing.
        for (const c of all ? [...acked.values()] : unverified) {
          const key = chunkKey(c.s, c.q, c.a, c.g, c.n);
          lost.add(key);
          missing.add(key);
        }
        unverified = [];
        return;
      }
      const list = all ? [...acked.values()] : unverified;
      const eventsBySession = new Map<string, Map<string, EventChunk>>();
      const eventsOf = (sessionId: string): Map<string, EventChunk> => {
        let m = eventsBySession.get(sessionId);
        if (!m) {
          m = oracleChunkEvents(db, sessionId).events;
          eventsBySession.set(sessionId, m);
        }
        return m;
      };
      for (const c of list) {
        const row = oracleReadChunk(db, mediaDir, c.s, c.q, c.a, c.g, c.n);
        const key = chunkKey(c.s, c.q, c.a, c.g, c.n);
        if (!row || row.damaged || row.sha256 !== c.h || row.actualSha256 !== c.h || row.size !== c.b || row.actualSize !== c.b) lost.add(key);
        const event = eventsOf(c.s).get(key);
        if (!event) missing.add(key);
        else if (event.sha256 !== c.h || event.size !== c.b) mismatched.add(key);
      }
      unverified = [];
      for (const s of sessionsTouched) {
        if (!oracleVerifyChain(db, s).ok) brokenSessions.add(s);
        if (all) mediaRowsWithoutEvent += oracleRowsWithoutEvent(db, s, eventsOf(s)).length;
        if (all) damagedChunks += oracleDamagedCount(db, s);
      }
    } finally {
      db.close();
    }
  };

  const runOnce = (killAfterMs: number | null): Promise<void> =>
    new Promise((resolve, reject) => {
      const spawnedAt = performance.now();
      const args = [child, '--data-dir', opts.dataDir, '--min-kb', String(opts.minKb ?? 30), '--max-kb', String(opts.maxKb ?? 300), '--fault', opts.fault ?? 'none', '--durability', opts.durability ?? 'barrier'];
      const proc = spawn(process.execPath, args, {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      let ready = false;
      proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const rl = createInterface({ input: proc.stdout });
      rl.on('line', (line) => {
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        switch (m.t) {
          case 'ready': {
            ready = true;
            if (killAfterReady !== null) timer = setTimeout(() => cut(proc), killAfterReady);
            spawnToReady.push(performance.now() - spawnedAt);
            recoveries.push(Number(m.recoveryMs));
            afterLoad.push(Number(m.afterLoadMs));
            const r = m.resumed as { s: string; q: number; e: number; remaining: number } | null;
            checkResume(r);
            if (r) {
              expect = { s: r.s, q: r.q, e: r.e };
              alt = null;
            }
            break;
          }
          case 'new':
            sessionsTouched.add(String(m.s));
            expect = { s: String(m.s), q: 0, e: 0 };
            alt = null;
            break;
          case 'ack': {
            const c: Acked = { s: String(m.s), q: Number(m.q), a: Number(m.a), g: Number(m.g), n: Number(m.n), h: String(m.h), b: Number(m.b), e: Number(m.e) };
            acked.set(chunkKey(c.s, c.q, c.a, c.g, c.n), c);
            unverified.push(c);
            sessionsTouched.add(c.s);
            expect = { s: c.s, q: c.q, e: c.e };
            alt = null;
            break;
          }
          case 'submitting':
            alt = { s: String(m.s), q: Number(m.q) + 1, e: 0 };
            break;
          case 'submitted':
            expect = { s: String(m.s), q: Number(m.q) + 1, e: 0 };
            alt = null;
            break;
        }
      });
      let timer: NodeJS.Timeout | null = null;
      if (killAfterMs !== null && killAfterMs < 0) {
        // Kill during start-up and recovery: at a random instant after spawning.
        timer = setTimeout(() => cut(proc), -killAfterMs);
      }
      const killAfterReady = killAfterMs !== null && killAfterMs >= 0 ? killAfterMs : null;
      proc.on('exit', (code, signal) => {
        if (timer) clearTimeout(timer);
        rl.close();
        if (signal !== 'SIGKILL') {
          reject(new Error(`crash child exited by itself (code ${code}): ${stderr.slice(0, 2000)}`));
          return;
        }
        if (!ready) killsBeforeReady += 1;
        resolve();
      });
      if (killAfterMs === null) {
        // Final run: wait for ready, then stop it.
        const poll = setInterval(() => {
          if (ready) {
            clearInterval(poll);
            cut(proc);
          }
        }, 5);
      }
    });

  for (let i = 0; i < opts.kills; i++) {
    // One kill in four lands during start-up and recovery, the rest while recording.
    const delay = randomInt(0, (opts.maxKillDelayMs ?? 400) + 1);
    await runOnce(i % 4 === 3 ? -Math.max(1, delay) : delay);
    await opts.afterCut?.();
    verify(false);
    opts.onProgress?.(i + 1);
  }
  await runOnce(null);
  await opts.afterCut?.();
  verify(true);
  const size = existsSync(dbPath) ? statSync(dbPath).size : 0;
  return {
    kills: opts.kills,
    acknowledgedChunks: acked.size,
    lostAcknowledged: lost.size,
    corruptDatabases,
    brokenChains: brokenSessions.size,
    missingEvents: missing.size,
    eventMismatches: mismatched.size,
    mediaRowsWithoutEvent,
    damagedChunks,
    resumeMismatches,
    resumesChecked,
    killsBeforeReady,
    p50RecoveryMs: Math.round(percentile(recoveries, 50)),
    p95RecoveryMs: Math.round(percentile(recoveries, 95)),
    p95AfterLoadMs: Math.round(percentile(afterLoad, 95)),
    p95SpawnToReadyMs: Math.round(percentile(spawnToReady, 95)),
    maxRecoveryMs: Math.round(Math.max(0, ...recoveries)),
    databaseMb: Math.round(size / 1048576),
    durationS: Math.round((performance.now() - started) / 1000),
    mismatchSamples,
  };
}
