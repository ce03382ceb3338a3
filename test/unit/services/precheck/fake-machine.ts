/** Controlled machine facts for the pre-check's checks: every source returns what a test sets. */
import { ManualClock } from '../../../../main/common/clock';
import type { BatteryFacts, Display, MachineSources, PlatformFacts, VirtualizationFacts } from '../../../../main/services/precheck/machine-sources';
import { DEFAULT_PRECHECK_POLICY, type PrecheckPolicy } from '../../../../main/services/precheck/policy';
import type { Check, CheckContext, CheckOutcome, PackNeeds } from '../../../../main/services/precheck/types';

export interface Facts {
  platform: PlatformFacts;
  cores: number;
  freeMemoryMb: number;
  freeDiskMb: number;
  displays: readonly Display[] | null;
  cameras: readonly string[] | null;
  microphones: readonly string[] | null;
  virtualization: VirtualizationFacts;
  env: Record<string, string | undefined>;
  processes: readonly string[];
  battery: BatteryFacts;
}

export const goodFacts = (): Facts => ({
  platform: { platform: 'win32', version: '10.0.22631', name: 'Windows 11 Pro' },
  cores: 8,
  freeMemoryMb: 8000,
  freeDiskMb: 200_000,
  displays: [{ width: 1920, height: 1080 }],
  cameras: ['Integrated Camera'],
  microphones: ['Microphone Array'],
  virtualization: { virtual: false, host: null, signals: [] },
  env: { SESSIONNAME: 'Console' },
  processes: ['explorer.exe', 'Interview Kiosk.exe', 'WeChat.exe'],
  battery: { hasBattery: true, percent: 90, onMains: true },
});

export class FakeMachine implements MachineSources {
  /** Sources named here never answer (a hung shell command). */
  readonly hang = new Set<keyof MachineSources>();
  constructor(public facts: Facts = goodFacts()) {}
  private give<T>(name: keyof MachineSources, v: T): Promise<T> {
    return this.hang.has(name) ? new Promise<T>(() => undefined) : Promise.resolve(v);
  }
  platform() {
    return this.give('platform', this.facts.platform);
  }
  cpuCores() {
    return this.give('cpuCores', this.facts.cores);
  }
  freeMemoryMb() {
    return this.give('freeMemoryMb', this.facts.freeMemoryMb);
  }
  freeDiskMb() {
    return this.give('freeDiskMb', this.facts.freeDiskMb);
  }
  displays() {
    return this.give('displays', this.facts.displays);
  }
  cameras() {
    return this.give('cameras', this.facts.cameras);
  }
  microphones() {
    return this.give('microphones', this.facts.microphones);
  }
  virtualization() {
    return this.give('virtualization', this.facts.virtualization);
  }
  sessionEnv() {
    return this.give('sessionEnv', this.facts.env);
  }
  processNames() {
    return this.give('processNames', this.facts.processes);
  }
  battery() {
    return this.give('battery', this.facts.battery);
  }
}

export const videoNeeds: PackNeeds = { camera: true, microphone: true, recordingMb: 100 };

export function context(machine: MachineSources, over: Partial<CheckContext> = {}): CheckContext {
  return {
    policy: DEFAULT_PRECHECK_POLICY,
    needs: videoNeeds,
    machine,
    network: null,
    clock: new ManualClock(),
    signal: new AbortController().signal,
    dataDir: '/tmp',
    pageDisplays: null,
    ...over,
  };
}

/** Runs one check with facts changed by `change`. */
export async function runWith(check: Check, change: (f: Facts) => void = () => undefined, over: { policy?: PrecheckPolicy; needs?: PackNeeds; pageDisplays?: CheckContext['pageDisplays'] } = {}): Promise<CheckOutcome> {
  const facts = goodFacts();
  change(facts);
  return check.run(context(new FakeMachine(facts), over));
}
