import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../main/db/connection';
import { PassiveWalMaintenance } from '../../../main/db/wal-maintenance';
import { chunk, makeFixture, must, startedSession, tempDbPath } from '../../support/session-fixture';

describe('PassiveWalMaintenance', () => {
  it('checkpoints at once only when the hard cap is reached, counting from the last checkpoint', () => {
    const db = openDatabase(tempDbPath());
    const wal = new PassiveWalMaintenance(db, 100, 1000);
    const spy = vi.spyOn(wal, 'checkpoint');
    wal.noteWritten(600);
    wal.noteWritten(399);
    expect(spy).not.toHaveBeenCalled();
    wal.noteWritten(1);
    expect(spy).toHaveBeenCalledTimes(1);
    wal.noteWritten(999);
    expect(spy).toHaveBeenCalledTimes(1);
    db.close();
  });

  it('checkpoints at a safe point once the soft limit is reached, and not before', () => {
    const db = openDatabase(tempDbPath());
    const wal = new PassiveWalMaintenance(db, 100, 1000);
    const spy = vi.spyOn(wal, 'checkpoint');
    wal.noteWritten(99);
    wal.checkpointIfNeeded();
    expect(spy).not.toHaveBeenCalled();
    wal.noteWritten(1);
    wal.checkpointIfNeeded();
    expect(spy).toHaveBeenCalledTimes(1);
    wal.checkpointIfNeeded();
    expect(spy).toHaveBeenCalledTimes(1);
    db.close();
  });

  it('moves every committed WAL frame into the database file', () => {
    const db = openDatabase(tempDbPath());
    db.prepare(`INSERT INTO kiosk_state (key, value) VALUES ('k', ?)`).run('v'.repeat(10_000));
    const r = new PassiveWalMaintenance(db).checkpoint();
    expect(r.busy).toBe(0);
    expect(r.log).toBeGreaterThan(0);
    expect(r.checkpointed).toBe(r.log);
    // With the defaults (4 MiB soft, 256 MiB hard) a few KiB never trigger a checkpoint.
    const wal = new PassiveWalMaintenance(db);
    const spy = vi.spyOn(wal, 'checkpoint');
    wal.noteWritten(4 * 1024 * 1024 - 1);
    wal.checkpointIfNeeded();
    expect(spy).not.toHaveBeenCalled();
    wal.noteWritten(1);
    wal.checkpointIfNeeded();
    expect(spy).toHaveBeenCalledTimes(1);
    // The default hard cap is 256 MiB.
    const hard = new PassiveWalMaintenance(db);
    const hardSpy = vi.spyOn(hard, 'checkpoint');
    hard.noteWritten(256 * 1024 * 1024 - 1);
    expect(hardSpy).not.toHaveBeenCalled();
    hard.noteWritten(1);
    expect(hardSpy).toHaveBeenCalledTimes(1);
    db.close();
  });
});

describe('what the recording path tells WAL maintenance', () => {
  it('counts a stored chunk as the few WAL pages its commit writes, never its media bytes (they are in the segment file)', async () => {
    const noted: number[] = [];
    const f = makeFixture({
      wal: () => ({
        noteWritten: (bytes: number) => noted.push(bytes),
        checkpointIfNeeded: () => undefined,
      }),
    });
    const { sessionId } = startedSession(f);
    must(f.service.submitAnswer(sessionId, 0, 0, 'typed'));
    must(f.service.beginAnswer(sessionId, 1));
    // Three chunks of 1 MiB each: 3 MiB of media.
    for (let seq = 0; seq < 3; seq++) {
      must(await f.service.appendChunk({ sessionId, questionIndex: 1, attempt: 0, segment: 0, seq, mimeType: 'video/webm', data: chunk(1024 * 1024, seq + 1) }));
    }
    expect(noted).toHaveLength(3);
    // Each commit writes a handful of 4 KiB frames, whatever the chunk's size.
    for (const n of noted) {
      expect(n).toBeGreaterThan(4096);
      expect(n).toBeLessThanOrEqual(16 * 1024);
    }
    // The hard cap (256 MiB of WAL) is then ~20,000 chunks away: no checkpoint on the recording path
    // in any real answer; checkpoints stay at the safe points between answers.
    expect(Math.floor((256 * 1024 * 1024) / noted[0]!)).toBeGreaterThan(15_000);
  });
});
