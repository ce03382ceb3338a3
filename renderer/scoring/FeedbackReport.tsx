import { useEffect, useState } from 'react';
import type { FeedbackReportView } from '../../preload/contract/scoring';
import { useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

/** How often and how long the screen asks again while the kiosk is still scoring the last answers. */
const POLL_MS = 1000;
const MAX_POLLS = 30;
const MAX_FAILED_TRIES = 10;

type State = { kind: 'loading' } | { kind: 'ready'; report: FeedbackReportView } | { kind: 'unavailable' };

/**
 * The candidate's feedback report after the interview: per competency the level against the
 * role's bar, excerpts of the candidate's own words, and what to improve (the next level's
 * indicator). A competency only spoken answers measure shows "awaiting human review", never a
 * score. A verdict appears only when the pack allows it. Printable (the page's print styles keep
 * just the report).
 */
export function FeedbackReport({ sessionId }: { sessionId: string }) {
  const { t, locale } = useI18n();
  const [state, setState] = useState<State>({ kind: 'loading' });
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async (n: number): Promise<void> => {
      const r = await kiosk()
        .feedbackReport({ sessionId })
        .catch(() => null);
      if (!live) return;
      if (!r || !r.ok) {
        // A busy kiosk (still scoring the last answers) may answer late or fail once: ask again
        // for a while before saying the report is unavailable.
        if (n < MAX_FAILED_TRIES) timer = setTimeout(() => void load(n + 1), POLL_MS);
        else setState({ kind: 'unavailable' });
        return;
      }
      setState({ kind: 'ready', report: r.value });
      if (r.value.scoringPending > 0 && n < MAX_POLLS) timer = setTimeout(() => void load(n + 1), POLL_MS);
    };
    void load(0);
    return () => {
      live = false;
      if (timer) clearTimeout(timer);
    };
  }, [sessionId]);

  if (state.kind === 'loading')
    return (
      <p className="hint" role="status" data-testid="report-loading">
        {t('report.loading')}
      </p>
    );
  if (state.kind === 'unavailable') return <p className="hint" data-testid="report-unavailable">{t('report.unavailable')}</p>;
  const r = state.report;
  return (
    <section className="feedback-report" aria-labelledby="report-h" data-testid="feedback-report" data-pending={r.scoringPending} lang={locale}>
      <div className="report-head">
        <h2 id="report-h">{t('report.heading')}</h2>
        <button type="button" className="secondary no-print" onClick={() => window.print()} data-testid="report-print">
          {t('report.print')}
        </button>
      </div>
      <p className="report-pack">{r.title[locale]}</p>
      <p className="hint">{t('report.intro')}</p>
      {r.scoringPending > 0 && (
        <p className="hint" role="status">
          {t('report.pending')}
        </p>
      )}
      {r.awaitingReview > 0 && <p className="hint">{t('report.awaiting')}</p>}
      {r.verdict && (
        <p className="report-verdict" data-testid="report-verdict">
          {t('report.verdict', { band: t(`report.band.${r.verdict}`) })}
        </p>
      )}
      {r.competencies.map((c) => (
        <article key={c.competencyId} className="report-competency" data-testid="report-competency" data-competency={c.competencyId} data-status={c.status}>
          <h3>{c.name[locale]}</h3>
          {c.status === 'awaiting_review' ? (
            <p className="report-awaiting" data-testid="report-awaiting">
              {t('report.awaitingReview')}
            </p>
          ) : (
            <>
              <p className="report-level" data-level={c.level}>
                <strong>{t('report.level', { level: c.level })}</strong> · {t('report.threshold', { threshold: c.threshold, score: c.levelScore })}
              </p>
              <h4>{t('report.strengths')}</h4>
              {c.evidence.length ? (
                <ul className="report-evidence">
                  {c.evidence.map((e, i) => (
                    <li key={i}>…{e}…</li>
                  ))}
                </ul>
              ) : (
                <p className="hint">{t('report.noEvidence')}</p>
              )}
              <h4>{t('report.improve')}</h4>
              <p>{c.tip ? c.tip[locale] : t('report.top')}</p>
            </>
          )}
        </article>
      ))}
    </section>
  );
}
