/**
 * The packaged-app check over synthetic unpacked layouts for Linux, Windows and macOS. The ASAR
 * archives are written by @electron/asar (the library electron-builder packs with), the fuse wire
 * is flipped by @electron/fuses, the embedded integrity hash comes from @electron/asar's own header
 * reader: the check under test reads all of it with its own code. Each test breaks one thing and
 * expects exactly that check to fail.
 */
import { createPackageWithOptions, getRawHeader } from '@electron/asar';
import { flipFuses } from '@electron/fuses';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FUSES } from '../../../build/scripts/fuses-config.mjs';
import { writeSignedHashList } from '../../../build/scripts/hash-list.mjs';
import { checkPackagedApp, layoutOf, type PackagedAppReport } from '../../../build/scripts/packaged-app-check.mjs';
import { fsUnpackedTree, verifyUnpacked } from '../../../main/app/unpacked-integrity';

type Platform = 'linux' | 'win32' | 'darwin';
const names = { productFilename: 'Interview Kiosk', executableName: 'interview-kiosk' };
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

function fakeElectronBinary(file: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const wire = Buffer.from([1, 9, ...Array(9).fill(49)]);
  writeFileSync(file, Buffer.concat([Buffer.alloc(2048, 7), Buffer.from(SENTINEL), wire, Buffer.alloc(2048, 9)]));
}

interface Built {
  appOutDir: string;
  resources: string;
  publicKeyPem: string;
  privateKeyPem: string;
  exe: string;
  plist?: string;
}

/** What electron-builder + our afterPack hook produce, built by other code than the check's. */
async function buildApp(platform: Platform, o: { embedIntegrity?: boolean; flip?: boolean } = {}): Promise<Built> {
  const root = mkdtempSync(path.join(os.tmpdir(), `kiosk-pkg-${platform}-`));
  const app = path.join(root, 'app-src');
  const files: Record<string, string> = {
    'package.json': '{"name":"interview-kiosk","main":"dist/main/main.cjs"}',
    'dist/main/main.cjs': 'module.exports = 1;',
    'dist/main/integrity-worker.cjs': 'worker',
    'dist/preload/preload.cjs': 'preload',
    'dist/renderer/index.html': '<!doctype html>',
    'node_modules/better-sqlite3/build/Release/better_sqlite3.node': 'native bytes',
    'node_modules/better-sqlite3/package.json': '{}',
  };
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(app, p)), { recursive: true });
    writeFileSync(path.join(app, p), text);
  }
  const appOutDir = path.join(root, 'out');
  const layout = layoutOf(appOutDir, platform, names);
  mkdirSync(layout.resources, { recursive: true });
  const fuseFile = platform === 'darwin' ? path.join(layout.fuseTarget, 'Contents', 'Frameworks', 'Electron Framework.framework', 'Electron Framework') : layout.exe;
  fakeElectronBinary(fuseFile);
  if (platform === 'darwin') fakeElectronBinary(layout.exe);
  const asar = path.join(layout.resources, 'app.asar');
  await createPackageWithOptions(app, asar, { unpack: '{*.node,**/integrity-worker.cjs}' });
  const headerHash = createHash('sha256').update(getRawHeader(asar).headerString).digest('hex');
  if (o.embedIntegrity !== false) {
    if (platform === 'darwin') {
      writeFileSync(
        layout.plist!,
        `<?xml version="1.0" encoding="UTF-8"?>\n<plist version="1.0"><dict><key>CFBundleName</key><string>Interview Kiosk</string><key>ElectronAsarIntegrity</key><dict><key>Resources/app.asar</key><dict><key>algorithm</key><string>SHA256</string><key>hash</key><string>${headerHash}</string></dict></dict></dict></plist>\n`,
      );
    }
    if (platform === 'win32') appendFileSync(layout.exe, Buffer.from(JSON.stringify([{ file: 'resources\\app.asar', alg: 'SHA256', value: headerHash }])));
  }
  // codesign exists only on macOS: the ad-hoc signature reset is for the release machine.
  if (o.flip !== false) await flipFuses(layout.fuseTarget, { ...FUSES, resetAdHocDarwinSignature: false });
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  writeSignedHashList(path.join(layout.resources, 'app.asar.unpacked'), privateKeyPem, path.join(layout.resources, 'unpacked-hashes.json'));
  return { appOutDir, resources: layout.resources, publicKeyPem, privateKeyPem, exe: layout.exe, ...(layout.plist ? { plist: layout.plist } : {}) };
}

