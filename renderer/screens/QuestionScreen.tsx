import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { MAX_TEXT_ANSWER_CHARS, type CurrentView, type QuestionView } from '../../preload/contract/session';
import type { LostDevice } from '../../preload/contract/assistance';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorBanner } from '../components/Layout';
import { LevelMeter } from '../components/LevelMeter';
import { Timer } from '../components/Timer';
import { mark, measureSince, noteDevices } from '../diagnostics';
import { useCountdown } from '../hooks/useCountdown';
import { errorKey, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { pageId } from '../ipc/page-identity';
import { acquireStream, lostDevice, releaseStream } from '../media';
import { AnswerCapture, type RecordedSegment } from '../recording/answer-capture';
import { remuxQueue } from '../recording/remux-instance';
import { StarHint } from '../scoring/StarHint';
import { useVisionFlags } from '../vision/useVisionFlags';
import { SpeechActivity } from '../audio/SpeechActivity';
import { announce, publishDialogClock } from '../a11y/live';

const DEVICE_POLL_MS = 500;
const RETRY_MS = 2000;
/** Saved recording progress is announced (politely) this often, in chunks (about seconds). */
const ANNOUNCE_SAVED_EVERY = 30;
/** A typed draft is saved this often while it changes, and whenever the text box loses focus. */
const DRAFT_SAVE_MS = 3000;

/** Counts what a person sees as characters (a CJK character or an emoji is one). */
export function countChars(text: string): number {
  return [...text].length;
}

/** Ctrl/⌘+Enter submits a typed answer, but never while an IME is composing. */
export function isSubmitShortcut(e: { key: string; ctrlKey: boolean; metaKey: boolean; isComposing: boolean; keyCode: number }, composing: boolean): boolean {
  if (composing || e.isComposing || e.keyCode === 229) return false;
  return e.key === 'Enter' && (e.ctrlKey || e.metaKey);
}

export function QuestionScreen({
  question,
  dialog = null,
  onNext,
  onRetake,
}: {
  question: QuestionView;
  /** Help or Leave is open: the answer clock stands still (main decides, within its per-question cap). */
  dialog?: 'help' | 'exit' | null;
  onNext: (v: CurrentView) => void;
  onRetake: (q: QuestionView) => void;
}) {
  const { t, locale } = useI18n();
  const [view, setView] = useState(question);
  const [text, setText] = useState(question.draftText ?? '');
  const restoredDraft = (question.draftText ?? '').length > 0;
  const savedDraft = useRef(question.draftText ?? '');
  const textRef = useRef(text);
  textRef.current = text;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [acked, setAcked] = useState(question.committedChunks);
  const [recording, setRecording] = useState(false);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [lost, setLost] = useState<LostDevice | null>(null);
  const [restored, setRestored] = useState(false);
  const [timeUp, setTimeUp] = useState(false);
  const [confirmRetake, setConfirmRetake] = useState(false);
  const composing = useRef(false);
  const capture = useRef<AnswerCapture | null>(null);
  const segments = useRef<RecordedSegment[]>([]);
  const lostRef = useRef<LostDevice | null>(null);
  const submitting = useRef(false);
  const unmounted = useRef(false);
  const selfView = useRef<HTMLVideoElement>(null);
  const isMedia = view.mode !== 'text';
  const needsCamera = view.mode === 'video';
  // Camera integrity flags (issue #15): journaled for a human, never a score; the hint is for the candidate.
  const visionHint = useVisionFlags({ stream, active: needsCamera && recording, sessionId: view.sessionId, questionIndex: view.questionIndex, attempt: view.attempt });
  const [clockEpoch, setClockEpoch] = useState(0);
  const viewKey = `${view.questionIndex}:${view.attempt}:${view.segment}:${view.phase}:${view.restBreak ? 'rest' : 'on'}`;
  const countdownKey = `${viewKey}:${clockEpoch}`;
  // Help or Leave stops the clock only as the pack allows and while this question's allowance lasts.
  const dialogStops = dialog !== null && view.dialogPause?.stopsClock !== false && (view.dialogPause?.leftMs ?? 1) > 0;
  const resting = view.restBreak !== undefined;
  const clockRuns = lost === null && !dialogStops && !resting;
  const restLeft = useCountdown(view.restBreak?.remainingMs ?? 0, resting, countdownKey);

  const prepLeft = useCountdown(view.prepRemainingMs, view.phase === 'preparing' && clockRuns, countdownKey);
  const answerLeft = useCountdown(view.answerRemainingMs, view.phase === 'answering' && clockRuns, countdownKey);

  // Help or Leave opened or closed: main stops or restarts the clock; show its time.
  const openDialog = useRef<'help' | 'exit' | null>(null);
  useEffect(() => {
    const previous = openDialog.current;
    openDialog.current = dialog;
    if (previous === dialog) return;
    const ref = { sessionId: view.sessionId, questionIndex: view.questionIndex };
    void (async () => {
      if (previous) await kiosk().dialogClock({ ...ref, dialog: previous, open: false });
      const r = dialog ? await kiosk().dialogClock({ ...ref, dialog, open: true }) : await kiosk().getCurrent({ sessionId: ref.sessionId });
      if (unmounted.current || !r.ok) return;
      const next = 'kind' in r.value ? (r.value.kind === 'question' ? r.value.question : null) : r.value;
      if (next && next.questionIndex === ref.questionIndex && next.attempt === view.attempt && next.segment === view.segment) {
        setView(next);
        setClockEpoch((n) => n + 1);
      }
    })();
  }, [dialog]);

  // The dialogs say what the clock does while they are open.
  useEffect(() => {
    publishDialogClock(view.dialogPause ? { stopsClock: view.dialogPause.stopsClock, leftMs: view.dialogPause.leftMs } : null);
  }, [view.dialogPause?.stopsClock, view.dialogPause?.leftMs]);
  useEffect(() => () => publishDialogClock(null), []);

  const refresh = useCallback(async () => {
    const r = await kiosk().getCurrent({ sessionId: view.sessionId });
    if (unmounted.current || !r.ok || r.value.kind !== 'question') return;
    const next = r.value.question;
    if (next.questionIndex === view.questionIndex && next.attempt === view.attempt && next.segment === view.segment) {
      setView(next);
      setClockEpoch((n) => n + 1);
    }
  }, [view.sessionId, view.questionIndex, view.attempt, view.segment]);

  // A dialog open past this question's allowance: main lets the clock run again; follow it.
  useEffect(() => {
    if (!dialogStops || !view.dialogPause?.open) return;
    const id = setTimeout(() => void refresh(), view.dialogPause.leftMs + 300);
    return () => clearTimeout(id);
  }, [dialogStops, view.dialogPause?.open, view.dialogPause?.leftMs, refresh]);

  // At 200 % zoom the countdown sticks just above the sticky answer controls (and to the top when
  // scrolled past), so it is in view whenever Submit is: the controls' height is a CSS variable.
  const card = useRef<HTMLElement>(null);
  useLayoutEffect(() => {
    const section = card.current;
    const actions = section?.querySelector<HTMLElement>(':scope > .actions');
    if (!section || !actions) return;
    const set = () => section.style.setProperty('--actions-h', `${Math.ceil(actions.getBoundingClientRect().height)}px`);
    set();
    const ro = new ResizeObserver(set);
    ro.observe(actions);
    return () => ro.disconnect();
  }, [viewKey, resting]);

  // A rest break takes focus to its heading (the question it replaced is gone), and the question
  // that follows it takes focus to its prompt (the Continue button is gone).
  const wasResting = useRef(resting);
  useEffect(() => {
    const ended = wasResting.current && !resting;
    wasResting.current = resting;
    if (!resting && !ended) return;
    const id = requestAnimationFrame(() => document.getElementById(resting ? 'rest-h' : 'q-h')?.focus());
    return () => cancelAnimationFrame(id);
  }, [resting, view.questionIndex]);

  // A rest break that runs out ends by itself in main; follow it.
  useEffect(() => {
    if (resting && restLeft <= 0) void refresh();
  }, [resting, restLeft <= 0]);

  const endRest = useCallback(async () => {
    const r = await kiosk().endRestBreak({ sessionId: view.sessionId, questionIndex: view.questionIndex });
    if (unmounted.current) return;
    if (!r.ok) {
      setError(t(errorKey(r.error.code)));
      return;
    }
    setView(r.value);
    setClockEpoch((n) => n + 1);
  }, [view.sessionId, view.questionIndex, t]);

  // Recording started and stopped, and the saved progress, in a polite live region.
  const wasRecording = useRef(false);
  useEffect(() => {
    if (recording === wasRecording.current) return;
    wasRecording.current = recording;
    announce(recording ? t('live.recordingStarted') : t('live.recordingStopped', { chunks: acked }));
  }, [recording]);
  const lastSavedAnnounce = useRef(question.committedChunks);
  useEffect(() => {
    if (recording && acked - lastSavedAnnounce.current >= ANNOUNCE_SAVED_EVERY) {
      lastSavedAnnounce.current = acked;
      announce(t('live.savedProgress', { chunks: acked }));
    }
  }, [acked, recording]);

  // The question is on screen: how long since main answered the previous submit.
  useLayoutEffect(() => {
    requestAnimationFrame(() => measureSince('next-question', 'submit-ack'));
  }, []);

  useEffect(() => {
    if (selfView.current) selfView.current.srcObject = stream;
  }, [stream]);

  const stopCapture = useCallback(async (): Promise<void> => {
    const c = capture.current;
    capture.current = null;
    if (!c) return;
    setRecording(false);
    segments.current.push(await c.stop());
  }, []);

  const onFatal = useCallback((code: string) => setError(t(errorKey(code))), [t]);

  const markLost = useCallback(
    async (v: QuestionView, device: LostDevice) => {
      if (lostRef.current) return;
      lostRef.current = device;
      setLost(device);
      setRestored(false);
      noteDevices(device === 'microphone' ? 'ok' : 'lost', device === 'camera' ? 'ok' : 'lost');
      await stopCapture();
      releaseStream();
      setStream(null);
      const r = await kiosk().deviceLost({ sessionId: v.sessionId, questionIndex: v.questionIndex, device });
      if (r.ok && !unmounted.current) setView(r.value);
      void kiosk().reportDevices({
        sessionId: v.sessionId,
        camera: device === 'microphone' ? 'ok' : 'lost',
        microphone: device === 'camera' ? 'ok' : 'lost',
        online: navigator.onLine,
      });
    },
    [stopCapture],
  );

  const startCapture = useCallback(
    async (v: QuestionView) => {
      if (v.mode === 'text' || capture.current || lostRef.current) return;
      const media = await acquireStream();
      if (unmounted.current || submitting.current) return;
      const missing = media.stream ? lostDevice(media.stream, v.mode === 'video') : v.mode === 'video' ? 'both' : 'microphone';
      if (!media.stream || missing) {
        await markLost(v, missing ?? 'both');
        return;
      }
      const c = new AnswerCapture(
        { sessionId: v.sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, startSeq: v.nextSeq },
        (chunk) => kiosk().appendChunk({ ...chunk, pageId }),
        { onAck: (ack) => setAcked(ack.committedChunks), onFatal },
      );
      capture.current = c;
      c.start(media.stream, v.mode === 'video');
      setStream(media.stream);
      setRecording(true);
    },
    [markLost, onFatal],
  );

  // While recording: notice a camera or microphone that disappears.
  useEffect(() => {
    if (!stream || !recording) return;
    const check = () => {
      const gone = lostDevice(stream, needsCamera);
      if (gone) void markLost(view, gone);
    };
    const tracks = stream.getTracks();
    tracks.forEach((tr) => tr.addEventListener('ended', check));
    const id = setInterval(check, DEVICE_POLL_MS);
    return () => {
      clearInterval(id);
      tracks.forEach((tr) => tr.removeEventListener('ended', check));
    };
  }, [stream, recording, needsCamera, markLost, view]);

  const tryRestore = useCallback(async () => {
    if (!lostRef.current) return;
    const media = await acquireStream();
    if (!media.stream || lostDevice(media.stream, needsCamera) || !lostRef.current || unmounted.current) return;
    const r = await kiosk().deviceRestored({ sessionId: view.sessionId, questionIndex: view.questionIndex });
    if (!r.ok) {
      setError(t(errorKey(r.error.code)));
      return;
    }
    lostRef.current = null;
    setLost(null);
    setRestored(true);
    noteDevices('ok', 'ok');
    void kiosk().reportDevices({ sessionId: view.sessionId, camera: 'ok', microphone: 'ok', online: navigator.onLine });
    setView(r.value);
    if (r.value.phase === 'answering') await startCapture(r.value);
  }, [needsCamera, view.sessionId, view.questionIndex, startCapture, t]);

  // While a device is lost: look for it again every few seconds and whenever devices change.
  useEffect(() => {
    if (!lost) return;
    const id = setInterval(() => void tryRestore(), RETRY_MS);
    const onChange = () => void tryRestore();
    navigator.mediaDevices?.addEventListener?.('devicechange', onChange);
    return () => {
      clearInterval(id);
      navigator.mediaDevices?.removeEventListener?.('devicechange', onChange);
    };
  }, [lost, tryRestore]);

  useEffect(() => {
    if (!restored) return;
    const id = setTimeout(() => setRestored(false), 6000);
    return () => clearTimeout(id);
  }, [restored]);

  const beginAnswer = useCallback(async () => {
    const r = await kiosk().beginAnswer({ sessionId: view.sessionId, questionIndex: view.questionIndex });
    if (!r.ok) {
      setError(t(errorKey(r.error.code)));
      return;
    }
    setView(r.value);
    await startCapture(r.value);
  }, [view.sessionId, view.questionIndex, startCapture, t]);

  // Already answering (a resume, or no preparation time): record at once.
  useEffect(() => {
    if (view.phase === 'answering' && isMedia && !view.restBreak) void startCapture(view);
  }, [viewKey]);

  useEffect(
    () => () => {
      unmounted.current = true;
      void capture.current?.stop();
      capture.current = null;
    },
    [],
  );

  /** When main closed the question itself (time over), follow it. */
  const followMain = useCallback(async () => {
    for (let i = 0; i < 15 && !unmounted.current; i++) {
      await new Promise((r) => setTimeout(r, 2000));
      const r = await kiosk().getCurrent({ sessionId: view.sessionId });
      if (r.ok && !(r.value.kind === 'question' && r.value.question.questionIndex === view.questionIndex)) {
        onNext(r.value);
        return;
      }
    }
  }, [view.sessionId, view.questionIndex, onNext]);

  const submit = useCallback(
    async (auto = false) => {
      if (submitting.current) return;
      submitting.current = true;
      setBusy(true);
      setError(null);
      if (isMedia) await stopCapture();
      const r = await kiosk().submitAnswer({
        sessionId: view.sessionId,
        questionIndex: view.questionIndex,
        attempt: view.attempt,
        text: isMedia ? undefined : text,
      });
      if (r.ok) {
        mark('submit-ack');
        for (const seg of segments.current) if (seg.target.attempt === view.attempt) remuxQueue.enqueue(seg);
        segments.current = [];
        onNext(r.value);
        return;
      }
      submitting.current = false;
      setBusy(false);
      setError(t(errorKey(r.error.code)));
      if (auto) void followMain();
    },
    [isMedia, stopCapture, view, text, onNext, t, followMain],
  );

  const retake = useCallback(async () => {
    if (submitting.current) return;
    submitting.current = true;
    setBusy(true);
    await stopCapture();
    segments.current = [];
    const r = await kiosk().retakeAnswer({ sessionId: view.sessionId, questionIndex: view.questionIndex, attempt: view.attempt });
    if (r.ok) {
      onRetake(r.value);
      return;
    }
    submitting.current = false;
    setBusy(false);
    setError(t(errorKey(r.error.code)));
  }, [stopCapture, view, onRetake, t]);

  useEffect(() => {
    if (view.phase === 'preparing' && prepLeft <= 0 && lost === null) void beginAnswer();
  }, [prepLeft <= 0, view.phase]);
  useEffect(() => {
    if (view.phase === 'answering' && answerLeft <= 0 && lost === null) {
      setTimeUp(true);
      void submit(true);
    }
  }, [answerLeft <= 0, view.phase]);

  const saveDraft = useCallback(async () => {
    const current = textRef.current;
    if (view.mode !== 'text' || view.phase !== 'answering' || submitting.current || current === savedDraft.current) return;
    const r = await kiosk().saveDraft({ sessionId: view.sessionId, questionIndex: view.questionIndex, attempt: view.attempt, pageId, text: current });
    if (r.ok) savedDraft.current = current;
  }, [view.mode, view.phase, view.sessionId, view.questionIndex, view.attempt]);

  // Typed drafts survive a reload and a killed host: saved every few seconds and when hidden.
  useEffect(() => {
    if (view.mode !== 'text' || view.phase !== 'answering') return;
    const id = setInterval(() => void saveDraft(), DRAFT_SAVE_MS);
    const onHide = () => void saveDraft();
    window.addEventListener('pagehide', onHide);
    return () => {
      clearInterval(id);
      window.removeEventListener('pagehide', onHide);
    };
  }, [view.mode, view.phase, saveDraft]);

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter while an IME is composing picks a candidate; it must never submit.
    if (isSubmitShortcut({ key: e.key, ctrlKey: e.ctrlKey, metaKey: e.metaKey, isComposing: e.nativeEvent.isComposing, keyCode: e.keyCode }, composing.current)) {
      e.preventDefault();
      void submit();
    }
  }

  if (view.restBreak) {
    return (
      <section className="card question rest-break" aria-labelledby="rest-h" data-testid="rest-break" data-question-index={view.questionIndex}>
        <h1 id="rest-h" tabIndex={-1}>{t('rest.heading')}</h1>
        <p className="lead">{t('rest.body')}</p>
        <Timer label={t('rest.remaining')} leftMs={restLeft} totalMs={view.restBreak.maxMs} urgentEnabled={false} paused={false} testId="rest-remaining" />
        <ErrorBanner message={error} />
        <div className="actions">
          <button type="button" className="primary" onClick={() => void endRest()} data-testid="rest-continue">
            {t('rest.continue')}
          </button>
        </div>
      </section>
    );
  }

  const stageIntro = view.indexInStage === 0;
  const retakesLeft = Math.max(0, view.retakesAllowed - view.attempt);
  const progress = Math.round((view.questionIndex / view.questionCount) * 100);
  return (
    <section ref={card} className="card question" aria-labelledby="q-h" data-testid="question" data-question-count={view.questionCount} data-question-index={view.questionIndex} data-phase={view.phase} data-mode={view.mode}>
      <div className="q-progress">
        <p className="progress-label" data-testid="progress-label">
          {t('question.progress', { stage: view.stageIndex + 1, stages: view.stageCount, n: view.questionIndex + 1, total: view.questionCount })}
        </p>
        <div
          className="progress-track"
          role="progressbar"
          aria-label={t('question.progressBar')}
          aria-valuemin={0}
          aria-valuemax={view.questionCount}
          aria-valuenow={view.questionIndex}
        >
          <div className="progress-fill" style={{ transform: `scaleX(${progress / 100})` }} />
        </div>
      </div>

      {stageIntro && (
        <div className="stage-intro" data-testid="stage-intro">
          <p className="stage-intro-title">
            {t('question.stageIntro', { stage: view.stageIndex + 1, stages: view.stageCount, title: view.stageTitle[locale] })}
          </p>
          <p className="hint">{t('question.stageIntroBody', { count: view.questionsInStage })}</p>
        </div>
      )}
      {!stageIntro && <p className="stage-title">{view.stageTitle[locale]}</p>}

      <p className="mode-tag">
        {t(`question.mode.${view.mode}`)}
        {view.timeMultiplier !== undefined && (
          <span className="extra-time" data-testid="extra-time" data-multiplier={view.timeMultiplier}>
            {' · '}
            {t('question.extraTime', { multiplier: view.timeMultiplier })}
          </span>
        )}
      </p>
      <h1 id="q-h" className="prompt" lang={locale} tabIndex={-1}>
        {view.prompt[locale]}
      </h1>

      <div className="q-clock" data-testid="q-clock">
      {view.phase === 'preparing' ? (
        <Timer label={t('question.preparingRemaining')} leftMs={prepLeft} totalMs={view.prepSeconds * 1000} urgentEnabled={false} paused={lost !== null} testId="prep-remaining" />
      ) : (
        <Timer label={t('question.answering')} leftMs={answerLeft} totalMs={view.answerSeconds * 1000} urgentEnabled paused={lost !== null} testId="answer-remaining" />
      )}
      </div>

      {view.phase === 'preparing' && <p className="hint">{t('question.prepHint')}</p>}

      {lost && (
        <div className="device-lost" role="alert" data-testid="device-lost" data-device={lost}>
          <h2>{t('question.deviceLost.heading', { device: t(`question.device.${lost}`) })}</h2>
          <p>{t('question.deviceLost.body')}</p>
          <button type="button" className="secondary" onClick={() => void tryRestore()} data-testid="device-retry">
            {t('question.deviceLost.retry')}
          </button>
        </div>
      )}
      {restored && (
        <p className="success" role="status" data-testid="device-restored">
          {t('question.deviceRestored')}
        </p>
      )}

      {isMedia && view.phase === 'answering' && (
        <div className="recorder-row">
          {needsCamera && stream && <video ref={selfView} className="self-view" autoPlay muted playsInline aria-label={t('question.selfView')} />}
          {needsCamera && visionHint && (
            <p className="vision-hint" role="status" data-testid="vision-hint" data-hint={visionHint}>
              {t(visionHint === 'camera_covered' ? 'vision.cameraCovered' : 'vision.keepFaceInView')}
            </p>
          )}
          <div className="stack grow">
            <p className="hint">{t(view.mode === 'video' ? 'question.recordHint.video' : 'question.recordHint.audio')}</p>
            <p className={`recording-state${recording ? ' on' : ''}`} data-testid="saved-chunks" data-chunks={acked} data-recording={recording ? 'true' : 'false'}>
              {recording && <span className="rec-dot" aria-hidden="true" data-forced-visible="recording" />}
              {recording ? t('question.recording') + ' · ' : ''}
              {t('question.saved', { chunks: acked })}
            </p>
            <LevelMeter stream={stream} label={t('question.micLevel')} compact />
            <SpeechActivity sessionId={view.sessionId} questionIndex={view.questionIndex} attempt={view.attempt} stream={stream} recording={recording} />
            {retakesLeft > 0 && <p className="hint">{t('question.retakeLeft', { count: retakesLeft })}</p>}
          </div>
        </div>
      )}

      {!isMedia && view.phase === 'answering' && (
        <div className="field">
          <label htmlFor="answer-text">{t('question.typeHere')}</label>
          <textarea
            id="answer-text"
            data-testid="answer-text"
            rows={8}
            value={text}
            lang={locale}
            aria-describedby="answer-hint answer-count"
            onChange={(e) => setText(e.target.value)}
            onBlur={() => void saveDraft()}
            onCompositionStart={() => (composing.current = true)}
            onCompositionEnd={() => (composing.current = false)}
            onKeyDown={onKeyDown}
            maxLength={MAX_TEXT_ANSWER_CHARS}
            disabled={busy}
          />
          {restoredDraft && (
            <p className="hint" role="status" data-testid="draft-restored">
              {t('question.draftRestored')}
            </p>
          )}
          <StarHint sessionId={view.sessionId} questionIndex={view.questionIndex} attempt={view.attempt} text={text} />
          <div className="textarea-foot">
            <p className="hint" id="answer-hint">{t('question.textHint')}</p>
            <p className="hint count" id="answer-count" data-testid="char-count" data-count={countChars(text)}>
              {t('question.charsOf', { count: countChars(text), max: MAX_TEXT_ANSWER_CHARS })}
            </p>
          </div>
        </div>
      )}

      {timeUp && busy && <p className="hint" role="status">{t('question.timeUp')}</p>}
      <ErrorBanner message={error} />
      <div className="actions">
        {isMedia && view.phase === 'answering' && retakesLeft > 0 && (
          <button type="button" className="secondary" onClick={() => setConfirmRetake(true)} disabled={busy} data-testid="retake">
            {t('question.retake')}
          </button>
        )}
        {view.phase === 'preparing' ? (
          <button type="button" className="primary" onClick={() => void beginAnswer()} disabled={lost !== null} data-testid="begin-answer">
            {t('question.startAnswer')}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void submit()} disabled={busy} data-testid="submit-answer">
            {busy ? t('question.saving') : t('question.submit')}
          </button>
        )}
      </div>
      {confirmRetake && (
        <ConfirmDialog
          id="retake-confirm"
          testId="retake-confirm"
          heading={t('question.retakeConfirm.heading')}
          body={t('question.retakeConfirm.body', { left: t('question.retakeLeft', { count: retakesLeft - 1 }) })}
          confirmLabel={t('question.retakeConfirm.yes')}
          cancelLabel={t('question.retakeConfirm.no')}
          onConfirm={() => {
            setConfirmRetake(false);
            void retake();
          }}
          onCancel={() => setConfirmRetake(false)}
        />
      )}
    </section>
  );
}
