/**
 * The environment snapshot captured automatically when a candidate leaves or a crash is found:
 * what HR needs to tell a device problem from a decision. Uses only fast `node:os` calls, so it
 * can run on the request path; slow probes (systeminformation) belong to the pre-check.
 */
import os from 'node:os';
import type { DeviceReport } from '../../../preload/contract/session';

export interface EnvironmentSnapshot {
  readonly capturedAt: number;
  readonly os: { platform: string; release: string; version: string; arch: string };
  readonly app: { version: string; shell: 'electron' | 'web-dev' | 'node' };
  readonly cpu: { model: string; cores: number };
  readonly memory: { totalMb: number; freeMb: number };
  readonly displays: ReadonlyArray<{ width: number; height: number }>;
  readonly network: { online: boolean | null; interfacesUp: number };
  readonly devices: { camera: string; microphone: string; reportedAt: number | null };
  /** How this kiosk was launched: locked or not, and what decided it (main/app/launch-config.ts). */
  readonly lockdown: LaunchMode;
}

export interface LaunchMode {
  readonly kioskMode: boolean;
  /** `packaged` | `provisioning` | `development` in Electron; the shell's name elsewhere. */
  readonly source: string;
  /** Launch overrides present and ignored (names only). */
  readonly ignored: readonly string[];
}

export interface EnvironmentProbe {
  snapshot(now: number): EnvironmentSnapshot;
  /** What the renderer last said about camera, microphone, connectivity and displays. */
  recordDeviceReport(report: DeviceReport, at: number): { changed: boolean };
}

export interface DisplaySource {
  displays(): ReadonlyArray<{ width: number; height: number }> | null;
}

export class OsEnvironmentProbe implements EnvironmentProbe {
  private last: { report: DeviceReport; at: number } | null = null;

  constructor(
    private readonly appVersion: string,
    private readonly shell: EnvironmentSnapshot['app']['shell'],
    private readonly displaySource: DisplaySource | null = null,
    private readonly launch: LaunchMode = { kioskMode: false, source: shell, ignored: [] },
  ) {}

  recordDeviceReport(report: DeviceReport, at: number): { changed: boolean } {
    const prev = this.last?.report;
    const changed =
      !prev || prev.camera !== report.camera || prev.microphone !== report.microphone || prev.online !== report.online;
    this.last = { report, at };
    return { changed };
  }

  snapshot(now: number): EnvironmentSnapshot {
    const cpus = os.cpus();
    const interfacesUp = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal).length;
    const fromShell = this.displaySource?.displays() ?? null;
    return {
      capturedAt: now,
      os: { platform: process.platform, release: os.release(), version: safe(() => os.version()), arch: process.arch },
      app: { version: this.appVersion, shell: this.shell },
      cpu: { model: cpus[0]?.model?.trim() ?? 'unknown', cores: cpus.length },
      memory: { totalMb: Math.round(os.totalmem() / 1048576), freeMb: Math.round(os.freemem() / 1048576) },
      displays: fromShell ?? this.last?.report.displays ?? [],
      network: { online: this.last?.report.online ?? null, interfacesUp },
      devices: {
        camera: this.last?.report.camera ?? 'unknown',
        microphone: this.last?.report.microphone ?? 'unknown',
        reportedAt: this.last?.at ?? null,
      },
      lockdown: { kioskMode: this.launch.kioskMode, source: this.launch.source, ignored: [...this.launch.ignored] },
    };
  }
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return 'unknown';
  }
}
