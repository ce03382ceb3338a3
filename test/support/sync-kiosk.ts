/**
 * A kiosk for sync tests: the real SessionService and journal on a real SQLite database (with the
 * outbox triggers), running short video interviews with a small pack.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { silentLogger } from '../../main/common/logger';
import { openDatabase, type Db } from '../../main/db/connection';
import { setDurability, WalBarrier } from '../../main/db/wal-durability';
import { PassiveWalMaintenance } from '../../main/db/wal-maintenance';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal } from '../../main/services/journal/journal';
import { DemoInviteDirectory, loadPack, StaticPackProvider } from '../../main/services/packs/pack-provider';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { SessionService } from '../../main/services/session/session-service';
import type { QuestionView } from '../../preload/contract/session';
import type { ChunkSealer } from '../../main/common/chunk-sealer';
import { setTextSealer } from '../../main/db/text-sealing';
import { FileKeyProtector } from '../../main/services/packs/key-protector';
import { SessionKeyring } from '../../main/services/storage/crypto/session-keyring';
import { SegmentMediaStore } from '../../main/services/storage/media-store';

export const SYNC_PACK = {
  schemaVersion: 1,
  id: 'sync-test',
  version: '1.0.0',
  title: { 'zh-CN': '同步测试', en: 'Sync test' },
  competencies: [{ id: 'c1', name: { 'zh-CN': '能力', en: 'Skill' }, weight: 1, threshold: 50 }],
  stages: [
    {
      id: 's1',
      kind: 'professional',
      title: { 'zh-CN': '专业', en: 'Professional' },
      questions: [0, 1].map((i) => ({
        id: `q${i}`,
        prompt: { 'zh-CN': `问题 ${i}`, en: `Question ${i}` },
        mode: 'video',
        prepSeconds: 0,
        answerSeconds: 1800,
        retakes: 0,
        competencies: ['c1'],
      })),
    },
  ],
  policy: {
    resume: { graceSeconds: 3600, returnWindowSeconds: 86400, timerMode: 'paused', maxResumes: 20, maxCodeAttempts: 5 },
    consentVersion: 'sync-1',
    retentionDays: 30,
  },
};

export interface SyncKiosk {
  readonly db: Db;
  /** The session keyring's chunk sealer (media is sealed at rest, as in the composition root); the sync engine needs it. */
  readonly chunkSealer: ChunkSealer;
  readonly keyring: SessionKeyring;
  readonly sessions: SessionService;
  /** Runs one whole interview (`chunksPerAnswer` chunks of `chunkBytes` per question); returns its session id. */
  interview(chunksPerAnswer: number, chunkBytes: number): Promise<string>;
  /** Resumes an interrupted interview (after a crash) and finishes it; false when none is open. */
  finishResumable(chunksPerAnswer: number, chunkBytes: number): Promise<boolean>;
  /** The same as `interview`, yielding to the event loop between chunks (sync runs meanwhile). */
  interviewAsync(chunksPerAnswer: number, chunkBytes: number, pauseMs: number): Promise<string>;
  finishResumableAsync(chunksPerAnswer: number, chunkBytes: number, pauseMs: number): Promise<boolean>;
}

const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
};

/**
 * `hrPublicKey`: HR's X25519 public key, so each session key is also wrapped for HR (as provisioning's
 * `hrEndpoint.sealingKey` does); without it only the kiosk can open its media. `plainMedia`: a media
 * store that does not seal (as before the keyring was wired), for the refusal tests.
 */
export function openSyncKiosk(dataDir: string, opts: { hrPublicKey?: Buffer; plainMedia?: boolean } = {}): SyncKiosk {
  mkdirSync(dataDir, { recursive: true });
  const loaded = loadPack(SYNC_PACK);
  if (!loaded.ok) throw new Error(loaded.error.message);
  const pack = loaded.value;
  // As the composition root opens it: commits made durable by the WAL barrier before anything
  // is acknowledged or sent to the hub.
  const dbPath = path.join(dataDir, 'interview-kiosk.sqlite');
  const db = openDatabase(dbPath, { durability: 'barrier' });
  setDurability(db, new WalBarrier(db, dbPath));
  // As the composition root wires it: chunks and texts sealed under per-session keys (file-key wrap).
  const keyring = new SessionKeyring({
    db,
    protector: new FileKeyProtector(path.join(dataDir, 'keys')),
    clock: { now: () => Date.now() },
    logger: silentLogger,
    ...(opts.hrPublicKey ? { hr: { publicKey: opts.hrPublicKey } } : {}),
  });
  setTextSealer(db, keyring);
  const chunkSealer = keyring.chunkSealer();
  const sessions = new SessionService({
    db,
    journal: new SqliteJournal(db),
    clock: { now: () => Date.now() },
    packs: new StaticPackProvider([pack]),
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(randomBytes(32)),
    environment: new OsEnvironmentProbe('sync-test', 'node'),
    logger: silentLogger,
    wal: new PassiveWalMaintenance(db),
    media: opts.plainMedia ? new SegmentMediaStore(db) : new SegmentMediaStore(db, { sealer: chunkSealer }),
  });
  sessions.recoverAfterStart();

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
  async function answerAllAsync(start: QuestionView, chunksPerAnswer: number, chunkBytes: number, pauseMs: number): Promise<void> {
    let view = start;
    for (;;) {
      if (view.phase === 'preparing') view = must(sessions.beginAnswer(view.sessionId, view.questionIndex));
      while (view.committedChunks < chunksPerAnswer) {
        const v = view;
        const ack = must(
          await sessions.appendChunk({ sessionId: v.sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, seq: v.nextSeq, mimeType: 'video/webm;codecs=vp8,opus', data: randomBytes(chunkBytes) }),
        );
        view = { ...view, committedChunks: ack.committedChunks, nextSeq: view.nextSeq + 1 };
        await sleep(pauseMs);
      }
      const next = must(sessions.submitAnswer(view.sessionId, view.questionIndex, view.attempt));
      if (next.kind !== 'question') return;
      view = next.question;
    }
  }

  return {
    db,
    chunkSealer,
    keyring,
    sessions,
    async interviewAsync(chunksPerAnswer, chunkBytes, pauseMs) {
      const code = `DEMO-${randomBytes(4).toString('hex').toUpperCase()}`;
      const s = must(sessions.checkIn(code, 'zh-CN'));
      must(sessions.giveConsent(s.sessionId, true, 'sync-1'));
      must(sessions.reportPrecheck(s.sessionId, 'ok', 'ok'));
      const v = must(sessions.start(s.sessionId));
      if (v.kind !== 'question') throw new Error('expected a question');
      await answerAllAsync(v.question, chunksPerAnswer, chunkBytes, pauseMs);
      return s.sessionId;
    },
    async finishResumableAsync(chunksPerAnswer, chunkBytes, pauseMs) {
      const offer = must(sessions.findResumable());
      if (!offer) return false;
      const r = sessions.resume(offer.inviteCode, undefined);
      if (!r.ok || r.value.kind !== 'question') {
        sessions.confirmExit(offer.sessionId, 'other', 'sync-test could not resume');
        return true;
      }
      await answerAllAsync(r.value.question, chunksPerAnswer, chunkBytes, pauseMs);
      return true;
    },
    // appendChunk is asynchronous (the media store's fdatasync runs off the main loop).
    interview(chunksPerAnswer, chunkBytes) {
      return this.interviewAsync(chunksPerAnswer, chunkBytes, 0);
    },
    finishResumable(chunksPerAnswer, chunkBytes) {
      return this.finishResumableAsync(chunksPerAnswer, chunkBytes, 0);
    },
  };
}
