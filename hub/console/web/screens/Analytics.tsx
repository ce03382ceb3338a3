import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, fetchBlob, saveBlob } from '../api';
import { Chart } from '../Chart';
import { fmtTime } from '../format';
import type { Lang, T } from '../i18n';

type L10n = { 'zh-CN': string; en: string };
interface ReportListItem {
  name: string;
  title: L10n;
}
interface Report {
  name: string;
  title: L10n;
  columns: { key: string; label: L10n; kind: 'text' | 'integer' | 'number' | 'percent' | 'ratio' }[];
  rows: Record<string, string | number | null>[];
  chart: { type: 'bar' | 'line' | 'histogram'; x: string; series: string[] } | null;
  notes: ({ code: string; severity: 'info' | 'warning' } & L10n)[];
  highlight?: { row: number; column: string; reason: string }[];
  meta: { sessions: number; generatedAt: string };
}

function cell(v: string | number | null, kind: Report['columns'][number]['kind'], lang: Lang): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'string') return v;
  const loc = lang === 'zh-CN' ? 'zh-CN' : 'en-GB';
  if (kind === 'percent') return `${(v * 100).toLocaleString(loc, { maximumFractionDigits: 1 })} %`;
  if (kind === 'ratio') return v.toLocaleString(loc, { minimumFractionDigits: 3, maximumFractionDigits: 3 });
  if (kind === 'integer') return v.toLocaleString(loc, { maximumFractionDigits: 0 });
  return v.toLocaleString(loc, { maximumFractionDigits: 2 });
}

export function Analytics(p: { t: T; lang: Lang; onApiError: (e: unknown) => void }) {
  const { t, lang, onApiError } = p;
  const [list, setList] = useState<ReportListItem[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ reports: ReportListItem[] }>('GET', '/v1/analytics')
      .then((r) => setList(r.reports))
      .catch((e: unknown) => {
        onApiError(e);
        setError(e instanceof ApiError ? e.code : 'NETWORK');
      });
  }, [onApiError]);
  if (error) return <p role="alert">{t('app.error', { code: error })}</p>;
  if (!list) return <p>{t('app.loading')}</p>;
  return (
    <div className="screen" data-testid="screen-analytics">
      <div className="screen-head">
        <h1>{t('analytics.heading')}</h1>
      </div>
      {list.length === 0 && <p className="muted">{t('analytics.none')}</p>}
      {list.map((r) => (
        <ReportCard key={r.name} name={r.name} t={t} lang={lang} onApiError={onApiError} />
      ))}
    </div>
  );
}

function ReportCard(p: { name: string; t: T; lang: Lang; onApiError: (e: unknown) => void }) {
  const { t, lang, name, onApiError } = p;
  const [r, setR] = useState<Report | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Report>('GET', `/v1/analytics/${encodeURIComponent(name)}`)
      .then(setR)
      .catch((e: unknown) => {
        onApiError(e);
        setError(e instanceof ApiError ? e.code : 'NETWORK');
      });
  }, [name, onApiError]);
  const download = useCallback(
    async (format: 'csv' | 'xlsx') => {
      try {
        const { blob, filename } = await fetchBlob(`/v1/analytics/${encodeURIComponent(name)}/export?format=${format}&lang=${lang}`);
        saveBlob(blob, filename ?? `${name}.${format}`);
      } catch (e) {
        onApiError(e);
        setError(e instanceof ApiError ? e.code : 'NETWORK');
      }
    },
    [name, lang, onApiError],
  );
  const headingId = `report-${name}`;
  if (error && !r) {
    return (
      <section className="card wide" aria-labelledby={headingId}>
        <h2 id={headingId}>{name}</h2>
        <p role="alert">{t('analytics.loadFailed', { code: error })}</p>
      </section>
    );
  }
  if (!r) return <p>{t('app.loading')}</p>;
  const title = r.title[lang];
  const hl = new Map((r.highlight ?? []).map((h) => [`${h.row}:${h.column}`, h.reason]));
  const colKind = new Map(r.columns.map((c) => [c.key, c.kind]));
  const spec =
    r.chart && r.rows.length > 0
      ? {
          type: r.chart.type,
          label: t('analytics.chart', { title }),
          categories: r.rows.map((row) => String(row[r.chart!.x] ?? '—')),
          series: r.chart.series.map((k) => ({
            name: r.columns.find((c) => c.key === k)?.label[lang] ?? k,
            values: r.rows.map((row) => {
              const v = row[k];
              return typeof v === 'number' ? (colKind.get(k) === 'percent' ? Math.round(v * 1000) / 10 : v) : null;
            }),
          })),
        }
      : null;
  return (
    <section className="card wide report" aria-labelledby={headingId} data-testid={`report-${name}`}>
      <div className="report-head">
        <h2 id={headingId}>{title}</h2>
        <div className="row" role="group" aria-label={`${t('analytics.export')} · ${title}`}>
          <button type="button" className="btn small" onClick={() => void download('csv')} data-testid={`export-${name}-csv`}>
            {t('analytics.export')} {t('analytics.csv')}
          </button>
          <button type="button" className="btn small" onClick={() => void download('xlsx')} data-testid={`export-${name}-xlsx`}>
            {t('analytics.export')} {t('analytics.xlsx')}
          </button>
        </div>
      </div>
      <p className="muted small">{t('analytics.sessions', { n: r.meta.sessions, at: fmtTime(lang, r.meta.generatedAt) })}</p>
      {spec && <Chart spec={spec} testId={`chart-${name}`} />}
      {r.rows.length === 0 ? (
        <p className="muted">{t('analytics.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table data-testid={`table-${name}`}>
            <caption className="sr-only">{t('analytics.table', { title })}</caption>
            <thead>
              <tr>
                {r.columns.map((c) => (
                  <th key={c.key} scope="col">
                    {c.label[lang]}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row, i) => (
                <tr key={i}>
                  {r.columns.map((c) => {
                    const reason = hl.get(`${i}:${c.key}`);
                    return (
                      <td key={c.key} className={reason ? 'highlight' : undefined} data-highlight={reason}>
                        {cell(row[c.key] ?? null, c.kind, lang)}
                        {reason && <span className="sr-only"> ({t('analytics.highlight', { reason })})</span>}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {r.notes.length > 0 && (
        <div className="notes">
          <h3>{t('analytics.notes')}</h3>
          <ul>
            {r.notes.map((n) => (
              <li key={n.code} className={n.severity === 'warning' ? 'note warning' : 'note'}>
                {n[lang]}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}
