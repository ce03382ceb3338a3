/**
 * The interview session: check-in to completion, every recorded chunk journaled before it is
 * acknowledged, elapsed time persisted at least every second, and resume at the exact breakpoint
 * (断点续答) under the pack's resume policy. Expected failures come back as `Result` values with
 * codes; storage faults fail closed (the session becomes `interrupted`, recording stops).
 *
 * This class is a facade over the parts, each in its own file and sharing one SessionContext:
 * - admission.ts — check-in, consent, device check and pre-check, reschedule, start;
 * - answer-clock.ts — the per-question clock (preparation, answer, stopped while a device is lost);
 * - recording.ts — beginning, chunks, submitting, retakes, lost devices, the ticker;
 * - interruption.ts — crash recovery, shutdown, leaving, resume policy, expiry;
 * - page-presence.ts — which page shows the session; reloads, closed windows, crashed renderers
 *   and second tabs are told apart from leaving;
 * - drafts.ts — typed drafts, saved durably and restored;
 * - fair-clock.ts — Help and Leave stop the clock, capped per question;
 * - proctor-pause.ts — a proctor alert pauses the interview until the proctor's code;
 * - views.ts — what the renderer sees.
 */
import type { ExitReason } from '../../../preload/contract/common';
import type { RescheduleReason, RescheduleReceipt } from '../../../preload/contract/precheck';
import type {
  AppendChunkRequest,
  ChunkAck,
  CurrentView,
  DeviceReport,
  ExitInfo,
  ExitReceipt,
  QuestionView,
  ResumeOffer,
  SessionView,
} from '../../../preload/contract/session';
import type { DraftAck, PagePresence as PagePresenceView } from '../../../preload/contract/page';
import { err, ok, type Result } from '../../common/result';
import type { InterruptionKind } from '../../db/queries/sessions';
import type { JournalEventType } from '../journal/journal';
import type { LoadedPack } from '../packs/pack-provider';
import type { Tailoring } from '../packs/variants';
import type { PrecheckRunSummary } from '../precheck/precheck-service';
import { Admission } from './admission';
import { AnswerClock } from './answer-clock';
import { SessionContext, type SessionServiceDeps } from './context';
import { Drafts } from './drafts';
import { FairClock } from './fair-clock';
import { RestBreaks } from './rest-break';
import { proctorAccommodationCode, setAccommodationsByProctor } from './accommodations';
import type { Accommodations, SetAccommodationsRequest } from '../../../preload/contract/accommodations';
import { getSession } from '../../db/queries/sessions';
import { Interruptions } from './interruption';
import { PagePresence } from './page-presence';
import { ProctorPause, type PauseReason } from './proctor-pause';
import { Recording } from './recording';
import { SessionViews } from './views';
import { StageFlow } from './stage-flow';

export type { SessionServiceDeps } from './context';
export { PERSIST_INTERVAL_MS } from './answer-clock';
export { AUTO_SUBMIT_GRACE_MS } from './recording';

export class SessionService {
  private readonly admission: Admission;
  private readonly recording: Recording;
  private readonly interruptions: Interruptions;
  private readonly presence: PagePresence;
  private readonly drafts: Drafts;
  private readonly fairClock: FairClock;
  private readonly restBreaks: RestBreaks;
  private readonly proctorPause: ProctorPause;
  private readonly ctx: SessionContext;
  private readonly views: SessionViews;

  constructor(deps: SessionServiceDeps) {
    const ctx = new SessionContext(deps);
    const clock = new AnswerClock(ctx);
    const views = new SessionViews(ctx, clock);
    this.ctx = ctx;
    this.views = views;
    this.presence = new PagePresence(ctx, clock, views, deps.emitPage);
    this.interruptions = new Interruptions(ctx, clock, views);
    this.admission = new Admission(ctx, clock, views, this.interruptions);
    this.recording = new Recording(ctx, clock, views, this.presence, deps.media);
    this.drafts = new Drafts(ctx, this.presence);
    this.fairClock = new FairClock(ctx, clock, views);
    this.restBreaks = new RestBreaks(ctx, clock, views);
    this.proctorPause = new ProctorPause(ctx, clock, views);
    ctx.stageFlow = new StageFlow(ctx, clock);
  }

  // ------------------------------------------------------------------ lifecycle

  /**
   * Runs once at process start. A session still `in_progress` here was not shut down cleanly:
   * it becomes `interrupted` with a `crash_detected` event. Returns the ids it interrupted.
   */
  recoverAfterStart(options: { staleLock?: unknown } = {}): string[] {
    // Media first: truncate uncommitted bytes and journal damaged chunks before sessions resume.
    this.recording.recoverMedia();
    return this.interruptions.recoverAfterStart(options);
  }

  /** Clean shutdown: open questions are interrupted so the next start does not call it a crash. */
  shutdown(): void {
    this.interruptions.shutdown();
  }

  /** Persists elapsed time of open questions; call every ~500 ms. Also closes overdue answers. */
  tick(): void {
    this.recording.tick();
    this.presence.tick(this.ctx.now());
    this.fairClock.tick(this.ctx.now());
    this.restBreaks.tick(this.ctx.now());
  }

  // ------------------------------------------------------------------ admission

  checkIn(inviteCode: string, locale: 'zh-CN' | 'en', tailoring?: Tailoring): Result<SessionView> {
    return this.admission.checkIn(inviteCode, locale, tailoring);
  }

  giveConsent(sessionId: string, accepted: boolean, consentVersion: string, declineReason?: string): Result<SessionView> {
    return this.admission.giveConsent(sessionId, accepted, consentVersion, declineReason);
  }

