/** Turns check results into the candidate's words: titles, values in human units, fixes, and causes. */
import type { CheckId, CheckResult, CheckStatus, Overall, PrecheckReportView, Scalar, Threshold } from '../../preload/contract/precheck';
import { en, type MessageKey } from '../i18n/en';
import type { Translate } from '../i18n';

function known(key: string, fallback: MessageKey): MessageKey {
  return key in en ? (key as MessageKey) : fallback;
}

export function checkTitle(id: CheckId, t: Translate): string {
  return t(known(`precheck.check.${id}`, 'precheck.notMeasured'));
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** A measured number in the unit a candidate reads: GB not 8192 MB, seconds not 4000 ms, brightness in %. */
function humanNumber(v: number, unit: string, t: Translate): string {
  switch (unit) {
    case 'MB':
      return v >= 1024 ? t('precheck.unit.GB', { n: round1(v / 1024) }) : t('precheck.unit.MB', { n: Math.round(v) });
    case 'ms':
      if (Math.abs(v) >= 120_000) return t('precheck.unit.min', { n: Math.round(v / 60_000) });
      if (Math.abs(v) >= 1_000) return t('precheck.unit.s', { n: round1(v / 1000) });
      return t('precheck.unit.ms', { n: Math.round(v) });
    case 'luma':
      return t('precheck.unit.luma', { n: Math.round((v / 255) * 100) });
    case 'dB':
      return t('precheck.unit.dB', { n: Math.round(v) });
    case 'fps':
      return t('precheck.unit.fps', { n: Math.round(v) });
    case 'Mbps':
      return t('precheck.unit.Mbps', { n: round1(v) });
    case '%':
      return t('precheck.unit.percent', { n: Math.round(v) });
    case 'cores':
    case 'devices':
    case 'displays':
    case 'programs':
      return t(`precheck.unit.${unit}`, { n: v });
    default:
      return `${String(v)} ${unit}`;
  }
}

function withUnit(v: Scalar, unit: string | undefined, t: Translate): string {
  if (v === null) return t('precheck.notMeasured');
  if (typeof v === 'boolean') return t(v ? 'precheck.value.yes' : 'precheck.value.no');
  if (v === 'mains') return t('precheck.value.mains');
  if (!unit || typeof v !== 'number') return String(v);
  return humanNumber(v, unit, t);
}

export function valueText(c: CheckResult, t: Translate): string {
  return withUnit(c.value, c.unit, t);
}

export function thresholdText(th: Threshold | null, t: Translate): string | null {
  if (!th) return null;
  const fmt = (v: Scalar | undefined): string => (v === undefined ? '' : withUnit(v, th.unit, t));
  switch (th.op) {
    case '>=':
      return th.warn !== undefined && th.warn !== th.fail ? t('precheck.threshold.minWarn', { fail: fmt(th.fail), warn: fmt(th.warn) }) : t('precheck.threshold.min', { fail: fmt(th.fail) });
    case '<=':
      return th.warn !== undefined && th.warn !== th.fail ? t('precheck.threshold.maxWarn', { fail: fmt(th.fail), warn: fmt(th.warn) }) : t('precheck.threshold.max', { fail: fmt(th.fail) });
    case '=':
      return t('precheck.threshold.equals', { expect: fmt(th.expect) });
    case 'none':
      return th.expect === 'allow' || th.expect === 'flag' || th.expect === 'forbid' ? t(`precheck.threshold.${th.expect}`) : null;
  }
}

export function fixText(c: CheckResult, t: Translate): string | null {
  if (!c.remediationKey) return null;
  const list = typeof c.data?.found === 'string' ? c.data.found : '';
  return t(known(c.remediationKey, 'precheck.fix.unmeasured'), { list });
}

export function statusText(c: CheckResult, t: Translate): string {
  return t(`precheck.status.${c.status}`);
}

// ------------------------------------------------------------------ causes

/**
 * When the check on the left fails, the one on the right is usually why: an unreachable server
 * also fails latency, upload, jitter, loss and the clock; a missing camera has no frames.
 */
const CAUSED_BY: Partial<Record<CheckId, CheckId>> = {
  'network.latency': 'network.reachable',
  'network.upload': 'network.reachable',
  'network.jitter': 'network.reachable',
  'network.loss': 'network.reachable',
  'network.clock': 'network.reachable',
  'camera.frames': 'camera.present',
  'camera.image': 'camera.present',
  'microphone.level': 'microphone.present',
};

export type Severity = 'blocking' | 'fail' | 'warn';

/** One thing to do: the checks it explains, how bad the worst of them is, and the fix. */
export interface CauseGroup {
  readonly key: string;
  readonly severity: Severity;
  /** The check whose fix is shown (the root cause). */
  readonly root: CheckResult;
  readonly checks: readonly CheckResult[];
}

const severityOf = (c: CheckResult): Severity => (c.status === 'fail' ? (c.blocking ? 'blocking' : 'fail') : 'warn');
const RANK: Record<Severity, number> = { blocking: 0, fail: 1, warn: 2 };
const worse = (a: Severity, b: Severity): Severity => (RANK[a] <= RANK[b] ? a : b);

/**
 * Groups the checks that need attention by cause, worst first: a check whose cause also failed
 * joins its cause; checks with the same fix share one group. Passing checks are left out.
 */
export function groupByCause(checks: readonly CheckResult[]): CauseGroup[] {
  const byId = new Map(checks.map((c) => [c.id, c] as const));
  const open = checks.filter((c) => c.status !== 'pass');
  const rootOf = (c: CheckResult): CheckResult => {
    let cur = c;
    for (let guard = 0; guard < 4; guard++) {
      const parentId = CAUSED_BY[cur.id];
      const parent = parentId ? byId.get(parentId) : undefined;
      if (!parent || parent.status === 'pass') return cur;
      cur = parent;
    }
    return cur;
  };
  // A root is keyed by its fix (checks with the same fix share one group); the rest follow their root.
  const keyOfRoot = (r: CheckResult): string => (r.remediationKey ? `fix:${r.remediationKey}:${typeof r.data?.found === 'string' ? r.data.found : ''}` : `check:${r.id}`);
  const groups = new Map<string, { root: CheckResult; checks: CheckResult[]; severity: Severity }>();
  for (const c of open) {
    const root = rootOf(c);
    const key = keyOfRoot(root);
    const g = groups.get(key);
    if (g) {
      g.checks.push(c);
      g.severity = worse(g.severity, severityOf(c));
    } else groups.set(key, { root, checks: [c], severity: severityOf(c) });
  }
  return [...groups.entries()]
    .map(([key, g]) => ({ key, severity: g.severity, root: g.root, checks: g.checks }))
    .sort((a, b) => RANK[a.severity] - RANK[b.severity] || checksOrder(a.root) - checksOrder(b.root));
}

const checksOrder = (c: CheckResult): number => ORDER.indexOf(c.id);
const ORDER: readonly CheckId[] = [
  'os', 'cpu', 'memory', 'disk', 'displays', 'camera.present', 'camera.frames', 'camera.image', 'microphone.present', 'microphone.level',
  'speakers', 'network.reachable', 'network.latency', 'network.upload', 'network.jitter', 'network.loss', 'network.clock', 'vm', 'remote_desktop', 'processes', 'power',
];

export interface Verdict {
  readonly overall: Overall;
  /** Causes that must be fixed before the interview can start. */
  readonly mustFix: number;
  /** Causes worth fixing that do not stop the interview. */
  readonly shouldFix: number;
  readonly passed: number;
}

/** The counts behind the one sentence at the top of the report, by cause (not by check). */
export function verdictOf(report: Pick<PrecheckReportView, 'overall' | 'checks'>): Verdict {
  const groups = groupByCause(report.checks);
  return {
    overall: report.overall,
    mustFix: groups.filter((g) => g.severity === 'blocking').length,
    shouldFix: groups.filter((g) => g.severity !== 'blocking').length,
    passed: report.checks.filter((c) => c.status === 'pass').length,
  };
}

export function verdictText(report: Pick<PrecheckReportView, 'overall' | 'checks'>, t: Translate): string {
  const v = verdictOf(report);
  switch (v.overall) {
    case 'READY':
      return v.shouldFix === 0 ? t('precheck.verdict.ready') : t('precheck.verdict.readyWithAdvice', { count: v.shouldFix });
    case 'READY_WITH_WARNINGS':
      return t('precheck.verdict.readyWithAdvice', { count: v.shouldFix });
    case 'NOT_READY':
      return v.mustFix > 0 ? t('precheck.verdict.notReady', { count: v.mustFix }) : t('precheck.verdict.notReadyUnknown');
  }
}

export function statusOfGroup(g: CauseGroup): CheckStatus {
  return g.severity === 'warn' ? 'warn' : 'fail';
}
