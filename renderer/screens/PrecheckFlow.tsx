import { useEffect, useRef, useState } from 'react';
import { ActionButton } from '../components/ActionButton';
import {
  checkIds,
  type CameraMeasurement,
  type CheckId,
  type CheckStatus,
  type MeasureDurations,
  type MicrophoneMeasurement,
  type PrecheckMode,
  type PrecheckReportView,
  type PrecheckRunView,
  type SpeakerMeasurement,
} from '../../preload/contract/precheck';
import { ErrorBanner } from '../components/Layout';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { CAMERA_TEST_MS, measureCamera } from '../precheck/camera-test';
import { openDevices, type OpenedDevices } from '../precheck/devices';
import { checkTitle } from '../precheck/format';
import { LevelProbe, MIN_DB, noiseFloorOf, QUIET_MS, SPEAK_MS, speechLevelOf } from '../precheck/microphone-test';
import { rememberNoiseFloor } from '../audio/noise-floor';
import { prewarmVad } from '../audio/speech-monitor';
import { playTone, TONE_MS } from '../precheck/speaker-test';

/** The product's measuring times; main sends shorter ones only from the development web shell. */
const DEFAULT_MEASURE_MS: MeasureDurations = { cameraMs: CAMERA_TEST_MS, quietMs: QUIET_MS, speakMs: SPEAK_MS, toneMs: TONE_MS };

const STEPS = ['auto', 'camera', 'microphone', 'speakers'] as const;
type Step = (typeof STEPS)[number] | 'finishing';

interface Props {
  readonly mode: PrecheckMode;
  readonly sessionId?: string;
  readonly onReport: (r: PrecheckReportView) => void;
}

type Row = { id: CheckId; state: 'running' | CheckStatus };

