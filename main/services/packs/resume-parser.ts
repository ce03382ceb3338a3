/**
 * Résumé documents (PDF, DOCX) are parsed in a separate process, never in the kiosk's main
 * process: a hostile file can exhaust memory or spin a parser for minutes, and a `Promise.race`
 * timeout cannot stop synchronous work. The child runs with a V8 heap cap
 * (`--max-old-space-size`), receives one document at a time, and is killed (SIGKILL) when a
 * document takes longer than its time budget; a killed or crashed child is a refusal
 * (`RESUME_UNREADABLE`) for that document and a fresh child serves the next one.
 *
 * Before any parser inflates anything, the child checks declared and actual decompressed sizes:
 * - DOCX (zip): entry count, each entry's and the total declared uncompressed size, the
 *   compression ratio, no ZIP64, and then each entry inflated with a hard output limit equal to
 *   its declared size (a lying header is caught without inflating further);
 * - PDF: object count, every Flate stream inflated with an output limit and a total budget, and
 *   the page count (refused above MAX_PDF_PAGES_TOTAL; text read from the first MAX_PDF_PAGES).
 *
 * Starting a process (fork) takes 15–170 ms on a loaded two-core machine, and Node does it
 * synchronously on the calling thread: so a small worker thread owns the child (spawns it,
 * times it, kills it) and the kiosk's main loop only posts documents and receives text.
 *
 * The worker's and the child's code are plain-JS strings (like the systeminformation worker): no
 * TypeScript loader and no extra bundle entry. In Electron the RunAsNode fuse is off, so the child
 * cannot be a Node child of the Electron binary: the shell starts it with `utilityProcess.fork`
 * through ForkedResumeParser (forked-resume-parser.ts), chosen by chooseParserProcess.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';

/** Bounds the child enforces; exported so tests and docs quote the same numbers. */
export const RESUME_LIMITS = {
  /** V8 old-space cap of the child, MB. */
  heapMb: 160,
  /** Wall-clock budget per document, ms. */
  timeoutMs: 10_000,
  maxZipEntries: 500,
  maxEntryBytes: 16 * 1024 * 1024,
  maxTotalUncompressedBytes: 48 * 1024 * 1024,
  /** Above 1 MiB uncompressed, an entry may not be compressed more than this (zip bomb). */
  maxRatio: 100,
  maxPdfObjects: 50_000,
  maxPdfStreamBytes: 16 * 1024 * 1024,
  maxPdfInflatedBytes: 48 * 1024 * 1024,
  /** A PDF with more pages is refused. */
  maxPdfPagesTotal: 50,
  /** Text is read from this many pages. */
  maxPdfPages: 20,
  maxChars: 100_000,
} as const;

export interface ParsedDocument {
  readonly ok: true;
  /** Tidied: NFKC, no control characters, at most RESUME_LIMITS.maxChars. */
  readonly text: string;
  /** sha256 (hex) of the document's bytes. */
  readonly sha256: string;
}
export interface RefusedDocument {
  readonly ok: false;
  readonly reason: string;
}
export type ParseOutcome = ParsedDocument | RefusedDocument;

export interface ResumeDocumentParser {
  parse(kind: 'text' | 'pdf' | 'docx', data: Uint8Array): Promise<ParseOutcome>;
  close(): Promise<void>;
}

