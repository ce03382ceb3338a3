import { useCallback, useEffect, useRef, useState } from 'react';
import type { CompletionReceipt, CurrentView, ExitReceipt, QuestionView, ResumeOffer, SessionView } from '../preload/contract/session';
import type { HelpInfo } from './components/HelpDialog';
import { ErrorBanner, Layout } from './components/Layout';
import { mark } from './diagnostics';
import { errorKey, useI18n } from './i18n';
import { kiosk } from './ipc/kiosk';
import { pageId, tabId, wasReloaded } from './ipc/page-identity';
import { onConnectionLost } from './ipc/ws-client';
import { ConsentScreen, DeclinedScreen } from './screens/ConsentScreen';
import { DeviceScreen } from './screens/DeviceScreen';
import { IdentityScreen } from './screens/IdentityScreen';
import { PrecheckScreen } from './screens/PrecheckScreen';
import { SystemCheckEntry, SystemCheckScreen } from './screens/SystemCheckScreen';
import { DoneScreen } from './screens/DoneScreen';
import { ExitDialog, ExitReceiptScreen } from './screens/ExitDialog';
import { useLockdown } from './lockdown/useLockdown';
import { ProctorPauseScreen } from './screens/ProctorPauseScreen';
import { StagePendingScreen } from './screens/StagePendingScreen';
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
  | { name: 'identity'; session: SessionView }
  | { name: 'systemCheck' }
  | { name: 'question'; session: SessionView; question: QuestionView }
  | { name: 'exited'; receipt: ExitReceipt }
  | { name: 'done'; receipt: CompletionReceipt }
  | { name: 'message'; text: string }
  | { name: 'stagePending'; session: SessionView; view: Extract<CurrentView, { kind: 'stage_pending' }> }
  | { name: 'superseded' };

/** How often the page tells main it still shows the question (main notices 3 s of silence). */
const HEARTBEAT_MS = 500;

