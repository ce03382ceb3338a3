/**
 * Sealed files: a file of any size sealed under a session's data key so that it can be written
 * and read in pieces (streaming AEAD, the shape of the STREAM construction of Hoang, Reyhanitabar,
 * Rogaway and Vizár, "Online Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", 2015).
 * Used for the remuxed answer files under `recordings/` (main/services/session/assistance.ts).
 *
 * Layout:
 * ```
 * header   = "IKF1" | recordPlain (u32 big-endian) | fileId (16 random bytes)        24 bytes
 * record i = sealer.seal(plain_i, aad_i)      (aead.ts sealMessage: 52 bytes of overhead)
 * aad_i    = "ik-file/v1|" identity "|" hex(fileId) "|" recordPlain "|" i "|" (1 if last else 0)
 * ```
 * Every record but the last holds exactly `recordPlain` plaintext bytes; the last holds 1..recordPlain
 * (0 only for an empty file). Each record is one `sealMessage` through the session-bound sealer
 * (`SessionKeyring.sealerFor`): its own random salt and HKDF-derived key and nonce, the session, the
 * record's identity, index and last-record flag in the associated data. So no (key, nonce) pair is
 * ever reused, and:
 * - a changed byte anywhere in a record fails that record's tag;
 * - two records swapped, or a record moved, fail (the index is in the AAD);
 * - a file cut at a record boundary fails at its new last record, which was sealed as "not last";
 *   cut inside a record, that record fails; records appended after the last one make the old last
 *   record fail as "not last";
 * - a record spliced in from another file (another remux of the same segment, another segment or
 *   session) fails: the file id, the identity and the session are in the AAD;
 * - a changed header fails every record (the file id and the record size are in every AAD).
 * The reader (`readSealedFile`) yields a record only once it has opened; nothing unauthenticated is
 * ever returned, and it throws `STORAGE_CORRUPT` at the first record that does not open.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { CodedError } from '../../../common/result';
import { SEAL_OVERHEAD } from './aead';
import type { ChunkSealer } from './session-keyring';

export const SEALED_FILE_MAGIC = Buffer.from('IKF1', 'ascii');
export const SEALED_FILE_HEADER_BYTES = 24;
/** Plaintext bytes per record written by default (64 KiB: 0.08 % overhead). */
export const DEFAULT_RECORD_PLAIN = 64 * 1024;
/** Bounds a reader accepts for a header's record size (a hostile header cannot make it allocate more). */
const MIN_RECORD_PLAIN = 1024;
const MAX_RECORD_PLAIN = 4 * 1024 * 1024;
const IDENTITY = /^[A-Za-z0-9_./:-]{1,200}$/;

/** What a writer wrote, for the journal row that names the file. */
export interface SealedFileDigest {
  /** Plaintext bytes and their sha256 (what the file decrypts to). */
  readonly plainBytes: number;
  readonly plainSha256: string;
  /** The file's bytes on disk and their sha256. */
  readonly sealedBytes: number;
  readonly sealedSha256: string;
  readonly records: number;
}

function recordAad(identity: string, fileId: Buffer, recordPlain: number, index: number, last: boolean): Buffer {
  return Buffer.from(`ik-file/v1|${identity}|${fileId.toString('hex')}|${recordPlain}|${index}|${last ? 1 : 0}`, 'ascii');
}

function checkIdentity(identity: string): string {
  if (!IDENTITY.test(identity)) throw new RangeError('a sealed file identity is 1-200 characters of [A-Za-z0-9_./:-]');
  return identity;
}

export function isSealedFileHeader(bytes: Uint8Array): boolean {
  return bytes.byteLength >= 4 && Buffer.from(bytes.buffer, bytes.byteOffset, 4).equals(SEALED_FILE_MAGIC);
}

/**
 * Writes a sealed file in pieces. Plaintext is held in memory until a whole record is there (and
 * the last one until `finish`); only sealed bytes reach the file. The file is opened for each
 * call (appending), so an abandoned writer leaves no open descriptor behind. The caller makes the
 * file durable and places it (durable-file.ts `placeDurably`).
 */
export class SealedFileWriter {
  private readonly fileId = randomBytes(16);
  private readonly plainHash: Hash = createHash('sha256');
  private readonly sealedHash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private index = 0;
  private plainBytes = 0;
  private sealedBytes = 0;
  private started = false;
  private done = false;

  constructor(
    private readonly file: string,
    private readonly sealer: ChunkSealer,
    private readonly identity: string,
    private readonly recordPlain = DEFAULT_RECORD_PLAIN,
  ) {
    checkIdentity(identity);
    if (!Number.isSafeInteger(recordPlain) || recordPlain < MIN_RECORD_PLAIN || recordPlain > MAX_RECORD_PLAIN) throw new RangeError('record size out of bounds');
  }

