/**
 * shredFile overwrites a file's bytes with zeros before unlinking it. Unlinked bytes cannot be read
 * back through the name, so the test keeps a second hard link to the same inode: after the shred
 * that link must read as zeros of the same length (a file larger than the 1 MiB zero buffer too).
 */
import { existsSync, linkSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { shredFile } from '../../../../../main/services/storage/crypto/erasure';

describe('shredFile', () => {
  it('zeroes every byte (beyond one buffer) before unlinking', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shred-'));
    const file = path.join(dir, 'answer.webm');
    const size = (1 << 20) + 12_345;
    writeFileSync(file, Buffer.alloc(size, 0x5a));
    const witness = path.join(dir, 'witness');
    linkSync(file, witness);
    expect(shredFile(file)).toBe(1);
    expect(existsSync(file)).toBe(false);
    const left = readFileSync(witness);
    expect(left.length).toBe(size);
    expect(left.every((b) => b === 0)).toBe(true);
  });

  it('only unlinks what is not a regular file (a symlink is not followed)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'shred-'));
    const target = path.join(dir, 'elsewhere.txt');
    writeFileSync(target, 'keep me');
    const link = path.join(dir, 'link');
    symlinkSync(target, link);
    expect(shredFile(link)).toBe(0);
    expect(existsSync(link)).toBe(false);
    expect(readFileSync(target, 'utf8')).toBe('keep me');
  });
});
