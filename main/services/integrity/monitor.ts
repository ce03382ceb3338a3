/**
 * Integrity monitoring during the interview: rescans every `intervalMs` while a session is in
 * progress (the pre-check scanned once before it), and journals each new finding for the sessions
 * in progress with its severity, the policy's action and its evidence. A finding that persists is
 * journaled once; one that clears is journaled as cleared. Nothing here ends an interview: `warn`
 * and `pause_and_alert` are handed to `onAction` for the shell to tell the candidate or call the
 * proctor, and every finding goes to a human.
 */
import type { Clock } from '../../common/clock';
import type { Logger } from '../../common/logger';
import type { Db } from '../../db/connection';
import { storageErrorCode } from '../../db/errors';
import { sessionsInStates } from '../../db/queries/sessions';
import { transact } from '../../db/transaction';
import type { Journal } from '../journal/journal';
import { DEFAULT_INTEGRITY_POLICY, unionPolicy, type Finding, type IntegrityPolicy, type IntegrityReport } from './scan';

export interface IntegrityMonitorDeps {
  readonly db: Db;
  readonly journal: Journal;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs one scan for the given policy (the union of the sessions' prohibited lists). */
  readonly scan: (policy: IntegrityPolicy) => Promise<IntegrityReport>;
  /** The policy of a session's pack; the kiosk's defaults when absent. */
  readonly policyFor?: (sessionId: string) => IntegrityPolicy;
  readonly intervalMs?: number;
  readonly onAction?: (finding: Finding, sessionIds: readonly string[]) => void;
}

export const DEFAULT_RESCAN_MS = 60_000;

function keyOf(f: Finding): string {
  return `${f.kind}|${f.evidence}`;
}

export class IntegrityMonitor {
  private readonly log: Logger;
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<void> | null = null;
  /** What is currently reported, per session. */
  private readonly open = new Map<string, Map<string, Finding>>();

  constructor(private readonly deps: IntegrityMonitorDeps) {
    this.log = deps.logger.scope('integrity');
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.deps.intervalMs ?? DEFAULT_RESCAN_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** One rescan if an interview is in progress and no scan is running. Resolves when done. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    const active = sessionsInStates(this.deps.db, ['in_progress']).map((s) => s.id);
    if (active.length === 0) return Promise.resolve();
    this.running = this.deps
      .scan(unionPolicy(active.map((id) => this.policyOf(id))))
      .then((report) => this.apply(report))
      .catch((e: unknown) => this.log.error('integrity scan failed', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private policyOf(sessionId: string): IntegrityPolicy {
    return this.deps.policyFor?.(sessionId) ?? DEFAULT_INTEGRITY_POLICY;
  }

  private apply(report: IntegrityReport): void {
    const { db, journal, clock } = this.deps;
    // Sessions may have changed while the scan ran: journal for those in progress now.
    const sessions = sessionsInStates(db, ['in_progress']);
    const now = clock.now();
    const actions: Array<{ finding: Finding; sessions: string[] }> = [];
    try {
      transact(db, () => {
        for (const s of sessions) {
          const before = this.open.get(s.id) ?? new Map<string, Finding>();
          // The action is the session's own pack's, whatever policy the shared scan ran with.
          const policy = this.policyOf(s.id);
          const after = new Map(report.findings.map((f) => [keyOf(f), { ...f, action: policy.actions[f.kind] }]));
          for (const [k, f] of after) {
            if (before.has(k)) continue;
            journal.append(s.id, 'integrity_finding', { status: 'found', kind: f.kind, severity: f.severity, action: f.action, evidence: f.evidence, questionIndex: s.question_index }, now);
            const entry = actions.find((a) => keyOf(a.finding) === k && a.finding.action === f.action);
            if (entry) entry.sessions.push(s.id);
            else actions.push({ finding: f, sessions: [s.id] });
          }
          for (const [k, f] of before) {
            if (!after.has(k)) journal.append(s.id, 'integrity_finding', { status: 'cleared', kind: f.kind, severity: f.severity, evidence: f.evidence, questionIndex: s.question_index }, now);
          }
          if (report.failedChecks.length > 0 && !before.has('scan_incomplete')) {
            journal.append(s.id, 'integrity_finding', { status: 'scan_incomplete', failedChecks: report.failedChecks }, now);
            after.set('scan_incomplete', { kind: 'virtual_machine', severity: 'low', action: 'record', evidence: 'scan incomplete' });
          }
          this.open.set(s.id, after);
        }
      });
    } catch (e) {
      const code = storageErrorCode(e);
      if (!code) throw e;
      this.log.error('integrity findings not saved', { code });
      return;
    }
    for (const a of actions) {
      this.log.warn('integrity finding', { kind: a.finding.kind, severity: a.finding.severity, action: a.finding.action });
      if (a.finding.action !== 'record') this.deps.onAction?.(a.finding, a.sessions);
    }
  }
}
