import type { AccommodationsView } from '../../preload/contract/accommodations';
import type { MessageKey } from '../i18n/en';
import { useI18n } from '../i18n';

/** The candidate's accommodations in plain words, before the first question. */
export function AccommodationsNotice({ view }: { view: AccommodationsView | undefined }) {
  const { t } = useI18n();
  if (!view) return null;
  const a = view.accommodations;
  const lines: string[] = [];
  if (a.timeMultiplier !== 1) lines.push(t('acc.time', { multiplier: a.timeMultiplier }));
  if (a.restBreakMinutes > 0) lines.push(t('acc.rest', { minutes: a.restBreakMinutes }));
  if (a.textAnswers) lines.push(t(view.textAnswersRefused ? 'acc.textRefused' : 'acc.text'));
  if (a.largeText) lines.push(t('acc.largeText'));
  if (a.highContrast) lines.push(t('acc.highContrast'));
  const source: MessageKey = view.source === 'proctor' ? 'acc.source.proctor' : 'acc.source.invite';
  return (
    <section className="panel accommodations" aria-labelledby="acc-h" data-testid="accommodations">
      <h2 id="acc-h">{t('acc.heading')}</h2>
      <p>{t('acc.intro')}</p>
      <ul>
        {lines.map((l) => (
          <li key={l}>{l}</li>
        ))}
      </ul>
      <p className="hint">{t(source)}</p>
    </section>
  );
}
