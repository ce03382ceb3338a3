import { closeSync, existsSync, fsyncSync, mkdtempSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { placeDurably, writeFileDurably, type DurableFs } from '../../../../main/services/storage/durable-file';

/** A real fs that also records the order of the calls that matter for durability. */
function recordingFs(): { fs: DurableFs; calls: string[] } {
  const calls: string[] = [];
  const names = new Map<number, string>();
  const fs: DurableFs = {
    openSync: ((p: string, flags: string | number, mode?: number) => {
      const fd = openSync(p, flags, mode);
      names.set(fd, path.basename(p));
      return fd;
    }) as typeof openSync,
    writeSync: (fd, data) => {
      calls.push(`write ${names.get(fd)}`);
      return writeSync(fd, data);
    },
    fsyncSync: (fd) => {
      calls.push(`fsync ${names.get(fd)}`);
      fsyncSync(fd);
    },
    closeSync: (fd) => closeSync(fd),
    renameSync: (a, b) => {
      calls.push(`rename ${path.basename(String(a))} -> ${path.basename(String(b))}`);
      renameSync(a, b);
    },
  };
  return { fs, calls };
}

describe('durable file placement', () => {
  it('fsyncs the file before the rename and the directory after it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'durable-'));
    const tmp = path.join(dir, 'answer.webm.part');
    writeFileSync(tmp, 'bytes');
    const { fs, calls } = recordingFs();
    placeDurably(tmp, path.join(dir, 'answer.webm'), fs);
    expect(readFileSync(path.join(dir, 'answer.webm'), 'utf8')).toBe('bytes');
    expect(existsSync(tmp)).toBe(false);
    const expected = ['fsync answer.webm.part', 'rename answer.webm.part -> answer.webm'];
    if (process.platform !== 'win32') expected.push(`fsync ${path.basename(dir)}`);
    expect(calls).toEqual(expected);
  });

  it('writes a whole file under a temporary name and never leaves it half-placed', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'durable-'));
    const { fs, calls } = recordingFs();
    const body = 'x'.repeat(100_000);
    writeFileDurably(path.join(dir, 'bundle.json'), body, 0o600, fs);
    expect(readFileSync(path.join(dir, 'bundle.json'), 'utf8')).toBe(body);
    const renameAt = calls.findIndex((c) => c.startsWith('rename'));
    const fsyncAt = calls.findIndex((c) => c.startsWith('fsync bundle.json.'));
    expect(fsyncAt).toBeGreaterThan(-1);
    expect(fsyncAt).toBeLessThan(renameAt);
    expect(calls.slice(0, fsyncAt).every((c) => c.startsWith('write bundle.json.'))).toBe(true);
    if (process.platform !== 'win32') expect(calls.at(-1)).toBe(`fsync ${path.basename(dir)}`);
  });
});
