import { useEffect, useState } from 'react';
import type { CurrentView } from '../../preload/contract/session';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

type Pending = Extract<CurrentView, { kind: 'stage_pending' }>;

/** How often the screen asks main whether the next part has arrived. */
const POLL_MS = 3000;

/**
 * Every question released so far is answered and the next part's questions are being fetched
 * (pack format v2: released stage by stage). No question is open, so no answer time runs; when the
 * kiosk cannot get the next part (the HR system is unreachable or refused it) the candidate is told
 * so, with the proctor path, and can try again. Nothing already recorded is affected.
 */
export function StagePendingScreen({ view, onView }: { view: Pending; onView: (v: CurrentView) => void }) {
  const { t, locale } = useI18n();
  const [busy, setBusy] = useState(false);
  const sessionId = view.session.sessionId;

  useEffect(() => {
    const timer = setInterval(() => {
      void kiosk()
        .getCurrent({ sessionId })
        .then((r) => {
          if (r.ok) onView(r.value);
        });
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [sessionId, onView]);

  async function retry() {
    if (busy) return;
    setBusy(true);
    const r = await kiosk().getCurrent({ sessionId });
    setBusy(false);
    if (r.ok) onView(r.value);
  }

  return (
    <section className="card calm" aria-labelledby="stage-pending-h" data-testid="stage-pending" data-stage-index={view.stageIndex} data-problem={view.problem ?? ''} role="status">
      <h1 id="stage-pending-h">{t('stagePending.title', { title: view.stageTitle[locale] })}</h1>
      <p className="lead">{t('stagePending.body')}</p>
      {view.problem !== undefined && (
        <>
          <p role="alert" data-testid="stage-pending-problem">
            {t('stagePending.problem')}
          </p>
          <p data-testid="stage-pending-detail">{t(errorKey(view.problem))}</p>
          <div className="actions">
            <button type="button" className="primary" disabled={busy} onClick={() => void retry()} data-testid="stage-pending-retry">
              {t('stagePending.retry')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}
