import { FuseV1Options, flipFuses, getCurrentFuseWire } from '@electron/fuses';
import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUSES } from '../../../build/scripts/fuses-config.mjs';
import { HASH_LIST_FILE, writeSignedHashList } from '../../../build/scripts/hash-list.mjs';
import { fsUnpackedTree, verifyUnpacked } from '../../../main/app/unpacked-integrity';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const ENABLE = 49;
const DISABLE = 48;

/** A stand-in Electron binary: noise, the fuse sentinel, a V1 wire of 9 fuses all enabled, noise. */
function fakeElectron(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-fuses-'));
  const file = path.join(dir, 'electron');
  const wire = Buffer.from([1, 9, ...Array(9).fill(ENABLE)]);
  writeFileSync(file, Buffer.concat([Buffer.alloc(4096, 7), Buffer.from(SENTINEL), wire, Buffer.alloc(4096, 9)]));
  return file;
}

describe('Electron fuses at packaging', () => {
  it('decides every security fuse the safe way, and requires a decision for every fuse', () => {
    expect(FUSES.strictlyRequireAllFuses).toBe(true);
    expect(FUSES[FuseV1Options.RunAsNode]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(false);
    expect(FUSES[FuseV1Options.EnableNodeCliInspectArguments]).toBe(false);
    expect(FUSES[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(true);
    expect(FUSES[FuseV1Options.OnlyLoadAppFromAsar]).toBe(true);
    expect(FUSES[FuseV1Options.EnableCookieEncryption]).toBe(true);
    expect(FUSES[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(false);
    expect(FUSES[FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]).toBe(false);
  });

  it('flips a binary with @electron/fuses and reads the same configuration back', async () => {
    const exe = fakeElectron();
    await flipFuses(exe, FUSES);
    const wire = await getCurrentFuseWire(exe);
    expect(wire[FuseV1Options.RunAsNode]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableNodeCliInspectArguments]).toBe(DISABLE);
    expect(wire[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(ENABLE);
    expect(wire[FuseV1Options.OnlyLoadAppFromAsar]).toBe(ENABLE);
    expect(wire[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(DISABLE);
  });

  it('has electron-builder run the hook that flips them, with no second fuse configuration', () => {
    const yml = readFileSync(path.join(__dirname, '../../../electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^afterPack: build\/scripts\/after-pack\.mjs$/m);
    expect(yml).not.toMatch(/^electronFuses:/m);
    expect(yml).toMatch(/asarUnpack:\n\s+- node_modules\/better-sqlite3\/\*\*/);
  });

  it('writes a hash list of app.asar.unpacked that the start-up verifier accepts, and notices a change', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-unpacked-'));
    const unpacked = path.join(dir, 'app.asar.unpacked');
    mkdirSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });
    writeFileSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'better_sqlite3.node'), 'native');
    writeFileSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'package.json'), '{}');
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const out = path.join(dir, HASH_LIST_FILE);
    expect(writeSignedHashList(unpacked, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), out)).toBe(2);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(verifyUnpacked(readFileSync(out, 'utf8'), pem, fsUnpackedTree(unpacked))).toEqual({ ok: true, files: 2 });
    writeFileSync(path.join(unpacked, 'node_modules', 'better-sqlite3', 'build', 'better_sqlite3.node'), 'evil!!');
    expect(verifyUnpacked(readFileSync(out, 'utf8'), pem, fsUnpackedTree(unpacked))).toMatchObject({ ok: false });
  });
});