/** The child's code (plain JS): run by ChildResumeParser's worker and by ForkedResumeParser. */
export const CHILD_SOURCE = String.raw`
'use strict';
const zlib = require('node:zlib');
const { pathToFileURL } = require('node:url');
const cfg = JSON.parse(process.env.IK_RESUME_CHILD || '{}');
const L = cfg.limits;
class Refusal extends Error {}
const refuse = (m) => { throw new Refusal(m); };

function zipPreflight(buf) {
  const min = Math.max(0, buf.length - 65557);
  let eocd = -1;
  for (let i = buf.length - 22; i >= min; i--) if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  if (eocd < 0) refuse('not a zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdSize = buf.readUInt32LE(eocd + 12);
  const cdOff = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOff === 0xffffffff) refuse('ZIP64 archives are not accepted');
  if (count > L.maxZipEntries) refuse('too many entries in the archive (' + count + ')');
  if (cdOff + cdSize > buf.length) refuse('central directory outside the file');
  let p = cdOff, total = 0;
  const entries = [];
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== 0x02014b50) refuse('damaged central directory');
    const flags = buf.readUInt16LE(p + 8), method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20), usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    if (csize === 0xffffffff || usize === 0xffffffff || local === 0xffffffff) refuse('ZIP64 entries are not accepted');
    if (flags & 1) refuse('encrypted entries are not accepted');
    if (method !== 0 && method !== 8) refuse('unsupported compression method ' + method);
    if (usize > L.maxEntryBytes) refuse('an entry expands to ' + usize + ' bytes');
    total += usize;
    if (total > L.maxTotalUncompressedBytes) refuse('the archive expands to more than ' + L.maxTotalUncompressedBytes + ' bytes');
    if (usize > 1024 * 1024 && usize > csize * L.maxRatio) refuse('an entry is compressed ' + Math.round(usize / Math.max(1, csize)) + ':1 (zip bomb)');
    entries.push({ method, csize, usize, local });
    p += 46 + nlen + xlen + clen;
  }
  // Declared sizes can lie: inflate each entry with its declared size as a hard output limit.
  for (const e of entries) {
    if (e.local + 30 > buf.length || buf.readUInt32LE(e.local) !== 0x04034b50) refuse('damaged local header');
    const start = e.local + 30 + buf.readUInt16LE(e.local + 26) + buf.readUInt16LE(e.local + 28);
    if (start + e.csize > buf.length) refuse('entry data outside the file');
    if (e.method === 0) { if (e.csize !== e.usize) refuse('stored entry with inconsistent sizes'); continue; }
    let out;
    try { out = zlib.inflateRawSync(buf.subarray(start, start + e.csize), { maxOutputLength: Math.max(1, e.usize) }); }
    catch (err) { refuse(err && err.code === 'ERR_BUFFER_TOO_LARGE' ? 'an entry expands beyond its declared size' : 'an entry does not inflate'); }
    if (out.length !== e.usize) refuse('an entry does not match its declared size');
  }
}

function pdfPreflight(buf) {
  const s = buf.toString('latin1');
  // Page trees declare their size: a claim beyond the limit is refused before any page is walked.
  const counts = /\/Count\s+(\d+)/g;
  for (let m; (m = counts.exec(s)); ) if (Number(m[1]) > L.maxPdfPagesTotal) refuse('the PDF declares ' + m[1] + ' pages');
  let objects = 0;
  const re = /\d+\s+\d+\s+obj\b/g;
  while (re.exec(s)) if (++objects > L.maxPdfObjects) refuse('too many PDF objects');
  let inflated = 0, from = 0;
  for (;;) {
    const k = s.indexOf('stream', from);
    if (k < 0) break;
    from = k + 6;
    if (s.startsWith('endstream', k - 3)) continue;
    let start = k + 6;
    if (s[start] === '\r') start++;
    if (s[start] === '\n') start++; else continue;
    const end = s.indexOf('endstream', start);
    if (end < 0) break;
    const dict = s.slice(Math.max(0, s.lastIndexOf('<<', k) ), k);
    from = end + 9;
    if (!/\/FlateDecode/.test(dict)) continue;
    const budget = Math.min(L.maxPdfStreamBytes, L.maxPdfInflatedBytes - inflated);
    if (budget <= 0) refuse('the PDF streams expand to more than ' + L.maxPdfInflatedBytes + ' bytes in total');
    let out;
    try { out = zlib.inflateSync(buf.subarray(start, end), { maxOutputLength: Math.max(1, budget), finishFlush: zlib.constants.Z_SYNC_FLUSH }); }
    catch (err) { if (err && err.code === 'ERR_BUFFER_TOO_LARGE') refuse('a PDF stream expands beyond ' + budget + ' bytes'); continue; }
    inflated += out.length;
  }
}

async function pdfText(buf) {
  const pdfjs = await import(pathToFileURL(cfg.pdfjs).href);
  const task = pdfjs.getDocument({ data: new Uint8Array(buf), isEvalSupported: false, disableFontFace: true, useSystemFonts: false, verbosity: 0, stopAtErrors: false });
  try {
    const doc = await task.promise;
    if (doc.numPages > L.maxPdfPagesTotal) refuse('the PDF has ' + doc.numPages + ' pages');
    const parts = [];
    let chars = 0;
    for (let n = 1; n <= Math.min(doc.numPages, L.maxPdfPages) && chars < L.maxChars; n++) {
      const page = await doc.getPage(n);
      const content = await page.getTextContent();
      for (const item of content.items) if ('str' in item) { parts.push(item.str, item.hasEOL ? '\n' : ''); chars += item.str.length + 1; }
      parts.push('\n');
      page.cleanup();
    }
    return parts.join('');
  } finally {
    await task.destroy();
  }
}

async function docxText(buf) {
  const m = require(cfg.mammoth);
  const lib = m.default || m;
  return (await lib.extractRawText({ buffer: buf })).value;
}

// NFKC (full-width letters to ASCII), no BOM, control characters to spaces, bounded.
function tidy(s) {
  return s.slice(0, L.maxChars * 2).replace(/^\uFEFF/, '').normalize('NFKC')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ').slice(0, L.maxChars);
}

// The same source runs as a Node child (child_process: process.send) and as an Electron utility
// process (utilityProcess.fork: process.parentPort), so it needs neither ELECTRON_RUN_AS_NODE nor
// the RunAsNode fuse in a packaged build.
const port = process.parentPort;
const reply = port ? (m) => port.postMessage(m) : (m) => process.send(m);
const onJob = (f) => (port ? port.on('message', (e) => f(e.data)) : process.on('message', f));
onJob(async (msg) => {
  const buf = Buffer.from(msg.data);
  try {
    let text;
    if (msg.kind === 'docx') { zipPreflight(buf); text = await docxText(buf); }
    else if (msg.kind === 'pdf') { pdfPreflight(buf); text = await pdfText(buf); }
    // At most 4 bytes per kept character: decoding more could not add text.
    else if (msg.kind === 'text') text = new TextDecoder('utf-8', { fatal: false }).decode(buf.subarray(0, L.maxChars * 4));
    else refuse('unknown document kind');
    reply({ id: msg.id, ok: true, text: tidy(String(text)), sha256: require('node:crypto').createHash('sha256').update(buf).digest('hex') });
  } catch (err) {
    reply({ id: msg.id, ok: false, reason: err instanceof Refusal ? err.message : 'the parser failed: ' + String((err && err.message) || err).slice(0, 200) });
  }
});
// The kiosk (or its worker) went away: nothing is left to parse for.
if (!port) process.on('disconnect', () => process.exit(0));
reply({ ready: true });
`;

