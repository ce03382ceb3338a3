import type { CompletionReceipt } from '../../preload/contract/session';
import { formatTime, useI18n } from '../i18n';
import { FeedbackReport } from '../scoring/FeedbackReport';

export function DoneScreen({ receipt }: { receipt: CompletionReceipt }) {
  const { t, locale } = useI18n();
  return (
    <section className="card calm" aria-labelledby="done-h" data-testid="done">
      <div className="done-mark" aria-hidden="true" />
      <h1 id="done-h">{t('done.heading')}</h1>
      <p className="lead">{t('done.next')}</p>
      <dl className="facts large receipt-facts">
        <dt>{t('done.receiptLabel')}</dt>
        <dd className="receipt-id" data-testid="receipt-id" data-receipt={receipt.receiptId} data-journal-head={receipt.journalHead}>
          {receipt.receiptId}
        </dd>
        <dt>{t('done.answered')}</dt>
        <dd data-testid="answered-count">{receipt.answeredCount}</dd>
        <dt>{t('done.completedAt')}</dt>
        <dd>{formatTime(receipt.completedAt, locale)}</dd>
      </dl>
      <p className="hint">{t('done.keep')}</p>
      <FeedbackReport sessionId={receipt.sessionId} />
    </section>
  );
}
