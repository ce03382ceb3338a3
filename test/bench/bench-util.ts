import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, systemClock, type Clock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { openDatabase, type Db } from '../../main/db/connection';
import { PassiveWalMaintenance } from '../../main/db/wal-maintenance';
import { setDurability, WalBarrier, type AsyncFileSync } from '../../main/db/wal-durability';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal, type Journal } from '../../main/services/journal/journal';
import { DemoInviteDirectory, loadPack, StaticPackProvider } from '../../main/services/packs/pack-provider';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { SessionService } from '../../main/services/session/session-service';
import type { SegmentMediaStore } from '../../main/services/storage/media-store';
import type { QuestionView } from '../../preload/contract/session';

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const round2 = (n: number) => Math.round(n * 100) / 100;

/** A pack of `count` video questions, for benchmarks that record for a long time. */
export function videoPack(count: number, answerSeconds = 1800) {
  const r = loadPack({
    schemaVersion: 1,
    id: 'bench',
    version: '1.0.0',
    title: { 'zh-CN': '基准', en: 'Bench' },
    competencies: [{ id: 'c1', name: { 'zh-CN': '能力', en: 'Skill' }, weight: 1, threshold: 50 }],
    stages: [
      {
        id: 's1',
        kind: 'professional',
        title: { 'zh-CN': '专业', en: 'Professional' },
        questions: Array.from({ length: count }, (_, i) => ({
          id: `q${i}`,
          prompt: { 'zh-CN': `问题 ${i}`, en: `Question ${i}` },
          mode: 'video',
          prepSeconds: 0,
          answerSeconds,
          retakes: 0,
          competencies: ['c1'],
        })),
      },
    ],
    policy: {
      resume: { graceSeconds: 600, returnWindowSeconds: 86400, timerMode: 'paused', maxResumes: 3, maxCodeAttempts: 5 },
      consentVersion: 'bench-1',
      retentionDays: 30,
    },
  });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

export function benchService(
  dir: string | undefined,
  questionCount: number,
  clock: Clock = systemClock,
  answerSeconds = 1800,
  media?: (db: Db) => SegmentMediaStore,
  journal: (db: Db) => Journal = (db) => new SqliteJournal(db),
  /**
   * `full`: synchronous=FULL, each commit fsyncs on the loop (tools' mode). `barrier` (the app's):
   * synchronous=NORMAL with a WalBarrier syncing the WAL in the thread pool through `walSync`.
   */
  durability: { mode: 'full' } | { mode: 'barrier'; walSync?: AsyncFileSync } = { mode: 'full' },
) {
  const base = dir ?? mkdtempSync(path.join(os.tmpdir(), 'kiosk-bench-'));
  const pack = videoPack(questionCount, answerSeconds);
  const dbPath = path.join(base, 'interview-kiosk.sqlite');
  const db: Db = openDatabase(dbPath, { durability: durability.mode });
  if (durability.mode === 'barrier') setDurability(db, new WalBarrier(db, dbPath, durability.walSync ? { fdatasync: durability.walSync } : {}));
  const service = new SessionService({
    db,
    journal: journal(db),
    clock,
    packs: new StaticPackProvider([pack]),
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: new HmacResumeCodes(randomBytes(32)),
    environment: new OsEnvironmentProbe('bench', 'node'),
    logger: silentLogger,
    wal: new PassiveWalMaintenance(db),
    ...(media ? { media: media(db) } : {}),
  });
  const must = <T,>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T => {
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return r.value;
  };
  const start = (): QuestionView => {
    const s = must(service.checkIn(`DEMO-${randomBytes(3).toString('hex').toUpperCase()}`, 'en'));
    must(service.giveConsent(s.sessionId, true, 'bench-1'));
    must(service.reportPrecheck(s.sessionId, 'ok', 'ok'));
    const v = must(service.start(s.sessionId));
    if (v.kind !== 'question') throw new Error('expected a question');
    return v.question;
  };
  return { base, db, service, must, start, clock: clock instanceof ManualClock ? clock : null };
}
