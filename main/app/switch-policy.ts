/**
 * Which launches the kiosk refuses, as pure functions.
 *
 * Chromium accepts a switch written `--name`, `-name` and (on Windows) `/name`, and on Windows
 * matches names without regard to case. A regex over `process.argv` misses spellings; so two
 * independent checks run and either refuses:
 *  1. every switch in argv, parsed with Chromium's rules (the superset: every prefix on every OS,
 *     case folded), must be on a short allowlist;
 *  2. Chromium's own parser (`app.commandLine.hasSwitch`) is asked about each known-dangerous
 *     switch, so whatever spelling Chromium itself understood is caught too.
 * Environment variables that turn Electron into Node or load code into it are refused as well.
 */

export interface SwitchFacts {
  readonly argv: readonly string[];
  readonly platform: NodeJS.Platform;
  readonly hasSwitch: (name: string) => boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly isPackaged: boolean;
}

export type RefusalReason =
  | { readonly kind: 'switch'; readonly name: string; readonly spelling: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'integrity'; readonly detail: string };

/**
 * Switches a kiosk may be launched with. Windows installers (Squirrel) and macOS Launch Services
 * (`-psn_…`) add their own; `lang` only picks Chromium's UI language; `no-kiosk` is honoured in development only (launch-config.ts) and
 * ignored, not refused, in a packaged build.
 */
const ALLOWED_SWITCHES: readonly RegExp[] = [/^no-kiosk$/, /^lang$/, /^squirrel-(install|updated|uninstall|obsolete|firstrun)$/, /^psn_\d+_\d+$/];

/** Asked of Chromium's own parser: whatever spelling it accepted, these refuse the launch. */
export const DANGEROUS_SWITCHES: readonly string[] = [
  'remote-debugging-port',
  'remote-debugging-pipe',
  'remote-debugging-address',
  'remote-debugging-targets',
  'remote-allow-origins',
  'auto-open-devtools-for-tabs',
  'inspect',
  'inspect-brk',
  'inspect-port',
  'inspect-publish-uid',
  'debug',
  'debug-brk',
  'js-flags',
  'no-sandbox',
  'disable-gpu-sandbox',
  'disable-web-security',
  'disable-site-isolation-trials',
  'user-data-dir',
  'proxy-server',
  'proxy-pac-url',
  'proxy-auto-detect',
  'proxy-bypass-list',
  'host-rules',
  'host-resolver-rules',
  'ignore-certificate-errors',
  'ignore-certificate-errors-spki-list',
  'ignore-urlfetcher-cert-requests',
  'allow-insecure-localhost',
  'unsafely-treat-insecure-origin-as-secure',
  'load-extension',
  'disable-extensions-except',
  'use-fake-device-for-media-stream',
  'use-fake-ui-for-media-stream',
  'use-file-for-fake-video-capture',
  'use-file-for-fake-audio-capture',
  'renderer-cmd-prefix',
  'utility-cmd-prefix',
  'gpu-launcher',
  'browser-subprocess-path',
  'single-process',
  'no-zygote',
  'in-process-gpu',
  'enable-logging',
  'log-file',
  'v',
  'vmodule',
  'enable-features',
  'disable-features',
];

/** Always refused: they make Electron a plain Node runtime or load code into it. */
const REFUSED_ENV_ALWAYS = ['ELECTRON_RUN_AS_NODE', 'NODE_OPTIONS'] as const;
/** Refused in a packaged build: they weaken TLS, dump its keys or change what Electron loads. */
const REFUSED_ENV_PACKAGED = [
  'NODE_TLS_REJECT_UNAUTHORIZED',
  'NODE_EXTRA_CA_CERTS',
  'SSLKEYLOGFILE',
  'NODE_DEBUG',
  'NODE_PATH',
  'ELECTRON_ENABLE_LOGGING',
  'ELECTRON_OVERRIDE_DIST_PATH',
  'ELECTRON_EXTRA_LAUNCH_ARGS',
] as const;

export interface ParsedSwitch {
  /** Case-folded name without prefix and value. */
  readonly name: string;
  /** Prefix and name as written, without the value. */
  readonly spelling: string;
}

/**
 * Switches in argv by Chromium's rules, widened: `--`, `-` and `/` prefixes on every OS (a `/`
 * argument counts only on Windows, where it is a switch prefix) and case folded everywhere. Scanning
 * does not stop at a bare `--`: refusing too much is safe, missing one is not.
 */
export function parseSwitches(argv: readonly string[], platform: NodeJS.Platform): ParsedSwitch[] {
  const out: ParsedSwitch[] = [];
  for (const arg of argv) {
    if (arg === '--' || arg === '-' || arg.length < 2) continue;
    let body: string | null = null;
    if (arg.startsWith('--')) body = arg.slice(2);
    else if (arg.startsWith('-')) body = arg.slice(1);
    else if (platform === 'win32' && arg.startsWith('/')) body = arg.slice(1);
    if (body === null || body === '') continue;
    const eq = body.indexOf('=');
    const written = eq >= 0 ? arg.slice(0, arg.length - body.length + eq) : arg;
    const name = (eq >= 0 ? body.slice(0, eq) : body).trim().toLowerCase();
    // The spelling without its value: values (proxy hosts, paths) are not for logs.
    out.push({ name, spelling: written.length > 120 ? written.slice(0, 120) + '…' : written });
  }
  return out;
}

/** Every reason to refuse this launch; empty when it may go on. */
export function refuseLaunch(f: SwitchFacts): RefusalReason[] {
  const reasons: RefusalReason[] = [];
  // argv[0] is the executable; in development argv[1] is the app path (positional, ignored below).
  for (const s of parseSwitches(f.argv.slice(1), f.platform)) {
    if (!ALLOWED_SWITCHES.some((r) => r.test(s.name))) reasons.push({ kind: 'switch', name: s.name, spelling: s.spelling });
  }
  for (const name of DANGEROUS_SWITCHES) {
    let present = false;
    try {
      present = f.hasSwitch(name);
    } catch {
      present = true;
    }
    if (present && !reasons.some((r) => r.kind === 'switch' && r.name === name)) reasons.push({ kind: 'switch', name, spelling: `(Chromium) ${name}` });
  }
  const envNames = f.isPackaged ? [...REFUSED_ENV_ALWAYS, ...REFUSED_ENV_PACKAGED] : [...REFUSED_ENV_ALWAYS];
  for (const name of envNames) {
    const v = f.env[name];
    if (v !== undefined && v !== '') reasons.push({ kind: 'env', name });
  }
  return reasons;
}

/** One clear bilingual message for the error box and stderr. Names what was refused, never values. */
export function refusalMessage(reasons: readonly RefusalReason[]): string {
  const items = reasons.map((r) => {
    switch (r.kind) {
      case 'switch':
        return `switch ${r.spelling}`;
      case 'env':
        return `environment variable ${r.name}`;
      case 'integrity':
        return `application files: ${r.detail}`;
      default: {
        const never: never = r;
        return String(never);
      }
    }
  });
  return [
    '面试终端无法以此方式启动：检测到不允许的启动参数或环境，或程序文件已被改动。请联系考场管理员。',
    'Interview Kiosk will not start this way: a launch option or environment setting is not allowed, or the application files were changed. Please ask the test-centre staff.',
    '',
    ...items.map((i) => `  - ${i}`),
  ].join('\n');
}