const check = (b: Built, platform: Platform, publicKeyPem = b.publicKeyPem) => checkPackagedApp({ appOutDir: b.appOutDir, platform, ...names, releasePublicKeyPem: publicKeyPem });
const statusOf = (r: PackagedAppReport) => Object.fromEntries(r.checks.map((c) => [c.name, c.status]));
const failing = (r: PackagedAppReport) => r.checks.filter((c) => c.status === 'fail').map((c) => c.name);

describe('packaged-app check (afterPack) on synthetic unpacked apps', () => {
  it.each(['linux', 'win32', 'darwin'] as const)('passes a correct %s app; the kiosk\'s own start-up verifier agrees on the hash list', async (platform) => {
    const b = await buildApp(platform);
    const r = await check(b, platform);
    expect(failing(r)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(statusOf(r)['asar-integrity']).toBe(platform === 'linux' ? 'not_applicable' : 'pass');
    const { readFileSync } = await import('node:fs');
    const v = verifyUnpacked(readFileSync(path.join(b.resources, 'unpacked-hashes.json'), 'utf8'), b.publicKeyPem, fsUnpackedTree(path.join(b.resources, 'app.asar.unpacked')));
    expect(v.ok).toBe(true);
  });

  it('fails when the fuses were never flipped', async () => {
    const b = await buildApp('linux', { flip: false });
    expect(failing(await check(b, 'linux'))).toEqual(['fuses']);
  });

  it.each(['win32', 'darwin'] as const)('fails on %s when the embedded ASAR integrity is missing or does not match the archive', async (platform) => {
    const missing = await buildApp(platform, { embedIntegrity: false });
    expect(failing(await check(missing, platform))).toEqual(['asar-integrity']);
    const b = await buildApp(platform);
    // Repack the archive with one more file: its header (and hash) changes, the embedded hash does not.
    const src = mkdtempSync(path.join(os.tmpdir(), 'kiosk-pkg-repack-'));
    for (const [p, t] of Object.entries({ 'package.json': '{}', 'dist/main/main.cjs': 'evil', 'dist/preload/preload.cjs': 'p', 'dist/renderer/index.html': 'h' })) {
      mkdirSync(path.dirname(path.join(src, p)), { recursive: true });
      writeFileSync(path.join(src, p), t);
    }
    await createPackageWithOptions(src, path.join(b.resources, 'app.asar'), {});
    expect(failing(await check(b, platform))).toContain('asar-integrity');
  });

  it('fails when a file in app.asar.unpacked changed, was added or removed, or the list was signed by another key', async () => {
    const changed = await buildApp('linux');
    appendFileSync(path.join(changed.resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node'), 'x');
    expect(failing(await check(changed, 'linux'))).toEqual(['unpacked-integrity']);

    const added = await buildApp('linux');
    writeFileSync(path.join(added.resources, 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'evil.node'), 'x');
    expect(failing(await check(added, 'linux'))).toEqual(['unpacked-integrity']);

    const removed = await buildApp('linux');
    rmSync(path.join(removed.resources, 'app.asar.unpacked', 'dist', 'main', 'integrity-worker.cjs'));
    expect(failing(await check(removed, 'linux')).sort()).toEqual(['unpacked-files', 'unpacked-integrity']);

    const other = await buildApp('linux');
    expect(failing(await check(other, 'linux', generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString()))).toEqual(['unpacked-integrity']);
  });

  it('fails when a private key or a source folder ships', async () => {
    const keyBeside = await buildApp('linux');
    mkdirSync(path.join(keyBeside.resources, 'build', 'provisioning'), { recursive: true });
    writeFileSync(path.join(keyBeside.resources, 'build', 'provisioning', 'demo-provisioning.json'), '{"trustedKeys":[]}');
    expect(failing(await check(keyBeside, 'linux'))).toEqual([]);
    writeFileSync(path.join(keyBeside.resources, 'build', 'provisioning', 'software-engineer.key.json'), '{"privateKey":"x"}');
    expect(failing(await check(keyBeside, 'linux'))).toEqual(['no-forbidden-files']);

    const pemInApp = await buildApp('linux');
    writeFileSync(path.join(pemInApp.appOutDir, 'release.pem'), pemInApp.privateKeyPem);
    expect(failing(await check(pemInApp, 'linux'))).toEqual(['no-forbidden-files']);
  });

  it('reports a missing or damaged app.asar as a failed check, never a throw', async () => {
    const b = await buildApp('linux');
    writeFileSync(path.join(b.resources, 'app.asar'), 'not an archive');
    const r = await check(b, 'linux');
    expect(r.ok).toBe(false);
    expect(failing(r)).toContain('asar');
    expect(failing(await check(b, 'linux', ''))).toContain('unpacked-integrity');
  });
});
