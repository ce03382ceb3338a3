/**
 * Shared live state for assistive technology. A modal <dialog> makes everything outside it inert,
 * and inert live regions are not announced: so announcements go through this store and are
 * rendered both in the page (LiveAnnouncer in Layout) and inside every open dialog (Dialog), and
 * the countdown's 60/30/10-second warnings still reach a screen reader while Help or Leave is open.
 *
 * The same store carries what the open question's fair clock does while a dialog is open, so the
 * dialogs can say it.
 */
import { useSyncExternalStore } from 'react';

type Listener = () => void;

function store<T>(initial: T) {
  let value = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => value,
    set(next: T) {
      value = next;
      listeners.forEach((l) => l());
    },
    subscribe(l: Listener) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
  };
}

/** `n` changes on every announcement, so repeating the same words is announced again. */
const announcement = store<{ text: string; n: number }>({ text: '', n: 0 });

export function announce(text: string): void {
  announcement.set({ text, n: announcement.get().n + 1 });
}

export function useAnnouncement(): { text: string; n: number } {
  return useSyncExternalStore(announcement.subscribe, announcement.get);
}

export interface DialogClock {
  /** The pack lets Help and Leave stop the clock. */
  readonly stopsClock: boolean;
  /** What is left of this question's allowance, in ms. */
  readonly leftMs: number;
}

const dialogClock = store<DialogClock | null>(null);

/** The open question publishes its fair clock; null when no question is on screen. */
export function publishDialogClock(c: DialogClock | null): void {
  const cur = dialogClock.get();
  if (cur === c || (cur && c && cur.stopsClock === c.stopsClock && cur.leftMs === c.leftMs)) return;
  dialogClock.set(c);
}

export function useDialogClock(): DialogClock | null {
  return useSyncExternalStore(dialogClock.subscribe, dialogClock.get);
}
