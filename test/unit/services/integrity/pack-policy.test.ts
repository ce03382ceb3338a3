/**
 * The pack's integrity policy: its prohibited programs join the per-OS defaults in the scan, and
 * each session's findings carry the action its own pack gives them.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../main/common/clock';
import { silentLogger } from '../../../../main/common/logger';
import { IntegrityMonitor } from '../../../../main/services/integrity/monitor';
import { DEFAULT_INTEGRITY_POLICY, integrityPolicyFor, unionPolicy, type IntegrityPolicy, type IntegrityReport } from '../../../../main/services/integrity/scan';
import { SqliteJournal } from '../../../../main/services/journal/journal';
import { PackPolicy } from '../../../../main/services/packs/pack-schema';
import { demoPack } from '../../../../main/services/packs/pack-provider';
import { makeFixture, startedSession } from '../../../support/session-fixture';

const basePolicy = (): Record<string, unknown> => structuredClone(demoPack().pack.policy) as unknown as Record<string, unknown>;

describe('the pack integrity policy', () => {
  it('is optional: a pack without it gets the kiosk defaults', () => {
    const { integrity: _omit, ...rest } = basePolicy();
    const parsed = PackPolicy.parse(rest);
    expect(parsed.integrity).toBeUndefined();
    expect(PackPolicy.parse({ ...rest, integrity: {} }).integrity).toEqual({ prohibitedProcesses: [], actions: {} });
    expect(integrityPolicyFor(parsed.integrity)).toEqual(DEFAULT_INTEGRITY_POLICY);
  });

  it('overrides actions kind by kind and adds its programs to the defaults', () => {
    const parsed = PackPolicy.parse({ ...basePolicy(), integrity: { prohibitedProcesses: ['WeChat.exe', 'wechat.exe'], actions: { virtual_machine: 'warn' } } });
    const p = integrityPolicyFor(parsed.integrity);
    expect(p.actions.virtual_machine).toBe('warn');
    expect(p.actions.remote_desktop).toBe(DEFAULT_INTEGRITY_POLICY.actions.remote_desktop);
    expect(p.prohibitedProcesses).toEqual(['WeChat.exe', 'wechat.exe']);
  });

  it('refuses a path, a control character, an unknown kind or an unknown action', () => {
    for (const integrity of [
      { prohibitedProcesses: ['C:\\Windows\\evil.exe'] },
      { prohibitedProcesses: ['/usr/bin/obs'] },
      { prohibitedProcesses: ['ob\u0007s'] },
      { prohibitedProcesses: [''] },
      { actions: { facial_expression: 'warn' } },
      { actions: { virtual_machine: 'fail_candidate' } },
      { surprise: true },
    ]) {
      expect(PackPolicy.safeParse({ ...basePolicy(), integrity }).success, JSON.stringify(integrity)).toBe(false);
    }
  });

  it('one scan looks for the union of the sessions’ prohibited programs', () => {
    const a = integrityPolicyFor({ prohibitedProcesses: ['wechat'] });
    const b = integrityPolicyFor({ prohibitedProcesses: ['qq', 'wechat'] });
    expect(unionPolicy([a, b]).prohibitedProcesses).toEqual(['wechat', 'qq']);
    expect(unionPolicy([])).toEqual(DEFAULT_INTEGRITY_POLICY);
  });

  it('journals each finding with the action of the session’s own pack and scans with its list', async () => {
    const f = makeFixture();
    const journal = new SqliteJournal(f.db);
    const { sessionId } = startedSession(f);
    const report: IntegrityReport = {
      findings: [{ kind: 'virtual_machine', severity: 'medium', action: 'record', evidence: 'cpu_hypervisor_flag' }],
      failedChecks: [],
    } as unknown as IntegrityReport;
    const scannedWith: IntegrityPolicy[] = [];
    const handed: string[] = [];
    const strict = integrityPolicyFor({ prohibitedProcesses: ['wechat'], actions: { virtual_machine: 'pause_and_alert' } });
    const m = new IntegrityMonitor({
      db: f.db,
      journal,
      clock: new ManualClock(),
      logger: silentLogger,
      scan: async (policy) => (scannedWith.push(policy), report),
      policyFor: (id) => (id === sessionId ? strict : DEFAULT_INTEGRITY_POLICY),
      onAction: (fd) => handed.push(`${fd.kind}:${fd.action}`),
    });
    await m.tick();
    expect(scannedWith.map((p) => p.prohibitedProcesses)).toEqual([['wechat']]);
    const found = journal.recent(sessionId, 100).filter((e) => e.type === 'integrity_finding').map((e) => [e.payload.kind, e.payload.action]);
    expect(found).toEqual([['virtual_machine', 'pause_and_alert']]);
    expect(handed).toEqual(['virtual_machine:pause_and_alert']);
  });
});
