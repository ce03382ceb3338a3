import { useState } from 'react';
import type { MessageKey } from '../i18n/en';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { rendererDiagnostics } from '../diagnostics';
import { Dialog } from './Dialog';
import { DialogClockNote } from './DialogClockNote';

export interface HelpInfo {
  /** A short machine name of the screen (also sent with a raised hand). */
  screen: string;
  screenLabel: MessageKey;
  sessionId?: string;
  inviteCode?: string;
  question?: { n: number; total: number };
  incidentId?: string | null;
}

export function HelpDialog({ info, onClose, onIncident }: { info: HelpInfo; onClose: () => void; onIncident: (id: string) => void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<null | 'hand' | 'diag'>(null);
  const [handDone, setHandDone] = useState<string | null>(null);
  const [diagDone, setDiagDone] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [diagId, setDiagId] = useState<string | null>(null);
  // One help visit, one number: a raised hand and a diagnostic bundle share the incident the candidate holds.
  const held = (): string | undefined => handDone ?? diagId ?? info.incidentId ?? undefined;

  async function raiseHand() {
    setBusy('hand');
    setError(null);
    const r = await kiosk().raiseHand({ sessionId: info.sessionId, screen: info.screen, incidentId: held() });
    setBusy(null);
    if (r.ok) {
      setHandDone(r.value.incidentId);
      onIncident(r.value.incidentId);
    } else setError(t(errorKey(r.error.code)));
  }

  async function saveDiagnostics() {
    setBusy('diag');
    setError(null);
    const r = await kiosk().saveDiagnostics({ sessionId: info.sessionId, screen: info.screen, renderer: rendererDiagnostics(), incidentId: held() });
    setBusy(null);
    if (r.ok) {
      setDiagDone(r.value.fileName);
      setDiagId(r.value.incidentId);
      onIncident(r.value.incidentId);
    } else setError(t(errorKey(r.error.code)));
  }

  return (
    <Dialog labelledBy="help-h" describedBy="help-intro" onClose={onClose} testId="help-dialog">
      <h2 id="help-h" tabIndex={-1}>{t('help.title')}</h2>
      <p id="help-intro">{t('help.intro')}</p>
      {info.question && <DialogClockNote testId="help-clock-paused" />}
      <section className="panel" aria-labelledby="help-tell">
        <h3 id="help-tell">{t('help.tellStaff')}</h3>
        <dl className="facts">
          <dt>{t('help.screen')}</dt>
          <dd>{t(info.screenLabel)}</dd>
          {info.inviteCode && (
            <>
              <dt>{t('help.invite')}</dt>
              <dd className="mono">{info.inviteCode}</dd>
            </>
          )}
          {info.question && (
            <>
              <dt>{t('help.question')}</dt>
              <dd>{t('resume.questionValue', { n: info.question.n, total: info.question.total })}</dd>
            </>
          )}
          <dt>{t('help.incident')}</dt>
          <dd className="mono" data-testid="help-incident">{info.incidentId ?? t('help.noIncident')}</dd>
        </dl>
      </section>
      <div className="help-actions">
        <div>
          <button type="button" className="primary" onClick={() => void raiseHand()} disabled={busy !== null} data-testid="raise-hand" data-autofocus>
            {busy === 'hand' ? t('help.working') : t('help.raiseHand')}
          </button>
          <p className="hint">{t('help.raiseHandHint')}</p>
          {handDone && (
            <p className="success" role="status" data-testid="raise-hand-done">
              {t('help.raiseHandDone', { id: handDone })}
            </p>
          )}
        </div>
        <div>
          <button type="button" className="secondary" onClick={() => void saveDiagnostics()} disabled={busy !== null} data-testid="save-diagnostics">
            {busy === 'diag' ? t('help.working') : t('help.diagnostics')}
          </button>
          <p className="hint">{t('help.diagnosticsHint')}</p>
          {diagDone && (
            <p className="success" role="status" data-testid="diagnostics-done">
              {t('help.diagnosticsDone', { file: diagDone })}
            </p>
          )}
        </div>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      <div className="actions">
        <button type="button" className="secondary" onClick={onClose} data-testid="help-close">
          {t('help.close')}
        </button>
      </div>
    </Dialog>
  );
}
