/**
 * Virtual machine, remote-desktop session, prohibited programs and power. VM detection is weak
 * string matching (DESIGN §5): by default a VM is a flag for a human, not a failure.
 */
import type { FindingMode, Threshold } from '../../../../preload/contract/precheck';
import { atLeast, errorText, settleWithin, unmeasured } from '../evaluate';

const PROCESS_WAIT_MS = 2000;
import type { Check, CheckOutcome } from '../types';

function finding(found: boolean, mode: FindingMode): 'pass' | 'warn' | 'fail' {
  if (!found || mode === 'allow') return 'pass';
  return mode === 'forbid' ? 'fail' : 'warn';
}

export const vmCheck: Check = {
  id: 'vm',
  async run({ machine, policy }) {
    const v = await machine.virtualization();
    const status = finding(v.virtual, policy.virtualMachine);
    const threshold: Threshold = { op: 'none', expect: policy.virtualMachine };
    return {
      status,
      value: v.virtual,
      threshold,
      remediationKey: status === 'pass' ? null : 'precheck.fix.vm',
      detail: v.virtual ? `virtual machine signals: ${v.signals.join(', ')}`.slice(0, 300) : 'no virtual machine signals',
      data: { host: v.host },
    };
  },
};

/** Remote-session signals from the login environment and running programs. */
export function detectRemoteSession(platform: string, env: Readonly<Record<string, string | undefined>>, processNames: readonly string[]): string[] {
  const signals: string[] = [];
  const procs = new Set(processNames.map(normalizeProcessName));
  if (platform === 'win32') {
    if (/^rdp-/i.test(env.SESSIONNAME ?? '')) signals.push(`SESSIONNAME=${env.SESSIONNAME}`);
    if (procs.has('rdpclip')) signals.push('process:rdpclip');
  }
  if (platform === 'linux') {
    if (env.XRDP_SESSION) signals.push('XRDP_SESSION');
    if (env.CHROME_REMOTE_DESKTOP_DEFAULT_DESKTOP_SIZES) signals.push('chrome-remote-desktop');
    if (/^(localhost|[\w.-]+):\d+/.test(env.DISPLAY ?? '') && !/^:\d/.test(env.DISPLAY ?? '')) signals.push(`DISPLAY=${env.DISPLAY} (forwarded)`);
    if (procs.has('xrdp-chansrv')) signals.push('process:xrdp-chansrv');
  }
  if (platform === 'darwin' && procs.has('screensharingagent')) signals.push('process:ScreensharingAgent');
  // A shell reached over SSH is a remote session on every platform; a kiosk is driven locally.
  if (env.SSH_CONNECTION || env.SSH_CLIENT || env.SSH_TTY) signals.push('ssh');
  return signals;
}

export const remoteDesktopCheck: Check = {
  id: 'remote_desktop',
  async run({ machine, policy }) {
    // The process list only adds signals: if it is slow, decide on the session environment alone.
    const [p, env, procs] = await Promise.all([machine.platform(), machine.sessionEnv(), settleWithin(machine.processNames(), PROCESS_WAIT_MS, [] as readonly string[])]);
    const signals = detectRemoteSession(p.platform, env, procs);
    const status = finding(signals.length > 0, policy.remoteDesktop);
    return {
      status,
      value: signals.length > 0,
      threshold: { op: 'none', expect: policy.remoteDesktop },
      remediationKey: status === 'pass' ? null : 'precheck.fix.remoteDesktop',
      detail: signals.length > 0 ? `remote session signals: ${signals.join(', ')}`.slice(0, 300) : 'local session',
    };
  },
};

export function normalizeProcessName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  return base.trim().toLowerCase().replace(/\.(exe|app)$/, '');
}

export function findProhibited(processNames: readonly string[], prohibited: readonly string[]): string[] {
  const wanted = new Set(prohibited.map(normalizeProcessName));
  const found = new Set<string>();
  for (const p of processNames) {
    const n = normalizeProcessName(p);
    if (wanted.has(n)) found.add(n);
  }
  return [...found].sort();
}

export const processesCheck: Check = {
  id: 'processes',
  async run({ machine, policy }) {
    const threshold: Threshold = { op: '<=', fail: 0, unit: 'programs' };
    let names: readonly string[];
    try {
      names = await machine.processNames();
    } catch (e) {
      return unmeasured(`cannot list running programs: ${errorText(e)}`, threshold);
    }
    if (names.length === 0) return unmeasured('no running programs could be listed', threshold);
    const found = findProhibited(names, policy.prohibitedProcesses);
    return {
      status: found.length > 0 ? 'fail' : 'pass',
      value: found.length,
      unit: 'programs',
      threshold,
      remediationKey: found.length > 0 ? 'precheck.fix.processes' : null,
      detail: found.length > 0 ? `running: ${found.join(', ')}`.slice(0, 300) : `${names.length} programs running, none prohibited`,
      data: { found: found.join(', ') || null, checked: policy.prohibitedProcesses.length },
    };
  },
};

export const powerCheck: Check = {
  id: 'power',
  async run({ machine, policy }) {
    const b = await machine.battery();
    const threshold: Threshold = { op: '>=', fail: policy.power.batteryPercent.fail, warn: policy.power.batteryPercent.warn, unit: '%' };
    if (!b.hasBattery) return { status: 'pass', value: 'mains', threshold, remediationKey: null, detail: 'no battery: runs on mains power' };
    if (b.onMains === true) return { status: 'pass', value: b.percent, unit: '%', threshold, remediationKey: null, detail: `battery ${b.percent ?? '?'}%, charger connected` };
    if (b.percent === null) return unmeasured('battery level unknown', threshold, 'precheck.fix.power.plugIn');
    let status = atLeast(b.percent, policy.power.batteryPercent);
    // On battery the interview can still run out of power: never a clean pass.
    if (status === 'pass') status = 'warn';
    if (policy.power.requireMains) status = 'fail';
    const outcome: CheckOutcome = {
      status,
      value: b.percent,
      unit: '%',
      threshold,
      remediationKey: status === 'fail' ? 'precheck.fix.power.low' : 'precheck.fix.power.plugIn',
      detail: `on battery at ${b.percent}%${b.onMains === null ? ' (charger state unknown)' : ''}`,
    };
    return outcome;
  },
};

export const integrityChecks: readonly Check[] = [vmCheck, remoteDesktopCheck, processesCheck, powerCheck];
