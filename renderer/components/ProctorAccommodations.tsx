import { useId, useState } from 'react';
import { MAX_ACCOMMODATION_REASON_CHARS, MAX_REST_BREAK_MINUTES, NO_ACCOMMODATIONS, type Accommodations } from '../../preload/contract/accommodations';
import type { SessionView } from '../../preload/contract/session';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { Dialog } from './Dialog';
import { ErrorBanner } from './Layout';

/** The multipliers a proctor can pick (the contract allows any hundredth from 1 to 3). */
export const PROCTOR_MULTIPLIERS = [1, 1.25, 1.5, 1.75, 2, 2.5, 3] as const;

/**
 * The proctor sets accommodations on the spot (issue #20): the settings, their name, a reason, and
 * the one-time code `npm run proctor -- accommodation-code` gives for exactly this session and these
 * settings. The kiosk checks the code, journals who changed what and why, and the candidate sees
 * the result in plain words (AccommodationsNotice). A wrong code changes nothing.
 */
export function ProctorAccommodations({ session, onChanged }: { session: SessionView; onChanged: (s: SessionView) => void }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const current = session.accommodations?.accommodations ?? NO_ACCOMMODATIONS;
  const [a, setA] = useState<Accommodations>(current);
  const [name, setName] = useState('');
  const [reason, setReason] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<{ message: string; code: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  function show() {
    setA(current);
    setCode('');
    setError(null);
    setOpen(true);
  }

  async function apply() {
    if (busy) return;
    if (name.trim().length < 1 || reason.trim().length < 3 || code.trim().length < 4) {
      setError({ message: t('accp.incomplete'), code: 'INVALID_INPUT' });
      return;
    }
    setBusy(true);
    const r = await kiosk().setAccommodations({ sessionId: session.sessionId, accommodations: a, proctorCode: code.trim(), proctorName: name.trim(), reason: reason.trim() });
    setBusy(false);
    if (r.ok) {
      setOpen(false);
      onChanged(r.value);
    } else {
      setError({ message: t(r.error.code === 'RESUME_CODE_INVALID' ? 'accp.codeInvalid' : errorKey(r.error.code)), code: r.error.code });
    }
  }

  return (
    <>
      <p className="proctor-link">
        <button type="button" className="link" onClick={show} data-testid="proctor-accommodations">
          {t('accp.open')}
        </button>
      </p>
      {open && (
        <Dialog labelledBy={`${id}-h`} describedBy={`${id}-body`} onClose={() => setOpen(false)} testId="proctor-accommodations-dialog">
          <h2 id={`${id}-h`} tabIndex={-1}>
            {t('accp.heading')}
          </h2>
          <p id={`${id}-body`}>{t('accp.body')}</p>
          <div className="field">
            <label htmlFor={`${id}-mult`}>{t('accp.time')}</label>
            <select id={`${id}-mult`} value={String(a.timeMultiplier)} onChange={(e) => setA({ ...a, timeMultiplier: Number(e.target.value) })} data-testid="accp-multiplier">
              {PROCTOR_MULTIPLIERS.map((m) => (
                <option key={m} value={String(m)}>
                  {t('accp.timeOption', { multiplier: m })}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-rest`}>{t('accp.rest')}</label>
            <input
              id={`${id}-rest`}
              type="number"
              inputMode="numeric"
              min={0}
              max={MAX_REST_BREAK_MINUTES}
              value={a.restBreakMinutes}
              onChange={(e) => setA({ ...a, restBreakMinutes: Math.max(0, Math.min(MAX_REST_BREAK_MINUTES, Math.trunc(Number(e.target.value) || 0))) })}
              data-testid="accp-rest"
            />
          </div>
          <fieldset className="field">
            <legend>{t('accp.other')}</legend>
            {(['textAnswers', 'largeText', 'highContrast'] as const).map((k) => (
              <label key={k} className="check">
                <input type="checkbox" checked={a[k]} onChange={(e) => setA({ ...a, [k]: e.target.checked })} data-testid={`accp-${k}`} />
                {t(`accp.${k}`)}
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor={`${id}-name`}>{t('accp.name')}</label>
            <input id={`${id}-name`} type="text" maxLength={64} autoComplete="off" value={name} onChange={(e) => setName(e.target.value)} data-testid="accp-name" data-autofocus />
          </div>
          <div className="field">
            <label htmlFor={`${id}-reason`}>{t('accp.reason')}</label>
            <textarea id={`${id}-reason`} rows={2} maxLength={MAX_ACCOMMODATION_REASON_CHARS} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="accp-reason" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-code`}>{t('accp.code')}</label>
            <input id={`${id}-code`} type="text" maxLength={32} autoComplete="off" spellCheck={false} value={code} onChange={(e) => setCode(e.target.value)} data-testid="accp-code" />
            <p className="hint">{t('accp.codeHint')}</p>
          </div>
          <ErrorBanner message={error?.message ?? null} code={error?.code ?? null} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              {t('accp.cancel')}
            </button>
            <button type="button" className="primary" onClick={() => void apply()} disabled={busy} data-testid="accp-apply">
              {t('accp.apply')}
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}
