/**
 * `npm run fuzz:ipc -- --json [--payloads N] [--seed S]`: hostile input for every IPC channel.
 *
 *  1. Through the router, in process: generated and mutated payloads to every channel, unknown
 *     channels and untrusted senders.
 *  2. Through the web-shell transport: the same kinds of payloads over a real WebSocket to the
 *     development shell running as its own process (main/dev/serve.ts), plus raw junk frames.
 *  3. Malformed HTTP to that shell: bad URL escapes, NUL bytes, traversal, huge URLs and headers,
 *     bad methods and request lines, over raw sockets.
 *
 * The oracle is this file's own table of required fields and their kinds (it does not reuse the
 * zod schemas it checks): a payload built to break that table must come back INVALID_INPUT.
 * Counted failures: `crashes` (INTERNAL results, a dead or silent shell), `acceptedInvalid`
 * (an invalid payload not refused as INVALID_INPUT), `hangs` (no answer within 5 s). Prints one
 * JSON line last and exits non-zero unless all three are 0 and at least 10,000 payloads ran.
 *
 * Unknown extra keys are counted separately (`extraKeysAccepted`): today's request schemas strip
 * them; once they are strict that figure drops to 0 and `--strict-keys` makes it a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { createKioskCore } from '../../main/app/composition-root';
import { silentLogger } from '../../main/common/logger';
import { encodeWire } from '../../main/ipc/wire';
import { operationNames, operations, type OperationName } from '../../preload/contract/channels';

const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');
const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    payloads: { type: 'string', default: '12000' },
    seed: { type: 'string', default: String(Date.now() % 1_000_000) },
    'strict-keys': { type: 'boolean', default: false },
  },
});
const TARGET = 10_000;
const total = Math.max(1, Number(values.payloads));
const seed = Number(values.seed);
const HANG_MS = 5000;

// ---------------------------------------------------------------- deterministic randomness
let state = seed >>> 0 || 1;
function rand(): number {
  // mulberry32
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

// ---------------------------------------------------------------- the oracle's own table
type Kind = 'uuid' | 'string' | 'text' | 'int' | 'bool' | 'bytes' | 'enum' | 'object' | 'nullableUuid';
interface OpSpec {
  readonly seed: () => Record<string, unknown>;
  readonly required: Readonly<Record<string, Kind>>;
  /** Valid calls that do real work (a pre-check run): only a few of them. */
  readonly slow?: boolean;
}

let SESSION = '00000000-0000-4000-8000-000000000000';
const RUN = '11111111-1111-4111-8111-111111111111';
const PAGE = '22222222-2222-4222-8222-222222222222';
const bytes = () => new Uint8Array(1 + int(64)).fill(int(256));
const diag = () => ({ userAgent: 'fuzz', language: 'zh-CN', viewport: { width: 1280, height: 800 }, camera: 'ok', microphone: 'ok', online: true });

