/**
 * Lockdown, shared by every process: which keys the kiosk swallows (main's `before-input-event`
 * in Electron, the renderer's keydown listener in the development web shell: one decision, so
 * both shells behave the same), and the messages the renderer sends about focus, visibility and
 * blocked pastes.
 *
 * Two promises the decision keeps, whatever the list says: a key pressed while an input method is
 * composing (Chinese pinyin, Japanese kana, …) is never blocked, and the keys a screen reader or
 * keyboard-only candidate needs (Tab, arrows, Enter, Space, Escape, Home/End, Page keys, Insert,
 * Caps Lock, VoiceOver's Control+Option combinations) are never blocked.
 */
import { z } from 'zod';
import { SessionId } from './common';

export type LockdownOs = 'win32' | 'darwin' | 'linux';

/** Why a key was swallowed; journaled as is. */
export type BlockedShortcut =
  | 'reload'
  | 'devtools'
  | 'zoom'
  | 'print'
  | 'new_window'
  | 'close'
  | 'quit'
  | 'navigate'
  | 'save_or_open'
  | 'view_source'
  | 'find'
  | 'fullscreen'
  | 'minimize_or_hide'
  | 'function_key'
  | 'screenshot';

/** The facts of a key event, from Electron's `Input` or a DOM `KeyboardEvent`. */
export interface KeyFacts {
  readonly key: string;
  readonly code: string;
  readonly control: boolean;
  readonly alt: boolean;
  readonly shift: boolean;
  readonly meta: boolean;
  /** True while an input method composes; DOM keyCode 229 and key "Process" mean the same. */
  readonly isComposing: boolean;
  readonly keyCode?: number;
}

export interface KeyDecision {
  readonly block: boolean;
  readonly shortcut: BlockedShortcut | null;
}

const ALLOW: KeyDecision = { block: false, shortcut: null };
const block = (shortcut: BlockedShortcut): KeyDecision => ({ block: true, shortcut });

/** Letter keys under the platform's command modifier (Ctrl; ⌘ on macOS), per OS. */
const MOD_LETTERS: Record<LockdownOs, Readonly<Record<string, BlockedShortcut>>> = {
  win32: { r: 'reload', w: 'close', n: 'new_window', t: 'new_window', p: 'print', s: 'save_or_open', o: 'save_or_open', u: 'view_source', f: 'find', g: 'find', h: 'navigate', j: 'navigate', l: 'navigate', d: 'navigate', e: 'navigate', k: 'navigate' },
  linux: { r: 'reload', w: 'close', q: 'quit', n: 'new_window', t: 'new_window', p: 'print', s: 'save_or_open', o: 'save_or_open', u: 'view_source', f: 'find', g: 'find', h: 'navigate', j: 'navigate', l: 'navigate', d: 'navigate', e: 'navigate', k: 'navigate' },
  darwin: { r: 'reload', w: 'close', q: 'quit', n: 'new_window', t: 'new_window', p: 'print', s: 'save_or_open', o: 'save_or_open', u: 'view_source', f: 'find', g: 'find', h: 'minimize_or_hide', m: 'minimize_or_hide', l: 'navigate', d: 'navigate', e: 'navigate', y: 'navigate', ',': 'navigate' },
};

const DEVTOOLS_LETTERS = new Set(['i', 'j', 'c']);
const ZOOM_KEYS = new Set(['=', '+', '-', '_', '0']);
const NAV_KEYS = new Set(['BrowserBack', 'BrowserForward', 'BrowserRefresh', 'BrowserHome', 'BrowserSearch', 'BrowserFavorites', 'BrowserStop']);

/** The letter or symbol a key stands for: the physical key (`KeyR`) when known, else `key`. */
function baseKey(f: KeyFacts): string {
  const m = /^Key([A-Z])$/.exec(f.code);
  if (m) return m[1]!.toLowerCase();
  const d = /^Digit(\d)$/.exec(f.code);
  if (d) return d[1]!;
  if (f.code === 'Equal') return '=';
  if (f.code === 'Minus') return '-';
  if (f.code === 'Comma') return ',';
  if (f.code === 'NumpadAdd') return '+';
  if (f.code === 'NumpadSubtract') return '-';
  if (f.code === 'Numpad0') return '0';
  return f.key.length === 1 ? f.key.toLowerCase() : f.key;
}

