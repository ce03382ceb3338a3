import { useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { fmtTime } from '../format';
import type { Lang, T } from '../i18n';

interface Entry {
  id: number;
  at: string;
  actor: string;
  role: string;
  action: string;
  kiosk_id: string | null;
  session_id: string | null;
  review_id: string | null;
  reason: string;
}

export function Journal(p: { t: T; lang: Lang; onApiError: (e: unknown) => void }) {
  const { t, lang, onApiError } = p;
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<{ entries: Entry[] }>('GET', '/v1/console/journal?limit=200')
      .then((r) => setEntries(r.entries))
      .catch((e: unknown) => {
        onApiError(e);
        setError(e instanceof ApiError ? e.code : 'NETWORK');
      });
  }, [onApiError]);
  if (error) return <p role="alert">{t('app.error', { code: error })}</p>;
  if (!entries) return <p>{t('app.loading')}</p>;
  return (
    <div className="screen" data-testid="screen-journal">
      <div className="screen-head">
        <h1>{t('journal.heading')}</h1>
        <p className="muted">{t('journal.intro')}</p>
      </div>
      <section className="card wide" aria-labelledby="journal-h">
        <h2 id="journal-h" className="sr-only">
          {t('journal.heading')}
        </h2>
        {entries.length === 0 ? (
          <p className="muted">{t('journal.empty')}</p>
        ) : (
          <div className="table-wrap">
            <table data-testid="journal-table">
              <thead>
                <tr>
                  <th scope="col">{t('journal.col.at')}</th>
                  <th scope="col">{t('journal.col.who')}</th>
                  <th scope="col">{t('journal.col.action')}</th>
                  <th scope="col">{t('journal.col.target')}</th>
                  <th scope="col">{t('journal.col.reason')}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id} data-testid="journal-row" data-action={e.action}>
                    <td>{fmtTime(lang, e.at)}</td>
                    <td>
                      {e.actor.replace(/^user:/, '')} <span className="muted small">{e.role}</span>
                    </td>
                    <td>{e.action}</td>
                    <td className="mono small">{e.review_id ?? [e.kiosk_id, e.session_id].filter(Boolean).join(' / ')}</td>
                    <td>{e.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
