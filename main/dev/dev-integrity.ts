/**
 * Development and tests only: KIOSK_DEV_INTEGRITY_PROCESSES_FILE names a JSON file holding an
 * array of process names; the dev web shell then runs the integrity monitor every
 * KIOSK_DEV_INTEGRITY_INTERVAL_MS (default 500) over a machine that runs exactly those processes
 * and nothing else. This is how the browser tests inject a prohibited process (e.g. "anydesk")
 * into the real monitor, policy and session pause, without the real (slow) machine scan.
 */
import { readFile } from 'node:fs/promises';
import { scanIntegrity, type IntegrityPolicy, type IntegrityReport } from '../services/integrity/scan';
import type { ProcessFacts } from '../services/integrity/signals';
import type { IntegritySources } from '../services/integrity/sources';

class ProcessListSources implements IntegritySources {
  readonly platform = 'linux' as const;
  constructor(private readonly file: string) {}
  readFile(): Promise<string | null> {
    return Promise.resolve(null);
  }
  exec(): Promise<{ kind: 'missing' }> {
    return Promise.resolve({ kind: 'missing' });
  }
  macs(): string[] {
    return [];
  }
  disks(): Promise<[]> {
    return Promise.resolve([]);
  }
  async processes(): Promise<ProcessFacts[]> {
    const text = await readFile(this.file, 'utf8').catch(() => '[]');
    let names: unknown;
    try {
      names = JSON.parse(text);
    } catch {
      names = [];
    }
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string').slice(0, 1000).map((name) => ({ name, originalName: null })) : [];
  }
  cameraNames(): Promise<string[]> {
    return Promise.resolve([]);
  }
  audioNames(): Promise<string[]> {
    return Promise.resolve([]);
  }
  env(): Readonly<Record<string, string | undefined>> {
    return {};
  }
}

export interface DevIntegrity {
  readonly scan: (policy: IntegrityPolicy) => Promise<IntegrityReport>;
  readonly intervalMs: number;
}

export function devIntegrity(env: NodeJS.ProcessEnv = process.env): DevIntegrity | undefined {
  const file = env.KIOSK_DEV_INTEGRITY_PROCESSES_FILE;
  if (!file) return undefined;
  const interval = Number(env.KIOSK_DEV_INTEGRITY_INTERVAL_MS ?? '500');
  const sources = new ProcessListSources(file);
  return { scan: (policy) => scanIntegrity(sources, policy), intervalMs: Number.isInteger(interval) && interval > 0 ? interval : 500 };
}
