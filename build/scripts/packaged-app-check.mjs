// What a packaged kiosk must look like, checked over the unpacked app directory electron-builder
// wrote (its `appOutDir`): run by the afterPack hook on every release build, and by
// `npm run package:check` (build/scripts/package-check.mjs: real electron-builder, synthetic Electron). Reads
// files only; it shares no code with what it checks: its own ASAR header reader (not
// electron-builder's), its own hash-list verifier (not main/app/unpacked-integrity.ts).
import { FuseState, getCurrentFuseWire } from '@electron/fuses';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { FUSES } from './fuses-config.mjs';

export const HASH_LIST_FILE = 'unpacked-hashes.json';

/** Files the app cannot start without. */
export const REQUIRED_IN_ASAR = ['dist/main/main.cjs', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'package.json'];
export const REQUIRED_UNPACKED = ['dist/main/integrity-worker.cjs', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node'];

/** Paths that must never ship: sources, tests, the dev shell's data, keys. Matched on `/`-paths. */
export const FORBIDDEN = [
  { re: /^(main|preload|renderer|test|hub)\//, why: 'source or test folder' },
  { re: /^\.kiosk-data\//, why: 'a development data folder' },
  { re: /(^|\/)[^/]*\.pem$/, why: 'a PEM key' },
  { re: /(^|\/)[^/]*(key|keys)\.json$/i, why: 'a key file' },
  { re: /^build\/provisioning\/(?!demo-provisioning\.json$)/, why: 'only the demo provisioning config ships' },
];

/** The layout of an unpacked app per platform (what electron-builder writes). */
export function layoutOf(appOutDir, platform, names) {
  switch (platform) {
    case 'darwin': {
      const app = path.join(appOutDir, `${names.productFilename}.app`);
      return { fuseTarget: app, resources: path.join(app, 'Contents', 'Resources'), plist: path.join(app, 'Contents', 'Info.plist'), exe: path.join(app, 'Contents', 'MacOS', names.productFilename) };
    }
    case 'win32':
      return { fuseTarget: path.join(appOutDir, `${names.productFilename}.exe`), resources: path.join(appOutDir, 'resources'), exe: path.join(appOutDir, `${names.productFilename}.exe`) };
    case 'linux':
      return { fuseTarget: path.join(appOutDir, names.executableName), resources: path.join(appOutDir, 'resources'), exe: path.join(appOutDir, names.executableName) };
    default:
      throw new Error(`unknown platform ${platform}`);
  }
}

/** The header string of an ASAR archive (Chromium pickles: size pickle, then the header pickle). */
export function readAsarHeaderString(file) {
  const fd = openSync(file, 'r');
  try {
    const size = Buffer.alloc(8);
    if (readSync(fd, size, 0, 8, 0) !== 8 || size.readUInt32LE(0) !== 4) throw new Error('not an ASAR archive');
    const headerPickleSize = size.readUInt32LE(4);
    if (headerPickleSize < 8 || headerPickleSize > 64 * 1024 * 1024) throw new Error('implausible ASAR header size');
    const pickle = Buffer.alloc(headerPickleSize);
    if (readSync(fd, pickle, 0, headerPickleSize, 8) !== headerPickleSize) throw new Error('truncated ASAR header');
    const len = pickle.readUInt32LE(4);
    if (8 + len > headerPickleSize) throw new Error('ASAR header string overruns its pickle');
    return pickle.subarray(8, 8 + len).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Every file path in an ASAR header, `/`-separated; `unpacked` tells which live in app.asar.unpacked. */
export function asarEntries(headerString) {
  const out = [];
  const walk = (node, prefix) => {
    for (const [name, child] of Object.entries(node.files ?? {})) {
      const p = prefix ? `${prefix}/${name}` : name;
      if (child.files) walk(child, p);
      else out.push({ path: p, unpacked: child.unpacked === true });
    }
  };
  walk(JSON.parse(headerString), '');
  return out;
}

function walkFiles(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walkFiles(dir, r));
    else out.push(r);
  }
  return out;
}

/** The embedded ASAR integrity hash for `Resources/app.asar` (macOS Info.plist) or `resources\app.asar` (Windows resource). */
function embeddedIntegrity(platform, layout) {
  if (platform === 'darwin') {
    if (!existsSync(layout.plist)) return { error: 'Info.plist is missing' };
    const xml = readFileSync(layout.plist, 'utf8');
    const block = /<key>ElectronAsarIntegrity<\/key>\s*<dict>\s*<key>Resources\/app\.asar<\/key>\s*<dict>([\s\S]*?)<\/dict>/.exec(xml);
    if (!block) return { error: 'Info.plist has no ElectronAsarIntegrity for Resources/app.asar' };
    const alg = /<key>algorithm<\/key>\s*<string>([^<]*)<\/string>/.exec(block[1])?.[1];
    const hash = /<key>hash<\/key>\s*<string>([0-9a-f]{64})<\/string>/.exec(block[1])?.[1];
    return alg === 'SHA256' && hash ? { hash } : { error: 'ElectronAsarIntegrity is not a SHA256 hash' };
  }
  if (platform === 'win32') {
    // electron-builder adds an INTEGRITY/ELECTRONASAR resource holding JSON:
    // [{"file":"resources\\app.asar","alg":"SHA256","value":"<hex>"}]
    const bytes = readFileSync(layout.exe).toString('latin1');
    const m = /\[\{"file":"resources\\\\app\.asar","alg":"SHA256","value":"([0-9a-f]{64})"\}\]/.exec(bytes);
    return m ? { hash: m[1] } : { error: 'the executable has no ELECTRONASAR integrity resource for resources\\app.asar' };
  }
  return { notApplicable: 'Electron has no embedded ASAR integrity on Linux (the fuse is ignored there)' };
}

/** Verifies the signed hash list of app.asar.unpacked: signature, canonical form, every file, nothing extra. */
function checkHashList(resources, publicKeyPem) {
  const listFile = path.join(resources, HASH_LIST_FILE);
  const unpacked = path.join(resources, 'app.asar.unpacked');
  if (!existsSync(listFile)) return `${HASH_LIST_FILE} is missing`;
  let signed;
  let list;
  try {
    signed = JSON.parse(readFileSync(listFile, 'utf8'));
    list = JSON.parse(signed.list);
  } catch {
    return `${HASH_LIST_FILE} is not JSON`;
  }
  if (!verify(null, Buffer.from(signed.list, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(String(signed.signature), 'base64'))) return 'the hash list signature does not verify with the release key';
  if (list.version !== 1 || !Array.isArray(list.files)) return 'unknown hash list version';
  const listed = new Map(list.files.map((f) => [f.path, f]));
  const onDisk = existsSync(unpacked) ? walkFiles(unpacked) : [];
  for (const p of onDisk) {
    const f = listed.get(p);
    if (!f) return `${p} is in app.asar.unpacked but not in the hash list`;
    const bytes = readFileSync(path.join(unpacked, ...p.split('/')));
    if (bytes.byteLength !== f.size || createHash('sha256').update(bytes).digest('hex') !== f.sha256) return `${p} does not match the hash list`;
    listed.delete(p);
  }
  if (listed.size > 0) return `${[...listed.keys()][0]} is listed but missing`;
  return null;
}

/**
 * Checks an unpacked app directory. Returns `{ ok, checks: [{ name, status: 'pass'|'fail'|'not_applicable', detail }] }`;
 * never throws for a bad package (a missing file is a failed check).
 */
export async function checkPackagedApp({ appOutDir, platform, productFilename, executableName, releasePublicKeyPem, fuses = FUSES }) {
  const checks = [];
  const add = (name, status, detail) => checks.push({ name, status, detail });
  const layout = layoutOf(appOutDir, platform, { productFilename, executableName });

  try {
    const wire = await getCurrentFuseWire(layout.fuseTarget);
    const wrong = [];
    for (const [k, v] of Object.entries(fuses)) {
      if (!/^\d+$/.test(k)) continue;
      const expected = v ? FuseState.ENABLE : FuseState.DISABLE;
      const got = wire[k];
      if (got !== expected && got !== FuseState.REMOVED) wrong.push(`fuse ${k} is ${got === undefined ? 'absent' : String.fromCharCode(Number(got))}, expected ${v ? 'on' : 'off'}`);
    }
    add('fuses', wrong.length ? 'fail' : 'pass', wrong.length ? wrong.join('; ') : `${Object.keys(fuses).filter((k) => /^\d+$/.test(k)).length} fuses as configured`);
  } catch (e) {
    add('fuses', 'fail', `cannot read the fuse wire: ${e instanceof Error ? e.message : String(e)}`);
  }

  const asar = path.join(layout.resources, 'app.asar');
  let header = null;
  try {
    header = readAsarHeaderString(asar);
  } catch (e) {
    add('asar', 'fail', `${asar}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (header !== null) {
    const entries = asarEntries(header);
    const paths = new Set(entries.map((e) => e.path));
    const missing = REQUIRED_IN_ASAR.filter((p) => !paths.has(p));
    const stray = existsSync(path.join(layout.resources, 'app')) ? ['resources/app/ exists beside app.asar'] : [];
    add('asar', missing.length || stray.length ? 'fail' : 'pass', missing.length ? `missing from app.asar: ${missing.join(', ')}` : stray.length ? stray[0] : `${entries.length} files`);

    const want = createHash('sha256').update(header).digest('hex');
    const embedded = embeddedIntegrity(platform, layout);
    if (embedded.notApplicable) add('asar-integrity', 'not_applicable', embedded.notApplicable);
    else if (embedded.error) add('asar-integrity', 'fail', embedded.error);
    else add('asar-integrity', embedded.hash === want ? 'pass' : 'fail', embedded.hash === want ? `header sha256 ${want.slice(0, 16)}… embedded` : `embedded ${embedded.hash.slice(0, 16)}… but the header hashes to ${want.slice(0, 16)}…`);

    const unpackedRoot = path.join(layout.resources, 'app.asar.unpacked');
    const shippedOutside = existsSync(layout.resources) ? walkFiles(layout.resources).filter((p) => !p.startsWith('app.asar')) : [];
    const unpackedFiles = existsSync(unpackedRoot) ? walkFiles(unpackedRoot) : [];
    const forbidden = [];
    for (const p of [...entries.map((e) => e.path), ...shippedOutside]) {
      const hit = FORBIDDEN.find((f) => f.re.test(p));
      if (hit) forbidden.push(`${p} (${hit.why})`);
    }
    // Anywhere else in the app folder (Electron's own files, the .app bundle): no key files by name.
    const resourcesRel = path.relative(appOutDir, layout.resources).split(path.sep).join('/') + '/';
    for (const p of walkFiles(appOutDir)) {
      if (!p.startsWith(resourcesRel) && /(^|\/)[^/]*(\.pem|keys?\.json)$/i.test(p)) forbidden.push(`${p} (a key file in the app folder)`);
    }
    for (const p of shippedOutside) {
      const full = path.join(layout.resources, ...p.split('/'));
      if (statSync(full).size < 1024 * 1024 && /"privateKey"\s*:|-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(readFileSync(full, 'latin1'))) forbidden.push(`${p} (holds a private key)`);
    }
    add('no-forbidden-files', forbidden.length ? 'fail' : 'pass', forbidden.length ? forbidden.slice(0, 5).join('; ') : 'no sources, tests, keys or development data');

    const notUnpacked = REQUIRED_UNPACKED.filter((p) => !unpackedFiles.includes(p));
    const unpackedButNotMarked = entries.filter((e) => e.unpacked && !unpackedFiles.includes(e.path)).map((e) => e.path);
    add(
      'unpacked-files',
      notUnpacked.length || unpackedButNotMarked.length ? 'fail' : 'pass',
      notUnpacked.length ? `missing from app.asar.unpacked: ${notUnpacked.join(', ')}` : unpackedButNotMarked.length ? `marked unpacked but absent: ${unpackedButNotMarked[0]}` : `${unpackedFiles.length} files`,
    );
  }

  if (!releasePublicKeyPem) add('unpacked-integrity', 'fail', 'no release public key to verify the hash list with');
  else {
    let problem;
    try {
      problem = checkHashList(layout.resources, releasePublicKeyPem);
    } catch (e) {
      problem = e instanceof Error ? e.message : String(e);
    }
    add('unpacked-integrity', problem ? 'fail' : 'pass', problem ?? 'signed hash list matches app.asar.unpacked');
  }

  return { ok: checks.every((c) => c.status !== 'fail'), platform, checks };
}
