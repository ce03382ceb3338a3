/** Operating system, CPU, memory, free disk and displays. */
import { atLeast, compareVersions, minThreshold, unmeasured } from '../evaluate';
import type { Check, PackNeeds } from '../types';
import type { PrecheckPolicy } from '../policy';

export const osCheck: Check = {
  id: 'os',
  async run({ machine, policy }) {
    const p = await machine.platform();
    const min = (policy.os.minVersion as Record<string, string | undefined>)[p.platform];
    if (!min) {
      return { status: 'fail', value: p.name, threshold: { op: '=', expect: 'windows | macos | linux' }, remediationKey: 'precheck.fix.os.unsupported', detail: `platform ${p.platform} is not supported`, data: { platform: p.platform, version: p.version } };
    }
    const threshold = { op: '>=' as const, fail: min };
    if (!/^\d+(\.\d+)*/.test(p.version)) return unmeasured(`cannot read the version of ${p.name}`, threshold);
    const ok = compareVersions(p.version, min) >= 0;
    return {
      status: ok ? 'pass' : 'fail',
      value: p.name,
      threshold,
      remediationKey: ok ? null : 'precheck.fix.os.outdated',
      detail: `${p.platform} ${p.version} (minimum ${min})`,
      data: { platform: p.platform, version: p.version },
    };
  },
};

export const cpuCheck: Check = {
  id: 'cpu',
  async run({ machine, policy }) {
    const cores = await machine.cpuCores();
    const status = atLeast(cores, policy.cpuCores);
    return { status, value: cores, unit: 'cores', threshold: minThreshold(policy.cpuCores, 'cores'), remediationKey: status === 'pass' ? null : 'precheck.fix.cpu', detail: `${cores} logical cores` };
  },
};

export const memoryCheck: Check = {
  id: 'memory',
  async run({ machine, policy }) {
    const free = await machine.freeMemoryMb();
    const status = atLeast(free, policy.freeMemoryMb);
    return { status, value: free, unit: 'MB', threshold: minThreshold(policy.freeMemoryMb, 'MB'), remediationKey: status === 'pass' ? null : 'precheck.fix.memory', detail: `${free} MB free` };
  },
};

/** Megabytes needed for the recordings: the pack's recording length at the recorder's bitrate. */
export function diskBound(policy: PrecheckPolicy, needs: PackNeeds): { fail: number; warn: number } {
  const need = Math.max(Math.ceil(needs.recordingMb) + policy.disk.marginMb, policy.disk.minFreeMb);
  return { fail: need, warn: need + policy.disk.marginMb };
}

export const diskCheck: Check = {
  id: 'disk',
  async run({ machine, policy, needs, dataDir }) {
    const free = await machine.freeDiskMb(dataDir);
    const b = diskBound(policy, needs);
    const status = atLeast(free, b);
    return {
      status,
      value: free,
      unit: 'MB',
      threshold: minThreshold(b, 'MB'),
      remediationKey: status === 'pass' ? null : 'precheck.fix.disk',
      detail: `${free} MB free; recordings need about ${Math.ceil(needs.recordingMb)} MB plus a ${policy.disk.marginMb} MB margin`,
      data: { recordingMb: Math.ceil(needs.recordingMb) },
    };
  },
};

export const displaysCheck: Check = {
  id: 'displays',
  async run({ machine, policy, pageDisplays }) {
    const { maxCount, minWidth, minHeight } = policy.displays;
    const threshold = { op: '<=' as const, fail: maxCount, unit: 'displays' };
    let found = await machine.displays().catch(() => null);
    let source = 'system';
    if (!found && pageDisplays && pageDisplays.length > 0) {
      found = pageDisplays;
      source = 'page';
    }
    if (!found || found.length === 0) return unmeasured('no display information on this machine', threshold);
    const list = found.map((d) => `${d.width}x${d.height}`).join(', ');
    const data = { count: found.length, resolutions: list, source, minResolution: `${minWidth}x${minHeight}` };
    if (found.length > maxCount) {
      return { status: 'fail', value: found.length, unit: 'displays', threshold, remediationKey: 'precheck.fix.displays.tooMany', detail: `${found.length} displays (${list}); at most ${maxCount} allowed`, data };
    }
    const small = found.find((d) => d.width < minWidth || d.height < minHeight);
    if (small) {
      // The problem is the resolution, so that is what the row measures and requires (not "1 screen, at most 1").
      const resolution = { op: '>=' as const, fail: `${minWidth}×${minHeight}`, unit: 'resolution' };
      return { status: 'fail', value: `${small.width}×${small.height}`, unit: 'resolution', threshold: resolution, remediationKey: 'precheck.fix.displays.resolution', detail: `display ${small.width}x${small.height} is below ${minWidth}x${minHeight}`, data };
    }
    // The page only sees the screen it is on: it cannot vouch for the number of displays.
    if (source === 'page') {
      return { status: 'warn', value: found.length, unit: 'displays', threshold, remediationKey: 'precheck.fix.displays.unverified', detail: `only this screen could be seen (${list})`, data };
    }
    return { status: 'pass', value: found.length, unit: 'displays', threshold, remediationKey: null, detail: `${found.length} display(s): ${list}`, data };
  },
};

export const systemChecks: readonly Check[] = [osCheck, cpuCheck, memoryCheck, diskCheck, displaysCheck];