const SPECS: Record<OperationName, OpSpec> = {
  checkIn: { seed: () => ({ inviteCode: pick(['FUZZ-0001', 'NOPE-1234', 'ZZZZ-9999']), locale: pick(['zh-CN', 'en']) }), required: { inviteCode: 'string', locale: 'enum' } },
  giveConsent: { seed: () => ({ sessionId: SESSION, accepted: rand() < 0.5, consentVersion: 'v1' }), required: { sessionId: 'uuid', accepted: 'bool', consentVersion: 'string' } },
  reportPrecheck: { seed: () => ({ sessionId: SESSION, camera: 'ok', microphone: 'ok' }), required: { sessionId: 'uuid', camera: 'enum', microphone: 'enum' } },
  startInterview: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  getCurrent: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  beginAnswer: { seed: () => ({ sessionId: SESSION, questionIndex: int(20) }), required: { sessionId: 'uuid', questionIndex: 'int' } },
  appendChunk: {
    seed: () => ({ sessionId: SESSION, questionIndex: int(5), attempt: int(3), segment: int(3), seq: int(50), mimeType: 'video/webm', data: bytes() }),
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', segment: 'int', seq: 'int', mimeType: 'string', data: 'bytes' },
  },
  submitAnswer: { seed: () => ({ sessionId: SESSION, questionIndex: int(5), attempt: int(3) }), required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int' } },
  retakeAnswer: { seed: () => ({ sessionId: SESSION, questionIndex: int(5), attempt: int(3) }), required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int' } },
  requestExit: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  confirmExit: { seed: () => ({ sessionId: SESSION, reason: pick(['network', 'device', 'time']) }), required: { sessionId: 'uuid', reason: 'enum' } },
  findResumable: { seed: () => ({}), required: {} },
  resume: { seed: () => ({ inviteCode: 'FUZZ-0001' }), required: { inviteCode: 'string' } },
  reportDevices: { seed: () => ({ camera: 'ok', microphone: 'lost', online: rand() < 0.5 }), required: { camera: 'enum', microphone: 'enum', online: 'bool' } },
  deviceLost: { seed: () => ({ sessionId: SESSION, questionIndex: int(5), device: pick(['camera', 'microphone', 'both']) }), required: { sessionId: 'uuid', questionIndex: 'int', device: 'enum' } },
  deviceRestored: { seed: () => ({ sessionId: SESSION, questionIndex: int(5) }), required: { sessionId: 'uuid', questionIndex: 'int' } },
  raiseHand: { seed: () => ({ screen: 'question' }), required: { screen: 'string' } },
  saveDiagnostics: { seed: () => ({ screen: 'question', renderer: diag() }), required: { screen: 'string', renderer: 'object' } },
  storeRemux: {
    seed: () => ({ sessionId: SESSION, questionIndex: 0, attempt: 0, segment: 0, sourceChunks: 1, durationMs: null, part: 0, parts: 1, data: bytes() }),
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', segment: 'int', sourceChunks: 'int', part: 'int', parts: 'int', data: 'bytes' },
  },
  runPrecheck: { seed: () => ({ runId: RUN, mode: 'home' }), required: { runId: 'uuid', mode: 'enum' }, slow: true },
  finishPrecheck: { seed: () => ({ runId: RUN, mode: 'home', camera: null, microphone: null, speakers: null }), required: { runId: 'uuid', mode: 'enum' }, slow: true },
  requestReschedule: { seed: () => ({ sessionId: SESSION, reason: pick(['device', 'network', 'time']) }), required: { sessionId: 'uuid', reason: 'enum' } },
  reportLockdown: { seed: () => ({ sessionId: SESSION, kind: pick(['focus_lost', 'focus_regained', 'hidden', 'visible']) }), required: { sessionId: 'nullableUuid', kind: 'enum' } },
  lockdownPolicy: { seed: () => ({ sessionId: pick([SESSION, null]) }), required: { sessionId: 'nullableUuid' } },
  attachPage: { seed: () => ({ sessionId: SESSION, pageId: PAGE, tabId: PAGE, reloaded: rand() < 0.5 }), required: { sessionId: 'uuid', pageId: 'uuid', tabId: 'uuid', reloaded: 'bool' } },
  pageHeartbeat: { seed: () => ({ sessionId: SESSION, pageId: PAGE }), required: { sessionId: 'uuid', pageId: 'uuid' } },
  detachPage: { seed: () => ({ sessionId: SESSION, pageId: PAGE }), required: { sessionId: 'uuid', pageId: 'uuid' } },
  saveDraft: {
    seed: () => ({ sessionId: SESSION, questionIndex: int(3), attempt: 0, pageId: PAGE, text: pick(['', '我负责', 'draft'.repeat(int(50))]) }),
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', pageId: 'uuid', text: 'text' },
  },
  dialogClock: { seed: () => ({ sessionId: SESSION, questionIndex: int(3), dialog: pick(['help', 'exit']), open: rand() < 0.5 }), required: { sessionId: 'uuid', questionIndex: 'int', dialog: 'enum', open: 'bool' } },
  getResumeOffer: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  scoringPolicy: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  hintShown: {
    seed: () => ({ sessionId: SESSION, questionIndex: int(3), attempt: int(2), hint: pick(['add_situation', 'add_task', 'add_own_action', 'add_result', 'quantify_result']) }),
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', hint: 'enum' },
  },
  feedbackReport: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  endRestBreak: { seed: () => ({ sessionId: SESSION, questionIndex: int(3) }), required: { sessionId: 'uuid', questionIndex: 'int' } },
  setAccommodations: {
    seed: () => ({
      sessionId: SESSION,
      accommodations: { timeMultiplier: pick([1, 1.25, 1.5, 2]), restBreakMinutes: int(10), textAnswers: rand() < 0.5, largeText: rand() < 0.5, highContrast: rand() < 0.5 },
      proctorCode: pick(['ABCDE-FGHJK', '0000000000']),
      proctorName: pick(['Li Wei', '王老师']),
      reason: pick(['documented need', '听障考生']),
    }),
    required: { sessionId: 'uuid', accommodations: 'object', proctorCode: 'text', proctorName: 'text', reason: 'text' },
  },
  liftProctorPause: { seed: () => ({ sessionId: SESSION, code: pick(['AAAA-BBBB', 'x', '监考']) }), required: { sessionId: 'uuid', code: 'string' } },
  visionPolicy: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  visionFlag: {
    seed: () => ({
      sessionId: SESSION,
      questionIndex: int(3),
      attempt: int(2),
      flag: rand() < 0.5
        ? { status: 'started', kind: pick(['no_face', 'multiple_faces', 'looking_away', 'camera_covered', 'camera_frozen']), heldMs: int(10_000), confidence: rand() }
        : { status: 'ended', kind: pick(['no_face', 'multiple_faces']), durationMs: int(60_000), confidence: rand(), frames: 1 + int(100), reason: pick(['cleared', 'gap', 'finished']) },
    }),
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', flag: 'object' },
  },
  // --- audio (issue #15) ---
  audioPolicy: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  reportSpeech: {
    seed: () =>
      rand() < 0.5
        ? { sessionId: SESSION, questionIndex: int(3), attempt: int(2), kind: pick(['cant_hear_shown', 'cant_hear_cleared']), atMs: int(600_000), engine: pick(['silero_v5', 'level_only']) }
        : {
            sessionId: SESSION,
            questionIndex: int(3),
            attempt: int(2),
            kind: 'speech_summary',
            engine: pick(['silero_v5', 'level_only']),
            durationMs: 60_000,
            speakingMs: int(60_000),
            segments: int(50),
            leadingSilenceMs: int(10_000),
            longestPauseMs: int(10_000),
            longPauses: int(5),
            noiseFloorDbfs: pick([null, -60, -45.5]),
            backgroundSpeech: rand() < 0.5 ? [] : [{ startMs: 1000, endMs: 4000, levelDbfs: -50, dropDb: 20, confidence: 0.6 }],
          },
    required: { sessionId: 'uuid', questionIndex: 'int', attempt: 'int', kind: 'enum', engine: 'enum' },
  },
  // --- end audio ---
  // the identity check at check-in (issue #15)
  identityOpen: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
  identityPhoto: {
    seed: () => ({ sessionId: SESSION, mimeType: 'image/jpeg', data: new Uint8Array([0xff, 0xd8, 0xff, ...new Uint8Array(100 + int(2000)).fill(int(255))]) }),
    required: { sessionId: 'uuid', mimeType: 'enum', data: 'bytes' },
  },
  identityIdNumber: { seed: () => ({ sessionId: SESSION, docType: pick(['prc_resident_id', 'passport', 'other']), number: pick(['11010519491231002X', 'E12345678', '123']) }), required: { sessionId: 'uuid', docType: 'enum', number: 'string' } },
  identityProctor: { seed: () => ({ sessionId: SESSION, code: pick(['ABCDE-FGHJK', 'x'.repeat(10)]), decision: pick(['confirm', 'reject']) }), required: { sessionId: 'uuid', code: 'string', decision: 'enum' } },
  identityDecline: { seed: () => ({ sessionId: SESSION }), required: { sessionId: 'uuid' } },
};

/** A value that is certainly not of this kind. */
function wrongFor(kind: Kind): unknown {
  const common: unknown[] = [{}, [], true, 12.5, -1, 'x'.repeat(1 + int(3))];
  switch (kind) {
    case 'uuid':
      return pick([...common.filter((v) => typeof v !== 'string'), 'not-a-uuid', '', 'x'.repeat(100_000), 42, null]);
    case 'nullableUuid':
      return pick(['not-a-uuid', '', 42, {}, [], true]);
    case 'string':
      return pick([42, true, null, {}, [], 'x'.repeat(200_000), '']);
    case 'text':
      // Free text (a draft may be empty): only non-strings and oversize text are wrong.
      return pick([42, true, null, {}, [], 'x'.repeat(200_000)]);
    case 'int':
      return pick(['1', true, null, {}, [], -1, 1.5, 1e15, Number.MAX_SAFE_INTEGER * 4, 'NaN']);
    case 'bool':
      return pick(['true', 1, 0, null, {}, []]);
    case 'bytes':
      return pick(['AAAA', [1, 2, 3], {}, null, 7, new Uint8Array(0), new Uint8Array(9 * 1024 * 1024)]);
    case 'enum':
      return pick(['not-an-option', '', 7, null, {}, [], 'ZH-CN', 'ok ']);
    case 'object':
      return pick(['{}', 7, null, [], true]);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

/** Whether a value has the right shape for a kind (the oracle's check for garbage payloads). */
function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'uuid':
      return typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v);
    case 'nullableUuid':
      return v === null || (typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v));
    case 'string':
    case 'enum':
      return typeof v === 'string' && v.length > 0;
    case 'text':
      return typeof v === 'string';
    case 'int':
      return typeof v === 'number' && Number.isInteger(v) && v >= 0;
    case 'bool':
      return typeof v === 'boolean';
    case 'bytes':
      return v instanceof Uint8Array && v.byteLength > 0;
    case 'object':
      return typeof v === 'object' && v !== null && !Array.isArray(v);
    default: {
      const never: never = kind;
      return never;
    }
  }
}

