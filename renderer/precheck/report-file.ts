/**
 * The at-home report as files the candidate can send to HR: a JSON document (every check with its
 * measured value, threshold and fix) and a self-contained, readable HTML page in their language.
 */
import type { Locale } from '../../preload/contract/common';
import { groupOf, type PrecheckReportView } from '../../preload/contract/precheck';
import type { Translate } from '../i18n';
import { checkTitle, fixText, statusText, thresholdText, valueText, verdictText } from './format';

export const REPORT_KIND = 'interview-kiosk-system-check';

export function reportFileBase(at: number): string {
  const d = new Date(at);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `system-check-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}`;
}

export function reportJson(report: PrecheckReportView, locale: Locale, t: Translate): string {
  const doc = {
    kind: REPORT_KIND,
    version: 1,
    generatedAt: new Date(report.finishedAt).toISOString(),
    locale,
    appVersion: report.appVersion,
    runId: report.runId,
    overall: report.overall,
    blockingFailures: report.blockingFailures,
    durationMs: report.durationMs,
    browser: { userAgent: navigator.userAgent, screen: { width: window.screen.width, height: window.screen.height, pixelRatio: window.devicePixelRatio } },
    checks: report.checks.map((c) => ({
      id: c.id,
      title: checkTitle(c.id, t),
      status: c.status,
      blocking: c.blocking,
      value: c.value,
      unit: c.unit ?? null,
      threshold: c.threshold,
      remediationKey: c.remediationKey,
      remediation: fixText(c, t),
      detail: c.detail,
      data: c.data ?? null,
    })),
  };
  return JSON.stringify(doc, null, 2);
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

export function reportHtml(report: PrecheckReportView, locale: Locale, t: Translate): string {
  const when = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeStyle: 'short' }).format(report.finishedAt);
  const groups = ['system', 'devices', 'network', 'integrity'] as const;
  const rows = groups
    .map((g) => {
      const items = report.checks.filter((c) => groupOf(c.id) === g);
      if (items.length === 0) return '';
      const body = items
        .map((c) => {
          const fix = c.status === 'pass' ? null : fixText(c, t);
          const req = thresholdText(c.threshold, t);
          return `<tr class="${c.status}"><th scope="row">${esc(checkTitle(c.id, t))}${c.blocking && c.status === 'fail' ? ` <span class="tag">${esc(t('precheck.blocking'))}</span>` : ''}</th>` +
            `<td class="st">${esc(statusText(c, t))}</td><td>${esc(valueText(c, t))}</td><td>${req ? esc(req) : ''}</td>` +
            `<td>${fix ? esc(fix) : ''}<div class="detail">${esc(c.detail)}</div></td></tr>`;
        })
        .join('\n');
      return `<h2>${esc(t(`precheck.group.${g}`))}</h2>\n<table><thead><tr><th scope="col">${esc(t('precheck.col.check'))}</th><th scope="col">${esc(t('precheck.col.status'))}</th><th scope="col">${esc(t('precheck.col.value'))}</th><th scope="col">${esc(t('precheck.col.required'))}</th><th scope="col">${esc(t('precheck.col.fix'))}</th></tr></thead><tbody>\n${body}\n</tbody></table>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="${esc(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(t('systemCheck.reportTitle'))}</title>
<style>
body { font-family: 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', system-ui, sans-serif; color: #1c2433; margin: 32px; line-height: 1.5; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.15rem; margin-top: 28px; }
.overall { padding: 12px 16px; border-radius: 8px; font-weight: 600; }
.overall.READY { background: #e6f4ea; } .overall.READY_WITH_WARNINGS { background: #fff4e0; } .overall.NOT_READY { background: #fdecea; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 8px; border-bottom: 1px solid #e3e7ef; }
tr.fail .st { color: #b3261e; font-weight: 600; } tr.warn .st { color: #8a5300; font-weight: 600; } tr.pass .st { color: #1e7d45; }
.tag { font-size: 0.8rem; color: #b3261e; border: 1px solid #b3261e; border-radius: 4px; padding: 0 4px; }
.detail { color: #5b6578; font-size: 0.85rem; font-family: ui-monospace, monospace; }
.meta { color: #5b6578; }
</style>
</head>
<body>
<h1>${esc(t('systemCheck.reportTitle'))}</h1>
<p class="meta">${esc(t('systemCheck.generatedAt', { time: when }))} · ${esc(report.appVersion)} · ${esc(report.runId)}</p>
<p class="overall ${report.overall}" data-overall="${report.overall}">${esc(verdictText(report, t))}</p>
${rows}
</body>
</html>
`;
}

/** Saves text as a file: a download in the browser (and in Electron's default download flow). */
export function download(filename: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
