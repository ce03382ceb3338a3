import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalHashList, sha256Hex, verifyUnpacked, type HashListEntry, type UnpackedTree } from '../../../main/app/unpacked-integrity';

const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const raw = (publicKey.export({ type: 'spki', format: 'der' }) as Buffer).subarray(12).toString('base64');

function tree(files: Record<string, string>): UnpackedTree {
  return { list: () => Object.keys(files), read: (p) => (p in files ? Buffer.from(files[p]!) : null) };
}
function signedFor(files: Record<string, string>, key = privateKey): string {
  const entries: HashListEntry[] = Object.entries(files).map(([p, c]) => ({ path: p, size: Buffer.byteLength(c), sha256: sha256Hex(Buffer.from(c)) }));
  const list = canonicalHashList(entries);
  return JSON.stringify({ list, signature: sign(null, Buffer.from(list), key).toString('base64') });
}

const files = { 'node_modules/better-sqlite3/build/Release/better_sqlite3.node': 'ELF native', 'node_modules/better-sqlite3/package.json': '{}' };

describe('verifyUnpacked', () => {
  it('accepts the signed list of an unchanged folder, with a PEM or a raw key', () => {
    expect(verifyUnpacked(signedFor(files), pem, tree(files))).toEqual({ ok: true, files: 2 });
    expect(verifyUnpacked(signedFor(files), raw, tree(files))).toEqual({ ok: true, files: 2 });
  });

  it('refuses a replaced native module', () => {
    const v = verifyUnpacked(signedFor(files), pem, tree({ ...files, 'node_modules/better-sqlite3/build/Release/better_sqlite3.node': 'ELF evil' }));
    expect(v).toEqual({ ok: false, detail: 'changed: node_modules/better-sqlite3/build/Release/better_sqlite3.node' });
  });

  it('refuses a missing file and a file nobody listed', () => {
    const { ['node_modules/better-sqlite3/package.json']: _gone, ...fewer } = files;
    expect(verifyUnpacked(signedFor(files), pem, tree(fewer))).toMatchObject({ ok: false, detail: 'missing: node_modules/better-sqlite3/package.json' });
    expect(verifyUnpacked(signedFor(files), pem, tree({ ...files, 'evil.node': 'x' }))).toMatchObject({ ok: false, detail: 'not in the hash list: evil.node' });
  });

  it('refuses a list signed by another key, an edited list, a missing list and a build without a key', () => {
    const other = generateKeyPairSync('ed25519').privateKey;
    expect(verifyUnpacked(signedFor(files, other), pem, tree(files))).toMatchObject({ ok: false, detail: 'the hash list signature is not valid' });
    const edited = JSON.parse(signedFor(files)) as { list: string; signature: string };
    edited.list = edited.list.replace(sha256Hex(Buffer.from('{}')), sha256Hex(Buffer.from('{"x":1}')));
    expect(verifyUnpacked(JSON.stringify(edited), pem, tree(files))).toMatchObject({ ok: false, detail: 'the hash list signature is not valid' });
    expect(verifyUnpacked(null, pem, tree(files))).toMatchObject({ ok: false });
    expect(verifyUnpacked(signedFor(files), '', tree(files))).toMatchObject({ ok: false });
    expect(verifyUnpacked('{not json', pem, tree(files))).toMatchObject({ ok: false });
  });
});
