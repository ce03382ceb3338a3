/**
 * How the kiosk is launched, decided once at start from facts the shell gathers. Pure, so every
 * combination is unit-tested under Node.
 *
 * The rule: a packaged build is a test-centre kiosk. Nothing the person who launches it controls
 * (command-line switches, environment variables, files in their profile) can turn kiosk mode off,
 * enable DevTools, or point the kiosk at other packs or another pre-check endpoint. Only a
 * development run (unpackaged, from the repository) honours those overrides. The machine-wide
 * provisioning config, which only an administrator can write, is the one thing that may ask for a
 * windowed kiosk (e.g. a proctor's review station); it never enables DevTools.
 */

/** Where the launch mode came from; recorded in every environment snapshot. */
export type LaunchSource = 'packaged' | 'provisioning' | 'development';

export interface LaunchFacts {
  /** `app.isPackaged`: true for an installed build. */
  readonly isPackaged: boolean;
  /** Chromium's own switch parser (`app.commandLine.hasSwitch`), not a regex over argv. */
  readonly hasSwitch: (name: string) => boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** What the machine-wide provisioning config asks for, if anything. */
  readonly provisionedWindowed?: boolean;
}

export interface LaunchConfig {
  readonly kiosk: boolean;
  readonly devTools: boolean;
  readonly source: LaunchSource;
  /** Overrides this launch accepted (development only). */
  readonly honoured: readonly string[];
  /** Overrides present at launch and ignored because this is a kiosk build. */
  readonly ignored: readonly string[];
  /** KIOSK_PRECHECK_ENDPOINT, honoured in development only. */
  readonly precheckEndpoint: string | null;
  /** INTERVIEW_KIOSK_PACKS_DIR, honoured in development only. */
  readonly packsDir: string | null;
}

/** Every launch-time override the kiosk knows about, so each is either honoured or reported. */
export const LAUNCH_OVERRIDES = ['--no-kiosk', 'KIOSK_WINDOWED', 'KIOSK_PRECHECK_ENDPOINT', 'INTERVIEW_KIOSK_PACKS_DIR', 'INTERVIEW_KIOSK_PROVISIONING'] as const;

export function resolveLaunchConfig(f: LaunchFacts): LaunchConfig {
  const present: string[] = [];
  const noKioskSwitch = f.hasSwitch('no-kiosk');
  if (noKioskSwitch) present.push('--no-kiosk');
  const windowedEnv = nonEmpty(f.env.KIOSK_WINDOWED);
  if (windowedEnv !== null) present.push('KIOSK_WINDOWED');
  const endpoint = nonEmpty(f.env.KIOSK_PRECHECK_ENDPOINT);
  if (endpoint !== null) present.push('KIOSK_PRECHECK_ENDPOINT');
  const packsDir = nonEmpty(f.env.INTERVIEW_KIOSK_PACKS_DIR);
  if (packsDir !== null) present.push('INTERVIEW_KIOSK_PACKS_DIR');
  if (nonEmpty(f.env.INTERVIEW_KIOSK_PROVISIONING) !== null) present.push('INTERVIEW_KIOSK_PROVISIONING');

  if (f.isPackaged) {
    const windowed = f.provisionedWindowed === true;
    return {
      kiosk: !windowed,
      devTools: false,
      source: windowed ? 'provisioning' : 'packaged',
      honoured: [],
      ignored: present,
      precheckEndpoint: null,
      packsDir: null,
    };
  }
  const windowed = noKioskSwitch || windowedEnv === '1' || f.provisionedWindowed === true;
  return {
    kiosk: !windowed,
    // DevTools only for a developer's windowed run; never in a locked window.
    devTools: windowed,
    source: 'development',
    honoured: present,
    ignored: [],
    precheckEndpoint: endpoint,
    packsDir,
  };
}

function nonEmpty(v: string | undefined): string | null {
  return v === undefined || v === '' ? null : v;
}
