// Writes the signed hash list of app.asar.unpacked that main/app/unpacked-integrity.ts verifies at
// start. Same canonical text: entries sorted by path, keys in the order path, size, sha256.
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const HASH_LIST_FILE = 'unpacked-hashes.json';

export function listFiles(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, r));
    else out.push(r);
  }
  return out;
}

export function canonicalHashList(files) {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return JSON.stringify({ version: 1, files: sorted.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 })) });
}

/** Hashes every file under `unpackedDir`, signs the list with the Ed25519 PEM key, writes it to `outFile`. */
export function writeSignedHashList(unpackedDir, privateKeyPem, outFile) {
  const files = listFiles(unpackedDir).map((p) => {
    const bytes = readFileSync(path.join(unpackedDir, ...p.split('/')));
    return { path: p, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') };
  });
  const list = canonicalHashList(files);
  const signature = sign(null, Buffer.from(list, 'utf8'), createPrivateKey(privateKeyPem)).toString('base64');
  writeFileSync(outFile, JSON.stringify({ list, signature }));
  return files.length;
}
