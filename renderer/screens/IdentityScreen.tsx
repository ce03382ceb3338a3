/**
 * The optional identity check at check-in (issue #15), when the pack asks for it. A plain-language
 * notice (what is taken, why, who sees it, how long it is kept, that nothing compares faces
 * automatically), then a choice between a photo and an ID number, offered side by side with equal
 * weight; 'optional' also offers skipping. A photo is one still the candidate sees before sending
 * (retake allowed). A proctor confirms at the kiosk with their code. Nothing here analyses a face.
 */
import { useEffect, useRef, useState } from 'react';
import type { IdentityView } from '../../preload/contract/identity';
import type { SessionView } from '../../preload/contract/session';
import { checkIdNumber, normalizeIdNumber, type IdDocumentType } from '../../shared/identity/policy';
import { ActionButton } from '../components/ActionButton';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';

type Step = 'choose' | 'photo' | 'id_number';

const DOC_TYPES: readonly IdDocumentType[] = ['prc_resident_id', 'passport', 'other'];

export function IdentityScreen({ session, onCleared }: { session: SessionView; onCleared: (s: SessionView) => void }) {
  const { t } = useI18n();
  const [view, setView] = useState<IdentityView | null>(null);
  const [step, setStep] = useState<Step>('choose');
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void kiosk()
      .identityOpen({ sessionId: session.sessionId })
      .then((r) => (r.ok ? setView(r.value) : setError(t(errorKey(r.error.code)))));
  }, [session.sessionId]);

  useEffect(() => {
    if (view?.cleared) onCleared(session);
  }, [view?.cleared]);

  const done = (r: Awaited<ReturnType<ReturnType<typeof kiosk>['identityOpen']>>) => {
    if (r.ok) {
      setError(null);
      setView(r.value);
      setStep('choose');
    } else setError(t(errorKey(r.error.code)));
  };

  // A submission waits for the proctor's code; after too many wrong codes the candidate may submit again.
  const waiting = view !== null && view.phase === 'awaiting_proctor' && view.pending !== null && view.codeAttemptsLeft > 0;
  return (
    <section className="card wide" aria-labelledby="identity-h" data-testid="identity">
      <h1 id="identity-h">{t('identity.heading')}</h1>
      <p className="lead">{t(view?.mode === 'optional' ? 'identity.intro.optional' : 'identity.intro.required')}</p>
      <div className="consent-grid" data-testid="identity-notice">
        <section className="consent-item" aria-labelledby="identity-what">
          <h2 id="identity-what">{t('identity.what.title')}</h2>
          <p>{t('identity.what.body')}</p>
        </section>
        <section className="consent-item" aria-labelledby="identity-why">
          <h2 id="identity-why">{t('identity.why.title')}</h2>
          <p>{t('identity.why.body')}</p>
        </section>
        <section className="consent-item" aria-labelledby="identity-who">
          <h2 id="identity-who">{t('identity.who.title')}</h2>
          <p>{t('identity.who.body')}</p>
        </section>
        <section className="consent-item" aria-labelledby="identity-keep">
          <h2 id="identity-keep">{t('identity.keep.title')}</h2>
          <p>{t('identity.keep.body', { days: view?.retentionDays ?? 0 })}</p>
        </section>
        <section className="consent-item emphasis" aria-labelledby="identity-nomatch">
          <h2 id="identity-nomatch">{t('identity.noMatch.title')}</h2>
          <p>{t('identity.noMatch.body')}</p>
        </section>
      </div>
      <ErrorBanner message={error} />
      {view && waiting && <ProctorStep view={view} onDone={done} />}
      {view && !waiting && view.phase !== 'confirmed' && step === 'choose' && (
        <Choice view={view} onChoose={setStep} onDeclined={done} />
      )}
      {view && step === 'photo' && !waiting && <PhotoStep sessionId={session.sessionId} onCancel={() => setStep('choose')} onDone={done} />}
      {view && step === 'id_number' && !waiting && <IdNumberStep sessionId={session.sessionId} onCancel={() => setStep('choose')} onDone={done} />}
    </section>
  );
}

