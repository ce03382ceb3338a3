// `npm run security:check`: Doyensec Electronegativity over main, preload and the BUILT bundle,
// failing on any finding outside build/security/electronegativity-allowlist.json.
//
// Electronegativity exits 0 whatever it finds and skips `.cjs` files, so this wrapper:
//  - stages main/ and preload/ sources, the renderer's HTML and the built bundles renamed to .js;
//  - runs it with SARIF output and parses that (never its exit code);
//  - first runs it on a canary with known misconfigurations and fails if the canary is not
//    flagged: a scanner that sees nothing proves nothing;
//  - prints one JSON line last and exits non-zero on any unexpected finding.
// main/dev (the development web shell and CLIs) is not scanned: it is never packaged.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const CLI = path.join(ROOT, 'node_modules/@doyensec/electronegativity/dist/index.js');
const ELECTRON_VERSION = JSON.parse(readFileSync(path.join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
const allowlist = JSON.parse(readFileSync(path.join(ROOT, 'build/security/electronegativity-allowlist.json'), 'utf8')).entries;
const work = mkdtempSync(path.join(os.tmpdir(), 'kiosk-eneg-'));

function scan(dir, name) {
  const out = path.join(work, `${name}.sarif`);
  const r = spawnSync(process.execPath, [CLI, '-i', dir, '-o', out, '-r', '-e', ELECTRON_VERSION, '-v', 'false'], { encoding: 'utf8', timeout: 240_000 });
  if (!existsSync(out)) throw new Error(`electronegativity wrote no report (${name}): ${(r.stderr || r.stdout || '').slice(-400)}`);
  const sarif = JSON.parse(readFileSync(out, 'utf8'));
  return (sarif.runs?.[0]?.results ?? []).map((x) => ({
    ruleId: x.ruleId,
    file: x.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '?',
    line: x.locations?.[0]?.physicalLocation?.region?.startLine ?? 0,
    level: x.level,
  }));
}

let summary;
try {
  // 1. The canary: known-bad code the scanner must flag.
  const canary = path.join(work, 'canary');
  mkdirSync(canary);
  writeFileSync(
    path.join(canary, 'canary.js'),
    "const { BrowserWindow } = require('electron');\nconst w = new BrowserWindow({ webPreferences: { contextIsolation: false, sandbox: false, webSecurity: false } });\nw.loadURL('http://example.com');\n",
  );
  const canaryFindings = scan(canary, 'canary');
  const mustFlag = ['CONTEXT_ISOLATION_JS_CHECK', 'SANDBOX_JS_CHECK', 'WEB_SECURITY_JS_CHECK', 'HTTP_RESOURCES_JS_CHECK'];
  const canaryMissed = mustFlag.filter((id) => !canaryFindings.some((f) => f.ruleId === id));

  // 2. The kiosk: sources and the built bundle.
  const built = ['dist/main/main.cjs', 'dist/preload/preload.cjs', 'dist/renderer/index.html', 'dist/main/integrity-worker.cjs'].map((p) => path.join(ROOT, p));
  const missing = built.filter((p) => !existsSync(p));
  if (missing.length > 0) throw new Error(`not built: ${missing.map((p) => path.relative(ROOT, p)).join(', ')} (npm run build)`);
  const stage = path.join(work, 'app');
  cpSync(path.join(ROOT, 'main'), path.join(stage, 'main'), { recursive: true, filter: (src) => !src.includes(`${path.sep}main${path.sep}dev`) });
  cpSync(path.join(ROOT, 'preload'), path.join(stage, 'preload'), { recursive: true });
  mkdirSync(path.join(stage, 'dist'), { recursive: true });
  cpSync(built[0], path.join(stage, 'dist', 'main-bundle.js'));
  cpSync(built[1], path.join(stage, 'dist', 'preload-bundle.js'));
  cpSync(built[2], path.join(stage, 'dist', 'index.html'));
  cpSync(built[3], path.join(stage, 'dist', 'integrity-worker.js'));
  cpSync(path.join(ROOT, 'package.json'), path.join(stage, 'package.json'));
  const findings = scan(stage, 'kiosk');

  const allowed = (f) => allowlist.find((e) => e.ruleId === f.ruleId && e.file === f.file);
  const unexpected = findings.filter((f) => !allowed(f));
  const unused = allowlist.filter((e) => !findings.some((f) => f.ruleId === e.ruleId && f.file === e.file)).map((e) => `${e.ruleId} ${e.file}`);
  const pass = unexpected.length === 0 && canaryMissed.length === 0;
  summary = {
    findings: findings.length,
    allowlisted: findings.length - unexpected.length,
    unexpected: unexpected.length,
    unexpectedFindings: unexpected,
    unusedAllowlistEntries: unused,
    canaryFindings: canaryFindings.length,
    canaryMissed,
    scanned: ['main (without main/dev)', 'preload', 'dist/main/main.cjs as .js', 'dist/preload/preload.cjs as .js', 'dist/main/integrity-worker.cjs as .js', 'dist/renderer/index.html'],
    electron: ELECTRON_VERSION,
    target: { unexpected: 0, canaryMissed: 0 },
    pass,
  };
} catch (e) {
  summary = { error: e instanceof Error ? e.message : String(e), pass: false };
} finally {
  rmSync(work, { recursive: true, force: true });
}
process.stdout.write(JSON.stringify(summary) + '\n');
process.exit(summary.pass ? 0 : 1);