function randomValue(depth = 0): unknown {
  const r = int(depth > 3 ? 7 : 10);
  switch (r) {
    case 0:
      return null;
    case 1:
      return rand() < 0.5;
    case 2:
      return pick([0, -1, 1e308, -0, 2 ** 53 + 1, 3.14, int(1e6)]);
    case 3:
      return pick(['', 'a', '\u0000', '\u202e', '<script>', '../../etc/passwd', '%E0%A4%A', 'x'.repeat(int(5000)), '你好', '\ud800']);
    case 4:
      return randomString();
    case 5:
      return bytes();
    case 6:
      return undefined;
    case 7:
      return Array.from({ length: int(5) }, () => randomValue(depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = 0; i < int(6); i++) o[pick(['__proto__', 'constructor', 'prototype', 'sessionId', 'id', '$bytes', randomString()])] = randomValue(depth + 1);
      return o;
    }
  }
}

function randomString(): string {
  let s = '';
  for (let i = 0; i < int(40); i++) s += String.fromCharCode(int(0x3000));
  return s;
}

type Verdict = 'invalid' | 'extraKey' | 'unknown';
interface Case {
  readonly channel: string;
  readonly payload: unknown;
  /** invalid: must come back INVALID_INPUT; unknownChannel: UNKNOWN_CHANNEL; open: any non-INTERNAL answer. */
  readonly expect: 'invalid' | 'unknownChannel' | 'open';
  readonly verdict: Verdict;
  readonly slow: boolean;
}

