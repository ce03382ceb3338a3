import type { CompletionReceipt } from '../../preload/contract/session';
import { useI18n } from '../i18n';

export function DoneScreen({ receipt }: { receipt: CompletionReceipt }) {
  const { t } = useI18n();
  return (
    <section className="card" aria-labelledby="done-h" data-testid="done">
      <h1 id="done-h">{t('done.heading')}</h1>
      <p className="receipt-id" data-testid="receipt-id">{t('done.receipt', { id: receipt.receiptId })}</p>
      <p>{t('done.next')}</p>
    </section>
  );
}
