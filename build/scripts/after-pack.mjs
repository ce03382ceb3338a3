// electron-builder afterPack hook (release machine): flip the fuses with @electron/fuses and read
// them back, then write the signed hash list of app.asar.unpacked (native modules are outside
// ASAR integrity). Needs KIOSK_RELEASE_SIGNING_KEY: a path to the Ed25519 private key (PEM) whose
// public half build.mjs compiled into main (KIOSK_RELEASE_PUBLIC_KEY). Without it packaging
// fails: a kiosk without its hash list refuses to start.
// Last, the whole unpacked app is checked by build/scripts/packaged-app-check.mjs (fuses, app.asar,
// embedded ASAR integrity on Windows/macOS, no keys or sources shipped, the signed hash list) and
// packaging fails on any failed check. electron-builder writes the embedded integrity hash
// (beforeCopyExtraFiles) before this hook runs, and signs after it.
import { flipFuses, getCurrentFuseWire } from '@electron/fuses';
import { createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FUSES } from './fuses-config.mjs';
import { HASH_LIST_FILE, writeSignedHashList } from './hash-list.mjs';
import { checkPackagedApp } from './packaged-app-check.mjs';

export default async function afterPack(context) {
  const { appOutDir, electronPlatformName, packager } = context;
  const name = packager.appInfo.productFilename;
  const exe =
    electronPlatformName === 'darwin'
      ? path.join(appOutDir, `${name}.app`)
      : electronPlatformName === 'win32'
        ? path.join(appOutDir, `${name}.exe`)
        : path.join(appOutDir, packager.executableName);
  await flipFuses(exe, FUSES);
  const wire = await getCurrentFuseWire(exe);
  for (const [k, v] of Object.entries(FUSES)) {
    if (!/^\d+$/.test(k)) continue;
    const expected = v ? 49 : 48; // FuseState.ENABLE / DISABLE
    if (Number(wire[k]) !== expected && Number(wire[k]) !== 114) throw new Error(`fuse ${k} reads ${wire[k]} after flipping, expected ${expected}`);
  }

  const resources = electronPlatformName === 'darwin' ? path.join(exe, 'Contents', 'Resources') : path.join(appOutDir, 'resources');
  const unpacked = path.join(resources, 'app.asar.unpacked');
  const keyPath = process.env.KIOSK_RELEASE_SIGNING_KEY;
  if (!keyPath || !existsSync(keyPath)) throw new Error('KIOSK_RELEASE_SIGNING_KEY must name the release Ed25519 private key (PEM) to sign the unpacked hash list');
  if (!existsSync(unpacked)) throw new Error(`${unpacked} is missing`);
  const privateKeyPem = readFileSync(keyPath, 'utf8');
  const n = writeSignedHashList(unpacked, privateKeyPem, path.join(resources, HASH_LIST_FILE));
  console.log(`[after-pack] fuses flipped and read back; ${n} unpacked files hashed and signed`);

  const report = await checkPackagedApp({
    appOutDir,
    platform: electronPlatformName,
    productFilename: name,
    executableName: packager.executableName,
    releasePublicKeyPem: createPublicKey(privateKeyPem).export({ type: 'spki', format: 'pem' }).toString(),
  });
  for (const c of report.checks) console.log(`[after-pack] ${c.status.padEnd(14)} ${c.name}: ${c.detail}`);
  if (!report.ok) throw new Error(`packaged app check failed: ${report.checks.filter((c) => c.status === 'fail').map((c) => c.name).join(', ')}`);
}