function makeCase(i: number): Case {
  const name = operationNames[i % operationNames.length]!;
  const spec = SPECS[name];
  const channel = operations[name].channel;
  const r = int(100);
  const requiredKeys = Object.keys(spec.required);
  if (r < 8) return { channel, payload: pick([undefined, null, 0, 'x', true, [], [spec.seed()], 'x'.repeat(10_000)]), expect: 'invalid', verdict: 'invalid', slow: false };
  if (r < 30 && requiredKeys.length > 0) {
    const p = spec.seed();
    delete p[pick(requiredKeys)];
    return { channel, payload: p, expect: 'invalid', verdict: 'invalid', slow: false };
  }
  if (r < 60 && requiredKeys.length > 0) {
    const p = spec.seed();
    const k = pick(requiredKeys);
    p[k] = wrongFor(spec.required[k]!);
    return { channel, payload: p, expect: 'invalid', verdict: 'invalid', slow: false };
  }
  if (r < 68) {
    const p = spec.seed();
    // defineProperty, so that '__proto__' becomes an own key (plain assignment would set the
    // prototype and add no key at all, which no schema can refuse).
    Object.defineProperty(p, pick(['admin', 'isAdmin', '__proto__', 'extra', randomString() || 'k']), { value: randomValue() ?? null, enumerable: true, configurable: true, writable: true });
    return { channel, payload: p, expect: 'open', verdict: 'extraKey', slow: spec.slow === true };
  }
  if (r < 80) {
    const p = randomValue();
    const valid = typeof p === 'object' && p !== null && !Array.isArray(p) && !(p instanceof Uint8Array) && requiredKeys.every((k) => fits(spec.required[k]!, (p as Record<string, unknown>)[k]));
    return { channel, payload: p, expect: valid ? 'open' : 'invalid', verdict: valid ? 'unknown' : 'invalid', slow: spec.slow === true };
  }
  if (r < 85) return { channel: pick(['kiosk:db:exec', 'kiosk:session:', 'kiosk:', 'kiosk:session:checkin', 'KIOSK:session:checkIn', `kiosk:${randomString()}`, 'kiosk:__proto__:x']), payload: spec.seed(), expect: 'unknownChannel', verdict: 'invalid', slow: false };
  // A well-formed request with generated values: reaches the service.
  return { channel, payload: spec.seed(), expect: 'open', verdict: 'unknown', slow: spec.slow === true };
}