/** Where the parsers live (from this bundle, the entry script, or the working directory). */
function resolveDependency(spec: string): string {
  const bases: string[] = [];
  if (typeof __filename === 'string') bases.push(__filename);
  if (process.argv[1]) bases.push(path.resolve(process.argv[1]));
  bases.push(path.join(process.cwd(), 'index.js'));
  for (const base of bases) {
    try {
      return createRequire(base).resolve(spec);
    } catch {
      // try the next place
    }
  }
  throw new Error(`${spec} is not installed where the kiosk can find it`);
}

/** The child's environment: where its parsers are and its limits; nothing else of the kiosk's. */
export function childEnv(): Record<string, string> {
  return {
    IK_RESUME_CHILD: JSON.stringify({ pdfjs: resolveDependency('pdfjs-dist/legacy/build/pdf.mjs'), mammoth: resolveDependency('mammoth'), limits: RESUME_LIMITS }),
    ...(process.env.PATH ? { PATH: process.env.PATH } : {}),
    ...(process.env.SystemRoot ? { SystemRoot: process.env.SystemRoot } : {}),
  };
}

/** Owns the child process: spawn on demand, one document at a time, SIGKILL on timeout. */
const WORKER_SOURCE = String.raw`
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { spawn } = require('node:child_process');
const { createHash } = require('node:crypto');
const os = require('node:os');
const { childSource, env, heapMb, timeoutMs } = workerData;
let child = null, running = null, timer = null;
const queue = [];
function start() {
  const c = spawn(process.execPath, ['--max-old-space-size=' + heapMb, '--stack-size=984', '-e', childSource], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced', env, windowsHide: true,
  });
  // The parser yields the CPU to the kiosk's UI.
  try { if (c.pid !== undefined) os.setPriority(c.pid, 15); } catch {}
  c.on('message', (m) => { if (running && m && m.id === running.id) finish({ id: m.id, ok: !!m.ok, text: m.text, reason: m.reason, sha256: running.sha256 }); });
  c.on('exit', (code, signal) => {
    if (child === c) child = null;
    if (running) finish({ id: running.id, ok: false, killed: true, reason: signal === 'SIGKILL' ? 'parsing took longer than ' + timeoutMs + ' ms' : 'the parser ran out of memory or crashed (' + (signal || 'exit ' + code) + ')' });
  });
  c.on('error', () => { if (child === c) child = null; if (running) finish({ id: running.id, ok: false, reason: 'the parser could not be started' }); });
  return c;
}
function finish(result) {
  if (timer) clearTimeout(timer);
  timer = null;
  running = null;
  parentPort.postMessage(result);
  pump();
}
function pump() {
  if (running) return;
  const job = queue.shift();
  if (!job) return;
  running = job;
  // Hashing is work too: done here, not on the kiosk's main loop.
  job.sha256 = createHash('sha256').update(job.data).digest('hex');
  if (!child) child = start();
  const c = child;
  timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
  c.send({ id: job.id, kind: job.kind, data: job.data });
}
parentPort.on('message', (m) => {
  if (m.type === 'close') {
    if (child) child.kill('SIGKILL');
    process.exit(0);
  }
  queue.push(m);
  pump();
});
`;

