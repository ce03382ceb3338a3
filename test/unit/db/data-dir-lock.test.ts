import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireDataDirLock, DataDirLockedError, isProcessAlive, LOCK_INFO, LOCK_REFUSALS } from '../../../main/db/data-dir-lock';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'kiosk-lock-'));

describe('the data folder lock', () => {
  it('lets one writer in and refuses a second, naming the first', () => {
    const d = dir();
    const first = acquireDataDirLock(d);
    expect(() => acquireDataDirLock(d, { pid: 999_999 })).toThrow(DataDirLockedError);
    try {
      acquireDataDirLock(d, { pid: 999_999 });
    } catch (e) {
      expect((e as DataDirLockedError).holder?.pid).toBe(process.pid);
      expect((e as Error).message).toContain(`pid ${process.pid}`);
    }
    expect(readFileSync(path.join(d, LOCK_REFUSALS), 'utf8').trim().split('\n')).toHaveLength(2);
    first.release();
    const second = acquireDataDirLock(d);
    expect(second.tookOverFrom).toBeNull();
    second.release();
  });

  it('takes over a stale lock left by a dead process and says whose it was', () => {
    const d = dir();
    writeFileSync(path.join(d, LOCK_INFO), JSON.stringify({ pid: 2_147_000_000, startedAt: 1, hostname: 'old' }));
    const lock = acquireDataDirLock(d);
    expect(lock.tookOverFrom).toMatchObject({ pid: 2_147_000_000, alive: false });
    expect(JSON.parse(readFileSync(path.join(d, LOCK_INFO), 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('is free again the moment its holder is killed, without anyone cleaning up', async () => {
    const d = dir();
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { acquireDataDirLock } = await import(${JSON.stringify(path.resolve('main/db/data-dir-lock.ts'))});
      acquireDataDirLock(${JSON.stringify(d)});
      process.stdout.write('locked\\n');
      setInterval(() => {}, 1000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout!.once('data', () => resolve()));
    expect(() => acquireDataDirLock(d)).toThrow(DataDirLockedError);
    expect(isProcessAlive(child.pid!)).toBe(true);
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    const lock = acquireDataDirLock(d);
    expect(lock.tookOverFrom).toMatchObject({ pid: child.pid, alive: false });
    lock.release();
  });
});