export function App() {
  const { t, setLocale } = useI18n();
  // The welcome screen is usable at once; if main reports an interrupted interview, the resume
  // screen replaces it (only while nobody has moved on from the welcome screen).
  const [screen, setScreenState] = useState<Screen>({ name: 'welcome' });
  // Counts screen changes as they are asked for (synchronously, before React renders them), so an
  // answer that arrives after the screen it was asked from has been left can tell, and do nothing.
  const screenGen = useRef(0);
  const setScreen = useCallback((next: Screen | ((cur: Screen) => Screen)) => {
    screenGen.current += 1;
    setScreenState(next);
  }, []);
  const [exiting, setExiting] = useState(false);
  const [alert, setAlert] = useState<string | null>(null);
  const [incidentId, setIncidentId] = useState<string | null>(null);
  const [connectionLost, setConnectionLost] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);

  /**
   * Before a question is shown, this page attaches to the session: main learns which page records
   * (a reload or another tab is not the candidate leaving) and hands back the question as this
   * page must record it (a new page starts a new segment).
   */
  const attachedTo = useRef<string | null>(null);
  const showQuestion = useCallback(async (session: SessionView, question: QuestionView) => {
    // Once attached, the next questions of the session come straight from main's answers: no
    // extra round trip between a submit and the next question.
    if (attachedTo.current === session.sessionId) {
      setScreen({ name: 'question', session, question });
      return;
    }
    const r = await kiosk().attachPage({ sessionId: session.sessionId, pageId, tabId: tabId(), reloaded: wasReloaded() });
    if (r.ok && !r.value.active) {
      setScreen({ name: 'superseded' });
      return;
    }
    if (r.ok) attachedTo.current = session.sessionId;
    setScreen({ name: 'question', session, question: r.ok && r.value.question ? r.value.question : question });
  }, []);

  const showCurrent = useCallback(
    (v: CurrentView) => {
      setLocale(v.session.locale);
      switch (v.kind) {
        case 'question':
          void showQuestion(v.session, v.question);
          return;
        case 'completed':
          setScreen({ name: 'done', receipt: v.receipt });
          return;
        case 'stage_pending':
          setScreen({ name: 'stagePending', session: v.session, view: v });
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
    [setLocale, showQuestion],
  );

  const afterSession = useCallback(
    async (s: SessionView) => {
      // The pack's identity check (issue #15) comes after the device check, before the interview starts.
      if (s.state === 'prechecked' && s.identity && !s.identity.cleared) {
        setScreen({ name: 'identity', session: s });
        return;
      }
      if (s.state === 'in_progress' || s.state === 'prechecked') {
        const r = s.state === 'prechecked' ? await kiosk().startInterview({ sessionId: s.sessionId }) : await kiosk().getCurrent({ sessionId: s.sessionId });
        if (r.ok) showCurrent(r.value);
        else setAlert(t(errorKey(r.error.code)));
        return;
      }
      if (s.state === 'interrupted' || s.state === 'exited') {
        // "Welcome back" with this session's own question, time left and deadlines.
        const offer = await kiosk().getResumeOffer({ sessionId: s.sessionId });
        if (offer.ok) setScreen({ name: 'resume', offer: offer.value });
        else setAlert(t(errorKey(offer.error.code)));
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
          if (e.code === 'PROCTOR_PAUSED') {
            // The question on screen gives way to the calm "please wait" screen (the view says paused).
            void kiosk()
              .getCurrent({ sessionId: e.sessionId })
              .then((r) => {
                if (!r.ok || r.value.kind !== 'question') return;
                const question = r.value.question;
                setScreen((cur) => (cur.name === 'question' && cur.session.sessionId === e.sessionId ? { ...cur, question } : cur));
              });
            return;
          }
          if (e.code === 'PROCTOR_PAUSE_LIFTED') return;
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

  useEffect(() => onConnectionLost(() => setConnectionLost(true)), []);

  // While a question is on screen, or the next part is being fetched (the page is still there:
  // waiting on the system is not leaving): heartbeats, goodbye on pagehide, and stepping aside when
  // another page (a newer tab) takes the session over.
  const questionSession = screen.name === 'question' || screen.name === 'stagePending' ? screen.session.sessionId : null;
  useEffect(() => {
    if (!questionSession) return;
    // A beat answered after the screen changed (the candidate confirmed Leave, or finished,
    // while it was in flight) speaks about a screen that is gone: it must not replace the receipt
    // shown now. Only a beat sent and answered on the same screen may act.
    let live = true;
    const stillOn = (gen: number) => live && gen === screenGen.current;
    const stepAside = () => {
      attachedTo.current = null;
      setScreen({ name: 'superseded' });
    };
    const id = setInterval(() => {
      const gen = screenGen.current;
      void kiosk()
        .pageHeartbeat({ sessionId: questionSession, pageId })
        .then(async (r) => {
          if (!stillOn(gen)) return;
          if (r.ok && !r.value.active) stepAside();
          else if (r.ok && r.value.sessionState !== undefined && r.value.sessionState !== 'in_progress') {
            // Away longer than the grace window (a sleeping laptop): the session was interrupted.
            attachedTo.current = null;
            const offer = await kiosk().getResumeOffer({ sessionId: questionSession });
            if (stillOn(gen) && offer.ok) setScreen({ name: 'resume', offer: offer.value });
          }
        });
    }, HEARTBEAT_MS);
    const off = kiosk().on('page', (e) => {
      if (e.sessionId === questionSession && e.activePageId !== pageId) stepAside();
    });
    const goodbye = () => void kiosk().detachPage({ sessionId: questionSession, pageId });
    window.addEventListener('pagehide', goodbye);
    return () => {
      live = false;
      clearInterval(id);
      off();
      window.removeEventListener('pagehide', goodbye);
    };
  }, [questionSession]);

  // "Leave interview" is on welcome back too, while the interrupted session can still be left.
  const sessionId = 'session' in screen ? screen.session.sessionId : screen.name === 'resume' && screen.offer.state === 'interrupted' ? screen.offer.sessionId : null;
  const lockdownNotice = useLockdown(sessionId);
  // Accommodations: larger text and high contrast for the whole kiosk while this session is shown.
  const acc = 'session' in screen ? screen.session.accommodations?.accommodations : undefined;
  useEffect(() => {
    const root = document.documentElement;
    if (acc?.largeText) root.dataset.textSize = 'large';
    else delete root.dataset.textSize;
    if (acc?.highContrast) root.dataset.contrast = 'high';
    else delete root.dataset.contrast;
  }, [acc?.largeText, acc?.highContrast]);
  const help = helpFor(screen, incidentId);
  const canExit = screen.name === 'question' || screen.name === 'devices' || screen.name === 'precheck' || screen.name === 'consent' || screen.name === 'identity' || sessionId !== null;

  return (
    <Layout onExit={canExit ? () => setExiting(true) : undefined} help={help} onIncident={setIncidentId} screenKey={screenKeyOf(screen)} onHelpChange={setHelpOpen}>
      <ErrorBanner message={alert} />
      {lockdownNotice && (
        <p className="hint lockdown-notice" role="status" data-testid="lockdown-notice">
          {t(lockdownNotice)}
        </p>
      )}
      {connectionLost && (
        <p className="error" role="alert" data-testid="connection-lost">
          {t('app.connectionLost')}
        </p>
      )}
      {screen.name === 'loading' && <p className="card">{t('app.connecting')}</p>}
      {screen.name === 'welcome' && <WelcomeScreen onCheckedIn={(s) => void afterSession(s)} />}
      {screen.name === 'welcome' && <SystemCheckEntry onOpen={() => setScreen({ name: 'systemCheck' })} />}
      {screen.name === 'systemCheck' && <SystemCheckScreen onBack={() => setScreen({ name: 'welcome' })} />}
      {screen.name === 'resume' && <ResumeScreen offer={screen.offer} onResumed={showCurrent} onOther={() => setScreen({ name: 'welcome' })} />}
      {screen.name === 'consent' && (
        <ConsentScreen
          session={screen.session}
          onAccepted={(s) => void afterSession(s)}
          onDeclined={() => setScreen({ name: 'declined' })}
          onSessionChanged={(s) => setScreen({ name: 'consent', session: s })}
        />
      )}
      {screen.name === 'declined' && <DeclinedScreen />}
      {screen.name === 'devices' && (
        <DeviceScreen session={screen.session} onReady={(s) => void afterSession(s)} onSessionChanged={(s) => setScreen({ name: 'devices', session: s })} />
      )}
      {screen.name === 'precheck' && (
        // The full pre-check passed: a calm camera preview and an unscored practice answer come next.
        <PrecheckScreen session={screen.session} onReady={(s) => setScreen({ name: 'devices', session: s })} />
      )}
      {screen.name === 'identity' && (
        <IdentityScreen session={screen.session} onCleared={(s) => void afterSession({ ...s, identity: { mode: s.identity?.mode ?? 'required', cleared: true } })} />
      )}
      {screen.name === 'question' && screen.question.proctorPaused === true && (
        <ProctorPauseScreen question={screen.question} onLifted={(q) => setScreen({ name: 'question', session: screen.session, question: q })} />
      )}
      {screen.name === 'question' && screen.question.proctorPaused !== true && (
        <QuestionScreen
          key={`${screen.question.questionIndex}:${screen.question.attempt}:${screen.question.segment}`}
          question={screen.question}
          dialog={exiting ? 'exit' : helpOpen ? 'help' : null}
          onNext={showCurrent}
          onRetake={(q) => setScreen({ name: 'question', session: screen.session, question: q })}
        />
      )}
      {screen.name === 'exited' && <ExitReceiptScreen receipt={screen.receipt} />}
      {screen.name === 'done' && <DoneScreen receipt={screen.receipt} />}
      {screen.name === 'message' && <p className="card">{screen.text}</p>}
      {screen.name === 'stagePending' && <StagePendingScreen view={screen.view} onView={showCurrent} />}
      {screen.name === 'superseded' && (
        <section className="card calm" aria-labelledby="superseded-h" data-testid="page-superseded">
          <h1 id="superseded-h">{t('page.superseded.heading')}</h1>
          <p>{t('page.superseded.body')}</p>
        </section>
      )}
      {exiting && sessionId && (
        <ExitDialog
          sessionId={sessionId}
          clockPaused={screen.name === 'question'}
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
    case 'identity':
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
