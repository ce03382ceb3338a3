import { useEffect, useRef, useState } from 'react';
import { ActionButton } from '../components/ActionButton';
import type { DeviceState } from '../../preload/contract/common';
import type { SessionView } from '../../preload/contract/session';
import { AccommodationsNotice } from '../components/AccommodationsNotice';
import { ProctorAccommodations } from '../components/ProctorAccommodations';
import { announce } from '../a11y/live';
import { ErrorBanner } from '../components/Layout';
import { LevelMeter } from '../components/LevelMeter';
import { Steps } from '../components/Steps';
import { noteDevices } from '../diagnostics';
import { useCountdown } from '../hooks/useCountdown';
import { errorKey, formatDuration, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { acquireStream } from '../media';
import { pickMimeType } from '../recording/recorder';

const PRACTICE_MS = 30_000;

/** An unscored practice answer, recorded in memory and played back here; never sent anywhere. */
function Practice({ stream }: { stream: MediaStream | null }) {
  const { t } = useI18n();
  const [state, setState] = useState<'idle' | 'recording' | 'done'>('idle');
  const [url, setUrl] = useState<string | null>(null);
  const rec = useRef<MediaRecorder | null>(null);
  const left = useCountdown(PRACTICE_MS, state === 'recording', state);

  useEffect(() => () => {
    if (url) URL.revokeObjectURL(url);
  }, [url]);
  useEffect(() => () => rec.current?.stop(), []);
  useEffect(() => {
    if (state === 'recording' && left <= 0) rec.current?.stop();
  }, [left, state]);

  function start() {
    if (!stream) return;
    const parts: Blob[] = [];
    const r = new MediaRecorder(stream, { mimeType: pickMimeType(true), videoBitsPerSecond: 600_000 });
    r.ondataavailable = (e) => {
      if (e.data.size > 0) parts.push(e.data);
    };
    r.onstop = () => {
      setUrl((old) => {
        if (old) URL.revokeObjectURL(old);
        return URL.createObjectURL(new Blob(parts, { type: r.mimeType }));
      });
      setState('done');
    };
    r.start(1000);
    rec.current = r;
    setState('recording');
  }

  return (
    <section className="panel practice" aria-labelledby="practice-h" data-testid="practice">
      <h2 id="practice-h">{t('practice.title')}</h2>
      <p className="practice-prompt">{t('practice.prompt')}</p>
      <p className="hint">{t('practice.hint')}</p>
      {state === 'recording' && (
        <p className="recording-state" role="status">
          <span className="rec-dot" aria-hidden="true" />
          {t('practice.recording', { time: formatDuration(left) })}
        </p>
      )}
      {state === 'done' && url && <video className="playback" src={url} controls aria-label={t('practice.playback')} data-testid="practice-playback" />}
      <div className="row">
        {state === 'recording' ? (
          <button type="button" className="secondary" onClick={() => rec.current?.stop()} data-testid="practice-stop">
            {t('practice.stop')}
          </button>
        ) : (
          <button type="button" className="secondary" onClick={start} disabled={!stream} data-testid="practice-start">
            {state === 'done' ? t('practice.again') : t('practice.start')}
          </button>
        )}
      </div>
    </section>
  );
}

export function DeviceScreen({ session, onReady, onSessionChanged }: { session: SessionView; onReady: (s: SessionView) => void; onSessionChanged?: (s: SessionView) => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [camera, setCamera] = useState<DeviceState>('unknown');
  const [microphone, setMicrophone] = useState<DeviceState>('unknown');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function check() {
    setCamera('unknown');
    setMicrophone('unknown');
    const r = await acquireStream();
    setCamera(r.camera);
    setMicrophone(r.microphone);
    setStream(r.stream);
    // The device states are announced, not only shown.
    announce(`${t('live.cameraState', { state: t(`devices.state.${r.camera}`) })} · ${t('live.microphoneState', { state: t(`devices.state.${r.microphone}`) })}`);
    noteDevices(r.camera, r.microphone);
    void kiosk().reportDevices({
      sessionId: session.sessionId,
      camera: r.camera,
      microphone: r.microphone,
      online: navigator.onLine,
      displays: [{ width: window.screen.width, height: window.screen.height }],
    });
  }

  useEffect(() => {
    void check();
  }, []);
  useEffect(() => {
    if (video.current) video.current.srcObject = stream;
  }, [stream]);

  async function proceed() {
    if (busy) return;
    setBusy(true);
    const r = await kiosk().reportPrecheck({ sessionId: session.sessionId, camera, microphone });
    setBusy(false);
    if (r.ok) onReady(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  const blocked = camera !== 'unknown' && (camera !== 'ok' || microphone !== 'ok');
  return (
    <section className="card wide" aria-labelledby="devices-h" data-testid="devices">
      <Steps current={2} />
      <h1 id="devices-h">{t('devices.heading')}</h1>
      <p className="lead">{t('devices.intro')}</p>
      <AccommodationsNotice view={session.accommodations} />
      {onSessionChanged && <ProctorAccommodations session={session} onChanged={onSessionChanged} />}
      <div className="device-grid">
        <div className="stack">
          <video ref={video} className="preview" autoPlay muted playsInline aria-label={t('devices.preview')} data-testid="preview" />
          <div className="field">
            <span className="label" id="level-label">{t('devices.level')}</span>
            <LevelMeter stream={stream} label={t('devices.level')} />
            <p className="hint">{t('devices.levelHint')}</p>
          </div>
          <dl className="device-list" aria-label={t('devices.statusLabel')}>
            <dt>{t('devices.camera')}</dt>
            <dd data-testid="camera-state" data-state={camera} className={`state-${camera}`}>{t(`devices.state.${camera}`)}</dd>
            <dt>{t('devices.microphone')}</dt>
            <dd data-testid="mic-state" data-state={microphone} className={`state-${microphone}`}>{t(`devices.state.${microphone}`)}</dd>
          </dl>
        </div>
        <div className="stack">
          <section className="panel" aria-labelledby="tips-h">
            <h2 id="tips-h">{t('devices.tips.title')}</h2>
            <ul className="tips">
              <li>{t('devices.tips.light')}</li>
              <li>{t('devices.tips.quiet')}</li>
              <li>{t('devices.tips.time')}</li>
            </ul>
          </section>
          <Practice stream={stream} />
        </div>
      </div>
      {blocked && <p className="error" role="alert">{t('devices.blocked')}</p>}
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void check()} data-testid="devices-retry">
          {t('devices.retry')}
        </button>
        <ActionButton className="primary" onAction={proceed} disabled={camera === 'unknown' || busy} data-testid="devices-continue">
          {t('devices.continue')}
        </ActionButton>
      </div>
    </section>
  );
}
