import { useEffect, useLayoutEffect, useState, type MouseEvent, type ReactNode } from 'react';
import type { Locale } from '../../preload/contract/common';
import { useI18n } from '../i18n';
import { isRepeatClick, REARM_MS } from './ActionButton';
import { HelpDialog, type HelpInfo } from './HelpDialog';
import { LiveAnnouncer } from './LiveAnnouncer';

export function Layout({
  children,
  onExit,
  help,
  onIncident,
  screenKey,
  onHelpChange,
}: {
  children: ReactNode;
  onExit?: () => void;
  help: HelpInfo;
  onIncident: (id: string) => void;
  /** Changes when the screen changes: focus moves to the new screen's heading. */
  screenKey: string;
  /** Told when Help opens and closes (the answer clock stops while it is open). */
  onHelpChange?: (open: boolean) => void;
}) {
  const { t, locale, setLocale } = useI18n();
  const [helpOpen, setHelpOpenState] = useState(false);
  const setHelpOpen = (open: boolean) => {
    setHelpOpenState(open);
    onHelpChange?.(open);
  };
  const other: Locale = locale === 'zh-CN' ? 'en' : 'zh-CN';

  // Every screen change arms the content for a moment: it takes no pointer input (CSS
  // `.arming`), so the second click of a double-click never lands on the next screen's button
  // ("开始面试" on the pre-check report and on the camera preview sat at the same place).
  // Repeat clicks (the second half of any double-click) never act on a button either.
  const [arming, setArming] = useState(true);
  useLayoutEffect(() => {
    setArming(true);
    const id = window.setTimeout(() => setArming(false), REARM_MS);
    return () => window.clearTimeout(id);
  }, [screenKey]);
  function guardClicks(e: MouseEvent<HTMLDivElement>) {
    const target = e.target instanceof Element ? e.target.closest('button, [role="button"], input[type="submit"]') : null;
    if (target && isRepeatClick(e)) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  useEffect(() => {
    const h = document.querySelector<HTMLElement>('main h1');
    if (h && !document.querySelector('dialog[open]')) {
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: true });
    }
  }, [screenKey]);

  return (
    <div className="shell" onClickCapture={guardClicks}>
      <a className="skip-link" href="#main">{t('app.skip')}</a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <span className="brand-name">{t('app.title')}</span>
          <span className="brand-sub">{t('app.subtitle')}</span>
        </div>
        <div className="topbar-actions">
          <button type="button" className="link" lang={other} onClick={() => setLocale(other)} data-testid="language-toggle" aria-label={t(`app.langName.${other}`)}>
            {t(`app.langName.${other}`)}
          </button>
          <button type="button" className="link" onClick={() => setHelpOpen(true)} data-testid="help-open" aria-haspopup="dialog">
            {t('app.help')}
          </button>
          {onExit && (
            <button type="button" className="link danger" onClick={onExit} data-testid="exit-open" aria-haspopup="dialog">
              {t('exit.button')}
            </button>
          )}
        </div>
      </header>
      <main className={`content${arming ? ' arming' : ''}`} id="main" data-arming={arming ? 'true' : undefined}>
        {children}
      </main>
      <LiveAnnouncer testId="live-announcer" />
      {helpOpen && <HelpDialog info={help} onClose={() => setHelpOpen(false)} onIncident={onIncident} />}
    </div>
  );
}

export function ErrorBanner({ message, code }: { message: string | null; code?: string | null }) {
  if (!message) return null;
  return (
    <p className="error" role="alert" data-testid="error" data-code={code ?? undefined}>
      {message}
    </p>
  );
}
