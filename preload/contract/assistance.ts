/**
 * Operations that keep a candidate going when something goes wrong: a camera or microphone lost
 * mid-answer (the answer clock pauses), a raised hand for the proctor, a diagnostic bundle for
 * the staff, and the seekable (remuxed) copy of each recorded answer segment.
 */
import { z } from 'zod';
import { DeviceState, SessionId, Timestamp } from './common';

/** Largest part of a remuxed recording sent in one message (the WebSocket limit is 8 MB base64). */
export const MAX_REMUX_PART_BYTES = 2 * 1024 * 1024;
/** Largest remuxed recording accepted (a 5-minute answer at ~1 Mbps is ~40 MB). */
export const MAX_REMUX_PARTS = 64;

const ScreenName = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/);

export const LostDevice = z.enum(['camera', 'microphone', 'both']);
export type LostDevice = z.infer<typeof LostDevice>;

export const DeviceLostRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
  device: LostDevice,
});

export const DeviceRestoredRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
});

/** `INC-YYYYMMDD-XXXXXXXX`, as minted by main for a raised hand, a diagnostic bundle or an exit. */
export const IncidentId = z.string().regex(/^INC-\d{8}-[0-9A-F]{8}$/);

export const RaiseHandRequest = z.strictObject({
  sessionId: SessionId.optional(),
  screen: ScreenName,
  /** The incident the candidate already holds (one help visit, one number); main checks it exists. */
  incidentId: IncidentId.optional(),
});

/** What the candidate can tell the staff: an incident id that finds this moment in the journal. */
export const AssistanceReceipt = z.object({
  incidentId: z.string(),
  at: Timestamp,
  /** True once stored: in the session's journal, or before check-in in the kiosk's incident record. */
  journaled: z.boolean(),
});
export type AssistanceReceipt = z.infer<typeof AssistanceReceipt>;

export const RendererDiagnostics = z.strictObject({
  userAgent: z.string().max(500),
  language: z.string().max(40),
  viewport: z.strictObject({ width: z.number().int().nonnegative().max(100_000), height: z.number().int().nonnegative().max(100_000) }),
  camera: DeviceState,
  microphone: DeviceState,
  online: z.boolean(),
  longTasksOver200ms: z.number().int().nonnegative().max(1_000_000),
  recentErrors: z.array(z.string().max(300)).max(20),
});
export type RendererDiagnostics = z.infer<typeof RendererDiagnostics>;

export const DiagnosticsRequest = z.strictObject({
  sessionId: SessionId.optional(),
  screen: ScreenName,
  incidentId: IncidentId.optional(),
  renderer: RendererDiagnostics,
});

export const DiagnosticsReceipt = z.object({
  bundleId: z.string(),
  incidentId: z.string(),
  at: Timestamp,
  bytes: z.number().int().nonnegative(),
  fileName: z.string(),
});
export type DiagnosticsReceipt = z.infer<typeof DiagnosticsReceipt>;

export const StoreRemuxRequest = z.strictObject({
  sessionId: SessionId,
  questionIndex: z.number().int().nonnegative().max(10_000),
  attempt: z.number().int().nonnegative().max(100),
  segment: z.number().int().nonnegative().max(10_000),
  /** How many committed chunks the remux was made from; must match what main holds. */
  sourceChunks: z.number().int().positive().max(1_000_000),
  durationMs: z.number().int().nonnegative().max(24 * 3600 * 1000).nullable(),
  part: z.number().int().nonnegative().max(MAX_REMUX_PARTS - 1),
  parts: z.number().int().positive().max(MAX_REMUX_PARTS),
  data: z
    .custom<Uint8Array>((v) => v instanceof Uint8Array, { message: 'expected bytes' })
    .refine((d) => d.byteLength > 0 && d.byteLength <= MAX_REMUX_PART_BYTES, { message: `part must be 1..${MAX_REMUX_PART_BYTES} bytes` }),
});
export type StoreRemuxRequest = z.infer<typeof StoreRemuxRequest>;

export const RemuxAck = z.object({
  complete: z.boolean(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).nullable(),
});
export type RemuxAck = z.infer<typeof RemuxAck>;
