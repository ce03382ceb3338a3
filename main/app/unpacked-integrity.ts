/**
 * ASAR integrity does not cover `app.asar.unpacked`, where native modules (better-sqlite3) live,
 * so a packaged kiosk could load a replaced `.node` file. At packaging, build/scripts/after-pack.mjs
 * writes a hash list of every unpacked file, signed with the release key (Ed25519); the public key
 * is compiled into main (inside the integrity-checked asar). At start the shell verifies the list:
 * a bad signature, a changed, missing or extra file refuses the launch.
 *
 * The verifier is pure over its inputs (bytes and a file lister), so tests drive every failure.
 */
import { createHash, createPublicKey, verify } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const HASH_LIST_FILE = 'unpacked-hashes.json';
export const HASH_LIST_VERSION = 1;

export interface HashListEntry {
  /** Forward slashes, relative to app.asar.unpacked. */
  readonly path: string;
  readonly size: number;
  readonly sha256: string;
}

export interface HashList {
  readonly version: typeof HASH_LIST_VERSION;
  readonly files: readonly HashListEntry[];
}

export interface SignedHashList {
  /** The exact bytes signed: `canonicalHashList(list)`. */
  readonly list: string;
  /** Ed25519 signature over `list`, base64. */
  readonly signature: string;
}

/** One deterministic text for a list: entries sorted by path, fixed key order. */
export function canonicalHashList(files: readonly HashListEntry[]): string {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return JSON.stringify({ version: HASH_LIST_VERSION, files: sorted.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) });
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export interface UnpackedTree {
  /** Every regular file under app.asar.unpacked, forward-slash relative paths. */
  list(): readonly string[];
  /** A file's bytes, or null when it is missing. */
  read(relPath: string): Uint8Array | null;
}

export type IntegrityVerdict = { readonly ok: true; readonly files: number } | { readonly ok: false; readonly detail: string };

const MAX_LIST_BYTES = 4 * 1024 * 1024;

/** Verifies the signed list against the public key (PEM or raw 32-byte base64) and the tree. */
export function verifyUnpacked(signedJson: string | null, publicKey: string, tree: UnpackedTree): IntegrityVerdict {
  if (!publicKey) return { ok: false, detail: 'this build carries no release key to check its files with' };
  if (signedJson === null) return { ok: false, detail: `${HASH_LIST_FILE} is missing` };
  if (signedJson.length > MAX_LIST_BYTES) return { ok: false, detail: `${HASH_LIST_FILE} is too large` };
  let signed: SignedHashList;
  let list: HashList;
  try {
    signed = JSON.parse(signedJson) as SignedHashList;
    if (typeof signed.list !== 'string' || typeof signed.signature !== 'string') throw new Error('shape');
    list = JSON.parse(signed.list) as HashList;
    if (list.version !== HASH_LIST_VERSION || !Array.isArray(list.files)) throw new Error('version');
  } catch {
    return { ok: false, detail: `${HASH_LIST_FILE} is not a signed hash list` };
  }
  let valid = false;
  try {
    valid = verify(null, Buffer.from(signed.list, 'utf8'), keyObject(publicKey), Buffer.from(signed.signature, 'base64'));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, detail: 'the hash list signature is not valid' };
  if (canonicalHashList(list.files) !== signed.list) return { ok: false, detail: 'the hash list is not in canonical form' };
  const listed = new Set<string>();
  for (const f of list.files) {
    if (typeof f.path !== 'string' || f.path.includes('..') || f.path.startsWith('/')) return { ok: false, detail: 'the hash list names a path outside the folder' };
    listed.add(f.path);
    const bytes = tree.read(f.path);
    if (bytes === null) return { ok: false, detail: `missing: ${f.path}` };
    if (bytes.byteLength !== f.size || sha256Hex(bytes) !== f.sha256) return { ok: false, detail: `changed: ${f.path}` };
  }
  for (const p of tree.list()) {
    if (!listed.has(p)) return { ok: false, detail: `not in the hash list: ${p}` };
  }
  return { ok: true, files: listed.size };
}

function keyObject(publicKey: string) {
  if (publicKey.includes('BEGIN PUBLIC KEY')) return createPublicKey(publicKey);
  // Raw 32-byte Ed25519 key in base64: wrap it in its SPKI DER prefix.
  const raw = Buffer.from(publicKey, 'base64');
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** The real folder, read synchronously at start (before any window exists). */
export function fsUnpackedTree(dir: string): UnpackedTree {
  return {
    list() {
      const out: string[] = [];
      const walk = (rel: string): void => {
        for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
          const r = rel ? `${rel}/${e.name}` : e.name;
          if (e.isDirectory()) walk(r);
          else out.push(r);
        }
      };
      if (existsSync(dir)) walk('');
      return out;
    },
    read(relPath) {
      const file = path.join(dir, ...relPath.split('/'));
      try {
        return lstatSync(file).isFile() ? readFileSync(file) : null;
      } catch {
        return null;
      }
    },
  };
}
