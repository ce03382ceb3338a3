import type { CheckInPreparer } from '../services/packs/check-in-preparer';
import type { PrecheckService } from '../services/precheck/precheck-service';
import type { AssistanceService } from '../services/session/assistance';
import type { SessionService } from '../services/session/session-service';
import type { Handlers } from './router';

/** Maps each contract operation to exactly one service call. */
export function createHandlers(sessions: SessionService, assistance: AssistanceService, precheck: PrecheckService, checkIn?: CheckInPreparer): Handlers {
  return {
    checkIn: async (r) => {
      // Unlock the pack and tailor the questions first (network, résumé parsing), then check in.
      const prepared = checkIn ? await checkIn.prepare(r.inviteCode, r.unlockCode) : undefined;
      if (prepared && !prepared.ok) return prepared;
      return sessions.checkIn(r.inviteCode, r.locale, prepared?.value);
    },
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
    resume: (r) => sessions.resume(r.inviteCode, r.resumeCode),
    reportDevices: (r) => sessions.reportDevices(r),
    deviceLost: (r) => sessions.deviceLost(r.sessionId, r.questionIndex, r.device),
    deviceRestored: (r) => sessions.deviceRestored(r.sessionId, r.questionIndex),
    raiseHand: (r) => assistance.raiseHand(r.sessionId, r.screen),
    saveDiagnostics: (r) => assistance.saveDiagnostics(r.sessionId, r.screen, r.renderer),
    storeRemux: (r) => assistance.storeRemux(r),
    runPrecheck: (r) => precheck.run(r),
    finishPrecheck: (r) => precheck.finish(r),
    requestReschedule: (r) => sessions.requestReschedule(r.sessionId, r.reason, r.text, r.runId),
    attachPage: (r) => sessions.attachPage(r.sessionId, r.pageId, r.tabId, r.reloaded),
    pageHeartbeat: (r) => sessions.pageHeartbeat(r.sessionId, r.pageId),
    detachPage: (r) => sessions.detachPage(r.sessionId, r.pageId),
    saveDraft: (r) => sessions.saveDraft(r.sessionId, r.questionIndex, r.attempt, r.pageId, r.text),
    getResumeOffer: (r) => sessions.resumeOffer(r.sessionId),
    dialogClock: (r) => sessions.dialogClock(r.sessionId, r.questionIndex, r.dialog, r.open),
  };
}
