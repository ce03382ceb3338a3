/**
 * The crash harness: starts the recording child, SIGKILLs it at random instants, restarts it,
 * and after every kill checks what a durable journal must guarantee — every acknowledged chunk
 * present with the right hash, `PRAGMA integrity_check`, the journal's hash chain — and that the
 * restarted process resumed at the right question with the right remaining time.
 */
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { createHash, randomInt } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { verifyJournal } from '../../main/services/journal/journal';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ANSWER_MS = 1800 * 1000;
const QUESTIONS = 5;
const MAX_RESUMES = 20;

export interface CrashReport {
  kills: number;
  acknowledgedChunks: number;
  lostAcknowledged: number;
  corruptDatabases: number;
  brokenChains: number;
  resumeMismatches: number;
  resumesChecked: number;
  killsBeforeReady: number;
  /** From the child's own process start (its performance.timeOrigin) to a resumable session. */
  p50RecoveryMs: number;
  /** The same, measured by the harness from spawn() to the ready line (adds fork/exec and pipes). */
  p95SpawnToReadyMs: number;
  p95RecoveryMs: number;
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
}): Promise<CrashReport> {
  const started = performance.now();
  const child = await buildCrashChild();
  const acked = new Map<string, string>();
  let unverified: Array<{ key: string; s: string; q: number; a: number; g: number; n: number; h: string }> = [];
  const sessionsTouched = new Set<string>();
  const resumesPerSession = new Map<string, number>();
  const spawnToReady: number[] = [];
  const recoveries: number[] = [];
  const mismatchSamples: string[] = [];
  let expect: Expect | null = null;
  let alt: Expect | null = null;
  let lostAcknowledged = 0;
  let corruptDatabases = 0;
  let brokenChains = 0;
  let resumeMismatches = 0;
  let resumesChecked = 0;
  let killsBeforeReady = 0;
  const dbPath = path.join(opts.dataDir, 'interview-kiosk.sqlite');

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
    const db = new Database(dbPath, { fileMustExist: true });
    try {
      const ic = db.pragma('integrity_check') as Array<{ integrity_check: string }>;
      if (ic[0]?.integrity_check !== 'ok') corruptDatabases += 1;
      const get = db.prepare(
        `SELECT sha256, data FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`,
      );
      const list = all ? [...acked.keys()].map((key) => JSON.parse(key) as [string, number, number, number, number]).map(([s, q, a, g, n]) => ({ s, q, a, g, n, h: acked.get(JSON.stringify([s, q, a, g, n]))! })) : unverified;
      for (const c of list) {
        const row = get.get(c.s, c.q, c.a, c.g, c.n) as { sha256: string; data: Buffer } | undefined;
        if (!row || row.sha256 !== c.h || createHash('sha256').update(row.data).digest('hex') !== c.h) lostAcknowledged += 1;
      }
      unverified = [];
      for (const s of sessionsTouched) if (!verifyJournal(db, s).ok) brokenChains += 1;
    } finally {
      db.close();
    }
  };

  const runOnce = (killAfterMs: number | null): Promise<void> =>
    new Promise((resolve, reject) => {
      const spawnedAt = performance.now();
      const proc = spawn(process.execPath, [child, '--data-dir', opts.dataDir, '--min-kb', String(opts.minKb ?? 30), '--max-kb', String(opts.maxKb ?? 300)], {
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
            if (killAfterReady !== null) timer = setTimeout(() => proc.kill('SIGKILL'), killAfterReady);
            spawnToReady.push(performance.now() - spawnedAt);
            recoveries.push(Number(m.recoveryMs));
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
            const key = JSON.stringify([m.s, m.q, m.a, m.g, m.n]);
            acked.set(key, String(m.h));
            unverified.push({ key, s: String(m.s), q: Number(m.q), a: Number(m.a), g: Number(m.g), n: Number(m.n), h: String(m.h) });
            expect = { s: String(m.s), q: Number(m.q), e: Number(m.e) };
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
        timer = setTimeout(() => proc.kill('SIGKILL'), -killAfterMs);
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
            proc.kill('SIGKILL');
          }
        }, 5);
      }
    });

  for (let i = 0; i < opts.kills; i++) {
    // One kill in four lands during start-up and recovery, the rest while recording.
    const delay = randomInt(0, (opts.maxKillDelayMs ?? 400) + 1);
    await runOnce(i % 4 === 3 ? -Math.max(1, delay) : delay);
    verify(false);
    opts.onProgress?.(i + 1);
  }
  await runOnce(null);
  verify(true);
  const { size } = await import('node:fs').then((fs) => fs.statSync(dbPath));
  return {
    kills: opts.kills,
    acknowledgedChunks: acked.size,
    lostAcknowledged,
    corruptDatabases,
    brokenChains,
    resumeMismatches,
    resumesChecked,
    killsBeforeReady,
    p50RecoveryMs: Math.round(percentile(recoveries, 50)),
    p95RecoveryMs: Math.round(percentile(recoveries, 95)),
    p95SpawnToReadyMs: Math.round(percentile(spawnToReady, 95)),
    maxRecoveryMs: Math.round(Math.max(0, ...recoveries)),
    databaseMb: Math.round(size / 1048576),
    durationS: Math.round((performance.now() - started) / 1000),
    mismatchSamples,
  };
}
