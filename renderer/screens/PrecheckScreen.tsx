import { useState, type FormEvent } from 'react';
import { ActionButton } from '../components/ActionButton';
import { RescheduleReason, type PrecheckReportView, type RescheduleReceipt } from '../../preload/contract/precheck';
import type { SessionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { PrecheckFlow } from './PrecheckFlow';
import { PrecheckReport } from './PrecheckReport';

/**
 * The kiosk pre-check before every interview. A failed blocking check stops here with the fix and
 * a retry; the candidate may instead ask HR for another date (journaled with the reason).
 */
export function PrecheckScreen({ session, onReady }: { session: SessionView; onReady: (s: SessionView) => void }) {
  const { t } = useI18n();
  const [attempt, setAttempt] = useState(0);
  const [report, setReport] = useState<PrecheckReportView | null>(null);
  const [rescheduling, setRescheduling] = useState(false);
  const [receipt, setReceipt] = useState<RescheduleReceipt | null>(null);

  const retry = () => {
    setReport(null);
    setRescheduling(false);
    setAttempt((a) => a + 1);
  };

  if (receipt) {
    return (
      <section className="card" aria-labelledby="pc-done-h" data-testid="reschedule-done">
        <h1 id="pc-done-h">{t('precheck.reschedule.heading')}</h1>
        <p role="status">{t('precheck.reschedule.done', { id: receipt.requestId })}</p>
      </section>
    );
  }

  return (
    <section className="card wide" aria-labelledby="pc-h" data-testid="precheck">
      <h1 id="pc-h">{t('precheck.heading')}</h1>
      {!report && <p className="lead">{t('precheck.intro')}</p>}
      {!report && <PrecheckFlow key={attempt} mode="kiosk" sessionId={session.sessionId} onReport={setReport} />}
      {report && !rescheduling && (
        <>
          <PrecheckReport report={report} />
          <div className="actions">
            {report.overall === 'NOT_READY' ? (
              <>
                <button type="button" className="secondary" onClick={() => setRescheduling(true)} data-testid="reschedule-open">
                  {t('precheck.reschedule.open')}
                </button>
                <ActionButton className="primary" onAction={retry} data-testid="precheck-retry">
                  {t('precheck.retry')}
                </ActionButton>
              </>
            ) : (
              <>
                <ActionButton className="secondary" onAction={retry} data-testid="precheck-retry">
                  {t('precheck.retry')}
                </ActionButton>
                <ActionButton className="primary" onAction={() => report.session && onReady(report.session)} data-testid="precheck-start">
                  {t('precheck.start')}
                </ActionButton>
              </>
            )}
          </div>
        </>
      )}
      {report && rescheduling && <RescheduleForm sessionId={session.sessionId} runId={report.runId} onCancel={() => setRescheduling(false)} onDone={setReceipt} />}
    </section>
  );
}

function RescheduleForm({ sessionId, runId, onCancel, onDone }: { sessionId: string; runId: string; onCancel: () => void; onDone: (r: RescheduleReceipt) => void }) {
  const { t } = useI18n();
  const [reason, setReason] = useState<RescheduleReason>('device');
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    const r = await kiosk().requestReschedule({ sessionId, runId, reason, text: text.trim() || undefined });
    setBusy(false);
    if (r.ok) onDone(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  return (
    <form onSubmit={submit} className="stack" aria-labelledby="pc-rs-h" data-testid="reschedule-form">
      <h2 id="pc-rs-h">{t('precheck.reschedule.heading')}</h2>
      <p>{t('precheck.reschedule.intro')}</p>
      <fieldset className="reasons">
        <legend>{t('precheck.reschedule.reasonLabel')}</legend>
        {RescheduleReason.options.map((r) => (
          <label key={r} className="radio">
            <input type="radio" name="reschedule-reason" value={r} checked={reason === r} onChange={() => setReason(r)} />
            {t(`precheck.reschedule.reason.${r}`)}
          </label>
        ))}
      </fieldset>
      <label htmlFor="reschedule-text">{t('precheck.reschedule.text')}</label>
      <textarea id="reschedule-text" rows={3} maxLength={500} value={text} onChange={(e) => setText(e.target.value)} required={reason === 'other'} data-testid="reschedule-text" />
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>
          {t('precheck.reschedule.cancel')}
        </button>
        <button type="submit" className="primary" disabled={busy} data-testid="reschedule-send">
          {t('precheck.reschedule.send')}
        </button>
      </div>
    </form>
  );
}
