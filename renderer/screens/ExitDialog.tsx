import { useEffect, useState } from 'react';
import { ExitReason } from '../../preload/contract/common';
import { MAX_EXIT_TEXT_CHARS, type ExitInfo, type ExitReceipt } from '../../preload/contract/session';
import { Dialog } from '../components/Dialog';
import { DialogClockNote } from '../components/DialogClockNote';
import { ErrorBanner } from '../components/Layout';
import { errorKey, formatTime, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

/**
 * Leaving: plain words about what it means for this candidate (what is saved, whether and until
 * when they can come back) → a required reason with optional text → a receipt.
 */
export function ExitDialog({
  sessionId,
  onCancel,
  onExited,
  clockPaused = false,
}: {
  sessionId: string;
  onCancel: () => void;
  onExited: (r: ExitReceipt) => void;
  /** A question is open: its answer clock stands still while this dialog is open. */
  clockPaused?: boolean;
}) {
  const { t, locale } = useI18n();
  const [info, setInfo] = useState<ExitInfo | null>(null);
  const [reason, setReason] = useState<ExitReason | null>(null);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [attempted, setAttempted] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void kiosk()
      .requestExit({ sessionId })
      .then((r) => (r.ok ? setInfo(r.value) : setError(t(errorKey(r.error.code)))));
  }, [sessionId]);

  const missingReason = reason === null;
  const missingText = reason === 'other' && text.trim().length === 0;

  async function confirm() {
    setAttempted(true);
    if (missingReason || missingText || busy) return;
    setBusy(true);
    const r = await kiosk().confirmExit({ sessionId, reason, text: text.trim() || undefined });
    setBusy(false);
    if (r.ok) onExited(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  const terms = info?.terms;
  return (
    <Dialog labelledBy="exit-h" describedBy="exit-consequences" onClose={onCancel} testId="exit-dialog" className="wide">
      <h2 id="exit-h" tabIndex={-1}>{t('exit.heading')}</h2>
      <div id="exit-consequences" className="panel" data-testid="exit-consequences">
        <p>{t('exit.intro')}</p>
        {clockPaused && <DialogClockNote testId="exit-clock-paused" />}
        <ul className="tips">
          {info && <li>{t('exit.saved', { answered: info.answeredCount })}</li>}
          {info && info.committedChunks > 0 && <li>{t('exit.savedRecording', { chunks: info.committedChunks })}</li>}
          {terms && terms.canReturn && terms.aloneUntil !== null && terms.returnUntil !== null ? (
            <>
              <li>{t('exit.canReturnAlone', { alone: formatTime(terms.aloneUntil, locale) })}</li>
              <li>{t('exit.canReturnProctor', { until: formatTime(terms.returnUntil, locale) })}</li>
              <li>{t('exit.resumesLeft', { count: terms.resumesLeft })}</li>
            </>
          ) : (
            terms && <li className="strong">{t('exit.cannotReturn')}</li>
          )}
        </ul>
      </div>
      <fieldset className="reasons" aria-describedby={attempted && missingReason ? 'exit-reason-error' : undefined}>
        <legend>{t('exit.reasonLabel')}</legend>
        {ExitReason.options.map((r) => (
          <label key={r} className={`choice${reason === r ? ' selected' : ''}`}>
            <input type="radio" name="exit-reason" value={r} checked={reason === r} onChange={() => setReason(r)} data-testid={`exit-reason-${r}`} />
            {t(`exit.reason.${r}`)}
          </label>
        ))}
      </fieldset>
      {attempted && missingReason && (
        <p className="error" id="exit-reason-error" role="alert">
          {t('exit.reasonRequired')}
        </p>
      )}
      <div className="field">
        <label htmlFor="exit-text">{t('exit.otherText')}</label>
        <textarea
          id="exit-text"
          rows={3}
          maxLength={MAX_EXIT_TEXT_CHARS}
          value={text}
          onChange={(e) => setText(e.target.value)}
          aria-invalid={attempted && missingText ? true : undefined}
          aria-describedby={attempted && missingText ? 'exit-text-error' : undefined}
          data-testid="exit-text"
        />
        {attempted && missingText && (
          <p className="error" id="exit-text-error" role="alert">
            {t('exit.otherRequired')}
          </p>
        )}
      </div>
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary danger" onClick={() => void confirm()} disabled={busy} data-testid="exit-confirm">
          {busy ? t('exit.working') : t('exit.confirm')}
        </button>
        <button type="button" className="primary" onClick={onCancel} data-testid="exit-stay" data-autofocus>
          {t('exit.stay')}
        </button>
      </div>
    </Dialog>
  );
}

export function ExitReceiptScreen({ receipt }: { receipt: ExitReceipt }) {
  const { t, locale } = useI18n();
  const until = receipt.nextStep === 'resume_alone' ? receipt.terms.aloneUntil : receipt.terms.returnUntil;
  return (
    <section className="card calm" aria-labelledby="receipt-h" data-testid="exit-receipt">
      <h1 id="receipt-h">{t('exit.receiptHeading')}</h1>
      <div className="receipt">
        <p className="receipt-label">{t('help.incident')}</p>
        <p className="receipt-id" data-testid="incident-id" data-incident={receipt.incidentId}>
          {receipt.incidentId}
        </p>
        <p className="hint">{t('exit.receiptWhen', { time: formatTime(receipt.at, locale) })}</p>
      </div>
      <p className="lead" data-testid="exit-next" data-next={receipt.nextStep}>
        {t(`exit.receiptNext.${receipt.nextStep}`, { until: until !== null ? formatTime(until, locale) : '' })}
      </p>
      {until !== null && (
        <p className="deadline" data-testid="resume-deadline" data-until={until}>
          {t('exit.deadline', { until: formatTime(until, locale) })}
        </p>
      )}
      {receipt.nextStep === 'resume_alone' && receipt.terms.returnUntil !== null && (
        <p data-testid="resume-proctor-deadline" data-until={receipt.terms.returnUntil}>
          {t('exit.receiptProctorWindow', { until: formatTime(receipt.terms.returnUntil, locale) })}
        </p>
      )}
      {receipt.terms.canReturn && <p>{t('exit.receiptResumes', { count: receipt.terms.resumesLeft })}</p>}
      <p className="hint">{t('exit.receiptTell')}</p>
    </section>
  );
}
