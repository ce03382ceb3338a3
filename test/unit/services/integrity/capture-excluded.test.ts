/**
 * Windows that hide from screen capture (issue #12, integrity monitoring): on Windows the scan asks
 * user32 for every visible window's display affinity (PowerShell Add-Type script) and reports the
 * windows of other programs that set WDA_MONITOR or WDA_EXCLUDEFROMCAPTURE — how AI interview
 * overlays stay invisible to a shared screen. The kiosk's own windows (content protection) are
 * left out; an output that is not the script's is a failed check, never a clear one. The script
 * itself needs Windows and is not run here: its parser and the scan's decisions are.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTEGRITY_POLICY, excludedWindowsReport, parseExcludedWindows, scanIntegrity, WINDOWS_AFFINITY_SCRIPT } from '../../../../main/services/integrity/scan';
import { IntegrityFindingKind } from '../../../../main/services/packs/pack-schema';
import type { ExecResult, IntegritySources } from '../../../../main/services/integrity/sources';

const OWN = 4242;

function windowsSources(affinity: ExecResult, calls: Array<{ cmd: string; args: readonly string[] }> = []): IntegritySources {
  return {
    platform: 'win32',
    readFile: async () => null,
    exec: async (cmd, args) => {
      calls.push({ cmd, args });
      if (args.includes('-EncodedCommand')) return affinity;
      return { kind: 'ran', stdout: 'LENOVO 20XW hv=False', exitCode: 0 };
    },
    macs: () => ['3c:22:fb:01:02:03'],
    disks: async () => null,
    processes: async () => [{ name: 'explorer', originalName: 'explorer.exe' }],
    cameraNames: async () => ['Integrated Camera'],
    audioNames: async () => ['Speakers'],
    env: () => ({}),
  };
}

describe('parseExcludedWindows', () => {
  it('lists other programs\' windows with a non-zero affinity and leaves out the kiosk\'s own', () => {
    const out = `${OWN}\t17\tInterviewKiosk\r\n9001\t17\tInterviewCoder\r\n9002\t1\tvlc\r\n9003\t0\tnotepad\r\ngarbage line\r\ndone\r\n`;
    expect(parseExcludedWindows(out, [OWN])).toEqual([
      { pid: 9001, affinity: 17, name: 'InterviewCoder' },
      { pid: 9002, affinity: 1, name: 'vlc' },
    ]);
  });

  it('an output without the final marker is not the script\'s: null, not an empty list', () => {
    expect(parseExcludedWindows('9001\t17\tInterviewCoder\r\n', [OWN])).toBeNull();
    expect(parseExcludedWindows('', [OWN])).toBeNull();
    expect(parseExcludedWindows('done\r\n', [OWN])).toEqual([]);
  });
});

describe('excludedWindowsReport', () => {
  it('detected, clear and failed are told apart', () => {
    expect(excludedWindowsReport({ kind: 'ran', stdout: '9001\t17\tCluely\ndone\n', exitCode: 0 }, [OWN])).toEqual({
      status: 'detected',
      evidence: 'Cluely (excluded from capture)',
      found: ['Cluely'],
    });
    expect(excludedWindowsReport({ kind: 'ran', stdout: `${OWN}\t17\tInterviewKiosk\ndone\n`, exitCode: 0 }, [OWN])).toMatchObject({ status: 'clear' });
    expect(excludedWindowsReport({ kind: 'ran', stdout: 'Add-Type : error CS1002\n', exitCode: 1 }, [OWN])).toMatchObject({ status: 'failed' });
    expect(excludedWindowsReport({ kind: 'missing' }, [OWN])).toMatchObject({ status: 'failed' });
    expect(excludedWindowsReport({ kind: 'error', message: 'timed out' }, [OWN])).toMatchObject({ status: 'failed', evidence: 'timed out' });
  });
});

describe('the scan on Windows', () => {
  it('runs the affinity script encoded (no shell quoting) and turns a hidden window into a finding for a human', async () => {
    const calls: Array<{ cmd: string; args: readonly string[] }> = [];
    const r = await scanIntegrity(windowsSources({ kind: 'ran', stdout: '9001\t17\tInterviewCoder\r\ndone\r\n', exitCode: 0 }, calls));
    const call = calls.find((c) => c.args.includes('-EncodedCommand'))!;
    expect(call.cmd).toBe('powershell.exe');
    expect(Buffer.from(call.args[call.args.indexOf('-EncodedCommand') + 1]!, 'base64').toString('utf16le')).toBe(WINDOWS_AFFINITY_SCRIPT);
    expect(WINDOWS_AFFINITY_SCRIPT).toContain('GetWindowDisplayAffinity');
    expect(r.captureExcludedWindows).toMatchObject({ status: 'detected', found: ['InterviewCoder'] });
    expect(r.findings).toContainEqual({ kind: 'capture_excluded_window', severity: 'high', action: DEFAULT_INTEGRITY_POLICY.actions.capture_excluded_window, evidence: 'InterviewCoder (excluded from capture)' });
    expect(r.failedChecks).not.toContain('captureExcludedWindows');
  });

  it('a query that fails makes the scan incomplete, not clear', async () => {
    const r = await scanIntegrity(windowsSources({ kind: 'error', message: 'timed out' }));
    expect(r.captureExcludedWindows.status).toBe('failed');
    expect(r.failedChecks).toContain('captureExcludedWindows');
    expect(r.findings.map((f) => f.kind)).not.toContain('capture_excluded_window');
  });

  it('a pack may set what a hidden window does, like any other finding', () => {
    expect(IntegrityFindingKind.safeParse('capture_excluded_window').success).toBe(true);
  });
});

describe('elsewhere', () => {
  it('Linux reports the check unavailable (the OS cannot tell), never clear', async () => {
    const src = { ...windowsSources({ kind: 'missing' }), platform: 'linux' as const, readFile: async () => null, disks: async () => [] };
    const r = await scanIntegrity(src);
    expect(r.captureExcludedWindows.status).toBe('unavailable');
    expect(r.failedChecks).not.toContain('captureExcludedWindows');
  });
});
