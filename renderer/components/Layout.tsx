import type { ReactNode } from 'react';
import type { Locale } from '../../preload/contract/common';
import { useI18n } from '../i18n';

export function Layout({ children, onExit }: { children: ReactNode; onExit?: () => void }) {
  const { t, locale, setLocale } = useI18n();
  const other: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">{t('app.title')}</span>
        <nav className="topbar-actions" aria-label={t('app.language')}>
          <button type="button" className="link" lang={other} onClick={() => setLocale(other)}>
            {t(`app.langName.${other}`)}
          </button>
          {onExit && (
            <button type="button" className="link danger" onClick={onExit} data-testid="exit-open">
              {t('exit.button')}
            </button>
          )}
        </nav>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

export function ErrorBanner({ message }: { message: string | null }) {
  if (!message) return null;
  return (
    <p className="error" role="alert" data-testid="error">
      {message}
    </p>
  );
}
