/**
 * The résumé parser in a process started by a `fork` function the shell hands in: in Electron
 * `utilityProcess.fork` (main/app/main.ts), which works with the RunAsNode fuse off; in tests
 * child_process.fork. Same bounds as ChildResumeParser: the V8 heap cap through execArgv
 * (`--max-old-space-size`), one document at a time, a hard kill (SIGKILL) when a document takes
 * longer than its budget, and a fresh process for the next document after a kill or a crash.
 *
 * utilityProcess.fork is asynchronous (Chromium's service launcher starts the process), so
 * this runs on the main thread; ChildResumeParser needs its worker only because Node's spawn
 * blocks the calling thread.
 *
 * The child's code is written once to a file in `dir` (a fork needs a module path), named by
 * its hash and checked against it before every start.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CHILD_SOURCE, childEnv, RESUME_LIMITS, type ParseOutcome, type ResumeDocumentParser } from './resume-parser';

/** What the parser needs of a started process (a subset of Electron's UtilityProcess). */
export interface ParserChildHandle {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  /** Graceful stop (Electron: SIGTERM on POSIX); the hard kill uses the pid. */
  kill(): void;
}

export interface ForkOptions {
  readonly execArgv: readonly string[];
  readonly env: Record<string, string>;
  readonly serviceName: string;
}

export type ForkParserChild = (modulePath: string, options: ForkOptions) => ParserChildHandle;

export interface ForkedParserOptions {
  readonly fork: ForkParserChild;
  /** Where the child's module file is written (the app's data folder). */
  readonly dir: string;
  readonly heapMb?: number;
  readonly timeoutMs?: number;
  /** Hard kill by pid; default process.kill(pid, 'SIGKILL'). */
  readonly killPid?: (pid: number) => void;
}

/** execArgv of the parser's process: the heap cap and a stack bound, as under child_process. */
export function parserExecArgv(heapMb: number): string[] {
  return [`--max-old-space-size=${heapMb}`, '--stack-size=984'];
}

/** Writes the child's code to `dir` (once per version) and returns the path; rewrites a file that differs. */
export function childModuleFile(dir: string, source = CHILD_SOURCE): string {
  const digest = createHash('sha256').update(source).digest('hex');
  const file = path.join(dir, `resume-parser-child-${digest.slice(0, 16)}.cjs`);
  const intact = existsSync(file) && createHash('sha256').update(readFileSync(file)).digest('hex') === digest;
  if (!intact) {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, source, { mode: 0o600 });
    renameSync(tmp, file);
  }
  return file;
}

interface Job {
  readonly id: number;
  readonly kind: 'text' | 'pdf' | 'docx';
  readonly data: Uint8Array;
  readonly resolve: (o: ParseOutcome) => void;
}

interface Reply {
  readonly id?: number;
  readonly ok?: boolean;
  readonly text?: string;
  readonly reason?: string;
  readonly sha256?: string;
}

export class ForkedResumeParser implements ResumeDocumentParser {
  private child: ParserChildHandle | null = null;
  private running: Job | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly queue: Job[] = [];
  private nextId = 1;
  private closed = false;
  /** Processes killed or dead mid-document (tests read it). */
  killed = 0;
  /** Processes started (tests read it). */
  started = 0;
  private readonly heapMb: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ForkedParserOptions) {
    this.heapMb = options.heapMb ?? RESUME_LIMITS.heapMb;
    this.timeoutMs = options.timeoutMs ?? RESUME_LIMITS.timeoutMs;
  }

  parse(kind: 'text' | 'pdf' | 'docx', data: Uint8Array): Promise<ParseOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'the résumé parser is closed' });
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, kind, data, resolve });
      this.pump();
    });
  }

  private start(): ParserChildHandle {
    const c = this.options.fork(childModuleFile(this.options.dir), { execArgv: parserExecArgv(this.heapMb), env: childEnv(), serviceName: 'resume-parser' });
    this.started++;
    c.onMessage((m) => {
      const r = m as Reply;
      const job = this.running;
      if (!job || r.id !== job.id) return;
      this.finish(r.ok === true ? { ok: true, text: String(r.text ?? ''), sha256: String(r.sha256 ?? '') } : { ok: false, reason: String(r.reason ?? 'refused') });
    });
    c.onExit((code) => {
      if (this.child === c) this.child = null;
      if (this.running) {
        this.killed++;
        this.finish({ ok: false, reason: this.timedOut ? `parsing took longer than ${this.timeoutMs} ms` : `the parser ran out of memory or crashed (exit ${String(code)})` });
      }
    });
    return c;
  }

  private timedOut = false;

  private finish(outcome: ParseOutcome): void {
    const job = this.running;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = null;
    this.timedOut = false;
    job?.resolve(outcome);
    this.pump();
  }

  private pump(): void {
    if (this.running || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    let c: ParserChildHandle;
    try {
      c = this.child ?? this.start();
    } catch {
      this.finish({ ok: false, reason: 'the parser could not be started' });
      return;
    }
    this.child = c;
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.hardKill(c);
    }, this.timeoutMs);
    c.postMessage({ id: job.id, kind: job.kind, data: job.data });
  }

  private hardKill(c: ParserChildHandle): void {
    if (this.child === c) this.child = null;
    if (c.pid !== undefined) {
      try {
        (this.options.killPid ?? ((pid: number) => process.kill(pid, 'SIGKILL')))(c.pid);
        return;
      } catch {
        // already gone: fall back to the handle
      }
    }
    c.kill();
  }

  close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve({ ok: false, reason: 'the résumé parser is closed' });
    const c = this.child;
    this.child = null;
    if (this.running) this.finish({ ok: false, reason: 'the résumé parser is closed' });
    if (c) this.hardKill(c);
    return Promise.resolve();
  }
}