/** Whether lockdown swallows this key, and under which name it is journaled. */
export function decideKey(f: KeyFacts, os: LockdownOs): KeyDecision {
  // An input method owns the keyboard while it composes: never interfere.
  if (f.isComposing || f.key === 'Process' || f.keyCode === 229) return ALLOW;
  // VoiceOver's modifier (Control+Option) passes untouched on macOS.
  if (os === 'darwin' && f.control && f.alt) return ALLOW;

  const fn = /^F(\d{1,2})$/.exec(f.key);
  if (fn) {
    if (f.key === 'F5') return block('reload');
    if (f.key === 'F12') return block('devtools');
    if (f.key === 'F11') return block('fullscreen');
    if (f.alt && f.key === 'F4' && os !== 'darwin') return block('close');
    return block('function_key');
  }
  if (f.key === 'PrintScreen') return block('screenshot');
  if (NAV_KEYS.has(f.key)) return block(f.key === 'BrowserRefresh' ? 'reload' : 'navigate');
  if (f.key === 'Print') return block('print');
  if (f.key === 'Close') return block('close');
  if (f.key === 'ZoomIn' || f.key === 'ZoomOut' || f.key === 'ZoomToggle') return block('zoom');

  const k = baseKey(f);
  const mod = os === 'darwin' ? f.meta : f.control;

  // Back and forward: Alt+arrows on Windows/Linux, ⌘+[ ] and ⌘+arrows on macOS.
  if (os !== 'darwin' && f.alt && !f.control && (f.key === 'ArrowLeft' || f.key === 'ArrowRight' || f.key === 'Home')) return block('navigate');
  if (os === 'darwin' && f.meta && (k === '[' || k === ']' || f.key === 'ArrowLeft' || f.key === 'ArrowRight')) return block('navigate');
  // Exiting fullscreen on macOS: ⌘+Ctrl+F.
  if (os === 'darwin' && f.meta && f.control && k === 'f') return block('fullscreen');

  if (!mod) return ALLOW;
  // DevTools: Ctrl+Shift+I/J/C; on macOS ⌘+Option+I/J/C.
  if (DEVTOOLS_LETTERS.has(k) && (f.shift || (os === 'darwin' && f.alt))) return block('devtools');
  if (ZOOM_KEYS.has(k)) return block('zoom');
  if (k === 'r') return block('reload');
  if (os === 'darwin' && k === 'w' && f.alt) return block('close');
  // ⌘+Option+Esc (Force Quit) cannot be stopped from an app; it is listed in docs/lockdown.md.
  return MOD_LETTERS[os][k] ? block(MOD_LETTERS[os][k]) : ALLOW;
}

/** The OS lockdown decides for, from Node's `process.platform` or the browser's user agent. */
export function lockdownOs(platform: string): LockdownOs {
  const p = platform.toLowerCase();
  if (p === 'darwin' || p.startsWith('mac')) return 'darwin';
  if (p === 'win32' || p.startsWith('win')) return 'win32';
  return 'linux';
}

export const LockdownEventKind = z.enum(['focus_lost', 'focus_regained', 'hidden', 'visible', 'shortcut_blocked', 'paste_blocked', 'fullscreen_left']);
export type LockdownEventKind = z.infer<typeof LockdownEventKind>;

const ShortcutName = z.enum([
  'reload',
  'devtools',
  'zoom',
  'print',
  'new_window',
  'close',
  'quit',
  'navigate',
  'save_or_open',
  'view_source',
  'find',
  'fullscreen',
  'minimize_or_hide',
  'function_key',
  'screenshot',
]);

/** What the renderer's lockdown listener saw. Main stamps the time and computes durations. */
export const LockdownReport = z
  .object({
    sessionId: SessionId.nullable(),
    kind: LockdownEventKind,
    shortcut: ShortcutName.optional(),
  })
  .strict();
export type LockdownReport = z.infer<typeof LockdownReport>;

export const LockdownAck = z
  .object({
    recorded: z.boolean(),
    /** How long focus or visibility was away, for `focus_regained` / `visible`. */
    durationMs: z.number().int().min(0).nullable(),
  })
  .strict();
export type LockdownAck = z.infer<typeof LockdownAck>;

export const LockdownPolicyRequest = z.object({ sessionId: SessionId.nullable() }).strict();

/** What the renderer enforces for this session: from the pack's lockdown policy. */
export const LockdownPolicyView = z
  .object({
    blockPaste: z.boolean(),
    clearClipboardAtStart: z.boolean(),
    /** True when main itself sees window focus and keys (Electron); the renderer then reports only pastes. */
    mainObservesWindow: z.boolean(),
  })
  .strict();
export type LockdownPolicyView = z.infer<typeof LockdownPolicyView>;
