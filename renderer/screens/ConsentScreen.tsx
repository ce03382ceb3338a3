import { useState } from 'react';
import type { SessionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

const RETENTION_DAYS = 180;

export function ConsentScreen({ session, onAccepted, onDeclined }: { session: SessionView; onAccepted: (s: SessionView) => void; onDeclined: () => void }) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);

  async function answer(accepted: boolean) {
    const r = await kiosk().giveConsent({ sessionId: session.sessionId, accepted, consentVersion: session.consentVersion });
    if (r.ok) onAccepted(r.value);
    else if (r.error.code === 'CONSENT_DECLINED') onDeclined();
    else setError(t(errorKey(r.error.code)));
  }

  return (
    <section className="card" aria-labelledby="consent-h">
      <h1 id="consent-h">{t('consent.heading')}</h1>
      <p className="body-text">{t('consent.body', { days: RETENTION_DAYS })}</p>
      <p className="hint">{t('consent.version', { version: session.consentVersion })}</p>
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void answer(false)} data-testid="consent-decline">
          {t('consent.decline')}
        </button>
        <button type="button" className="primary" onClick={() => void answer(true)} data-testid="consent-accept">
          {t('consent.accept')}
        </button>
      </div>
    </section>
  );
}
