import { useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { Locale } from '../../preload/contract/common';
import type { SessionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { Steps } from '../components/Steps';
import { mark } from '../diagnostics';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

export const DEMO_CODE = 'DEMO-2026';

/** `secondaryAction`: an optional secondary button beside “Check in” (e.g. the home system check). */
export function WelcomeScreen({ onCheckedIn, secondaryAction }: { onCheckedIn: (s: SessionView) => void; secondaryAction?: ReactNode }) {
  const { t, locale, setLocale } = useI18n();
  const [code, setCode] = useState('');
  // The error's code, shown in the language on screen (it follows a language switch).
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Offline test centres: when the HR endpoint cannot release the questions, the proctor's unlock code can.
  const [needsUnlock, setNeedsUnlock] = useState(false);
  const [unlockCode, setUnlockCode] = useState('');
  useEffect(() => mark('interactive'), []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const unlock = needsUnlock && unlockCode.trim().length > 0 ? unlockCode.trim() : undefined;
    const r = await kiosk().checkIn({ inviteCode: code, locale, unlockCode: unlock });
    setBusy(false);
    if (r.ok) {
      onCheckedIn(r.value);
      return;
    }
    if (r.error.code === 'UNLOCK_CODE_REQUIRED' || r.error.code === 'UNLOCK_CODE_INVALID' || r.error.code === 'UNLOCK_REFUSED') setNeedsUnlock(true);
    setError(r.error.code);
  }

  return (
    <section className="card" aria-labelledby="welcome-h" data-testid="welcome">
      <Steps current={0} />
      <h1 id="welcome-h">{t('welcome.heading')}</h1>
      <p className="lead">{t('welcome.intro')}</p>
      <form onSubmit={submit} className="stack">
        <fieldset className="segmented-field">
          <legend>{t('welcome.languageLabel')}</legend>
          <div className="segmented" role="presentation">
            {Locale.options.map((l) => (
              <label key={l} className={`segment${locale === l ? ' selected' : ''}`} lang={l}>
                <input type="radio" name="language" value={l} checked={locale === l} onChange={() => setLocale(l)} data-testid={`language-${l}`} />
                {t(`app.langName.${l}`)}
              </label>
            ))}
          </div>
          <p className="hint">{t('welcome.languageHint')}</p>
        </fieldset>
        <div className="field">
          <label htmlFor="invite">{t('welcome.codeLabel')}</label>
          <input
            id="invite"
            className="code-input"
            data-testid="invite-code"
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            aria-describedby="invite-hint invite-demo"
            required
            minLength={4}
            maxLength={32}
          />
          <p className="hint" id="invite-hint">{t('welcome.codeHint')}</p>
          <p className="hint demo" id="invite-demo">{t('welcome.demoHint', { code: DEMO_CODE })}</p>
        </div>
        {needsUnlock && (
          <div className="field">
            <label htmlFor="unlock">{t('welcome.unlockLabel')}</label>
            <input
              id="unlock"
              className="code-input"
              data-testid="unlock-code"
              autoComplete="off"
              spellCheck={false}
              value={unlockCode}
              onChange={(e) => setUnlockCode(e.target.value)}
              aria-describedby="unlock-hint"
              minLength={4}
              maxLength={64}
            />
            <p className="hint" id="unlock-hint">{t('welcome.unlockHint')}</p>
          </div>
        )}
        <ErrorBanner message={error ? t(errorKey(error)) : null} code={error} />
        <div className="actions">
          {secondaryAction}
          <button type="submit" className="primary" disabled={busy} data-testid="check-in">
            {busy ? t('welcome.checkingIn') : t('welcome.checkIn')}
          </button>
        </div>
        <p className="reassure">{t('welcome.reassure')}</p>
      </form>
    </section>
  );
}
