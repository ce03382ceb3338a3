import { useState } from 'react';
import { ActionButton } from '../components/ActionButton';
import type { SessionView } from '../../preload/contract/session';
import { AccommodationsNotice } from '../components/AccommodationsNotice';
import { ProctorAccommodations } from '../components/ProctorAccommodations';
import { Dialog } from '../components/Dialog';
import { ErrorBanner } from '../components/Layout';
import { Steps } from '../components/Steps';
import { errorKey, useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { kiosk } from '../ipc/kiosk';

export const RETENTION_DAYS = 180;

const SECTIONS: ReadonlyArray<{ id: string; title: MessageKey; body: MessageKey; emphasis?: boolean }> = [
  { id: 'recorded', title: 'consent.recorded.title', body: 'consent.recorded.body' },
  { id: 'ai', title: 'consent.ai.title', body: 'consent.ai.body' },
  { id: 'not-used', title: 'consent.notUsed.title', body: 'consent.notUsed.body', emphasis: true },
  { id: 'who', title: 'consent.who.title', body: 'consent.who.body' },
  { id: 'retention', title: 'consent.retention.title', body: 'consent.retention.body' },
  { id: 'rights', title: 'consent.rights.title', body: 'consent.rights.body' },
];

export function ConsentScreen({
  session,
  onAccepted,
  onDeclined,
  onSessionChanged,
}: {
  session: SessionView;
  onAccepted: (s: SessionView) => void;
  onDeclined: () => void;
  /** A proctor changed the session's accommodations on this screen. */
  onSessionChanged?: (s: SessionView) => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const [declining, setDeclining] = useState(false);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);

  async function answer(accepted: boolean) {
    if (busy) return;
    setBusy(true);
    const r = await kiosk().giveConsent({
      sessionId: session.sessionId,
      accepted,
      consentVersion: session.consentVersion,
      declineReason: accepted ? undefined : reason.trim() || undefined,
    });
    setBusy(false);
    if (r.ok) onAccepted(r.value);
    else if (r.error.code === 'CONSENT_DECLINED') onDeclined();
    else setError(t(errorKey(r.error.code)));
  }

  return (
    <section className="card" aria-labelledby="consent-h" data-testid="consent">
      <Steps current={1} />
      <h1 id="consent-h">{t('consent.heading')}</h1>
      <p className="lead">{t('consent.intro')}</p>
      <AccommodationsNotice view={session.accommodations} />
      {onSessionChanged && <ProctorAccommodations session={session} onChanged={onSessionChanged} />}
      <div className="consent-grid">
        {SECTIONS.map((s) => (
          <section key={s.id} className={`consent-item${s.emphasis ? ' emphasis' : ''}`} aria-labelledby={`consent-${s.id}`}>
            <h2 id={`consent-${s.id}`}>{t(s.title)}</h2>
            <p>{t(s.body, { days: RETENTION_DAYS })}</p>
          </section>
        ))}
      </div>
      <p className="hint" data-testid="consent-version">{t('consent.version', { version: session.consentVersion })}</p>
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => setDeclining(true)} data-testid="consent-decline">
          {t('consent.decline')}
        </button>
        <ActionButton className="primary" onAction={() => answer(true)} disabled={busy} data-testid="consent-accept">
          {t('consent.accept')}
        </ActionButton>
      </div>
      {declining && (
        <Dialog labelledBy="decline-h" describedBy="decline-body" onClose={() => setDeclining(false)} testId="decline-dialog">
          <h2 id="decline-h" tabIndex={-1}>{t('consent.declineHeading')}</h2>
          <p id="decline-body">{t('consent.declineBody')}</p>
          <div className="field">
            <label htmlFor="decline-reason">{t('consent.declineReasonLabel')}</label>
            <textarea id="decline-reason" rows={3} maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="decline-reason" />
          </div>
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setDeclining(false)} data-autofocus>
              {t('consent.declineCancel')}
            </button>
            <button type="button" className="primary" onClick={() => void answer(false)} disabled={busy} data-testid="decline-confirm">
              {t('consent.declineConfirm')}
            </button>
          </div>
        </Dialog>
      )}
    </section>
  );
}

export function DeclinedScreen() {
  const { t } = useI18n();
  return (
    <section className="card calm" aria-labelledby="declined-h" data-testid="declined">
      <h1 id="declined-h">{t('consent.declinedHeading')}</h1>
      <p className="lead">{t('consent.declined')}</p>
    </section>
  );
}
