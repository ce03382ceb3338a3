import { groupOf, type CheckGroup, type CheckResult, type PrecheckReportView } from '../../preload/contract/precheck';
import { useI18n } from '../i18n';
import { checkTitle, fixText, statusText, thresholdText, valueText } from '../precheck/format';

const GROUPS: readonly CheckGroup[] = ['system', 'devices', 'network', 'integrity'];
const rank = (c: CheckResult): number => (c.status === 'fail' ? (c.blocking ? 0 : 1) : c.status === 'warn' ? 2 : 3);

function CheckItem({ c, withFix }: { c: CheckResult; withFix: boolean }) {
  const { t } = useI18n();
  const fix = withFix && c.status !== 'pass' ? fixText(c, t) : null;
  const required = thresholdText(c.threshold, t);
  return (
    <li className={`check-item ${c.status}`} data-testid={`check-${c.id}`} data-status={c.status} data-blocking={c.blocking ? 'true' : 'false'}>
      <div className="check-head">
        <span className={`status-badge ${c.status}`}>{statusText(c, t)}</span>
        <span className="check-title">{checkTitle(c.id, t)}</span>
        {c.status === 'fail' && c.blocking && <span className="blocking-tag">{t('precheck.blocking')}</span>}
      </div>
      <p className="check-values">
        {t('precheck.measured', { value: valueText(c, t) })}
        {required && <> · {t('precheck.required', { threshold: required })}</>}
      </p>
      {fix && (
        <p className="fix" data-testid={`fix-${c.id}`}>
          <strong>{t('precheck.howToFixLabel')}</strong> {fix}
        </p>
      )}
    </li>
  );
}

/** The pre-check result: what needs attention first (with the fix), then every check by group. */
export function PrecheckReport({ report }: { report: PrecheckReportView }) {
  const { t } = useI18n();
  const attention = report.checks.filter((c) => c.status !== 'pass').sort((a, b) => rank(a) - rank(b));
  const counts = { pass: 0, warn: 0, fail: 0 };
  for (const c of report.checks) counts[c.status] += 1;
  return (
    <div className="precheck-report" data-testid="precheck-report">
      <p className={`overall ${report.overall}`} role="status" data-testid="precheck-overall" data-overall={report.overall}>
        {t(`precheck.overall.${report.overall}`)}
      </p>
      <p className="hint">{t('precheck.summary', counts)}</p>
      {attention.length > 0 && (
        <ul className="check-list attention" aria-label={t('precheck.howToFix')}>
          {attention.map((c) => (
            <CheckItem key={c.id} c={c} withFix />
          ))}
        </ul>
      )}
      <details className="all-checks">
        <summary>{t('precheck.allChecks', { n: report.checks.length })}</summary>
        {GROUPS.map((g) => {
          const items = report.checks.filter((c) => groupOf(c.id) === g);
          if (items.length === 0) return null;
          return (
            <section key={g} aria-labelledby={`pc-group-${g}`}>
              <h3 id={`pc-group-${g}`}>{t(`precheck.group.${g}`)}</h3>
              <ul className="check-list">
                {items.map((c) => (
                  <CheckItem key={c.id} c={c} withFix={false} />
                ))}
              </ul>
            </section>
          );
        })}
      </details>
    </div>
  );
}
