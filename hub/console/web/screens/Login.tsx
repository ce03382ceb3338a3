import { useState, type FormEvent } from 'react';
import { api, ApiError, setToken } from '../api';
import type { T } from '../i18n';

export function Login(p: { t: T; onSignedIn: (me: { role: string; user: string }) => void }) {
  const { t } = p;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ token: string; role: string }>('POST', '/v1/auth/login', { username, password });
      setToken(r.token);
      p.onSignedIn(await api<{ role: string; user: string }>('GET', '/v1/console/me'));
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'LOGIN_FAILED' ? t('login.failed') : t('app.error', { code: err instanceof ApiError ? err.code : 'NETWORK' }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card narrow" aria-labelledby="login-h">
      <h1 id="login-h">{t('login.heading')}</h1>
      <p className="muted">{t('login.intro')}</p>
      <form onSubmit={(e) => void submit(e)} data-testid="login-form">
        <label className="field">
          <span>{t('login.username')}</span>
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required maxLength={100} data-testid="login-username" />
        </label>
        <label className="field">
          <span>{t('login.password')}</span>
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required maxLength={500} data-testid="login-password" />
        </label>
        {error && (
          <p className="error" role="alert" data-testid="login-error">
            {error}
          </p>
        )}
        <button className="btn primary" type="submit" disabled={busy} data-testid="login-submit">
          {t('login.submit')}
        </button>
      </form>
    </section>
  );
}
