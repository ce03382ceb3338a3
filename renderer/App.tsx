import { useCallback, useEffect, useState } from 'react';
import type { CompletionReceipt, CurrentView, ExitReceipt, QuestionView, ResumeOffer, SessionView } from '../preload/contract/session';
import type { HelpInfo } from './components/HelpDialog';
import { ErrorBanner, Layout } from './components/Layout';
import { mark } from './diagnostics';
import { errorKey, useI18n } from './i18n';
import { kiosk } from './ipc/kiosk';
import { ConsentScreen, DeclinedScreen } from './screens/ConsentScreen';
import { DeviceScreen } from './screens/DeviceScreen';
import { PrecheckScreen } from './screens/PrecheckScreen';
import { SystemCheckEntry, SystemCheckScreen } from './screens/SystemCheckScreen';
import { DoneScreen } from './screens/DoneScreen';
import { ExitDialog, ExitReceiptScreen } from './screens/ExitDialog';
import { useLockdown } from './lockdown/useLockdown';
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
  | { name: 'precheck'; session: SessionView }
  | { name: 'systemCheck' }
  | { name: 'question'; session: SessionView; question: QuestionView }
  | { name: 'exited'; receipt: ExitReceipt }
  | { name: 'done'; receipt: CompletionReceipt }
  | { name: 'message'; text: string };

export function App() {
  const { t, setLocale } = useI18n();
  // The welcome screen is usable at once; if main reports an interrupted interview, the resume
  // screen replaces it (only while nobody has moved on from the welcome screen).
  const [screen, setScreen] = useState<Screen>({ name: 'welcome' });
  const [exiting, setExiting] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);
  const [incidentId, setIncidentId] = useState<string | null>(null);

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
        mark('resumable');
        if (cancelled) return;
        const offer = r.ok ? r.value : null;
        if (offer) setScreen((cur) => (cur.name === 'welcome' ? { name: 'resume', offer } : cur));
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

  // "Leave interview" is on welcome back too, while the interrupted session can still be left.
  const sessionId = 'session' in screen ? screen.session.sessionId : screen.name === 'resume' && screen.offer.state === 'interrupted' ? screen.offer.sessionId : null;
  const lockdownNotice = useLockdown(sessionId);
  const help = helpFor(screen, incidentId);
  const canExit = screen.name === 'question' || screen.name === 'devices' || screen.name === 'precheck' || screen.name === 'consent' || sessionId !== null;

  return (
    <Layout onExit={canExit ? () => setExiting(true) : undefined} help={help} onIncident={setIncidentId} screenKey={screenKeyOf(screen)}>
      <ErrorBanner message={alert} />
      {lockdownNotice && (
        <p className="hint lockdown-notice" role="status" data-testid="lockdown-notice">
          {t(lockdownNotice)}
        </p>
      )}
      {screen.name === 'loading' && <p className="card">{t('app.connecting')}</p>}
      {screen.name === 'welcome' && <WelcomeScreen onCheckedIn={(s) => void afterSession(s)} />}
      {screen.name === 'welcome' && <SystemCheckEntry onOpen={() => setScreen({ name: 'systemCheck' })} />}
      {screen.name === 'systemCheck' && <SystemCheckScreen onBack={() => setScreen({ name: 'welcome' })} />}
      {screen.name === 'resume' && <ResumeScreen offer={screen.offer} onResumed={showCurrent} onOther={() => setScreen({ name: 'welcome' })} />}
      {screen.name === 'consent' && (
        <ConsentScreen session={screen.session} onAccepted={(s) => void afterSession(s)} onDeclined={() => setScreen({ name: 'declined' })} />
      )}
      {screen.name === 'declined' && <DeclinedScreen />}
      {screen.name === 'devices' && <DeviceScreen session={screen.session} onReady={(s) => void afterSession(s)} />}
      {screen.name === 'precheck' && (
        // The full pre-check passed: a calm camera preview and an unscored practice answer come next.
        <PrecheckScreen session={screen.session} onReady={(s) => setScreen({ name: 'devices', session: s })} />
      )}
      {screen.name === 'question' && (
        <QuestionScreen
          key={`${screen.question.questionIndex}:${screen.question.attempt}:${screen.question.segment}`}
          question={screen.question}
          onNext={showCurrent}
          onRetake={(q) => setScreen({ name: 'question', session: screen.session, question: q })}
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
            setIncidentId(r.incidentId);
            setScreen({ name: 'exited', receipt: r });
          }}
        />
      )}
    </Layout>
  );
}

/** What the help dialog tells the staff about where the candidate is. */
function helpFor(screen: Screen, incidentId: string | null): HelpInfo {
  const base: HelpInfo = { screen: screen.name, screenLabel: `screen.${screen.name}`, incidentId };
  switch (screen.name) {
    case 'question':
      return {
        ...base,
        sessionId: screen.session.sessionId,
        inviteCode: screen.session.inviteCode,
        question: { n: screen.question.questionIndex + 1, total: screen.question.questionCount },
      };
    case 'consent':
    case 'devices':
    case 'precheck':
      return { ...base, sessionId: screen.session.sessionId, inviteCode: screen.session.inviteCode };
    case 'resume':
      return { ...base, sessionId: screen.offer.sessionId, inviteCode: screen.offer.inviteCode, question: { n: screen.offer.questionIndex + 1, total: screen.offer.questionCount } };
    case 'exited':
      return { ...base, sessionId: screen.receipt.sessionId, incidentId: incidentId ?? screen.receipt.incidentId };
    case 'done':
      return { ...base, sessionId: screen.receipt.sessionId };
    default:
      return base;
  }
}

function screenKeyOf(screen: Screen): string {
  return screen.name === 'question' ? `question:${screen.question.questionIndex}:${screen.question.attempt}` : screen.name;
}

function screenForSession(s: SessionView): Screen {
  switch (s.state) {
    case 'checked_in':
      return { name: 'consent', session: s };
    case 'consented':
      return { name: 'precheck', session: s };
    default:
      return { name: 'welcome' };
  }
}
