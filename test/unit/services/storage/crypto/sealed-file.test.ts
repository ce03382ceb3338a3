/**
 * The sealed-file format of remuxed answers: what goes in comes out through the one reader, in any
 * split of writes; nothing of the plaintext is on disk; and every way of changing the file — a
 * flipped bit anywhere, a cut at or inside a record, records swapped, a record added or taken from
 * another file, another identity or another session — is refused with STORAGE_CORRUPT.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../../main/common/clock';
import { silentLogger } from '../../../../../main/common/logger';
import { CodedError } from '../../../../../main/common/result';
import { MemoryKeyProtector } from '../../../../../main/services/packs/key-protector';
import { SEAL_OVERHEAD } from '../../../../../main/services/storage/crypto/aead';
import { readSealedFileFully, SEALED_FILE_HEADER_BYTES, SealedFileWriter, sealedFilePlainDigest } from '../../../../../main/services/storage/crypto/sealed-file';
import { SessionKeyring } from '../../../../../main/services/storage/crypto/session-keyring';
import { transact } from '../../../../../main/db/transaction';
import { makeFixture, startedSession } from '../../../../support/session-fixture';

const R = 1024;
const FULL = R + SEAL_OVERHEAD;
const H = SEALED_FILE_HEADER_BYTES;
const ID = 'remux/q1/a0/s0';

function setup() {
  const f = makeFixture();
  const keyring = new SessionKeyring({ db: f.db, protector: new MemoryKeyProtector(), clock: new ManualClock(), logger: silentLogger });
  const a = startedSession(f).sessionId;
  const b = startedSession(f, 'DEMO-2027').sessionId;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-sealed-file-'));
  return { f, keyring, a, b, dir };
}

/** Distinct, recognisable plaintext: a phrase repeated with a counter. */
function plaintext(n: number): Buffer {
  const out = Buffer.alloc(n);
  const phrase = Buffer.from('RECORDED-ANSWER 我负责了整个迁移方案 ');
  for (let i = 0; i < n; i++) out[i] = phrase[i % phrase.length]! ^ (Math.floor(i / phrase.length) & 0x0f);
  return out;
}

function write(file: string, sealer: ReturnType<SessionKeyring['sealerFor']>, data: Buffer, pieces: number[], identity = ID) {
  const w = new SealedFileWriter(file, sealer, identity, R);
  let off = 0;
  for (const p of pieces) {
    w.write(data.subarray(off, off + p));
    off += p;
  }
  w.write(data.subarray(off));
  return w.finish();
}

const refuses = (f: () => unknown, what: RegExp) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CodedError);
    expect((e as CodedError).code).toBe('STORAGE_CORRUPT');
    expect((e as CodedError).message).toMatch(what);
    return;
  }
  throw new Error('the reader accepted a changed file');
};

