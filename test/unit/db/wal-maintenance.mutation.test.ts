import { describe, expect, it, vi } from 'vitest';
import { openDatabase } from '../../../main/db/connection';
import { PassiveWalMaintenance } from '../../../main/db/wal-maintenance';
import { tempDbPath } from '../../support/session-fixture';

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
