import { useEffect, useState } from 'react';
import { ExitReason } from '../../preload/contract/common';
import type { ExitInfo, ExitReceipt } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, formatTime, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

export function ExitDialog({ sessionId, onCancel, onExited }: { sessionId: string; onCancel: () => void; onExited: (r: ExitReceipt) => void }) {
  const { t, locale } = useI18n();
  const [info, setInfo] = useState<ExitInfo | null>(null);
  const [reason, setReason] = useState<ExitReason | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void kiosk()
      .requestExit({ sessionId })
      .then((r) => (r.ok ? setInfo(r.value) : setError(t(errorKey(r.error.code)))));
  }, [sessionId, t]);

  async function confirm() {
    if (!reason) return;
    const r = await kiosk().confirmExit({ sessionId, reason, text: text.trim() || undefined });
    if (r.ok) onExited(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  const terms = info?.terms;
  return (
    <div className="overlay" role="dialog" aria-modal="true" aria-labelledby="exit-h" data-testid="exit-dialog">
      <div className="card">
        <h1 id="exit-h">{t('exit.heading')}</h1>
        {info && <p>{t('exit.saved', { answered: info.answeredCount })}</p>}
        {terms && terms.canReturn && terms.aloneUntil !== null && terms.returnUntil !== null ? (
          <>
            <p>{t('exit.canReturnAlone', { alone: formatTime(terms.aloneUntil, locale) })}</p>
            <p>{t('exit.canReturnProctor', { until: formatTime(terms.returnUntil, locale) })}</p>
          </>
        ) : (
          terms && <p>{t('exit.cannotReturn')}</p>
        )}
        <fieldset className="reasons">
          <legend>{t('exit.reasonLabel')}</legend>
          {ExitReason.options.map((r) => (
            <label key={r} className="radio">
              <input type="radio" name="exit-reason" value={r} checked={reason === r} onChange={() => setReason(r)} data-testid={`exit-reason-${r}`} />
              {t(`exit.reason.${r}`)}
            </label>
          ))}
        </fieldset>
        <label htmlFor="exit-text">{t('exit.otherText')}</label>
        <textarea id="exit-text" rows={3} maxLength={500} value={text} onChange={(e) => setText(e.target.value)} data-testid="exit-text" />
        <ErrorBanner message={error} />
        <div className="actions">
          <button type="button" className="primary" onClick={onCancel} data-testid="exit-stay">
            {t('exit.stay')}
          </button>
          <button type="button" className="secondary danger" disabled={!reason || (reason === 'other' && !text.trim())} onClick={() => void confirm()} data-testid="exit-confirm">
            {t('exit.confirm')}
          </button>
        </div>
      </div>
    </div>
  );
}

export function ExitReceiptScreen({ receipt }: { receipt: ExitReceipt }) {
  const { t, locale } = useI18n();
  const until = receipt.nextStep === 'resume_alone' ? receipt.terms.aloneUntil : receipt.terms.returnUntil;
  return (
    <section className="card" aria-labelledby="receipt-h" data-testid="exit-receipt">
      <h1 id="receipt-h">{t('exit.receiptHeading')}</h1>
      <p className="receipt-id" data-testid="incident-id">{t('exit.receiptId', { id: receipt.incidentId })}</p>
      <p>{t(`exit.receiptNext.${receipt.nextStep}`, { until: until !== null ? formatTime(until, locale) : '' })}</p>
    </section>
  );
}
