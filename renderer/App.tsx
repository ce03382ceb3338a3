import { useCallback, useEffect, useState } from 'react';
import type { CompletionReceipt, CurrentView, ExitReceipt, QuestionView, ResumeOffer, SessionView } from '../preload/contract/session';
import { ErrorBanner, Layout } from './components/Layout';
import { errorKey, useI18n } from './i18n';
import { kiosk } from './ipc/kiosk';
import { ConsentScreen } from './screens/ConsentScreen';
import { DeviceScreen } from './screens/DeviceScreen';
import { DoneScreen } from './screens/DoneScreen';
import { ExitDialog, ExitReceiptScreen } from './screens/ExitDialog';
import { QuestionScreen } from './screens/QuestionScreen';
import { ResumeScreen } from './screens/ResumeScreen';
import { WelcomeScreen } from './screens/WelcomeScreen';

type Screen =
  | { name: 'loading' }
  | { name: 'welcome' }
  | { name: 'resume'; offer: ResumeOffer }
  | { name: 'consent'; session: SessionView }
  | { name: 'declined' }
  | { name: 'devices'; session: SessionView }
  | { name: 'question'; session: SessionView; question: QuestionView }
  | { name: 'exited'; receipt: ExitReceipt }
  | { name: 'done'; receipt: CompletionReceipt }
  | { name: 'message'; text: string };

export function App() {
  const { t, setLocale } = useI18n();
  const [screen, setScreen] = useState<Screen>({ name: 'loading' });
  const [exiting, setExiting] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);

  const showCurrent = useCallback(
    (v: CurrentView) => {
      setLocale(v.session.locale);
      switch (v.kind) {
        case 'question':
          setScreen({ name: 'question', session: v.session, question: v.question });
          return;
        case 'completed':
          setScreen({ name: 'done', receipt: v.receipt });
          return;
        case 'not_started':
          setScreen(screenForSession(v.session));
          return;
        case 'interrupted':
        case 'ended':
          setScreen({ name: 'welcome' });
          return;
      }
    },
    [setLocale],
  );

  const afterSession = useCallback(
    async (s: SessionView) => {
      if (s.state === 'in_progress' || s.state === 'prechecked') {
        const r = s.state === 'prechecked' ? await kiosk().startInterview({ sessionId: s.sessionId }) : await kiosk().getCurrent({ sessionId: s.sessionId });
        if (r.ok) showCurrent(r.value);
        else setAlert(t(errorKey(r.error.code)));
        return;
      }
      if (s.state === 'interrupted' || s.state === 'exited') {
        const offer = await kiosk().findResumable({});
        if (offer.ok && offer.value && offer.value.sessionId === s.sessionId) {
          setScreen({ name: 'resume', offer: offer.value });
          return;
        }
        setScreen({
          name: 'resume',
          offer: {
            sessionId: s.sessionId,
            inviteCode: s.inviteCode,
            state: s.state,
            questionIndex: 0,
            questionCount: s.questionCount,
            answerRemainingMs: 0,
            needsResumeCode: false,
            interruptedAt: null,
            interruption: 'exit',
            terms: { canReturn: true, aloneUntil: null, returnUntil: null, resumesLeft: 0, timerMode: 'paused' },
          },
        });
        return;
      }
      setScreen(screenForSession(s));
    },
    [showCurrent, t],
  );

  useEffect(() => {
    let cancelled = false;
    void (async () => {
      try {
        const r = await kiosk().findResumable({});
        if (cancelled) return;
        if (r.ok && r.value) setScreen({ name: 'resume', offer: r.value });
        else setScreen({ name: 'welcome' });
      } catch {
        setScreen({ name: 'message', text: t('app.fatal') });
      }
    })();
    const off = (() => {
      try {
        return kiosk().on('status', (e) => {
          if (e.code) setAlert(t(errorKey(e.code)));
        });
      } catch {
        return () => undefined;
      }
    })();
    return () => {
      cancelled = true;
      off();
    };
  }, []);

  const sessionId = 'session' in screen ? screen.session.sessionId : null;
  const canExit = screen.name === 'question' || screen.name === 'devices' || screen.name === 'consent';

  return (
    <Layout onExit={canExit ? () => setExiting(true) : undefined}>
      <ErrorBanner message={alert} />
      {screen.name === 'loading' && <p className="card">{t('app.connecting')}</p>}
      {screen.name === 'welcome' && <WelcomeScreen onCheckedIn={(s) => void afterSession(s)} />}
      {screen.name === 'resume' && <ResumeScreen offer={screen.offer} onResumed={showCurrent} />}
      {screen.name === 'consent' && (
        <ConsentScreen session={screen.session} onAccepted={(s) => void afterSession(s)} onDeclined={() => setScreen({ name: 'declined' })} />
      )}
      {screen.name === 'declined' && <p className="card">{t('consent.declined')}</p>}
      {screen.name === 'devices' && <DeviceScreen session={screen.session} onReady={(s) => void afterSession(s)} />}
      {screen.name === 'question' && (
        <QuestionScreen
          key={`${screen.question.questionIndex}:${screen.question.attempt}:${screen.question.segment}`}
          question={screen.question}
          onNext={showCurrent}
        />
      )}
      {screen.name === 'exited' && <ExitReceiptScreen receipt={screen.receipt} />}
      {screen.name === 'done' && <DoneScreen receipt={screen.receipt} />}
      {screen.name === 'message' && <p className="card">{screen.text}</p>}
      {exiting && sessionId && (
        <ExitDialog
          sessionId={sessionId}
          onCancel={() => setExiting(false)}
          onExited={(r) => {
            setExiting(false);
            setScreen({ name: 'exited', receipt: r });
          }}
        />
      )}
    </Layout>
  );
}

function screenForSession(s: SessionView): Screen {
  switch (s.state) {
    case 'checked_in':
      return { name: 'consent', session: s };
    case 'consented':
      return { name: 'devices', session: s };
    default:
      return { name: 'welcome' };
  }
}
