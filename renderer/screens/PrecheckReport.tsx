import { useEffect, useRef } from 'react';
import type { CheckResult, PrecheckReportView } from '../../preload/contract/precheck';
import { useI18n } from '../i18n';
import { checkTitle, fixText, groupByCause, statusText, thresholdText, valueText, verdictOf, verdictText, type CauseGroup } from '../precheck/format';

function CauseItem({ g }: { g: CauseGroup }) {
  const { t, locale } = useI18n();
  const fix = fixText(g.root, t) ?? t('precheck.fix.unmeasured');
  const required = g.root.value === null ? null : thresholdText(g.root.threshold, t);
  const others = g.checks.filter((c) => c !== g.root).map((c) => checkTitle(c.id, t));
  const affects = others.length > 0 ? t('precheck.alsoAffects', { list: new Intl.ListFormat(locale, { style: 'long', type: 'conjunction' }).format(others) }) : null;
  return (
    <li className={`cause ${g.severity}`} data-testid={`cause-${g.root.id}`} data-severity={g.severity} data-checks={g.checks.map((c) => c.id).join(' ')}>
      <p className="cause-head">
        <span className={`status-badge ${g.severity === 'warn' ? 'warn' : 'fail'}`}>{t(g.severity === 'blocking' ? 'precheck.blocking' : 'precheck.advised')}</span>
        <span className="cause-title">{checkTitle(g.root.id, t)}</span>
        {affects && <span className="cause-affects">{affects}</span>}
      </p>
      {required !== null && (
        // What was measured against what was required, in the candidate's units.
        <p className="hint measured" data-testid={`measured-${g.root.id}`}>
          {t('precheck.measuredVsRequired', { measured: valueText(g.root, t), required })}
        </p>
      )}
      <p className="fix" data-testid={`fix-${g.root.id}`}>
        {fix}
      </p>
    </li>
  );
}

function CheckRow({ c }: { c: CheckResult }) {
  const { t } = useI18n();
  const required = thresholdText(c.threshold, t);
  return (
    <tr className={`check-item ${c.status}`} data-testid={`check-${c.id}`} data-status={c.status} data-blocking={c.blocking ? 'true' : 'false'}>
      <th scope="row">{checkTitle(c.id, t)}</th>
      <td>
        <span className={`status-badge ${c.status}`}>{statusText(c, t)}</span>
      </td>
      <td>{valueText(c, t)}</td>
      <td className="muted">{required ?? ''}</td>
    </tr>
  );
}

/**
 * The pre-check result: one sentence at the top that agrees with the counts, then one line per
 * cause with its fix (worst first), then every check in a compact table for whoever wants it.
 */
export function PrecheckReport({ report }: { report: PrecheckReportView }) {
  const { t } = useI18n();
  const groups = groupByCause(report.checks);
  const v = verdictOf(report);
  // The report replaces the last step: focus its verdict, not the page body.
  const overall = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    overall.current?.focus();
  }, [report.runId]);
  return (
    <div className="precheck-report" data-testid="precheck-report">
      <p ref={overall} tabIndex={-1} className={`overall ${report.overall}`} role="status" data-testid="precheck-overall" data-overall={report.overall} data-must-fix={v.mustFix} data-should-fix={v.shouldFix}>
        {verdictText(report, t)}
      </p>
      {groups.length > 0 && (
        <ol className="cause-list" aria-label={t('precheck.howToFix')} data-testid="precheck-causes">
          {groups.map((g) => (
            <CauseItem key={g.key} g={g} />
          ))}
        </ol>
      )}
      <details className="all-checks">
        <summary>{t('precheck.allChecksSummary', { n: report.checks.length, passed: v.passed })}</summary>
        <table className="check-table">
          <thead>
            <tr>
              <th scope="col">{t('precheck.col.check')}</th>
              <th scope="col">{t('precheck.col.status')}</th>
              <th scope="col">{t('precheck.col.value')}</th>
              <th scope="col">{t('precheck.col.required')}</th>
            </tr>
          </thead>
          <tbody>
            {report.checks.map((c) => (
              <CheckRow key={c.id} c={c} />
            ))}
          </tbody>
        </table>
      </details>
    </div>
  );
}