  /** Appends plaintext; seals and writes every record that is complete and known not to be the last. */
  write(data: Uint8Array): void {
    if (this.done) throw new Error('the sealed file is finished');
    this.pending.push(Buffer.from(data));
    this.pendingBytes += data.byteLength;
    this.plainHash.update(data);
    this.plainBytes += data.byteLength;
    const out: Buffer[] = [];
    if (!this.started) out.push(this.header());
    // Strictly more than one record: the record is written only once it is certain not to be the last.
    if (this.pendingBytes > this.recordPlain) {
      let all = Buffer.concat(this.pending);
      while (all.byteLength > this.recordPlain) {
        out.push(this.seal(all.subarray(0, this.recordPlain), false));
        all = all.subarray(this.recordPlain);
      }
      this.pending = [Buffer.from(all)];
      this.pendingBytes = all.byteLength;
    }
    if (out.length > 0) this.append(out);
  }

  /** Seals the last record and returns the file's digests. */
  finish(): SealedFileDigest {
    if (this.done) throw new Error('the sealed file is finished');
    const out: Buffer[] = [];
    if (!this.started) out.push(this.header());
    out.push(this.seal(Buffer.concat(this.pending), true));
    this.append(out);
    this.done = true;
    this.pending = [];
    return { plainBytes: this.plainBytes, plainSha256: this.plainHash.digest('hex'), sealedBytes: this.sealedBytes, sealedSha256: this.sealedHash.digest('hex'), records: this.index };
  }

  private header(): Buffer {
    this.started = true;
    const h = Buffer.alloc(SEALED_FILE_HEADER_BYTES);
    SEALED_FILE_MAGIC.copy(h, 0);
    h.writeUInt32BE(this.recordPlain, 4);
    this.fileId.copy(h, 8);
    return h;
  }

  private seal(plain: Buffer, last: boolean): Buffer {
    const sealed = this.sealer.seal(plain, recordAad(this.identity, this.fileId, this.recordPlain, this.index, last));
    // The reader finds record boundaries from the fixed overhead: any other sealer breaks the format.
    if (sealed.byteLength !== plain.byteLength + SEAL_OVERHEAD) throw new Error('the sealer must add exactly SEAL_OVERHEAD bytes');
    this.index += 1;
    return Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  }

  private append(pieces: Buffer[]): void {
    const bytes = Buffer.concat(pieces);
    const fd = openSync(this.file, this.sealedBytes === 0 ? 'w' : 'a', 0o600);
    try {
      let off = 0;
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off);
    } finally {
      closeSync(fd);
    }
    this.sealedHash.update(bytes);
    this.sealedBytes += bytes.byteLength;
  }
}

const corrupt = (why: string): CodedError => new CodedError('STORAGE_CORRUPT', `a sealed file does not open: ${why}`);

/**
 * The one reader of sealed files: yields each record's plaintext once it has opened, in order, and
 * throws `STORAGE_CORRUPT` (with the record) at the first record that does not — so a consumer
 * that reaches the end has read exactly what was written, and one that does not is told why.
 */
export function* readSealedFile(file: string, sealer: ChunkSealer, identity: string): Generator<Buffer, void, undefined> {
  checkIdentity(identity);
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const header = Buffer.alloc(SEALED_FILE_HEADER_BYTES);
    if (size < SEALED_FILE_HEADER_BYTES || readSync(fd, header, 0, header.length, 0) !== header.length || !isSealedFileHeader(header)) throw corrupt('no sealed-file header');
    const recordPlain = header.readUInt32BE(4);
    if (recordPlain < MIN_RECORD_PLAIN || recordPlain > MAX_RECORD_PLAIN) throw corrupt('record size out of bounds');
    const fileId = Buffer.from(header.subarray(8, 24));
    const full = recordPlain + SEAL_OVERHEAD;
    const body = size - SEALED_FILE_HEADER_BYTES;
    if (body < SEAL_OVERHEAD) throw corrupt('no last record');
    const records = Math.ceil(body / full);
    const buf = Buffer.allocUnsafe(full);
    for (let i = 0; i < records; i++) {
      const offset = SEALED_FILE_HEADER_BYTES + i * full;
      const length = Math.min(full, size - offset);
      const last = i === records - 1;
      if (length < SEAL_OVERHEAD) throw corrupt(`record ${i} is cut short`);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) throw corrupt(`record ${i} is cut short`);
        got += n;
      }
      let plain: Uint8Array;
      try {
        plain = sealer.open(buf.subarray(0, length), recordAad(identity, fileId, recordPlain, i, last));
      } catch (e) {
        if (e instanceof CodedError && e.code !== 'STORAGE_CORRUPT') throw e;
        throw corrupt(`record ${i} of ${records} was altered, moved, cut or belongs to another file`);
      }
      yield Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads a whole sealed file through the reader and returns its plaintext's size and sha256. */
export function sealedFilePlainDigest(file: string, sealer: ChunkSealer, identity: string): { bytes: number; sha256: string } {
  const h = createHash('sha256');
  let bytes = 0;
  for (const r of readSealedFile(file, sealer, identity)) {
    h.update(r);
    bytes += r.byteLength;
  }
  return { bytes, sha256: h.digest('hex') };
}

/** Reads a whole sealed file into memory through the reader (for exports and tests; bounded by the caller). */
export function readSealedFileFully(file: string, sealer: ChunkSealer, identity: string): Buffer {
  return Buffer.concat([...readSealedFile(file, sealer, identity)]);
}