/** The pre-check as the candidate goes through it: automatic checks, then camera, microphone, speakers. */
export function PrecheckFlow({ mode, sessionId, onReport }: Props) {
  const { t } = useI18n();
  const [runId] = useState(() => crypto.randomUUID());
  const [step, setStep] = useState<Step>('auto');
  const [rows, setRows] = useState<Row[]>([]);
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [run, setRun] = useState<PrecheckRunView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const devices = useRef<Promise<OpenedDevices> | null>(null);
  const measured = useRef<{ camera: CameraMeasurement | null; microphone: MicrophoneMeasurement | null; speakers: SpeakerMeasurement | null }>({
    camera: null,
    microphone: null,
    speakers: null,
  });

  // Step 1: the machine and network checks in main, shown as they report; the devices open meanwhile.
  useEffect(() => {
    let live = true;
    devices.current = openDevices();
    const off = kiosk().on('precheckProgress', (e) => {
      if (e.runId !== runId || !live) return;
      setProgress({ done: e.done, total: e.total });
      setRows((cur) => {
        const state: Row['state'] = e.phase === 'running' ? 'running' : (e.status ?? 'warn');
        const i = cur.findIndex((r) => r.id === e.checkId);
        if (i < 0) return [...cur, { id: e.checkId, state }];
        const next = [...cur];
        next[i] = { id: e.checkId, state: e.phase === 'running' ? next[i]!.state : state };
        return next;
      });
    });
    void (async () => {
      const displays = [{ width: Math.round(window.screen.width * window.devicePixelRatio), height: Math.round(window.screen.height * window.devicePixelRatio) }];
      const r = await kiosk().runPrecheck({ runId, mode, sessionId, displays });
      if (!live) return;
      if (!r.ok) {
        setError(t(errorKey(r.error.code)));
        return;
      }
      setRun(r.value);
      setRows(r.value.checks.map((c) => ({ id: c.id, state: c.status })));
      setProgress({ done: r.value.checks.length, total: r.value.checks.length });
      setStep('camera');
    })();
    return () => {
      live = false;
      off();
    };
  }, []);

  async function finish(speakers: SpeakerMeasurement) {
    measured.current.speakers = speakers;
    setStep('finishing');
    const r = await kiosk().finishPrecheck({ runId, mode, sessionId, ...measured.current });
    if (r.ok) onReport(r.value);
    else setError(t(errorKey(r.error.code)));
  }

  // Each new step's heading takes focus, so keyboard and screen-reader users are not left on the page body.
  const flowRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (step === 'auto') return;
    const id = requestAnimationFrame(() => {
      const h = flowRef.current?.querySelector<HTMLElement>('h2, [role="status"]');
      if (!h) return;
      if (!h.hasAttribute('tabindex')) h.setAttribute('tabindex', '-1');
      h.focus({ preventScroll: false });
    });
    return () => cancelAnimationFrame(id);
  }, [step]);

  const index = step === 'finishing' ? STEPS.length : STEPS.indexOf(step);
  const measureMs = run?.interactive.measureMs ?? DEFAULT_MEASURE_MS;
  return (
    <div className="precheck" data-testid="precheck-flow" data-step={step} ref={flowRef}>
      <ol className="precheck-steps" aria-label={t('precheck.stepsLabel')}>
        {STEPS.map((s, i) => (
          <li key={s} className={i < index ? 'done' : i === index ? 'current' : ''} aria-current={i === index ? 'step' : undefined}>
            {t(`precheck.step.${s}`)}
          </li>
        ))}
      </ol>
      <ErrorBanner message={error} />
      {step === 'auto' && <AutoStep rows={rows} done={progress.done} total={progress.total} />}
      {step === 'camera' && devices.current && (
        <CameraStep
          devices={devices.current}
          durationMs={measureMs.cameraMs}
          onDone={(m) => {
            measured.current.camera = m;
            setStep('microphone');
          }}
        />
      )}
      {step === 'microphone' && devices.current && run && (
        <MicrophoneStep
          devices={devices.current}
          marginDb={run.interactive.microphone.speechOverNoiseDb}
          quietMs={measureMs.quietMs}
          speakMs={measureMs.speakMs}
          onDone={(m) => {
            measured.current.microphone = m;
            setStep('speakers');
          }}
        />
      )}
      {step === 'speakers' && devices.current && <SpeakerStep devices={devices.current} toneMs={measureMs.toneMs} onDone={(m) => void finish(m)} />}
      {step === 'finishing' && !error && (
        <p role="status" className="hint">
          {t('precheck.finishing')}
        </p>
      )}
    </div>
  );
}

