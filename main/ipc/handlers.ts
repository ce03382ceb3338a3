import type { CheckInPreparer } from '../services/packs/check-in-preparer';
import type { LockdownRecorder } from '../services/integrity/lockdown-recorder';
import type { VisionFlagRecorder } from '../services/integrity/vision-flags';
import type { CandidateFeedback } from '../services/scoring/candidate-feedback';
import type { SpeechReporter } from '../services/audio/speech-reporter';
import type { PrecheckService } from '../services/precheck/precheck-service';
import type { AssistanceService } from '../services/session/assistance';
import type { InviteGate } from '../services/session/invite-gate';
import type { SessionService } from '../services/session/session-service';
import type { IdentityCheck } from '../services/identity/identity-check';
import { err } from '../common/result';
import type { Handlers } from './router';

/** Maps each contract operation to exactly one service call. */
export function createHandlers(
  sessions: SessionService,
  assistance: AssistanceService,
  precheck: PrecheckService,
  checkIn: CheckInPreparer | undefined,
  gate: InviteGate,
  lockdown?: LockdownRecorder,
  feedback?: CandidateFeedback,
  vision?: VisionFlagRecorder,
  speech?: SpeechReporter,
  identity?: IdentityCheck,
): Handlers {
  const noIdentity = () => err('INTERNAL', 'the identity check is not running on this kiosk');
  // A new page for a session (resume, attach): flags the old page left open end as interrupted.
  // Flags from before a restart were closed at start, so only this process's open ones remain:
  // the common case (nothing open) costs no journal read on the attach path.
  const newPage = (sessionId: string) => {
    if (vision?.hasOpen(sessionId) || speech?.isShowing(sessionId)) vision?.closeInterrupted(sessionId);
    speech?.forget(sessionId);
  };
  return {
    // The invite gate normalises the typed code and throttles wrong ones before anything else runs.
    checkIn: (r) =>
      gate.checkIn(r.inviteCode, async (code) => {
        // Unlock the pack and tailor the questions first (network, résumé parsing), then check in.
        const prepared = checkIn ? await checkIn.prepare(code, r.unlockCode) : undefined;
        if (prepared && !prepared.ok) return prepared;
        return sessions.checkIn(code, r.locale, prepared?.value);
      }),
    giveConsent: (r) => sessions.giveConsent(r.sessionId, r.accepted, r.consentVersion, r.declineReason),
    reportPrecheck: (r) => sessions.reportPrecheck(r.sessionId, r.camera, r.microphone),
    startInterview: (r) => sessions.start(r.sessionId),
    getCurrent: (r) => sessions.current(r.sessionId),
    beginAnswer: (r) => sessions.beginAnswer(r.sessionId, r.questionIndex),
    appendChunk: (r) => sessions.appendChunk(r),
    submitAnswer: (r) => sessions.submitAnswer(r.sessionId, r.questionIndex, r.attempt, r.text),
    retakeAnswer: (r) => sessions.retake(r.sessionId, r.questionIndex, r.attempt),
    requestExit: (r) => sessions.requestExit(r.sessionId),
    confirmExit: (r) => sessions.confirmExit(r.sessionId, r.reason, r.text),
    findResumable: () => sessions.findResumable(),
    resume: (r) => {
      // The pack's validity is checked again at resume (an expired pack does not carry on).
      const usable = checkIn?.checkResume(r.inviteCode);
      if (usable && !usable.ok) return usable;
      const resumed = sessions.resume(r.inviteCode, r.resumeCode);
      if (resumed.ok && (vision || speech)) newPage(resumed.value.session.sessionId);
      return resumed;
    },
    reportDevices: (r) => sessions.reportDevices(r),
    deviceLost: (r) => sessions.deviceLost(r.sessionId, r.questionIndex, r.device),
    deviceRestored: (r) => sessions.deviceRestored(r.sessionId, r.questionIndex),
    raiseHand: (r) => assistance.raiseHand(r.sessionId, r.screen, r.incidentId),
    saveDiagnostics: (r) => assistance.saveDiagnostics(r.sessionId, r.screen, r.renderer, r.incidentId),
    storeRemux: (r) => assistance.storeRemux(r),
    runPrecheck: (r) => precheck.run(r),
    finishPrecheck: (r) => precheck.finish(r),
    requestReschedule: (r) => sessions.requestReschedule(r.sessionId, r.reason, r.text, r.runId),
    reportLockdown: (r) => (lockdown ? lockdown.report(r) : err('INTERNAL', 'lockdown is not running on this kiosk')),
    lockdownPolicy: (r) => (lockdown ? lockdown.policy(r.sessionId) : err('INTERNAL', 'lockdown is not running on this kiosk')),
    attachPage: (r) => {
      const attached = sessions.attachPage(r.sessionId, r.pageId, r.tabId, r.reloaded);
      if (attached.ok && attached.value.active && (vision || speech)) newPage(r.sessionId);
      return attached;
    },
    pageHeartbeat: (r) => sessions.pageHeartbeat(r.sessionId, r.pageId),
    detachPage: (r) => sessions.detachPage(r.sessionId, r.pageId),
    saveDraft: (r) => sessions.saveDraft(r.sessionId, r.questionIndex, r.attempt, r.pageId, r.text),
    getResumeOffer: (r) => sessions.resumeOffer(r.sessionId),
    dialogClock: (r) => sessions.dialogClock(r.sessionId, r.questionIndex, r.dialog, r.open),
    scoringPolicy: (r) => (feedback ? feedback.policy(r.sessionId) : err('INTERNAL', 'scoring is not running on this kiosk')),
    hintShown: (r) => (feedback ? feedback.hintShown(r.sessionId, r.questionIndex, r.attempt, r.hint) : err('INTERNAL', 'scoring is not running on this kiosk')),
    feedbackReport: (r) => (feedback ? feedback.report(r.sessionId) : err('INTERNAL', 'scoring is not running on this kiosk')),
    endRestBreak: (r) => sessions.endRestBreak(r.sessionId, r.questionIndex),
    setAccommodations: (r) => sessions.setAccommodations(r),
    liftProctorPause: (r) => sessions.liftProctorPause(r.sessionId, r.code),
    visionPolicy: (r) => (vision ? vision.policy(r.sessionId) : err('INTERNAL', 'camera flags are not running on this kiosk')),
    visionFlag: (r) => (vision ? vision.report(r) : err('INTERNAL', 'camera flags are not running on this kiosk')),
    // --- audio (issue #15) ---
    audioPolicy: (r) => (speech ? speech.policy(r.sessionId) : err('INTERNAL', 'voice activity is not running on this kiosk')),
    reportSpeech: (r) => (speech ? speech.report(r) : err('INTERNAL', 'voice activity is not running on this kiosk')),
    // --- end audio ---
    identityOpen: (r) => (identity ? identity.open(r.sessionId) : noIdentity()),
    identityPhoto: (r) => (identity ? identity.capturePhoto(r) : noIdentity()),
    identityIdNumber: (r) => (identity ? identity.enterIdNumber(r.sessionId, r.docType, r.number) : noIdentity()),
    identityProctor: (r) => (identity ? identity.proctor(r.sessionId, r.code, r.decision) : noIdentity()),
    identityDecline: (r) => (identity ? identity.decline(r.sessionId) : noIdentity()),
  };
}
