import { useCallback, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { CurrentView, QuestionView } from '../../preload/contract/session';
import { ErrorBanner } from '../components/Layout';
import { errorKey, formatDuration, useI18n } from '../i18n';
import { kiosk } from '../ipc/kiosk';
import { acquireStream } from '../media';
import { ChunkUploader } from '../recording/chunk-uploader';
import { AnswerRecorder } from '../recording/recorder';

function useCountdown(remainingMs: number, running: boolean, key: string): number {
  const deadline = useRef(0);
  const [left, setLeft] = useState(remainingMs);
  useEffect(() => {
    deadline.current = performance.now() + remainingMs;
    setLeft(remainingMs);
  }, [remainingMs, key]);
  useEffect(() => {
    if (!running) return;
    const id = setInterval(() => setLeft(Math.max(0, deadline.current - performance.now())), 250);
    return () => clearInterval(id);
  }, [running, key]);
  return left;
}

export function QuestionScreen({ question, onNext }: { question: QuestionView; onNext: (v: CurrentView) => void }) {
  const { t, locale } = useI18n();
  const [view, setView] = useState(question);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [acked, setAcked] = useState(question.committedChunks);
  const [recording, setRecording] = useState(false);
  const composing = useRef(false);
  const viewKey = `${view.questionIndex}:${view.attempt}:${view.segment}:${view.phase}`;
  const isMedia = view.mode !== 'text';

  const uploader = useMemo(
    () =>
      new ChunkUploader((c) => kiosk().appendChunk(c), {
        onAck: (ack) => setAcked(ack.committedChunks),
        onFatal: (code) => setError(t(errorKey(code))),
      }),
    // A new uploader per question attempt and segment.
    [view.questionIndex, view.attempt, view.segment],
  );
  const recorder = useMemo(() => new AnswerRecorder(uploader), [uploader]);

  const prepLeft = useCountdown(view.prepRemainingMs, view.phase === 'preparing', viewKey);
  const answerLeft = useCountdown(view.answerRemainingMs, view.phase === 'answering', viewKey);

  const startRecording = useCallback(
    async (v: QuestionView) => {
      if (v.mode === 'text' || recorder.recording) return;
      const media = await acquireStream();
      if (!media.stream) {
        setError(t('error.PRECHECK_FAILED'));
        return;
      }
      recorder.start(
        media.stream,
        { sessionId: v.sessionId, questionIndex: v.questionIndex, attempt: v.attempt, segment: v.segment, startSeq: v.nextSeq },
        v.mode === 'video',
      );
      setRecording(true);
    },
    [recorder, t],
  );

  const beginAnswer = useCallback(async () => {
    const r = await kiosk().beginAnswer({ sessionId: view.sessionId, questionIndex: view.questionIndex });
    if (!r.ok) {
      setError(t(errorKey(r.error.code)));
      return;
    }
    setView(r.value);
    await startRecording(r.value);
  }, [view.sessionId, view.questionIndex, startRecording, t]);

  // Answering already (resume, or no preparation time): record at once.
  useEffect(() => {
    if (view.phase === 'answering' && isMedia) void startRecording(view);
    return undefined;
  }, [viewKey]);

  useEffect(() => () => void recorder.stop(), [recorder]);

  const submit = useCallback(async () => {
    if (busy) return;
    setBusy(true);
    setError(null);
    if (isMedia) {
      await recorder.stop();
      setRecording(false);
    }
    const r = await kiosk().submitAnswer({
      sessionId: view.sessionId,
      questionIndex: view.questionIndex,
      attempt: view.attempt,
      text: isMedia ? undefined : text,
    });
    setBusy(false);
    if (r.ok) onNext(r.value);
    else setError(t(errorKey(r.error.code)));
  }, [busy, isMedia, recorder, view, text, onNext, t]);

  useEffect(() => {
    if (view.phase === 'preparing' && prepLeft <= 0) void beginAnswer();
  }, [prepLeft, view.phase, beginAnswer]);
  useEffect(() => {
    if (view.phase === 'answering' && answerLeft <= 0) void submit();
  }, [answerLeft <= 0, view.phase]);

  function onKeyDown(e: KeyboardEvent<HTMLTextAreaElement>) {
    // Enter while an IME is composing picks a candidate; it must never submit.
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey) && !composing.current && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  }

  const urgent = view.phase === 'answering' && answerLeft <= 15_000;
  return (
    <section className="card question" aria-labelledby="q-h" data-testid="question" data-question-index={view.questionIndex}>
      <p className="progress-label">
        {t('question.progress', { stage: view.stageIndex + 1, stages: view.stageCount, n: view.questionIndex + 1, total: view.questionCount })}
      </p>
      <progress className="progress" max={view.questionCount} value={view.questionIndex} aria-hidden="true" />
      <p className="stage-title">{view.stageTitle[locale]}</p>
      <h1 id="q-h" className="prompt">{view.prompt[locale]}</h1>

      <div className={`timer${urgent ? ' urgent' : ''}`} role="timer" aria-live="off">
        <span className="timer-label">{view.phase === 'preparing' ? t('question.preparing') : t('question.answering')}</span>
        <span
          className="timer-value"
          data-testid={view.phase === 'preparing' ? 'prep-remaining' : 'answer-remaining'}
          data-remaining-ms={Math.round(view.phase === 'preparing' ? prepLeft : answerLeft)}
        >
          {formatDuration(view.phase === 'preparing' ? prepLeft : answerLeft)}
        </span>
      </div>

      {isMedia && (
        <p className="recording-state" data-testid="saved-chunks" data-chunks={acked}>
          {recording && <span className="rec-dot" aria-hidden="true" />}
          {recording ? t('question.recording') + ' · ' : ''}
          {t('question.saved', { chunks: acked })}
        </p>
      )}

      {!isMedia && (
        <div className="stack">
          <label htmlFor="answer-text" className="sr-only">{t('question.typeHere')}</label>
          <textarea
            id="answer-text"
            data-testid="answer-text"
            rows={8}
            value={text}
            placeholder={t('question.typeHere')}
            onChange={(e) => setText(e.target.value)}
            onCompositionStart={() => (composing.current = true)}
            onCompositionEnd={() => (composing.current = false)}
            onKeyDown={onKeyDown}
            maxLength={20000}
          />
          <p className="hint" aria-live="polite">{t('question.chars', { count: [...text].length })}</p>
        </div>
      )}

      <ErrorBanner message={error} />
      <div className="actions">
        {view.phase === 'preparing' ? (
          <button type="button" className="primary" onClick={() => void beginAnswer()} data-testid="begin-answer">
            {t('question.startAnswer')}
          </button>
        ) : (
          <button type="button" className="primary" onClick={() => void submit()} disabled={busy} data-testid="submit-answer">
            {busy ? t('question.saving') : t('question.submit')}
          </button>
        )}
      </div>
    </section>
  );
}