export interface ChildParserOptions {
  readonly heapMb?: number;
  readonly timeoutMs?: number;
  /** Start the child as Node from the Electron binary (only where the RunAsNode fuse is on). */
  readonly runAsNode?: boolean;
}

interface WorkerResult {
  readonly id: number;
  readonly ok: boolean;
  readonly text?: string;
  readonly reason?: string;
  readonly killed?: boolean;
  readonly sha256?: string;
}

/**
 * One child at a time, one document at a time (queued in the worker); a document that kills or
 * stalls the child is refused and the next document gets a fresh child. Idle, neither the
 * worker nor the child keeps the kiosk's process alive.
 */
export class ChildResumeParser implements ResumeDocumentParser {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, (o: ParseOutcome) => void>();
  private nextId = 1;
  private closed = false;
  /** How many children were killed or died mid-document (tests read it). */
  killed = 0;
  private readonly heapMb: number;
  private readonly timeoutMs: number;
  private readonly runAsNode: boolean;

  constructor(options: ChildParserOptions = {}) {
    this.heapMb = options.heapMb ?? RESUME_LIMITS.heapMb;
    this.timeoutMs = options.timeoutMs ?? RESUME_LIMITS.timeoutMs;
    this.runAsNode = options.runAsNode ?? false;
  }

