/**
 * The process the crash harness kills: it records synthetic WebM-sized chunks into a real
 * database through the real session service, printing one JSON line per acknowledged chunk.
 * At start it recovers (crash detection + resume) and reports how long that took.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Clock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { openDatabase } from '../../main/db/connection';
import { durabilityOf, setDurability, WalBarrier } from '../../main/db/wal-durability';
import { PassiveWalMaintenance } from '../../main/db/wal-maintenance';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal, type Journal, type JournalEntry, type JournalEventType } from '../../main/services/journal/journal';
import { DemoInviteDirectory, loadPack, StaticPackProvider } from '../../main/services/packs/pack-provider';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { SessionService } from '../../main/services/session/session-service';
import { mkdirDurably } from '../../main/services/storage/durable-file';
import { isCrashFault, type CrashFault } from './crash-faults';
import type { QuestionView } from '../../preload/contract/session';

const t0 = performance.now();
const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    'min-kb': { type: 'string', default: '30' },
    'max-kb': { type: 'string', default: '300' },
    'pause-ms': { type: 'string', default: '0' },
    fault: { type: 'string', default: 'none' },
    // barrier (the app's: synchronous=NORMAL + WalBarrier), full (synchronous=FULL), or
    // barrier-skipped (NORMAL with no barrier: a control the power-loss test must see lose).
    durability: { type: 'string', default: 'barrier' },
  },
});
const dataDir = values['data-dir'];
if (!dataDir) throw new Error('--data-dir is required');
// As the composition root does: the power-loss test's file system keeps a new name only once its
// parent folder is fsynced.
mkdirDurably(dataDir);
const minBytes = Number(values['min-kb']) * 1024;
const maxBytes = Number(values['max-kb']) * 1024;
const pauseMs = Number(values['pause-ms']);

const faultArg = values.fault ?? 'none';
if (!isCrashFault(faultArg)) throw new Error(`unknown --fault ${faultArg}`);
const fault: CrashFault = faultArg;

/** The real journal, with one of the faults above applied to chunk events. */
class FaultyJournal implements Journal {
  constructor(private readonly inner: SqliteJournal) {}
  append(sessionId: string, type: JournalEventType, payload: Record<string, unknown>, at: number): JournalEntry {
    if (type === 'chunk_committed') {
      switch (fault) {
        case 'skip-chunk-event':
          return { sessionId, seq: 0, type, at, payload, prevHash: '0'.repeat(64), hash: '0'.repeat(64) };
        case 'wrong-event-hash':
          return this.inner.append(sessionId, type, { ...payload, sha256: createHash('sha256').update(String(payload.sha256)).digest('hex') }, at);
        case 'wrong-event-clock':
          return this.inner.append(sessionId, type, { ...payload, elapsedMs: 0 }, at);
        case 'edit-event':
        case 'none':
          break;
      }
    }
    return this.inner.append(sessionId, type, payload, at);
  }
  recent(sessionId: string, limit: number): JournalEntry[] {
    return this.inner.recent(sessionId, limit);
  }
  head(sessionId: string): { seq: number; hash: string } {
    return this.inner.head(sessionId);
  }
  verify(sessionId: string) {
    return this.inner.verify(sessionId);
  }
}

/**
 * The wall clock, frozen for the length of one service call (set around it below), so the answer clock the service
 * shows right after a commit is the one it committed (the harness records that value itself).
 */
let frozenAt: number | null = null;
const clock: Clock = { now: () => frozenAt ?? Date.now() };

export const CRASH_PACK = {
  schemaVersion: 1,
  id: 'crash-test',
  version: '1.0.0',
  title: { 'zh-CN': '崩溃测试', en: 'Crash test' },
  competencies: [{ id: 'c1', name: { 'zh-CN': '能力', en: 'Skill' }, weight: 1, threshold: 50 }],
  stages: [
    {
      id: 's1',
      kind: 'professional',
      title: { 'zh-CN': '专业', en: 'Professional' },
      questions: [0, 1, 2, 3, 4].map((i) => ({
        id: `q${i}`,
        prompt: { 'zh-CN': `问题 ${i}`, en: `Question ${i}` },
        mode: 'video',
        prepSeconds: i % 2 === 0 ? 0 : 1,
        answerSeconds: 1800,
        retakes: 0,
        competencies: ['c1'],
      })),
    },
  ],
  policy: {
    resume: { graceSeconds: 3600, returnWindowSeconds: 86400, timerMode: 'paused', maxResumes: 20, maxCodeAttempts: 5 },
    consentVersion: 'crash-1',
    retentionDays: 30,
  },
};

const loaded = loadPack(CRASH_PACK);
if (!loaded.ok) throw new Error(loaded.error.message);
const pack = loaded.value;
const durabilityMode = values.durability ?? 'barrier';
if (durabilityMode !== 'barrier' && durabilityMode !== 'full' && durabilityMode !== 'barrier-skipped') throw new Error(`unknown --durability ${durabilityMode}`);
const dbPath = path.join(dataDir, 'interview-kiosk.sqlite');
const db = openDatabase(dbPath, { durability: durabilityMode === 'full' ? 'full' : 'barrier' });
// As the composition root does; the control registers a barrier that never syncs.
if (durabilityMode === 'barrier') setDurability(db, new WalBarrier(db, dbPath));
if (durabilityMode === 'barrier-skipped') setDurability(db, { flush: () => Promise.resolve(), flushSync: () => undefined });
/** What the app's IPC router does before any answer leaves: the commits behind it are durable. */
const durableNow = () => durabilityOf(db).flushSync();
const sessions = new SessionService({
  db,
  journal: fault === 'none' ? new SqliteJournal(db) : new FaultyJournal(new SqliteJournal(db)),
  clock,
  packs: new StaticPackProvider([pack]),
  invites: new DemoInviteDirectory(pack.pack.id),
  resumeCodes: new HmacResumeCodes(randomBytes(32)),
  environment: new OsEnvironmentProbe('crash-test', 'node'),
  logger: silentLogger,
  wal: new PassiveWalMaintenance(db),
});

