/**
 * The channel table: the single source of truth for every operation the renderer may ask of
 * main. Channel names follow `kiosk:<service>:<op>`. The preload exposes one named method per
 * entry; the router validates each request against `request` before any service sees it.
 */
import { z } from 'zod';
import {
  AppendChunkRequest,
  BeginAnswerRequest,
  ChunkAck,
  CheckInRequest,
  ConsentRequest,
  CurrentView,
  DeviceReport,
  Empty,
  ExitConfirmRequest,
  ExitInfo,
  ExitReceipt,
  PrecheckReport,
  QuestionView,
  ResumeOffer,
  ResumeRequest,
  RetakeRequest,
  SessionRequest,
  SessionView,
  StatusEvent,
  SubmitAnswerRequest,
} from './session';
import {
  AssistanceReceipt,
  DeviceLostRequest,
  DeviceRestoredRequest,
  DiagnosticsReceipt,
  DiagnosticsRequest,
  RaiseHandRequest,
  RemuxAck,
  StoreRemuxRequest,
} from './assistance';
import {
  PrecheckFinishRequest,
  PrecheckProgressEvent,
  PrecheckReportView,
  PrecheckRunRequest,
  PrecheckRunView,
  RescheduleReceipt,
  RescheduleRequest,
} from './precheck';
import { RestBreakRequest, SetAccommodationsRequest } from './accommodations';
import { LockdownAck, LockdownPolicyRequest, LockdownPolicyView, LockdownReport } from './lockdown';
import { AttachPageRequest, DialogClockRequest, DraftAck, PageEvent, PagePresence, PageRequest, ProctorLiftRequest, SaveDraftRequest } from './page';
import { FeedbackReportView, HintAck, HintShownRequest, ScoringPolicyView } from './scoring';
import { VisionFlagAck, VisionFlagReport, VisionPolicyView } from './vision';
// --- audio (issue #15) ---
import { AudioPolicyRequest, AudioPolicyView, SpeechReportAck, SpeechReportRequest } from './audio';
// --- end audio ---
import { IdentityDeclineRequest, IdentityIdNumberRequest, IdentityPhotoRequest, IdentityProctorRequest, IdentityView } from './identity';

export const CHANNEL_PREFIX = 'kiosk:';

type ChannelName = `kiosk:${string}:${string}`;

interface OperationSpec {
  readonly channel: ChannelName;
  readonly request: z.ZodType;
  readonly response: z.ZodType;
}

