import { describe, expect, it } from 'vitest';
import { clearClipboardNow, diffDisplays, DISPLAY_POLL_MS, faultAction, FAULT_LOOP_WINDOW_MS, powerSaveAction } from '../../../main/app/lockdown-policy';
import { kioskWindowOptions } from '../../../main/app/window-policy';

describe('lockdown policy', () => {
  it('names the displays added and removed between two listings', () => {
    const a = { id: 1, width: 1920, height: 1080 };
    const b = { id: 2, width: 1280, height: 720 };
    expect(diffDisplays([a], [a, b])).toEqual({ added: [b], removed: [] });
    expect(diffDisplays([a, b], [b])).toEqual({ added: [], removed: [a] });
    expect(diffDisplays([a], [a])).toEqual({ added: [], removed: [] });
  });

  it('polls displays often enough to see a change within two seconds', () => {
    expect(DISPLAY_POLL_MS * 2).toBeLessThanOrEqual(2000);
  });

  it('holds the power-save blocker exactly while an interview is in progress', () => {
    expect(powerSaveAction(true, false)).toBe('start');
    expect(powerSaveAction(true, true)).toBe('none');
    expect(powerSaveAction(false, true)).toBe('stop');
    expect(powerSaveAction(false, false)).toBe('none');
  });

  it('clears the clipboard once, at interview start, only when the pack blocks it', () => {
    expect(clearClipboardNow(false, true, true)).toBe(true);
    expect(clearClipboardNow(true, true, true)).toBe(false);
    expect(clearClipboardNow(false, true, false)).toBe(false);
    expect(clearClipboardNow(true, false, true)).toBe(false);
  });

  it('restarts after a fault in main, but stops instead of looping right after a start', () => {
    expect(faultAction(FAULT_LOOP_WINDOW_MS)).toEqual({ kind: 'relaunch' });
    expect(faultAction(5_000)).toEqual({ kind: 'exit' });
  });

  it('never enables DevTools in a kiosk window, even when asked', () => {
    expect(kioskWindowOptions({ preloadPath: '/p', kiosk: true, platform: 'linux', devTools: true }).webPreferences?.devTools).toBe(false);
    expect(kioskWindowOptions({ preloadPath: '/p', kiosk: false, platform: 'linux', devTools: false }).webPreferences?.devTools).toBe(false);
    expect(kioskWindowOptions({ preloadPath: '/p', kiosk: false, platform: 'linux', devTools: true }).webPreferences?.devTools).toBe(true);
  });
});