interface Tally {
  payloads: number;
  crashes: number;
  acceptedInvalid: number;
  hangs: number;
  extraKeysAccepted: number;
  reachedServices: number;
  examples: string[];
}
const tally: Tally = { payloads: 0, crashes: 0, acceptedInvalid: 0, hangs: 0, extraKeysAccepted: 0, reachedServices: 0, examples: [] };
const perPath = { router: 0, websocket: 0, websocketRawFrames: 0, http: 0 };
let slowBudget = 4;

function note(kind: string, c: { channel: string }, detail: string): void {
  if (tally.examples.length < 10) tally.examples.push(`${kind} ${c.channel.slice(0, 60)}: ${detail.slice(0, 160)}`);
}

function judge(c: Case, result: unknown): void {
  tally.payloads++;
  const r = result as { ok?: unknown; error?: { code?: unknown } } | null;
  if (!r || typeof r !== 'object' || typeof r.ok !== 'boolean') {
    tally.crashes++;
    note('malformed-result', c, JSON.stringify(result) ?? 'undefined');
    return;
  }
  const code = r.ok ? null : String(r.error?.code);
  if (code === 'INTERNAL') {
    tally.crashes++;
    note('internal', c, JSON.stringify(c.payload instanceof Uint8Array ? 'bytes' : c.payload)?.slice(0, 160) ?? '');
    return;
  }
  if (c.expect === 'unknownChannel') {
    if (code !== 'UNKNOWN_CHANNEL') {
      tally.acceptedInvalid++;
      note('channel-accepted', c, String(code));
    }
    return;
  }
  if (c.expect === 'invalid') {
    if (code !== 'INVALID_INPUT') {
      tally.acceptedInvalid++;
      note('accepted-invalid', c, `${code ?? 'ok'} ${safeJson(c.payload)}`);
    }
    return;
  }
  if (code !== 'INVALID_INPUT') tally.reachedServices++;
  if (c.verdict === 'extraKey' && code !== 'INVALID_INPUT') {
    tally.extraKeysAccepted++;
    note('extra-key-accepted', c, `${code ?? 'ok'} ${safeJson(c.payload)}`);
  }
}

