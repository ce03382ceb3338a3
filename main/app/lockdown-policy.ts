/**
 * The Electron shell's lockdown decisions that are not about keys (those are in
 * preload/contract/lockdown.ts, shared with the renderer): display changes, the power-save
 * blocker, the clipboard at interview start and what to do after a fault in main. Pure, so they
 * are unit-tested under Node without Electron.
 */

export interface DisplayFacts {
  readonly id: number;
  readonly width: number;
  readonly height: number;
}

export interface DisplayChange {
  readonly added: readonly DisplayFacts[];
  readonly removed: readonly DisplayFacts[];
}

/**
 * What changed between two listings of displays. `screen` events are not delivered reliably on
 * every OS (mirroring, some docks), so the shell also polls every second and compares listings:
 * a display added or removed is seen within two seconds either way.
 */
export function diffDisplays(before: readonly DisplayFacts[], after: readonly DisplayFacts[]): DisplayChange {
  const was = new Set(before.map((d) => d.id));
  const is = new Set(after.map((d) => d.id));
  return { added: after.filter((d) => !was.has(d.id)), removed: before.filter((d) => !is.has(d.id)) };
}

/** Poll period for displays: half of the two-second promise. */
export const DISPLAY_POLL_MS = 1000;

export type PowerSaveAction = 'start' | 'stop' | 'none';

/** Keep the display awake while an interview is in progress, and only then. */
export function powerSaveAction(interviewInProgress: boolean, blockerRunning: boolean): PowerSaveAction {
  if (interviewInProgress && !blockerRunning) return 'start';
  if (!interviewInProgress && blockerRunning) return 'stop';
  return 'none';
}

/** Clear the clipboard once, when an interview starts, if the pack blocks the clipboard. */
export function clearClipboardNow(wasInProgress: boolean, isInProgress: boolean, packBlocksClipboard: boolean): boolean {
  return packBlocksClipboard && isInProgress && !wasInProgress;
}

export type FaultAction =
  /** Record, tell the candidate, and start the app again: the journal resumes them. */
  | { readonly kind: 'relaunch' }
  /** Faulted again soon after a start: stop and ask for staff instead of looping. */
  | { readonly kind: 'exit' };

/** A fault this soon after start means restarting would likely fault again. */
export const FAULT_LOOP_WINDOW_MS = 30_000;

/**
 * An uncaught exception in main leaves it in an unknown state: never reload and carry on. The
 * session is interrupted (the next start offers "welcome back"), the candidate is told, and the
 * app restarts, unless it just started, when it stops rather than loop.
 */
export function faultAction(uptimeMs: number): FaultAction {
  return uptimeMs >= FAULT_LOOP_WINDOW_MS ? { kind: 'relaunch' } : { kind: 'exit' };
}

/** The bilingual text shown after a fault in main. */
export const FAULT_MESSAGE = [
  '面试终端遇到内部错误，需要重新启动。您已录制的回答都已保存，重新打开后可从中断处继续作答。如未自动重启，请联系考场工作人员。',
  'Interview Kiosk hit an internal error and must restart. Everything you recorded is saved; after the restart you continue where you stopped. If it does not restart by itself, please ask the staff.',
].join('\n\n');