  parse(kind: 'text' | 'pdf' | 'docx', data: Uint8Array): Promise<ParseOutcome> {
    if (this.closed) return Promise.resolve({ ok: false, reason: 'the résumé parser is closed' });
    return new Promise((resolve) => {
      const id = this.nextId++;
      this.pending.set(id, resolve);
      const w = this.ensureWorker();
      w.ref();
      w.postMessage({ type: 'job', id, kind, data });
    });
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const env = { ...childEnv(), ...(this.runAsNode ? { ELECTRON_RUN_AS_NODE: '1' } : {}) };
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { childSource: CHILD_SOURCE, env, heapMb: this.heapMb, timeoutMs: this.timeoutMs } });
    w.on('message', (r: WorkerResult) => {
      const resolve = this.pending.get(r.id);
      if (!resolve) return;
      this.pending.delete(r.id);
      if (r.killed) this.killed++;
      resolve(r.ok ? { ok: true, text: String(r.text ?? ''), sha256: String(r.sha256 ?? '') } : { ok: false, reason: String(r.reason ?? 'refused') });
      if (this.pending.size === 0) w.unref();
    });
    const fail = (reason: string): void => {
      if (this.worker === w) this.worker = null;
      for (const [id, resolve] of this.pending) {
        this.pending.delete(id);
        resolve({ ok: false, reason });
      }
    };
    w.on('error', () => fail('the résumé parser failed'));
    w.on('exit', () => fail('the résumé parser stopped'));
    this.worker = w;
    return w;
  }

  async close(): Promise<void> {
    this.closed = true;
    const w = this.worker;
    this.worker = null;
    if (w) {
      const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
      w.postMessage({ type: 'close' });
      await exited;
    }
  }
}
/**
 * How the parser's process is started, from what the runtime offers:
 * - Electron with utilityProcess: `utilityProcess.fork` (needs no RunAsNode fuse; the fuse is off
 *   in packaged builds, build/scripts/fuses-config.mjs);
 * - Electron without it: a child_process only if the RunAsNode fuse is on (ELECTRON_RUN_AS_NODE),
 *   else no parser at all (documents are refused as unreadable, never parsed in the kiosk);
 * - plain Node (the dev web shell, tests, tools): child_process from a worker thread.
 */
export type ParserProcessKind = 'utility-process' | 'child-process' | 'child-process-run-as-node' | 'unavailable';

export function chooseParserProcess(rt: { readonly electron: boolean; readonly utilityProcess: boolean; readonly runAsNodeFuse: boolean }): ParserProcessKind {
  if (!rt.electron) return 'child-process';
  if (rt.utilityProcess) return 'utility-process';
  return rt.runAsNodeFuse ? 'child-process-run-as-node' : 'unavailable';
}

/** A parser that refuses every document: what remains when no process can be started. */
export class UnavailableResumeParser implements ResumeDocumentParser {
  constructor(private readonly why: string) {}
  parse(): Promise<ParseOutcome> {
    return Promise.resolve({ ok: false, reason: this.why });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

let shared: ResumeDocumentParser | null = null;
let configured: (() => ResumeDocumentParser) | null = null;

/** The Electron shell says how to start the parser (utilityProcess.fork) before first use. */
export function configureResumeParser(make: () => ResumeDocumentParser): void {
  configured = make;
}

/** The process-wide parser the kiosk uses (started on first use). */
export function sharedResumeParser(): ResumeDocumentParser {
  if (shared) return shared;
  if (configured) shared = configured();
  else {
    // Nobody configured a utility process: under Electron that means none is at hand, and the
    // RunAsNode fuse is off in every build this repository packages.
    const kind = chooseParserProcess({ electron: Boolean(process.versions.electron), utilityProcess: false, runAsNodeFuse: false });
    shared = kind === 'child-process' ? new ChildResumeParser() : new UnavailableResumeParser('the résumé parser cannot be started in this build');
  }
  return shared;
}