describe('sealed files (remuxed answers)', () => {
  it('reads back exactly what was written, for any size and any split of writes, with nothing plain on disk', () => {
    const { f, keyring, a, dir } = setup();
    const sealer = keyring.sealerFor(a);
    for (const [n, pieces] of [[0, []], [1, []], [R - 1, []], [R, []], [R + 1, [1]], [3 * R + 500, [7, R, 2 * R]], [5 * R, [R, R, R, R]]] as Array<[number, number[]]>) {
      const file = path.join(dir, `f${n}.sealed`);
      const data = plaintext(n);
      const d = transact(f.db, () => write(file, sealer, data, pieces));
      const disk = readFileSync(file);
      const records = Math.max(1, Math.ceil(n / R));
      expect(disk.length).toBe(H + records * SEAL_OVERHEAD + n);
      expect(d).toEqual({ plainBytes: n, plainSha256: createHash('sha256').update(data).digest('hex'), sealedBytes: disk.length, sealedSha256: createHash('sha256').update(disk).digest('hex'), records });
      expect(readSealedFileFully(file, sealer, ID).equals(data)).toBe(true);
      expect(sealedFilePlainDigest(file, sealer, ID)).toEqual({ bytes: n, sha256: d.plainSha256 });
      if (n >= 64) expect(disk.includes(data.subarray(0, 32))).toBe(false);
    }
  });

  it('refuses a flipped bit in the header, in any record and in its tag', () => {
    const { f, keyring, a, dir } = setup();
    const sealer = keyring.sealerFor(a);
    const file = path.join(dir, 'x.sealed');
    transact(f.db, () => write(file, sealer, plaintext(3 * R + 10), []));
    const original = readFileSync(file);
    for (const at of [0, 5, 10, H, H + 20, H + 60, H + FULL + 300, H + 3 * FULL + 4, original.length - 1]) {
      const b = Buffer.from(original);
      b[at]! ^= 0x01;
      writeFileSync(file, b);
      refuses(() => readSealedFileFully(file, sealer, ID), /sealed file/);
    }
    writeFileSync(file, original);
    expect(readSealedFileFully(file, sealer, ID).length).toBe(3 * R + 10);
  });

  it('refuses a file cut at a record boundary, inside a record, or down to its header', () => {
    const { f, keyring, a, dir } = setup();
    const sealer = keyring.sealerFor(a);
    const file = path.join(dir, 'x.sealed');
    transact(f.db, () => write(file, sealer, plaintext(3 * R), []));
    const original = readFileSync(file);
    expect(original.length).toBe(H + 3 * FULL);
    for (const [len, what] of [[H + 2 * FULL, /record 1 of 2/], [H + FULL, /record 0 of 1/], [H + 2 * FULL + SEAL_OVERHEAD + 100, /record 2 of 3/], [H + 2 * FULL + SEAL_OVERHEAD - 1, /record 2 is cut short/], [H + 3 * FULL - 1, /record 2 of 3/], [H, /no last record/], [10, /header/]] as Array<[number, RegExp]>) {
      writeFileSync(file, original.subarray(0, len));
      refuses(() => readSealedFileFully(file, sealer, ID), what);
    }
  });

  it('refuses records swapped, a record appended, and a record spliced in from another remux of the same segment', () => {
    const { f, keyring, a, dir } = setup();
    const sealer = keyring.sealerFor(a);
    const one = path.join(dir, 'one.sealed');
    const two = path.join(dir, 'two.sealed');
    transact(f.db, () => write(one, sealer, plaintext(3 * R), []));
    transact(f.db, () => write(two, sealer, plaintext(3 * R), []));
    const x = readFileSync(one);
    const y = readFileSync(two);
    const rec = (b: Buffer, i: number) => b.subarray(H + i * FULL, H + (i + 1) * FULL);
    writeFileSync(one, Buffer.concat([x.subarray(0, H), rec(x, 1), rec(x, 0), rec(x, 2)]));
    refuses(() => readSealedFileFully(one, sealer, ID), /record 0 of 3/);
    writeFileSync(one, Buffer.concat([x, rec(x, 2)]));
    refuses(() => readSealedFileFully(one, sealer, ID), /record 2 of 4/);
    // Same plaintext, same key, same identity: only the file id differs.
    writeFileSync(one, Buffer.concat([x.subarray(0, H), rec(x, 0), rec(y, 1), rec(x, 2)]));
    refuses(() => readSealedFileFully(one, sealer, ID), /record 1 of 3/);
    writeFileSync(one, Buffer.concat([y.subarray(0, H), rec(x, 0), rec(x, 1), rec(x, 2)]));
    refuses(() => readSealedFileFully(one, sealer, ID), /record 0 of 3/);
    writeFileSync(one, x);
    expect(readSealedFileFully(one, sealer, ID).equals(plaintext(3 * R))).toBe(true);
  });

  it('does not open under another identity or another session, nor without the key', () => {
    const { f, keyring, a, b, dir } = setup();
    const file = path.join(dir, 'x.sealed');
    transact(f.db, () => write(file, keyring.sealerFor(a), plaintext(R + 5), []));
    transact(f.db, () => keyring.sealerFor(b).seal(Buffer.from('k'), Buffer.from('make b a key')));
    refuses(() => readSealedFileFully(file, keyring.sealerFor(a), 'remux/q1/a0/s1'), /record 0 of 2/);
    refuses(() => readSealedFileFully(file, keyring.sealerFor(b), ID), /record 0 of 2/);
    // Crypto-shredding: the wrapped key is gone, and with it every record.
    keyring.forget(a);
    f.db.prepare(`INSERT INTO session_erasures (session_id, reason, requested_at) VALUES (?, 'request', 1)`).run(a);
    f.db.prepare(`DELETE FROM session_keys WHERE session_id = ?`).run(a);
    refuses(() => readSealedFileFully(file, keyring.sealerFor(a), ID), /record 0 of 2/);
  });

  it('refuses a hostile header asking for huge records before reading them', () => {
    const { f, keyring, a, dir } = setup();
    const file = path.join(dir, 'x.sealed');
    transact(f.db, () => write(file, keyring.sealerFor(a), plaintext(10), []));
    const b = readFileSync(file);
    b.writeUInt32BE(0xffffffff, 4);
    writeFileSync(file, b);
    refuses(() => readSealedFileFully(file, keyring.sealerFor(a), ID), /record size/);
  });
});
