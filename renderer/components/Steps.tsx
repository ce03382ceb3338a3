import { useI18n } from '../i18n';

const STEPS = ['steps.checkIn', 'steps.consent', 'steps.devices', 'steps.interview'] as const;

/** Where the candidate is on the way into the interview (check-in → consent → devices → interview). */
export function Steps({ current }: { current: 0 | 1 | 2 | 3 }) {
  const { t } = useI18n();
  return (
    <nav aria-label={t('steps.label')}>
      <ol className="steps">
        {STEPS.map((key, i) => (
          <li key={key} className={i < current ? 'done' : i === current ? 'current' : ''} aria-current={i === current ? 'step' : undefined}>
            <span className="step-dot" aria-hidden="true">{i + 1}</span>
            <span className="step-name">{t(key)}</span>
          </li>
        ))}
      </ol>
    </nav>
  );
}
