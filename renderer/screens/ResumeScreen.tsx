import { useState, type FormEvent } from 'react';
import type { CurrentView, ResumeOffer } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, formatDuration, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

export function ResumeScreen({ offer, onResumed }: { offer: ResumeOffer; onResumed: (v: CurrentView) => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [needsCode, setNeedsCode] = useState(offer.needsResumeCode);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const r = await kiosk().resume({ inviteCode: offer.inviteCode, resumeCode: needsCode ? code : undefined });
    if (r.ok) {
      onResumed(r.value);
      return;
    }
    if (r.error.code === 'RESUME_CODE_REQUIRED') setNeedsCode(true);
    setError(t(errorKey(r.error.code)));
  }

  return (
    <section className="card" aria-labelledby="resume-h" data-testid="resume-screen">
      <h1 id="resume-h">{t('resume.heading')}</h1>
      <p>{t('resume.where', { n: offer.questionIndex + 1, total: offer.questionCount, time: formatDuration(offer.answerRemainingMs) })}</p>
      <form onSubmit={submit} className="stack">
        {needsCode && (
          <>
            <p>{t('resume.codeNeeded')}</p>
            <label htmlFor="resume-code">{t('resume.codeLabel')}</label>
            <input id="resume-code" data-testid="resume-code" autoComplete="off" value={code} onChange={(e) => setCode(e.target.value)} maxLength={16} required />
          </>
        )}
        <ErrorBanner message={error} />
        <button type="submit" className="primary" data-testid="resume-continue">
          {t('resume.continue')}
        </button>
      </form>
    </section>
  );
}