function AutoStep({ rows, done, total }: { rows: Row[]; done: number; total: number }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="pc-auto-h" data-testid="precheck-auto">
      <h2 id="pc-auto-h">{t('precheck.step.auto')}</h2>
      <progress className="progress" max={Math.max(1, total)} value={done} aria-label={t('precheck.auto.progressLabel')} />
      <p className="hint" role="status" aria-live="polite">
        {t('precheck.auto.running', { done, total: total || '…' })}
      </p>
      <ul className="check-rows">
        {[...rows].sort((a, b) => checkIds.indexOf(a.id) - checkIds.indexOf(b.id)).map((r) => (
          <li key={r.id} className={`check-row ${r.state}`} data-testid={`auto-${r.id}`} data-state={r.state}>
            <span className="badge" aria-hidden="true" />
            <span>{checkTitle(r.id, t)}</span>
            <span className="check-row-state">{r.state === 'running' ? t('precheck.auto.checking') : t(`precheck.status.${r.state}`)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function CameraStep({ devices, durationMs, onDone }: { devices: Promise<OpenedDevices>; durationMs: number; onDone: (m: CameraMeasurement) => void }) {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [fraction, setFraction] = useState(0);
  const [unavailable, setUnavailable] = useState(false);

  useEffect(() => {
    let live = true;
    void (async () => {
      const d = await devices;
      if (!live) return;
      const base = { permission: d.camera, devices: d.videoInputs };
      if (d.camera !== 'granted' || !d.stream || !video.current) {
        setUnavailable(true);
        // Let the candidate see what happened before moving on; the report says how to fix it.
        setTimeout(() => live && onDone({ ...base, width: 0, height: 0, fps: 0, framesSampled: 0, meanLuma: 0, meanFrameDiff: 0 }), 1200);
        return;
      }
      const m = await measureCamera(d.stream, video.current, durationMs, (f) => live && setFraction(f));
      if (live) onDone({ ...base, ...m });
    })();
    return () => {
      live = false;
    };
  }, []);

  return (
    <section aria-labelledby="pc-cam-h" data-testid="precheck-camera">
      <h2 id="pc-cam-h">{t('precheck.step.camera')}</h2>
      <p>{t('precheck.camera.intro')}</p>
      <video ref={video} className="preview" autoPlay muted playsInline aria-label={t('precheck.camera.preview')} />
      {unavailable ? (
        <p className="error" role="alert">
          {t('precheck.camera.unavailable')}
        </p>
      ) : (
        <>
          <progress className="progress" max={1} value={fraction} aria-label={t('precheck.camera.measuring')} />
          <p className="hint" role="status">
            {t('precheck.camera.measuring')}
          </p>
        </>
      )}
    </section>
  );
}

const METER_FLOOR_DB = -70;
const pct = (db: number): number => Math.max(0, Math.min(100, ((db - METER_FLOOR_DB) / -METER_FLOOR_DB) * 100));

function MicrophoneStep({
  devices,
  marginDb,
  quietMs,
  speakMs,
  onDone,
}: {
  devices: Promise<OpenedDevices>;
  marginDb: number;
  quietMs: number;
  speakMs: number;
  onDone: (m: MicrophoneMeasurement) => void;
}) {
  const { t } = useI18n();
  const [d, setD] = useState<OpenedDevices | null>(null);
  const [phase, setPhase] = useState<'ready' | 'quiet' | 'speak'>('ready');
  const [level, setLevel] = useState(MIN_DB);
  const [floor, setFloor] = useState<number | null>(null);
  const probe = useRef<LevelProbe | null>(null);
  const timer = useRef<number | null>(null);

  useEffect(() => {
    let live = true;
    void devices.then((x) => live && setD(x));
    return () => {
      live = false;
      if (timer.current !== null) window.clearInterval(timer.current);
      probe.current?.close();
    };
  }, []);

  const available = d !== null && d.microphone === 'granted' && d.stream !== null && d.stream.getAudioTracks().length > 0;

  function skipUnavailable() {
    if (!d) return;
    onDone({ permission: d.microphone === 'granted' ? 'missing' : d.microphone, devices: d.audioInputs, trackMuted: false, noiseFloorDb: MIN_DB, speechDb: MIN_DB });
  }

  async function start() {
    if (!d?.stream) return;
    const p = new LevelProbe(d.stream);
    probe.current = p;
    await p.resume();
    const quiet: number[] = [];
    const speaking: number[] = [];
    const t0 = performance.now();
    let speakPhase = false;
    setPhase('quiet');
    timer.current = window.setInterval(() => {
      const db = p.level();
      setLevel(db);
      const elapsed = performance.now() - t0;
      if (elapsed < quietMs) {
        if (p.warm()) quiet.push(db);
        return;
      }
      if (!speakPhase) {
        speakPhase = true;
        setFloor(noiseFloorOf(quiet));
        setPhase('speak');
      }
      if (elapsed < quietMs + speakMs) {
        speaking.push(db);
        return;
      }
      window.clearInterval(timer.current!);
      timer.current = null;
      p.close();
      probe.current = null;
      const track = d.stream!.getAudioTracks()[0];
      rememberNoiseFloor(noiseFloorOf(quiet)); // audio (issue #15): "we can't hear you" is judged against it
      prewarmVad(); // audio (issue #15): load the VAD model now, not during the first recorded answer
      onDone({
        permission: 'granted',
        devices: Math.max(1, d.audioInputs),
        trackMuted: !track || track.muted || !track.enabled,
        noiseFloorDb: noiseFloorOf(quiet),
        speechDb: speechLevelOf(speaking),
      });
    }, 50);
  }

  return (
    <section aria-labelledby="pc-mic-h" data-testid="precheck-microphone" data-phase={phase}>
      <h2 id="pc-mic-h">{t('precheck.step.microphone')}</h2>
      {d && !available ? (
        <>
          <p className="error" role="alert">
            {t('precheck.mic.unavailable')}
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={skipUnavailable} data-testid="precheck-mic-continue">
              {t('precheck.continue')}
            </button>
          </div>
        </>
      ) : (
        <>
          <p>{t('precheck.mic.intro')}</p>
          <div className="level-meter" role="meter" aria-label={t('precheck.mic.meterLabel')} aria-valuemin={METER_FLOOR_DB} aria-valuemax={0} aria-valuenow={Math.round(Math.max(METER_FLOOR_DB, level))} aria-valuetext={t('precheck.mic.meterValue', { db: Math.round(level) })}>
            <div className="level-meter-fill" style={{ width: `${pct(level)}%` }} />
            {floor !== null && <span className="level-meter-mark floor" style={{ left: `${pct(floor)}%` }} title={t('precheck.mic.floorMark')} />}
            {floor !== null && <span className="level-meter-mark target" style={{ left: `${pct(floor + marginDb)}%` }} title={t('precheck.mic.targetMark')} />}
          </div>
          {floor !== null && (
            <p className="hint meter-legend">
              <span className="legend floor" aria-hidden="true" /> {t('precheck.mic.floorMark')} <span className="legend target" aria-hidden="true" /> {t('precheck.mic.targetMark')}
            </p>
          )}
          <p className="prompt" role="status" aria-live="assertive">
            {phase === 'quiet' ? t('precheck.mic.quiet') : phase === 'speak' ? t('precheck.mic.speak') : ''}
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void start()} disabled={!available || phase !== 'ready'} data-testid="precheck-mic-start">
              {t('precheck.mic.start')}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function SpeakerStep({ devices, toneMs, onDone }: { devices: Promise<OpenedDevices>; toneMs: number; onDone: (m: SpeakerMeasurement) => void }) {
  const { t } = useI18n();
  const [state, setState] = useState<'ready' | 'playing' | 'asked'>('ready');
  const [played, setPlayed] = useState(false);
  const [outputs, setOutputs] = useState<number | null>(null);

  useEffect(() => {
    void devices.then((d) => setOutputs(d.audioOutputs));
  }, []);

  async function play() {
    setState('playing');
    const ok = await playTone(toneMs);
    setPlayed((p) => p || ok);
    setState('asked');
  }

  return (
    <section aria-labelledby="pc-spk-h" data-testid="precheck-speakers">
      <h2 id="pc-spk-h">{t('precheck.step.speakers')}</h2>
      <p>{t('precheck.speakers.intro')}</p>
      <div className="actions start">
        <button type="button" className={state === 'ready' ? 'primary' : 'secondary'} onClick={() => void play()} disabled={state === 'playing'} data-testid="precheck-play-tone">
          {state === 'playing' ? t('precheck.speakers.playing') : t('precheck.speakers.play')}
        </button>
      </div>
      {state === 'asked' && (
        <fieldset className="answer-choice">
          <legend>{t('precheck.speakers.question')}</legend>
          <div className="actions start">
            <ActionButton className="secondary" onAction={() => onDone({ played, heard: false, outputDevices: outputs })} data-testid="precheck-heard-no">
              {t('precheck.speakers.no')}
            </ActionButton>
            <ActionButton className="primary" onAction={() => onDone({ played, heard: true, outputDevices: outputs })} data-testid="precheck-heard-yes">
              {t('precheck.speakers.yes')}
            </ActionButton>
          </div>
        </fieldset>
      )}
    </section>
  );
}
