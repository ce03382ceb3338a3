// `npm run package:check`: runs the real electron-builder (the version in package.json, with our
// electron-builder.yml and afterPack hook) for a Linux `dir` target, against a SYNTHETIC unpacked
// Electron distribution (`electronDist`: a stand-in `electron` file carrying the fuse sentinel and
// a V1 wire), because Electron's binary cannot be downloaded here. npmRebuild is off (no network
// for Electron's headers). Then:
//   1. the afterPack hook must have flipped the fuses, written the signed hash list and passed its
//      own packaged-app check (electron-builder exits non-zero otherwise);
//   2. build/scripts/packaged-app-check.mjs is run again here over the output and must pass;
//   3. negative control: one byte appended to a file in app.asar.unpacked must make the check fail
//      on `unpacked-integrity`, and a key file dropped into resources must fail `no-forbidden-files`.
// What this never exercises: a real Electron binary, Windows/macOS targets (embedded ASAR
// integrity, code signing, notarization), installers (MSI/DMG/AppImage), native module rebuilds.
// Needs `npm run build` first (dist/). Last line of output: one JSON object; exit 0 only if all hold.
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPackagedApp } from './packaged-app-check.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const keep = process.argv.includes('--keep');
const target = 'electron-builder --linux dir (synthetic Electron) runs the afterPack hook; the packaged-app check passes its output and fails tampered copies';
const started = Date.now();
let tmp = null;

function finish(result) {
  if (tmp && !keep) rmSync(tmp, { recursive: true, force: true });
  console.log(JSON.stringify({ target, ...result, seconds: Math.round((Date.now() - started) / 1000) }));
  process.exit(result.ok ? 0 : 1);
}

if (!existsSync(path.join(root, 'dist', 'main', 'main.cjs'))) finish({ ok: false, error: 'dist/main/main.cjs is missing: run `npm run build` first' });

tmp = mkdtempSync(path.join(os.tmpdir(), 'kiosk-package-check-'));
try {
  // The stand-in Electron distribution: what electron-builder copies, renames and fuses.
  const dist = path.join(tmp, 'electron-dist');
  mkdirSync(path.join(dist, 'resources'), { recursive: true });
  const wire = Buffer.from([1, 9, ...Array(9).fill(49)]);
  writeFileSync(path.join(dist, 'electron'), Buffer.concat([Buffer.alloc(4096, 7), Buffer.from('dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'), wire, Buffer.alloc(4096, 9)]), { mode: 0o755 });
  writeFileSync(path.join(dist, 'LICENSE'), 'synthetic Electron distribution for package:check\n');

  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const keyFile = path.join(tmp, 'release-signing.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

  const electronVersion = JSON.parse(readFileSync(path.join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version;
  const out = path.join(tmp, 'out');
  const args = [
    path.join(root, 'node_modules', 'electron-builder', 'cli.js'),
    '--linux', 'dir', '--x64',
    `-c.electronDist=${dist}`,
    '-c.npmRebuild=false',
    `-c.electronVersion=${electronVersion}`,
    `-c.directories.output=${out}`,
  ];
  const log = [];
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, KIOSK_RELEASE_SIGNING_KEY: keyFile, CSC_IDENTITY_AUTO_DISCOVERY: 'false' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const keepLines = (b) => {
      for (const line of b.toString('utf8').split('\n')) if (line.trim() && !line.includes('duplicate dependency references')) log.push(line);
    };
    child.stdout.on('data', keepLines);
    child.stderr.on('data', keepLines);
    child.on('close', (c) => resolve(c ?? 1));
  });
  for (const line of log) console.log(line);
  const hookRan = log.some((l) => l.includes('[after-pack] fuses flipped and read back'));
  const hookChecked = log.filter((l) => /\[after-pack\] (pass|not_applicable)\s/.test(l)).length;
  if (code !== 0) finish({ ok: false, builderExit: code, hookRan, error: 'electron-builder failed' });

  const appOutDir = path.join(out, 'linux-unpacked');
  const names = { productFilename: 'Interview Kiosk', executableName: 'interview-kiosk' };
  const good = await checkPackagedApp({ appOutDir, platform: 'linux', ...names, releasePublicKeyPem: publicKeyPem });
  const checks = Object.fromEntries(good.checks.map((c) => [c.name, c.status]));
  const asarFiles = Number(/^(\d+) files$/.exec(good.checks.find((c) => c.name === 'asar')?.detail ?? '')?.[1] ?? 0);

  // Negative controls on the same output: the check must be able to fail.
  const failingOf = (r) => r.checks.filter((c) => c.status === 'fail').map((c) => c.name);
  const sqlite = path.join(appOutDir, 'resources', 'app.asar.unpacked', 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');
  appendFileSync(sqlite, Buffer.from([0]));
  const tampered = failingOf(await checkPackagedApp({ appOutDir, platform: 'linux', ...names, releasePublicKeyPem: publicKeyPem }));
  writeFileSync(path.join(appOutDir, 'resources', 'build', 'provisioning', 'centre.key.json'), '{"privateKey":"x"}');
  const keyShipped = failingOf(await checkPackagedApp({ appOutDir, platform: 'linux', ...names, releasePublicKeyPem: publicKeyPem }));

  const ok = good.ok && hookRan && hookChecked === good.checks.length && tampered.includes('unpacked-integrity') && keyShipped.includes('no-forbidden-files');
  finish({ ok, builderExit: code, hookRan, hookChecks: hookChecked, checks, asarFiles, tamperedFails: tampered, keyShippedFails: keyShipped, ...(keep ? { kept: tmp } : {}) });
} catch (e) {
  finish({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