export const operations = {
  checkIn: { channel: 'kiosk:session:checkIn', request: CheckInRequest, response: SessionView },
  giveConsent: { channel: 'kiosk:session:consent', request: ConsentRequest, response: SessionView },
  reportPrecheck: { channel: 'kiosk:session:precheck', request: PrecheckReport, response: SessionView },
  startInterview: { channel: 'kiosk:session:start', request: SessionRequest, response: CurrentView },
  getCurrent: { channel: 'kiosk:session:current', request: SessionRequest, response: CurrentView },
  beginAnswer: { channel: 'kiosk:answer:begin', request: BeginAnswerRequest, response: QuestionView },
  appendChunk: { channel: 'kiosk:media:appendChunk', request: AppendChunkRequest, response: ChunkAck },
  submitAnswer: { channel: 'kiosk:answer:submit', request: SubmitAnswerRequest, response: CurrentView },
  retakeAnswer: { channel: 'kiosk:answer:retake', request: RetakeRequest, response: QuestionView },
  requestExit: { channel: 'kiosk:exit:request', request: SessionRequest, response: ExitInfo },
  confirmExit: { channel: 'kiosk:exit:confirm', request: ExitConfirmRequest, response: ExitReceipt },
  findResumable: { channel: 'kiosk:session:findResumable', request: Empty, response: ResumeOffer.nullable() },
  resume: { channel: 'kiosk:session:resume', request: ResumeRequest, response: CurrentView },
  reportDevices: { channel: 'kiosk:device:report', request: DeviceReport, response: z.object({ recorded: z.boolean() }) },
  deviceLost: { channel: 'kiosk:answer:deviceLost', request: DeviceLostRequest, response: QuestionView },
  deviceRestored: { channel: 'kiosk:answer:deviceRestored', request: DeviceRestoredRequest, response: QuestionView },
  raiseHand: { channel: 'kiosk:assist:raiseHand', request: RaiseHandRequest, response: AssistanceReceipt },
  saveDiagnostics: { channel: 'kiosk:assist:saveDiagnostics', request: DiagnosticsRequest, response: DiagnosticsReceipt },
  storeRemux: { channel: 'kiosk:media:storeRemux', request: StoreRemuxRequest, response: RemuxAck },
  runPrecheck: { channel: 'kiosk:precheck:run', request: PrecheckRunRequest, response: PrecheckRunView },
  finishPrecheck: { channel: 'kiosk:precheck:finish', request: PrecheckFinishRequest, response: PrecheckReportView },
  requestReschedule: { channel: 'kiosk:precheck:reschedule', request: RescheduleRequest, response: RescheduleReceipt },
  reportLockdown: { channel: 'kiosk:lockdown:report', request: LockdownReport, response: LockdownAck },
  lockdownPolicy: { channel: 'kiosk:lockdown:policy', request: LockdownPolicyRequest, response: LockdownPolicyView },
  attachPage: { channel: 'kiosk:page:attach', request: AttachPageRequest, response: PagePresence },
  pageHeartbeat: { channel: 'kiosk:page:heartbeat', request: PageRequest, response: PagePresence },
  detachPage: { channel: 'kiosk:page:detach', request: PageRequest, response: z.object({ detached: z.boolean() }) },
  saveDraft: { channel: 'kiosk:answer:saveDraft', request: SaveDraftRequest, response: DraftAck },
  dialogClock: { channel: 'kiosk:answer:dialogClock', request: DialogClockRequest, response: QuestionView },
  endRestBreak: { channel: 'kiosk:answer:endRestBreak', request: RestBreakRequest, response: QuestionView },
  setAccommodations: { channel: 'kiosk:session:setAccommodations', request: SetAccommodationsRequest, response: SessionView },
  liftProctorPause: { channel: 'kiosk:proctor:liftPause', request: ProctorLiftRequest, response: QuestionView },
  getResumeOffer: { channel: 'kiosk:session:resumeOffer', request: z.strictObject({ sessionId: SessionRequest.shape.sessionId }), response: ResumeOffer },
  scoringPolicy: { channel: 'kiosk:scoring:policy', request: SessionRequest, response: ScoringPolicyView },
  hintShown: { channel: 'kiosk:scoring:hintShown', request: HintShownRequest, response: HintAck },
  feedbackReport: { channel: 'kiosk:scoring:report', request: SessionRequest, response: FeedbackReportView },
  // camera integrity flags (issue #15): journaled for a human, never a score
  visionPolicy: { channel: 'kiosk:vision:policy', request: SessionRequest, response: VisionPolicyView },
  visionFlag: { channel: 'kiosk:vision:flag', request: VisionFlagReport, response: VisionFlagAck },
  // --- audio (issue #15): voice activity during spoken answers, journaled for HR, never scored ---
  audioPolicy: { channel: 'kiosk:audio:policy', request: AudioPolicyRequest, response: AudioPolicyView },
  reportSpeech: { channel: 'kiosk:audio:report', request: SpeechReportRequest, response: SpeechReportAck },
  // --- end audio ---
  // the optional identity check at check-in (issue #15): sealed on this device, decided by a proctor, never face matching
  identityOpen: { channel: 'kiosk:identity:open', request: SessionRequest, response: IdentityView },
  identityPhoto: { channel: 'kiosk:identity:photo', request: IdentityPhotoRequest, response: IdentityView },
  identityIdNumber: { channel: 'kiosk:identity:idNumber', request: IdentityIdNumberRequest, response: IdentityView },
  identityProctor: { channel: 'kiosk:identity:proctor', request: IdentityProctorRequest, response: IdentityView },
  identityDecline: { channel: 'kiosk:identity:decline', request: IdentityDeclineRequest, response: IdentityView },
} as const satisfies Record<string, OperationSpec>;

export type Operations = typeof operations;
export type OperationName = keyof Operations;
export type RequestOf<K extends OperationName> = z.input<Operations[K]['request']>;
export type ParsedRequestOf<K extends OperationName> = z.output<Operations[K]['request']>;
export type ResponseOf<K extends OperationName> = z.output<Operations[K]['response']>;

/** Events main pushes to the renderer. A subscription returns its unsubscribe function. */
export const events = {
  status: { channel: 'kiosk:event:status', payload: StatusEvent },
  precheckProgress: { channel: 'kiosk:event:precheckProgress', payload: PrecheckProgressEvent },
  page: { channel: 'kiosk:event:page', payload: PageEvent },
} as const satisfies Record<string, { channel: ChannelName; payload: z.ZodType }>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayloadOf<K extends EventName> = z.output<Events[K]['payload']>;

export const operationNames = Object.keys(operations) as OperationName[];
export const eventNames = Object.keys(events) as EventName[];

const byChannel = new Map<string, OperationName>(operationNames.map((n) => [operations[n].channel, n]));

export function operationForChannel(channel: string): OperationName | undefined {
  return byChannel.get(channel);
}
