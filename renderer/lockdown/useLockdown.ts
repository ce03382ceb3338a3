/**
 * The renderer's part of lockdown, active while a candidate has a session:
 *  - pastes (and text dropped) into answers are blocked when the pack says so, journaled, and the
 *    candidate is told why;
 *  - in the development web shell, where main cannot see the window, focus and visibility changes
 *    are reported and the shortcut keys are swallowed with the same decision main applies in
 *    Electron (preload/contract/lockdown.ts). In Electron main observes those itself.
 * Keys pressed while an input method composes are never touched, and nothing here moves focus or
 * hides content from assistive technology.
 */
import { useEffect, useState } from 'react';
import { decideKey, lockdownOs, type LockdownReport } from '../../preload/contract/lockdown';
import type { MessageKey } from '../i18n/en';
import { kiosk } from '../ipc/kiosk';

const NOTICE_MS = 6000;

function isEditable(t: EventTarget | null): boolean {
  if (!(t instanceof HTMLElement)) return false;
  return t instanceof HTMLTextAreaElement || (t instanceof HTMLInputElement && t.type !== 'checkbox' && t.type !== 'radio') || t.isContentEditable;
}

/** Returns the notice to show the candidate (a message key), or null. */
export function useLockdown(sessionId: string | null): MessageKey | null {
  const [notice, setNotice] = useState<MessageKey | null>(null);

  useEffect(() => {
    if (!sessionId) return;
    let active = true;
    let blockPaste = true;
    let observeWindow = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const report = (r: Omit<LockdownReport, 'sessionId'>): void => {
      void kiosk().reportLockdown({ sessionId, ...r });
    };
    const tell = (key: MessageKey): void => {
      setNotice(key);
      clearTimeout(timer);
      timer = setTimeout(() => active && setNotice(null), NOTICE_MS);
    };
    void kiosk()
      .lockdownPolicy({ sessionId })
      .then((r) => {
        if (!active || !r.ok) return;
        blockPaste = r.value.blockPaste;
        observeWindow = !r.value.mainObservesWindow;
      });

    const onPaste = (e: ClipboardEvent): void => {
      if (!blockPaste || !isEditable(e.target)) return;
      e.preventDefault();
      report({ kind: 'paste_blocked' });
      tell('lockdown.pasteBlocked');
    };
    const onDrop = (e: DragEvent): void => {
      if (!blockPaste || !isEditable(e.target)) return;
      e.preventDefault();
      report({ kind: 'paste_blocked' });
      tell('lockdown.pasteBlocked');
    };
    const os = lockdownOs(navigator.platform);
    const onKeyDown = (e: KeyboardEvent): void => {
      if (!observeWindow) return;
      const d = decideKey({ key: e.key, code: e.code, control: e.ctrlKey, alt: e.altKey, shift: e.shiftKey, meta: e.metaKey, isComposing: e.isComposing, keyCode: e.keyCode }, os);
      if (!d.block) return;
      e.preventDefault();
      e.stopPropagation();
      if (d.shortcut && !e.repeat) {
        report({ kind: 'shortcut_blocked', shortcut: d.shortcut });
        tell('lockdown.shortcutBlocked');
      }
    };
    const onBlur = (): void => {
      if (observeWindow) report({ kind: 'focus_lost' });
    };
    const onFocus = (): void => {
      if (observeWindow) report({ kind: 'focus_regained' });
    };
    const onVisibility = (): void => {
      if (observeWindow) report({ kind: document.visibilityState === 'hidden' ? 'hidden' : 'visible' });
    };
    document.addEventListener('paste', onPaste, true);
    document.addEventListener('drop', onDrop, true);
    window.addEventListener('keydown', onKeyDown, true);
    window.addEventListener('blur', onBlur);
    window.addEventListener('focus', onFocus);
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      active = false;
      clearTimeout(timer);
      document.removeEventListener('paste', onPaste, true);
      document.removeEventListener('drop', onDrop, true);
      window.removeEventListener('keydown', onKeyDown, true);
      window.removeEventListener('blur', onBlur);
      window.removeEventListener('focus', onFocus);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [sessionId]);

  return notice;
}
