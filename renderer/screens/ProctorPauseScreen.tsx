import { useState, type FormEvent } from 'react';
import type { QuestionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { formatDuration, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

/**
 * A proctor alert paused the interview: a calm "please wait" with the time left (standing still)
 * and a field for the proctor's code. Nothing records while this is shown; the proctor's code
 * hands back the question, which continues where it stood.
 */
export function ProctorPauseScreen({ question, onLifted }: { question: QuestionView; onLifted: (q: QuestionView) => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const left = question.phase === 'answering' ? question.answerRemainingMs : question.prepRemainingMs;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (busy || !code.trim()) return;
    setBusy(true);
    setError(null);
    const r = await kiosk().liftProctorPause({ sessionId: question.sessionId, code: code.trim() });
    setBusy(false);
    if (r.ok) {
      onLifted(r.value);
      return;
    }
    setCode('');
    setError(t(r.error.code === 'RESUME_CODE_LOCKED' ? 'proctorPause.locked' : 'proctorPause.codeInvalid'));
  }

  return (
    <section className="card calm" aria-labelledby="proctor-pause-h" data-testid="proctor-pause" role="alertdialog" aria-describedby="proctor-pause-body">
      <h1 id="proctor-pause-h">{t('proctorPause.title')}</h1>
      <p className="lead" id="proctor-pause-body">
        {t('proctorPause.body')}
      </p>
      <p className="mono" data-testid="proctor-pause-time" data-remaining-ms={left}>
        {formatDuration(left)}
      </p>
      <form onSubmit={submit} className="stack">
        <div className="field">
          <label htmlFor="proctor-code">{t('proctorPause.codeLabel')}</label>
          <input
            id="proctor-code"
            className="code-input"
            data-testid="proctor-code"
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="characters"
            value={code}
            onChange={(e) => setCode(e.target.value)}
            maxLength={16}
          />
        </div>
        <ErrorBanner message={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy} data-testid="proctor-continue">
            {t('proctorPause.continue')}
          </button>
        </div>
      </form>
    </section>
  );
}