if (fault === 'edit-event') db.exec('DROP TRIGGER IF EXISTS journal_no_update');
const editEvent = db.prepare(`UPDATE journal SET at = at + 1 WHERE session_id = ? AND seq = (SELECT max(seq) FROM journal WHERE session_id = ?)`);

const placeOf = db.prepare(`SELECT file, file_offset FROM media_chunks WHERE session_id = ? AND question_index = ? AND attempt = ? AND segment = ? AND seq = ?`);
/** The flip-media-byte fault: one byte of an acknowledged chunk changes in its segment file. */
function flipMediaByte(v: QuestionView, seq: number): void {
  const row = placeOf.get(v.sessionId, v.questionIndex, v.attempt, v.segment, seq) as { file: string; file_offset: number };
  const fd = openSync(path.join(dataDir!, 'media', row.file), 'r+');
  try {
    const b = Buffer.alloc(1);
    readSync(fd, b, 0, 1, row.file_offset);
    b[0] = b[0]! ^ 0xff;
    writeSync(fd, b, 0, 1, row.file_offset);
  } finally {
    closeSync(fd);
  }
}

const out = (o: Record<string, unknown>) => process.stdout.write(JSON.stringify(o) + '\n');
const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

function newSession(): QuestionView {
  const code = `DEMO-${randomBytes(4).toString('hex').toUpperCase()}`;
  const s = must(sessions.checkIn(code, 'zh-CN'));
  must(sessions.giveConsent(s.sessionId, true, 'crash-1'));
  must(sessions.reportPrecheck(s.sessionId, 'ok', 'ok'));
  const v = must(sessions.start(s.sessionId));
  if (v.kind !== 'question') throw new Error('expected a question');
  durableNow();
  out({ t: 'new', s: s.sessionId, code });
  return v.question;
}

function answerElapsed(v: QuestionView): number {
  return v.phase === 'answering' ? v.answerSeconds * 1000 - v.answerRemainingMs : 0;
}

sessions.recoverAfterStart();
let view: QuestionView;
let resumed: Record<string, unknown> | null = null;
const offer = must(sessions.findResumable());
if (offer) {
  const r = sessions.resume(offer.inviteCode, undefined);
  if (r.ok && r.value.kind === 'question') {
    view = r.value.question;
    // The answer clock as the service shows it on resume (its public view, not a database row).
    resumed = { s: view.sessionId, q: view.questionIndex, remaining: view.answerRemainingMs, phase: view.phase, e: answerElapsed(view), segment: view.segment };
  } else {
    if (!r.ok && r.error.code === 'RESUME_LIMIT_REACHED') sessions.confirmExit(offer.sessionId, 'other', 'crash-test resume limit');
    view = newSession();
  }
} else {
  view = newSession();
}
// performance.now() counts from this process's start (timeOrigin): Node bootstrap, module load,
// opening and checking the database, crash detection and the resume itself.
durableNow();
out({ t: 'ready', recoveryMs: Math.round(performance.now()), afterLoadMs: Math.round(performance.now() - t0), resumed });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function record(): Promise<never> {
for (;;) {
  if (view.phase === 'preparing') view = must(sessions.beginAnswer(view.sessionId, view.questionIndex));
  const target = 6 + (view.questionIndex % 3) * 4;
  while (view.committedChunks < target) {
    const size = randomInt(minBytes, maxBytes + 1);
    const data = randomBytes(size);
    const seq = view.nextSeq;
    const v = view;
    // One frozen instant for the commit and the clock read right after it: the answer clock the
    // candidate would see at the acknowledgement, from the service's view, not from its database.
    frozenAt = Date.now();
    let pending: ReturnType<typeof sessions.appendChunk>;
    let e: number;
    try {
      // The store and the commit run synchronously inside appendChunk; the acknowledgement waits
      // for the segment file's fdatasync below.
      pending = sessions.appendChunk({ sessionId: v.sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, seq, mimeType: 'video/webm;codecs=vp8,opus', data });
      const now = must(sessions.current(v.sessionId));
      e = now.kind === 'question' ? answerElapsed(now.question) : -1;
    } finally {
      frozenAt = null;
    }
    const ack = must(await pending);
    if (fault === 'edit-event' && seq % 3 === 2) editEvent.run(view.sessionId, view.sessionId);
    if (fault === 'flip-media-byte' && seq % 3 === 2) flipMediaByte(view, seq);
    // The harness keeps its own record: the hash and size of the bytes this process sent.
    const h = createHash('sha256').update(data).digest('hex');
    out({ t: 'ack', s: view.sessionId, q: view.questionIndex, a: view.attempt, g: view.segment, n: seq, h, b: data.length, e });
    if (ack.sha256 !== h) throw new Error('ack hash mismatch');
    view = { ...view, committedChunks: ack.committedChunks, nextSeq: seq + 1 };
    if (pauseMs > 0) await sleep(pauseMs);
  }
  out({ t: 'submitting', s: view.sessionId, q: view.questionIndex });
  const next = must(sessions.submitAnswer(view.sessionId, view.questionIndex, view.attempt));
  durableNow();
  out({ t: 'submitted', s: view.sessionId, q: view.questionIndex });
  view = next.kind === 'question' ? next.question : newSession();
}
}
void record();
