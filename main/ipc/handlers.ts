import type { SessionService } from '../services/session/session-service';
import type { Handlers } from './router';

/** Maps each contract operation to exactly one service call. */
export function createHandlers(sessions: SessionService): Handlers {
  return {
    checkIn: (r) => sessions.checkIn(r.inviteCode, r.locale),
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
  };
}