function Choice({ view, onChoose, onDeclined }: { view: IdentityView; onChoose: (s: Step) => void; onDeclined: (r: Awaited<ReturnType<ReturnType<typeof kiosk>['identityDecline']>>) => void }) {
  const { t } = useI18n();
  return (
    <div className="stack" data-testid="identity-choice">
      {view.phase === 'declined' && view.mode === 'required' && (
        <p className="hint" role="status" data-testid="identity-declined-required">
          {t('identity.declinedRequired')}
        </p>
      )}
      <h2>{t('identity.choose')}</h2>
      {/* Both ways are offered side by side, the same size and style: neither is the default. */}
      <div className="actions identity-choices">
        <button type="button" className="primary" onClick={() => onChoose('photo')} disabled={view.submissionsLeft === 0} data-testid="identity-choose-photo">
          {t('identity.choosePhoto')}
        </button>
        <button type="button" className="primary" onClick={() => onChoose('id_number')} disabled={view.submissionsLeft === 0} data-testid="identity-choose-id">
          {t('identity.chooseId')}
        </button>
      </div>
      <div className="actions">
        <ActionButton className="secondary" onAction={async () => onDeclined(await kiosk().identityDecline({ sessionId: view.sessionId }))} data-testid="identity-decline">
          {t(view.mode === 'optional' ? 'identity.skip' : 'identity.neither')}
        </ActionButton>
      </div>
    </div>
  );
}

function PhotoStep({ sessionId, onCancel, onDone }: { sessionId: string; onCancel: () => void; onDone: (r: Awaited<ReturnType<ReturnType<typeof kiosk>['identityPhoto']>>) => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [still, setStill] = useState<{ bytes: Uint8Array; url: string } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    let s: MediaStream | null = null;
    void navigator.mediaDevices
      ?.getUserMedia({ video: { width: 640, height: 480 }, audio: false })
      .then((m) => {
        if (!live) return m.getTracks().forEach((tr) => tr.stop());
        s = m;
        setStream(m);
      })
      .catch(() => setProblem(t('identity.photo.noCamera')));
    return () => {
      live = false;
      s?.getTracks().forEach((tr) => tr.stop());
    };
  }, []);
  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
  }, [stream, still]);
  useEffect(() => () => {
    if (still) URL.revokeObjectURL(still.url);
  }, [still]);

  async function take() {
    const v = video.current;
    if (!v || v.videoWidth === 0) return setProblem(t('identity.photo.noCamera'));
    const canvas = document.createElement('canvas');
    canvas.width = v.videoWidth;
    canvas.height = v.videoHeight;
    canvas.getContext('2d')?.drawImage(v, 0, 0);
    const blob = await new Promise<Blob | null>((res) => canvas.toBlob(res, 'image/jpeg', 0.85));
    if (!blob) return setProblem(t('identity.photo.noCamera'));
    setStill({ bytes: new Uint8Array(await blob.arrayBuffer()), url: URL.createObjectURL(blob) });
  }

  return (
    <div className="stack" data-testid="identity-photo-step">
      <h2>{t('identity.photo.heading')}</h2>
      <p className="hint">{t('identity.photo.hint')}</p>
      {problem && <p className="error" role="alert">{problem}</p>}
      {still ? (
        <img className="preview" src={still.url} alt={t('identity.photo.previewAlt')} data-testid="identity-photo-preview" />
      ) : (
        <video ref={video} className="preview" autoPlay muted playsInline aria-label={t('identity.photo.live')} data-testid="identity-camera" />
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel} data-testid="identity-back">
          {t('identity.back')}
        </button>
        {still ? (
          <>
            <button type="button" className="secondary" onClick={() => setStill(null)} data-testid="identity-retake">
              {t('identity.photo.retake')}
            </button>
            <ActionButton className="primary" onAction={async () => onDone(await kiosk().identityPhoto({ sessionId, mimeType: 'image/jpeg', data: still.bytes }))} data-testid="identity-use-photo">
              {t('identity.photo.use')}
            </ActionButton>
          </>
        ) : (
          <ActionButton className="primary" onAction={take} disabled={!stream} data-testid="identity-take-photo">
            {t('identity.photo.take')}
          </ActionButton>
        )}
      </div>
    </div>
  );
}