function safeJson(v: unknown): string {
  try {
    return (encodeWire(v) ?? 'undefined').slice(0, 120);
  } catch {
    return 'unserialisable';
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | 'hang'> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve('hang'), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function nextCase(i: number): Case {
  for (;;) {
    const c = makeCase(i);
    if (!c.slow) return c;
    if (slowBudget > 0) {
      slowBudget--;
      return c;
    }
    i++;
  }
}

// ---------------------------------------------------------------- 1. the router, in process
async function fuzzRouter(dataDir: string, n: number): Promise<void> {
  const core = createKioskCore({ dataDir, logger: silentLogger, appVersion: 'fuzz', shell: 'web-dev', tickMs: 0 });
  try {
    const s = await core.router.handle('kiosk:session:checkIn', { inviteCode: 'DEMO-2026', locale: 'zh-CN' }, { transport: 'web', trusted: true, description: 'fuzz' });
    if (s.ok) SESSION = (s.value as { sessionId: string }).sessionId;
    for (let i = 0; i < n; i++) {
      const c = nextCase(i);
      const untrusted = int(50) === 0;
      let result: unknown;
      try {
        result = await withTimeout(core.router.handle(c.channel, c.payload, { transport: 'electron', trusted: !untrusted, description: 'fuzz' }), HANG_MS);
      } catch (e) {
        tally.payloads++;
        tally.crashes++;
        note('threw', c, e instanceof Error ? e.message : String(e));
        continue;
      }
      perPath.router++;
      if (result === 'hang') {
        tally.payloads++;
        tally.hangs++;
        note('hang', c, safeJson(c.payload));
        continue;
      }
      if (untrusted) {
        tally.payloads++;
        const code = (result as { ok: boolean; error?: { code: string } }).error?.code;
        if (c.expect !== 'unknownChannel' && code !== 'FORBIDDEN_SENDER') {
          tally.acceptedInvalid++;
          note('untrusted-accepted', c, String(code));
        }
        continue;
      }
      judge(c, result);
    }
  } finally {
    core.close();
  }
}

// ---------------------------------------------------------------- 2. the web shell, its own process
interface Shell {
  proc: ChildProcess;
  port: number;
  token: string;
  origin: string;
}

async function startShell(dataDir: string, rendererDir: string): Promise<Shell> {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'main/dev/serve.ts', '--data-dir', dataDir, '--renderer', rendererDir, '--port', '0', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const ready = await new Promise<{ url: string; port: number }>((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout! });
    const t = setTimeout(() => reject(new Error(`web shell did not start: ${stderr}`)), 30_000);
    rl.on('line', (line) => {
      try {
        const m = JSON.parse(line) as { ready?: boolean; url: string; port: number };
        if (m.ready) {
          clearTimeout(t);
          resolve(m);
        }
      } catch {
        // not the ready line
      }
    });
    proc.once('exit', (code) => reject(new Error(`web shell exited with ${code}: ${stderr}`)));
  });
  const token = new URL(ready.url).searchParams.get('token')!;
  return { proc, port: ready.port, token, origin: `http://127.0.0.1:${ready.port}` };
}

function alive(shell: Shell): boolean {
  return shell.proc.exitCode === null && shell.proc.signalCode === null;
}

