import { useEffect, useRef, useState } from 'react';
import type { DeviceState } from '../../preload/contract/common';
import type { SessionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { acquireStream } from '../media';

export function DeviceScreen({ session, onReady }: { session: SessionView; onReady: (s: SessionView) => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [camera, setCamera] = useState<DeviceState>('unknown');
  const [microphone, setMicrophone] = useState<DeviceState>('unknown');
  const [error, setError] = useState<string | null>(null);

  async function check() {
    setCamera('unknown');
    setMicrophone('unknown');
    const r = await acquireStream();
    setCamera(r.camera);
    setMicrophone(r.microphone);
    if (video.current && r.stream) video.current.srcObject = r.stream;
    void kiosk().reportDevices({ sessionId: session.sessionId, camera: r.camera, microphone: r.microphone, online: navigator.onLine, displays: [{ width: screen.width, height: screen.height }] });
  }

  useEffect(() => {
    void check();
  }, []);

  async function proceed() {
    const r = await kiosk().reportPrecheck({ sessionId: session.sessionId, camera, microphone });
    if (r.ok) onReady(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  return (
    <section className="card" aria-labelledby="devices-h">
      <h1 id="devices-h">{t('devices.heading')}</h1>
      <p>{t('devices.intro')}</p>
      <video ref={video} className="preview" autoPlay muted playsInline aria-hidden="true" />
      <dl className="device-list">
        <dt>{t('devices.camera')}</dt>
        <dd data-testid="camera-state" data-state={camera}>{t(`devices.state.${camera}`)}</dd>
        <dt>{t('devices.microphone')}</dt>
        <dd data-testid="mic-state" data-state={microphone}>{t(`devices.state.${microphone}`)}</dd>
      </dl>
      <ErrorBanner message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void check()}>
          {t('devices.retry')}
        </button>
        <button type="button" className="primary" onClick={() => void proceed()} disabled={camera === 'unknown'} data-testid="devices-continue">
          {t('devices.continue')}
        </button>
      </div>
    </section>
  );
}