function IdNumberStep({ sessionId, onCancel, onDone }: { sessionId: string; onCancel: () => void; onDone: (r: Awaited<ReturnType<ReturnType<typeof kiosk>['identityIdNumber']>>) => void }) {
  const { t } = useI18n();
  const [docType, setDocType] = useState<IdDocumentType>('prc_resident_id');
  const [number, setNumber] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  async function submit() {
    const n = normalizeIdNumber(number);
    const c = checkIdNumber(docType, n);
    if (!c.ok) return setProblem(t(`identity.id.problem.${c.problem}`));
    setProblem(null);
    onDone(await kiosk().identityIdNumber({ sessionId, docType, number: n }));
  }

  return (
    <div className="stack" data-testid="identity-id-step">
      <h2>{t('identity.id.heading')}</h2>
      <div className="field">
        <label htmlFor="identity-doc-type">{t('identity.id.docType')}</label>
        <select id="identity-doc-type" value={docType} onChange={(e) => setDocType(e.target.value as IdDocumentType)} data-testid="identity-doc-type">
          {DOC_TYPES.map((d) => (
            <option key={d} value={d}>
              {t(`identity.id.doc.${d}`)}
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="identity-id-number">{t('identity.id.number')}</label>
        <input
          id="identity-id-number"
          value={number}
          maxLength={40}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={problem !== null}
          aria-describedby={problem ? 'identity-id-problem' : undefined}
          onChange={(e) => setNumber(e.target.value)}
          data-testid="identity-id-number"
        />
        {problem && (
          <p id="identity-id-problem" className="error" role="alert" data-testid="identity-id-problem">
            {problem}
          </p>
        )}
      </div>
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel} data-testid="identity-back">
          {t('identity.back')}
        </button>
        <ActionButton className="primary" onAction={submit} disabled={number.trim() === ''} data-testid="identity-id-submit">
          {t('identity.id.submit')}
        </ActionButton>
      </div>
    </div>
  );
}

function ProctorStep({ view, onDone }: { view: IdentityView; onDone: (r: Awaited<ReturnType<ReturnType<typeof kiosk>['identityProctor']>>) => void }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const send = async (decision: 'confirm' | 'reject') => onDone(await kiosk().identityProctor({ sessionId: view.sessionId, code, decision }));
  const pending = view.pending!;
  return (
    <div className="stack" data-testid="identity-proctor">
      <h2 role="status">{t('identity.proctor.heading')}</h2>
      <p>{t(pending.method === 'photo' ? 'identity.proctor.photo' : 'identity.proctor.id', { masked: pending.masked ?? '' })}</p>
      <div className="field">
        <label htmlFor="identity-proctor-code">{t('identity.proctor.code')}</label>
        <input id="identity-proctor-code" value={code} autoComplete="off" spellCheck={false} maxLength={200} onChange={(e) => setCode(e.target.value)} data-testid="identity-proctor-code" />
        <p className="hint">{t('identity.proctor.attempts', { n: view.codeAttemptsLeft })}</p>
      </div>
      <div className="actions">
        <ActionButton className="secondary" onAction={() => send('reject')} disabled={code.trim().length < 4} data-testid="identity-proctor-reject">
          {t('identity.proctor.reject')}
        </ActionButton>
        <ActionButton className="primary" onAction={() => send('confirm')} disabled={code.trim().length < 4} data-testid="identity-proctor-confirm">
          {t('identity.proctor.confirm')}
        </ActionButton>
      </div>
    </div>
  );
}