  reportPrecheck(sessionId: string, camera: string, microphone: string): Result<SessionView> {
    return this.admission.reportPrecheck(sessionId, camera, microphone);
  }

  precheckPack(sessionId: string): Result<LoadedPack> {
    return this.admission.precheckPack(sessionId);
  }

  recordPrecheckRun(sessionId: string, run: PrecheckRunSummary): Result<SessionView> {
    return this.admission.recordPrecheckRun(sessionId, run);
  }

  requestReschedule(sessionId: string, reason: RescheduleReason, text: string | undefined, runId: string | undefined): Result<RescheduleReceipt> {
    return this.admission.requestReschedule(sessionId, reason, text, runId);
  }

  start(sessionId: string): Result<CurrentView> {
    return this.admission.start(sessionId);
  }

  // ------------------------------------------------------------------ the interview

  current(sessionId: string): Result<CurrentView> {
    return this.recording.current(sessionId);
  }

  beginAnswer(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.recording.beginAnswer(sessionId, questionIndex);
  }

  appendChunk(req: AppendChunkRequest): Promise<Result<ChunkAck>> {
    return this.recording.appendChunk(req);
  }

  submitAnswer(sessionId: string, questionIndex: number, attempt: number, text?: string): Result<CurrentView> {
    return this.recording.submitAnswer(sessionId, questionIndex, attempt, text);
  }

  retake(sessionId: string, questionIndex: number, attempt: number): Result<QuestionView> {
    return this.recording.retake(sessionId, questionIndex, attempt);
  }

  deviceLost(sessionId: string, questionIndex: number, device: string): Result<QuestionView> {
    return this.recording.deviceLost(sessionId, questionIndex, device);
  }

  deviceRestored(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.recording.deviceRestored(sessionId, questionIndex);
  }

  reportDevices(report: DeviceReport): Result<{ recorded: boolean }> {
    return this.recording.reportDevices(report);
  }

  // ------------------------------------------------------------------ leaving and returning

  requestExit(sessionId: string): Result<ExitInfo> {
    return this.interruptions.requestExit(sessionId);
  }

  confirmExit(sessionId: string, reason: ExitReason, text?: string): Result<ExitReceipt> {
    return this.interruptions.confirmExit(sessionId, reason, text);
  }

  findResumable(): Result<ResumeOffer | null> {
    return this.interruptions.findResumable();
  }

  resume(inviteCode: string, resumeCode: string | undefined): Result<CurrentView> {
    return this.interruptions.resume(inviteCode, resumeCode);
  }

  /** The "welcome back" facts for one session (interrupted or left): question, time left, deadlines. */
  resumeOffer(sessionId: string): Result<ResumeOffer> {
    return this.interruptions.offerFor(sessionId);
  }

  // ------------------------------------------------------------------ the page showing the session

  attachPage(sessionId: string, pageId: string, tabId: string, reloaded = false): Result<PagePresenceView> {
    return this.presence.attach(sessionId, pageId, tabId, reloaded);
  }

  pageHeartbeat(sessionId: string, pageId: string): Result<PagePresenceView> {
    return this.presence.heartbeat(sessionId, pageId);
  }

  detachPage(sessionId: string, pageId: string): Result<{ detached: boolean }> {
    return this.presence.detach(sessionId, pageId);
  }

  /** Help or Leave opened or closed on a question: the clock stops while it is open (capped). */
  dialogClock(sessionId: string, questionIndex: number, dialog: 'help' | 'exit', open: boolean): Result<QuestionView> {
    return this.fairClock.dialog(sessionId, questionIndex, dialog, open);
  }

  /** The candidate ends a rest break (accommodation) early. */
  endRestBreak(sessionId: string, questionIndex: number): Result<QuestionView> {
    return this.restBreaks.end(sessionId, questionIndex);
  }

  /** A proctor sets accommodations on the spot, with their code and a reason (journaled). */
  setAccommodations(req: SetAccommodationsRequest): Result<SessionView> {
    const s = getSession(this.ctx.db, req.sessionId);
    if (!s) return err('SESSION_NOT_FOUND', 'no such interview session on this kiosk');
    if (s.state === 'completed' || s.state === 'expired' || s.state === 'no_show') return err('ILLEGAL_TRANSITION', `the interview is ${s.state}`);
    const { db, journal, resumeCodes } = this.ctx.deps;
    const r = this.ctx.guard(s.id, () => setAccommodationsByProctor({ db, journal, resumeCodes }, s.id, req, this.ctx.now()));
    if (!r.ok) return r;
    return ok(this.views.sessionView(getSession(db, s.id)!));
  }

  /** The code a proctor reads out for these accommodations on this session (proctor CLI). */
  accommodationCode(sessionId: string, a: Accommodations): string {
    return proctorAccommodationCode(this.ctx.db, this.ctx.deps.resumeCodes, sessionId, a);
  }

  /**
   * The integrity policy said pause_and_alert: the interview stops (clock, recording, submitting)
   * until the proctor's code lifts the pause. Returns whether it paused now.
   */
  pauseForProctor(sessionId: string, reason: PauseReason): Result<{ paused: boolean }> {
    return this.proctorPause.pause(sessionId, reason);
  }

  /** The proctor's code, typed on the paused kiosk: the interview continues where it stood. */
  liftProctorPause(sessionId: string, code: string): Result<QuestionView> {
    return this.proctorPause.lift(sessionId, code);
  }

  saveDraft(sessionId: string, questionIndex: number, attempt: number, pageId: string, text: string): Result<DraftAck> {
    return this.drafts.save(sessionId, questionIndex, attempt, pageId, text);
  }
}

export type { JournalEventType, InterruptionKind };
