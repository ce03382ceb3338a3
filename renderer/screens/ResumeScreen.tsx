import { useEffect, useState, type FormEvent } from 'react';
import type { CurrentView, ResumeOffer } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, formatDuration, formatTime, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

export function ResumeScreen({ offer, onResumed, onOther }: { offer: ResumeOffer; onResumed: (v: CurrentView) => void; onOther?: () => void }) {
  const { t, locale, setLocale } = useI18n();
  // Welcome back in the session's own language (after a restart the kiosk starts in Chinese).
  useEffect(() => {
    if (offer.locale) setLocale(offer.locale);
  }, [offer.sessionId]);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [needsCode, setNeedsCode] = useState(offer.needsResumeCode);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const r = await kiosk().resume({ inviteCode: offer.inviteCode, resumeCode: needsCode && code.trim() ? code : undefined });
    setBusy(false);
    if (r.ok) {
      onResumed(r.value);
      return;
    }
    if (r.error.code === 'RESUME_CODE_REQUIRED') setNeedsCode(true);
    setError(t(errorKey(r.error.code)));
  }

  const { terms } = offer;
  return (
    <section className="card calm" aria-labelledby="resume-h" data-testid="resume-screen" data-needs-code={needsCode ? 'true' : 'false'}>
      <h1 id="resume-h">{t('resume.heading')}</h1>
      <p className="lead">{t(`resume.interruption.${offer.interruption}`)}</p>
      <dl className="facts large">
        <dt>{t('resume.questionLabel')}</dt>
        <dd data-testid="resume-where">{t('resume.questionValue', { n: offer.questionIndex + 1, total: offer.questionCount })}</dd>
        <dt>{t('resume.timeLabel')}</dt>
        <dd className="mono" data-testid="resume-time" data-remaining-ms={offer.answerRemainingMs}>
          {formatDuration(offer.answerRemainingMs)}
        </dd>
        {terms.returnUntil !== null && (
          <>
            <dt>{t('resume.deadlineLabel')}</dt>
            <dd>{formatTime(terms.returnUntil, locale)}</dd>
          </>
        )}
      </dl>
      {!needsCode && terms.aloneUntil !== null && <p className="hint">{t('resume.aloneUntil', { alone: formatTime(terms.aloneUntil, locale) })}</p>}
      <form onSubmit={submit} className="stack">
        {needsCode && (
          <div className="field">
            <p>{t('resume.codeNeeded')}</p>
            <label htmlFor="resume-code">{t('resume.codeLabel')}</label>
            <input
              id="resume-code"
              className="code-input"
              data-testid="resume-code"
              autoComplete="off"
              spellCheck={false}
              autoCapitalize="characters"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              maxLength={200}
              required
              aria-describedby="resume-code-hint"
            />
            <p className="hint" id="resume-code-hint">{t('resume.codeHint')}</p>
          </div>
        )}
        <ErrorBanner message={error} />
        <div className="actions">
          {onOther && (
            <button type="button" className="link" onClick={onOther} data-testid="resume-other">
              {t('resume.other')}
            </button>
          )}
          <button type="submit" className="primary" disabled={busy} data-testid="resume-continue">
            {busy ? t('resume.working') : t('resume.continue')}
          </button>
        </div>
      </form>
    </section>
  );
}