function connectWs(shell: Shell): Promise<WebSocket> {
  const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ipc?token=${encodeURIComponent(shell.token)}`, { headers: { origin: shell.origin }, maxPayload: 64 * 1024 * 1024 });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

class WsClient {
  private ws: WebSocket | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, (v: unknown) => void>();
  constructor(private readonly shell: Shell) {}

  private async socket(): Promise<WebSocket> {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) return this.ws;
    const ws = await connectWs(this.shell);
    ws.on('message', (d) => {
      try {
        const m = JSON.parse(d.toString()) as { id?: number; result?: unknown };
        if (typeof m.id === 'number') {
          this.pending.get(m.id)?.(m.result);
          this.pending.delete(m.id);
        }
      } catch {
        // events and junk are not replies
      }
    });
    ws.on('close', () => {
      for (const [, r] of this.pending) r('closed');
      this.pending.clear();
    });
    this.ws = ws;
    return ws;
  }

  async call(channel: string, payload: unknown): Promise<unknown> {
    const ws = await this.socket();
    const id = this.nextId++;
    const reply = new Promise<unknown>((resolve) => this.pending.set(id, resolve));
    let frame: string;
    try {
      frame = encodeWire({ id, channel, payload });
    } catch {
      frame = JSON.stringify({ id, channel, payload: null });
    }
    ws.send(frame);
    return withTimeout(reply, HANG_MS);
  }

  async raw(frame: string | Buffer, binary = false): Promise<void> {
    const ws = await this.socket();
    await new Promise<void>((resolve) => ws.send(frame, { binary }, () => resolve()));
  }

  close(): void {
    this.ws?.terminate();
  }
}

async function fuzzWebSocket(shell: Shell, n: number): Promise<void> {
  const client = new WsClient(shell);
  const s = await client.call('kiosk:session:checkIn', { inviteCode: 'DEMO-SALE', locale: 'en' });
  if (s && typeof s === 'object' && (s as { ok?: boolean }).ok) SESSION = ((s as { value: { sessionId: string } }).value).sessionId;
  const junkFrames = (): Array<{ frame: string | Buffer; binary: boolean }> => [
    { frame: '{not json', binary: false },
    { frame: '', binary: false },
    { frame: 'null', binary: false },
    { frame: '[]', binary: false },
    { frame: JSON.stringify({ channel: 'kiosk:session:findResumable', payload: {} }), binary: false },
    { frame: JSON.stringify({ id: -5, channel: 'kiosk:session:findResumable', payload: {} }), binary: false },
    { frame: JSON.stringify({ id: '7', channel: 'kiosk:session:findResumable', payload: {} }), binary: false },
    { frame: '['.repeat(50_000) + ']'.repeat(50_000), binary: false },
    { frame: '{"id":1,"channel":"kiosk:session:getCurrent","payload":{"sessionId":{"$bytes":"!!notbase64"}}}', binary: false },
    { frame: Buffer.from([0, 1, 2, 255]), binary: true },
    { frame: '\ud800', binary: false },
  ];
  for (let i = 0; i < n; i++) {
    if (i % 25 === 24) {
      // A raw junk frame, then a probe: the shell must still answer on this transport.
      const j = pick(junkFrames());
      await client.raw(j.frame, j.binary).catch(() => undefined);
      perPath.websocketRawFrames++;
      tally.payloads++;
      const probe = await client.call('kiosk:session:findResumable', {}).catch(() => 'closed');
      if (probe === 'hang') {
        tally.hangs++;
        note('hang-after-junk', { channel: 'raw' }, typeof j.frame === 'string' ? j.frame.slice(0, 60) : 'binary');
      } else if (!alive(shell)) {
        tally.crashes++;
        note('shell-died', { channel: 'raw' }, typeof j.frame === 'string' ? j.frame.slice(0, 60) : 'binary');
        return;
      }
      continue;
    }
    const c = nextCase(i);
    let result: unknown;
    try {
      result = await client.call(c.channel, c.payload);
    } catch (e) {
      result = `error ${e instanceof Error ? e.message : String(e)}`;
    }
    perPath.websocket++;
    if (result === 'hang') {
      tally.payloads++;
      tally.hangs++;
      note('ws-hang', c, safeJson(c.payload));
      continue;
    }
    if (result === 'closed' || typeof result === 'string') {
      // Oversized frames close the socket by design (maxPayload); the shell must live on.
      tally.payloads++;
      if (!alive(shell)) {
        tally.crashes++;
        note('shell-died', c, safeJson(c.payload));
        return;
      }
      continue;
    }
    judge(c, result);
  }
  client.close();
}

// ---------------------------------------------------------------- 3. malformed HTTP
/**
 * One raw request. Ends when the response head has arrived or the server closes. `halfClose`
 * sends EOF after the request (for incomplete requests the server would rightly wait on); a
 * complete request keeps the socket open, as a browser does, since Node closes a half-closed
 * socket before a streamed file response is written.
 */
function rawHttp(port: number, request: string | Buffer, halfClose = false): Promise<{ status: number | null; body: string }> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    let data = '';
    let done = false;
    const finish = (status: number | null): void => {
      if (done) return;
      done = true;
      clearTimeout(t);
      sock.destroy();
      resolve({ status, body: data });
    };
    const t = setTimeout(() => finish(data.length === 0 ? -1 : statusOf(data)), HANG_MS);
    sock.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\r\n\r\n')) setTimeout(() => finish(statusOf(data)), 20);
    });
    sock.on('error', () => undefined);
    sock.on('close', () => finish(statusOf(data)));
    sock.write(request);
    if (halfClose) sock.end();
  });
}

function statusOf(data: string): number | null {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(data);
  return m ? Number(m[1]) : null;
}

async function fuzzHttp(shell: Shell, n: number): Promise<void> {
  const paths = ['/%E0%A4%A', '/%', '/%%', '/assets/%ZZ.js', '/%00', '/%00.html', '/..%2f..%2fpackage.json', '/../../../../etc/passwd', '/%2e%2e/%2e%2e/package.json', '/' + 'a'.repeat(70_000), '/?x=%', '//evil.example/', '/index.html%00.js', '/\u00ff', '/%C0%AE%C0%AE/'];
  const methods = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'TRACE', 'CONNECT', 'OPTIONS', 'PATCH', 'PROPFIND', 'G ET', 'XYZ', ''];
  for (let i = 0; i < n; i++) {
    const r = int(6);
    let req: string;
    if (r === 0) req = `GET ${pick(paths)} HTTP/1.1\r\nHost: x\r\n\r\n`;
    else if (r === 1) req = `${pick(methods)} / HTTP/1.1\r\nHost: x\r\n\r\n`;
    else if (r === 2) req = `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000 + int(100_000))}\r\n\r\n`;
    else if (r === 3) req = `GET / HTTP/1.1\r\n${Array.from({ length: 3000 }, (_, k) => `X-${k}: y`).join('\r\n')}\r\n\r\n`;
    else if (r === 4) req = pick(['\r\n\r\n', 'GARBAGE\r\n\r\n', 'GET\r\n\r\n', 'GET / HTTP/9.9\r\n\r\n', 'GET / HTTP/1.1\r\nContent-Length: -1\r\n\r\n', 'GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\n', String.fromCharCode(...Array.from({ length: 64 }, () => int(256)))]);
    else req = `GET /ipc?token=${pick(['', '%', shell.token + '%'])} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${pick(['', 'x', 'dGhlIHNhbXBsZSBub25jZQ=='])}\r\nSec-WebSocket-Version: 13\r\nOrigin: ${pick([shell.origin, 'http://evil.example'])}\r\n\r\n`;
    const res = await rawHttp(shell.port, req, r === 4);
    perPath.http++;
    tally.payloads++;
    const c = { channel: `http:${req.slice(0, 40).replace(/\r\n/g, ' ')}` };
    if (res.status === -1) {
      tally.hangs++;
      note('http-hang', c, '');
    } else if (!alive(shell)) {
      tally.crashes++;
      note('shell-died', c, '');
      return;
    } else if (res.status === 500) {
      tally.crashes++;
      note('http-500', c, '');
    } else if (res.status === 200 && /"name":\s*"interview-kiosk"|root:x:0:0/.test(res.body)) {
      tally.acceptedInvalid++;
      note('http-traversal', c, '');
    }
  }
  // The shell still serves its page after all of it.
  const ok = await rawHttp(shell.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  if (ok.status !== 200) {
    tally.crashes++;
    note('http-dead', { channel: 'http:GET /' }, String(ok.status));
  }
}

// ---------------------------------------------------------------- run
const started = performance.now();
const work = mkdtempSync(path.join(os.tmpdir(), 'kiosk-fuzz-'));
const rendererDir = path.join(work, 'renderer');
mkdirSync(path.join(rendererDir, 'assets'), { recursive: true });
writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>fuzz</title><div id="root"></div>');
writeFileSync(path.join(rendererDir, 'assets', 'a.js'), 'export {};');
let shell: Shell | null = null;
let fatal: string | null = null;
try {
  const routerShare = Math.round(total * 0.6);
  const httpShare = Math.min(400, Math.round(total * 0.03));
  await fuzzRouter(path.join(work, 'router-data'), routerShare);
  shell = await startShell(path.join(work, 'shell-data'), rendererDir);
  await fuzzWebSocket(shell, total - routerShare - httpShare);
  await fuzzHttp(shell, httpShare);
  if (!alive(shell)) {
    tally.crashes++;
    note('shell-died', { channel: 'end' }, 'the web shell is not running at the end');
  }
} catch (e) {
  fatal = e instanceof Error ? e.message : String(e);
} finally {
  if (shell && alive(shell)) shell.proc.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
}

const failOnExtra = values['strict-keys'] === true && tally.extraKeysAccepted > 0;
const pass = fatal === null && tally.payloads >= TARGET && tally.crashes === 0 && tally.acceptedInvalid === 0 && tally.hangs === 0 && !failOnExtra;
const summary = {
  payloads: tally.payloads,
  crashes: tally.crashes,
  acceptedInvalid: tally.acceptedInvalid,
  hangs: tally.hangs,
  target: TARGET,
  channels: operationNames.length,
  paths: perPath,
  reachedServices: tally.reachedServices,
  extraKeysAccepted: tally.extraKeysAccepted,
  seed,
  durationMs: Math.round(performance.now() - started),
  ...(fatal ? { fatal } : {}),
  examples: tally.examples,
  pass,
};
if (!values.json) process.stderr.write(`[fuzz:ipc] ${pass ? 'passed' : 'FAILED'}\n`);
process.stdout.write(JSON.stringify(summary) + '\n');
process.exit(pass ? 0 : 1);
