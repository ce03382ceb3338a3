import { useCallback, useEffect, useMemo, useState } from 'react';
import { landingScreen, screensFor, type Screen } from '../logic/nav';
import { api, ApiError, getToken, setToken } from './api';
import { translate, type Lang, type MessageKey, type T } from './i18n';
import { Login } from './screens/Login';
import { Board } from './screens/Board';
import { Review } from './screens/Review';
import { Analytics } from './screens/Analytics';
import { Journal } from './screens/Journal';

interface Me {
  readonly role: string;
  readonly user: string;
}

function initialLang(): Lang {
  return localStorage.getItem('console.lang') === 'en' ? 'en' : 'zh-CN';
}

function hashScreen(): string | null {
  const m = /^#\/([a-z]+)/.exec(location.hash);
  return m ? m[1]! : null;
}

export function App() {
  const [lang, setLang] = useState<Lang>(initialLang);
  const [me, setMe] = useState<Me | null>(null);
  const [checking, setChecking] = useState(getToken() !== null);
  const [requested, setRequested] = useState<string | null>(hashScreen);
  const t: T = useCallback((key: MessageKey, params?: Record<string, string | number>) => translate(lang, key, params), [lang]);

  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = `${translate(lang, 'app.title')}`;
    localStorage.setItem('console.lang', lang);
  }, [lang]);
  useEffect(() => {
    const on = () => setRequested(hashScreen());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  useEffect(() => {
    if (!getToken()) return;
    api<Me>('GET', '/v1/console/me')
      .then(setMe)
      .catch(() => setToken(null))
      .finally(() => setChecking(false));
  }, []);

  const screen = useMemo(() => (me ? landingScreen(me.role, requested) : null), [me, requested]);
  const signOut = async () => {
    await api('POST', '/v1/auth/logout', {}).catch(() => undefined);
    setToken(null);
    setMe(null);
  };
  const onApiError = useCallback((e: unknown) => {
    if (e instanceof ApiError && e.status === 401) {
      setToken(null);
      setMe(null);
    }
  }, []);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('app.skip')}
      </a>
      <header className="topbar">
        <div className="brand">
          <div className="brand-mark" aria-hidden="true" />
          <span className="brand-name">{t('app.title')}</span>
          <span className="brand-sub">{me ? `${me.user} · ${t(`role.${me.role}` as MessageKey)}` : t('app.sub')}</span>
        </div>
        <div className="topbar-actions">
          <button type="button" className="btn ghost" data-testid="language-toggle" lang={lang === 'zh-CN' ? 'en' : 'zh-CN'} onClick={() => setLang(lang === 'zh-CN' ? 'en' : 'zh-CN')}>
            {t('app.switchTo')}
          </button>
          {me && (
            <button type="button" className="btn ghost" data-testid="sign-out" onClick={() => void signOut()}>
              {t('app.signOut')}
            </button>
          )}
        </div>
      </header>
      {me && screen && (
        <nav className="tabs" aria-label={t('nav.label')}>
          {screensFor(me.role).map((s) => (
            <a key={s} href={`#/${s}`} className={s === screen ? 'tab active' : 'tab'} aria-current={s === screen ? 'page' : undefined} data-testid={`nav-${s}`}>
              {t(`nav.${s}` as MessageKey)}
            </a>
          ))}
        </nav>
      )}
      <main id="main" className="content" tabIndex={-1}>
        {checking ? (
          <p>{t('app.loading')}</p>
        ) : !me ? (
          <Login t={t} onSignedIn={(m) => { setMe(m); location.hash = `#/${landingScreen(m.role, requested) ?? ''}`; }} />
        ) : !screen ? (
          <p role="alert">{t('app.forbidden')}</p>
        ) : (
          <ScreenView screen={screen} t={t} lang={lang} role={me.role} onApiError={onApiError} />
        )}
      </main>
    </div>
  );
}

function ScreenView(p: { screen: Screen; t: T; lang: Lang; role: string; onApiError: (e: unknown) => void }) {
  switch (p.screen) {
    case 'board':
      return <Board t={p.t} lang={p.lang} onApiError={p.onApiError} />;
    case 'review':
      return <Review t={p.t} lang={p.lang} onApiError={p.onApiError} />;
    case 'analytics':
      return <Analytics t={p.t} lang={p.lang} onApiError={p.onApiError} />;
    case 'journal':
      return <Journal t={p.t} lang={p.lang} onApiError={p.onApiError} />;
  }
}
