/**
 * Durable file placement: whatever a journal row names must survive a power cut before that row
 * commits. The recipe is the one every careful store uses: write under a temporary name, fsync
 * the file, rename it into place, fsync the directory (the rename itself lives in the directory's
 * metadata and is lost without it). A rename without the first fsync can leave an empty file under
 * the final name after a cut, which is exactly what a journal row must never point at.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, writeSync, constants as fsc } from 'node:fs';
import path from 'node:path';

/** The fs calls this module makes, injectable so the ordering can be checked in tests. */
export interface DurableFs {
  openSync: typeof openSync;
  writeSync: (fd: number, data: Uint8Array) => number;
  fsyncSync: typeof fsyncSync;
  closeSync: typeof closeSync;
  renameSync: typeof renameSync;
}

const realFs: DurableFs = { openSync, writeSync: (fd, data) => writeSync(fd, data), fsyncSync, closeSync, renameSync };

/** fsyncs a directory so that a rename or a new entry in it survives a power cut. */
export function fsyncDirectory(dir: string, fs: DurableFs = realFs): void {
  // Windows cannot open a directory for fsync; NTFS journals the rename itself.
  if (process.platform === 'win32') return;
  const fd = fs.openSync(dir, fsc.O_RDONLY);
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Creates a folder and its missing parents so that they survive a power cut: a new name is
 * durable only once the folder holding it is fsynced, so every folder that gained one (from the
 * new folder's parent up to the parent of the first folder created) is fsynced. Returns whether
 * anything was created. The power-loss test's file system (test/powerloss/lossyfs.py) drops a
 * folder made with a plain mkdir at the next cut.
 */
export function mkdirDurably(dir: string, mode?: number): boolean {
  const first = mkdirSync(dir, { recursive: true, ...(mode === undefined ? {} : { mode }) });
  if (first === undefined) return false;
  const top = path.dirname(path.resolve(first));
  for (let d = path.dirname(path.resolve(dir)); ; d = path.dirname(d)) {
    fsyncDirectory(d);
    if (d === top || d === path.dirname(d)) break;
  }
  return true;
}

/** fsyncs an existing file's contents (for files appended to in parts before they are placed). */
export function fsyncFile(file: string, fs: DurableFs = realFs): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Moves an already written temporary file to its final name durably: fsync the file, rename,
 * fsync the directory. When this returns, a journal row may name `finalPath`.
 */
export function placeDurably(tmpPath: string, finalPath: string, fs: DurableFs = realFs): void {
  fsyncFile(tmpPath, fs);
  fs.renameSync(tmpPath, finalPath);
  fsyncDirectory(path.dirname(finalPath), fs);
}

/** Writes `data` to `finalPath` durably (temporary file, fsync, rename, fsync directory). */
export function writeFileDurably(finalPath: string, data: string | Uint8Array, mode = 0o600, fs: DurableFs = realFs): void {
  const tmp = `${finalPath}.${process.pid}.tmp`;
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const fd = fs.openSync(tmp, 'w', mode);
  try {
    let off = 0;
    while (off < bytes.byteLength) off += fs.writeSync(fd, bytes.subarray(off));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, finalPath);
  fsyncDirectory(path.dirname(finalPath), fs);
}
