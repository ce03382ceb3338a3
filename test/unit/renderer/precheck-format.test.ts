import { describe, expect, it } from 'vitest';
import type { CheckId, CheckResult, PrecheckReportView } from '../../../preload/contract/precheck';
import { translate } from '../../../renderer/i18n';
import type { Translate } from '../../../renderer/i18n';
import { groupByCause, valueText, verdictOf, verdictText } from '../../../renderer/precheck/format';

const zh: Translate = (k, p) => translate('zh-CN', k, p);
const en: Translate = (k, p) => translate('en', k, p);

function c(id: CheckId, status: CheckResult['status'], remediationKey: string | null, extra: Partial<CheckResult> = {}): CheckResult {
  return { id, status, value: null, threshold: null, remediationKey, detail: '', blocking: false, durationMs: 1, ...extra };
}

/** What the walk-through saw: one unreachable server failing six network checks, a denied camera, a battery. */
const walkThrough: CheckResult[] = [
  c('os', 'pass', null),
  c('memory', 'pass', null, { value: 8192, unit: 'MB' }),
  c('camera.present', 'fail', 'precheck.fix.camera.denied', { blocking: true }),
  c('camera.frames', 'fail', 'precheck.fix.camera.notTested', { blocking: true }),
  c('camera.image', 'fail', 'precheck.fix.camera.notTested'),
  c('network.reachable', 'fail', 'precheck.fix.network.unreachable', { blocking: true }),
  c('network.latency', 'fail', 'precheck.fix.network.latency'),
  c('network.upload', 'fail', 'precheck.fix.network.upload', { blocking: true }),
  c('network.jitter', 'warn', 'precheck.fix.network.unstable'),
  c('network.loss', 'fail', 'precheck.fix.network.unreachable'),
  c('network.clock', 'warn', 'precheck.fix.network.notConfigured'),
  c('power', 'warn', 'precheck.fix.power.plugIn'),
];
const report = (checks: CheckResult[], overall: PrecheckReportView['overall']) => ({ overall, checks });

describe('pre-check report grouped by cause', () => {
  it('gives one unreachable server one group and one fix, worst first', () => {
    const groups = groupByCause(walkThrough);
    expect(groups.map((g) => [g.root.id, g.severity, g.checks.map((x) => x.id)])).toEqual([
      ['camera.present', 'blocking', ['camera.present', 'camera.frames', 'camera.image']],
      ['network.reachable', 'blocking', ['network.reachable', 'network.latency', 'network.upload', 'network.jitter', 'network.loss', 'network.clock']],
      ['power', 'warn', ['power']],
    ]);
  });

  it('merges checks that need the same fix even without a shared cause', () => {
    const groups = groupByCause([c('network.reachable', 'pass', null), c('network.jitter', 'warn', 'precheck.fix.network.unstable'), c('network.loss', 'fail', 'precheck.fix.network.unstable')]);
    expect(groups).toHaveLength(1);
    expect(groups[0]!.severity).toBe('fail');
  });

  it('states one verdict that agrees with the counts of causes', () => {
    expect(verdictOf(report(walkThrough, 'NOT_READY'))).toEqual({ overall: 'NOT_READY', mustFix: 2, shouldFix: 1, passed: 2 });
    expect(verdictText(report(walkThrough, 'NOT_READY'), zh)).toBe('暂时还不能开始：有 2 项必须先解决。');
    expect(verdictText(report([c('power', 'warn', 'precheck.fix.power.plugIn')], 'READY_WITH_WARNINGS'), en)).toBe(
      'You can take the interview. One thing is worth fixing first; it will make the interview go more smoothly.',
    );
    expect(verdictText(report([c('os', 'pass', null)], 'READY'), zh)).toBe('一切就绪。');
    // A ready verdict never sits above a count of failures it does not mention.
    expect(verdictText(report([c('cpu', 'fail', 'precheck.fix.cpu')], 'READY_WITH_WARNINGS'), zh)).toContain('1 项建议处理');
  });

  it('shows values in units a candidate reads', () => {
    expect(valueText(c('memory', 'pass', null, { value: 8192, unit: 'MB' }), zh)).toBe('8 GB');
    expect(valueText(c('memory', 'pass', null, { value: 512, unit: 'MB' }), en)).toBe('512 MB');
    expect(valueText(c('network.clock', 'pass', null, { value: 300_000, unit: 'ms' }), zh)).toBe('5 分钟');
    expect(valueText(c('network.latency', 'pass', null, { value: 2400, unit: 'ms' }), en)).toBe('2.4 s');
    expect(valueText(c('camera.image', 'pass', null, { value: 128, unit: 'luma' }), zh)).toBe('亮度 50%');
    expect(valueText(c('displays', 'pass', null, { value: 1, unit: 'displays' }), en)).toBe('1 screen');
    expect(valueText(c('cpu', 'pass', null, { value: 1, unit: 'cores' }), en)).toBe('1 core');
  });
});
