import { useState, type FormEvent } from 'react';
import type { SessionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

export const DEMO_CODE = 'DEMO-2026';

export function WelcomeScreen({ onCheckedIn }: { onCheckedIn: (s: SessionView) => void }) {
  const { t, locale } = useI18n();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const r = await kiosk().checkIn({ inviteCode: code, locale });
    setBusy(false);
    if (r.ok) onCheckedIn(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  return (
    <section className="card" aria-labelledby="welcome-h">
      <h1 id="welcome-h">{t('welcome.heading')}</h1>
      <p>{t('welcome.intro')}</p>
      <form onSubmit={submit} className="stack">
        <label htmlFor="invite">{t('welcome.codeLabel')}</label>
        <input
          id="invite"
          data-testid="invite-code"
          autoComplete="off"
          autoCapitalize="characters"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          required
          minLength={4}
          maxLength={32}
        />
        <p className="hint">{t('welcome.demoHint', { code: DEMO_CODE })}</p>
        <ErrorBanner message={error} />
        <button type="submit" className="primary" disabled={busy} data-testid="check-in">
          {t('welcome.checkIn')}
        </button>
      </form>
    </section>
  );
}
