/** Builds a real SessionService over a real SQLite database (in a temp dir) with a manual clock. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { openDatabase, type Db } from '../../main/db/connection';
import { PassiveWalMaintenance, type WalMaintenance } from '../../main/db/wal-maintenance';
import { OsEnvironmentProbe } from '../../main/services/environment/environment';
import { SqliteJournal } from '../../main/services/journal/journal';
import { DemoInviteDirectory, demoPack, loadPack, StaticPackProvider, type LoadedPack } from '../../main/services/packs/pack-provider';
import type { ProctorTokenKey } from '../../main/common/proctor-token';
import { ProctorAuthority } from '../../main/services/session/proctor-authority';
import { HmacResumeCodes } from '../../main/services/session/resume-codes';
import { SessionService } from '../../main/services/session/session-service';
import type { SegmentMediaStore } from '../../main/services/storage/media-store';
import type { StatusEvent } from '../../preload/contract/session';

export const TEST_SECRET = Buffer.from('test-proctor-secret-0123456789abcdef');

export interface Fixture {
  db: Db;
  dbPath: string;
  clock: ManualClock;
  service: SessionService;
  pack: LoadedPack;
  events: StatusEvent[];
  codes: HmacResumeCodes;
  reopen(): Fixture;
}

export function tempDbPath(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'kiosk-unit-')), 'interview-kiosk.sqlite');
}

/** A pack derived from the demo with policy overrides. */
export function packWith(policy: Partial<LoadedPack['pack']['policy']['resume']>): LoadedPack {
  const base = structuredClone(demoPack().pack);
  base.policy.resume = { ...base.policy.resume, ...policy };
  const r = loadPack(base);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Hub keys and the kiosk's place, to test hub-issued proctor tokens (main/common/proctor-token.ts). */
export interface ProctorTokenSetup {
  readonly keys: readonly ProctorTokenKey[];
  readonly kioskId: string;
  readonly centreId: string;
}

export function makeFixture(
  opts: { dbPath?: string; clock?: ManualClock; pack?: LoadedPack; proctorTokens?: ProctorTokenSetup; media?: (db: Db) => SegmentMediaStore; wal?: (db: Db) => WalMaintenance } = {},
): Fixture {
  const dbPath = opts.dbPath ?? tempDbPath();
  const clock = opts.clock ?? new ManualClock();
  const pack = opts.pack ?? demoPack();
  const db = openDatabase(dbPath);
  const events: StatusEvent[] = [];
  const codes = new HmacResumeCodes(TEST_SECRET);
  const journal = new SqliteJournal(db);
  const service = new SessionService({
    db,
    journal,
    ...(opts.proctorTokens ? { proctor: new ProctorAuthority({ db, journal, ...opts.proctorTokens, centreCodes: codes }) } : {}),
    clock,
    packs: new StaticPackProvider([pack]),
    invites: new DemoInviteDirectory(pack.pack.id),
    resumeCodes: codes,
    environment: new OsEnvironmentProbe('0.0.0-test', 'node'),
    logger: silentLogger,
    wal: opts.wal ? opts.wal(db) : new PassiveWalMaintenance(db),
    emit: (e) => events.push(e),
    ...(opts.media ? { media: opts.media(db) } : {}),
  });
  const fixture: Fixture = {
    db,
    dbPath,
    clock,
    service,
    pack,
    events,
    codes,
    reopen() {
      // Simulates a process restart: a new connection and a new service on the same file.
      try {
        db.close();
      } catch {
        // already closed
      }
      const next = makeFixture({ dbPath, clock, pack, ...(opts.proctorTokens ? { proctorTokens: opts.proctorTokens } : {}) });
      next.service.recoverAfterStart();
      return next;
    },
  };
  return fixture;
}

export function must<T>(r: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** Checks in with a demo code, consents, passes the device check and starts. */
export function startedSession(f: Fixture, code = 'DEMO-2026') {
  const s = must(f.service.checkIn(code, 'zh-CN'));
  must(f.service.giveConsent(s.sessionId, true, f.pack.pack.policy.consentVersion));
  must(f.service.reportPrecheck(s.sessionId, 'ok', 'ok'));
  const v = must(f.service.start(s.sessionId));
  if (v.kind !== 'question') throw new Error('expected a question');
  return { sessionId: s.sessionId, question: v.question };
}

export function chunk(size = 1000, fill = 7): Uint8Array {
  return new Uint8Array(size).fill(fill);
}
