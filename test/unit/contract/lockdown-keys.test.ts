import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decideKey, lockdownOs, type KeyFacts, type LockdownOs } from '../../../preload/contract/lockdown';

const key = (k: string, code: string, mods: Partial<KeyFacts> = {}): KeyFacts => ({
  key: k,
  code,
  control: false,
  alt: false,
  shift: false,
  meta: false,
  isComposing: false,
  ...mods,
});
const letter = (l: string, mods: Partial<KeyFacts> = {}) => key(l, `Key${l.toUpperCase()}`, mods);
const OSES: LockdownOs[] = ['win32', 'linux', 'darwin'];
const cmd = (os: LockdownOs): Partial<KeyFacts> => (os === 'darwin' ? { meta: true } : { control: true });

describe('decideKey: shortcuts blocked per OS', () => {
  it.each(OSES)('blocks reload, devtools, zoom, print, new window and close on %s', (os) => {
    expect(decideKey(letter('r', cmd(os)), os)).toEqual({ block: true, shortcut: 'reload' });
    expect(decideKey(letter('R', { ...cmd(os), shift: true }), os).shortcut).toBe('reload');
    expect(decideKey(key('F5', 'F5'), os).shortcut).toBe('reload');
    expect(decideKey(key('F12', 'F12'), os).shortcut).toBe('devtools');
    const devtools = os === 'darwin' ? { meta: true, alt: true } : { control: true, shift: true };
    expect(decideKey(letter('i', devtools), os).shortcut).toBe('devtools');
    expect(decideKey(letter('j', devtools), os).shortcut).toBe('devtools');
    expect(decideKey(key('=', 'Equal', cmd(os)), os).shortcut).toBe('zoom');
    expect(decideKey(key('-', 'Minus', cmd(os)), os).shortcut).toBe('zoom');
    expect(decideKey(key('0', 'Digit0', cmd(os)), os).shortcut).toBe('zoom');
    expect(decideKey(letter('p', cmd(os)), os).shortcut).toBe('print');
    expect(decideKey(letter('n', cmd(os)), os).shortcut).toBe('new_window');
    expect(decideKey(letter('t', cmd(os)), os).shortcut).toBe('new_window');
    expect(decideKey(letter('w', cmd(os)), os).shortcut).toBe('close');
    expect(decideKey(key('F7', 'F7'), os).shortcut).toBe('function_key');
    expect(decideKey(key('F11', 'F11'), os).shortcut).toBe('fullscreen');
  });

  it('blocks Alt+F4 and Alt+arrows on Windows and Linux, ⌘Q, ⌘H, ⌘M and ⌘[ on macOS', () => {
    expect(decideKey(key('F4', 'F4', { alt: true }), 'win32').shortcut).toBe('close');
    expect(decideKey(key('ArrowLeft', 'ArrowLeft', { alt: true }), 'linux').shortcut).toBe('navigate');
    expect(decideKey(letter('q', { meta: true }), 'darwin').shortcut).toBe('quit');
    expect(decideKey(letter('h', { meta: true }), 'darwin').shortcut).toBe('minimize_or_hide');
    expect(decideKey(letter('m', { meta: true }), 'darwin').shortcut).toBe('minimize_or_hide');
    expect(decideKey(key('[', 'BracketLeft', { meta: true }), 'darwin').shortcut).toBe('navigate');
    expect(decideKey(letter('f', { meta: true, control: true }), 'darwin').shortcut).toBe('fullscreen');
  });

  it('uses the platform modifier: Ctrl+R is not a shortcut on macOS, ⌘R is not one on Windows', () => {
    expect(decideKey(letter('r', { control: true }), 'darwin').block).toBe(false);
    expect(decideKey(letter('r', { meta: true }), 'win32').block).toBe(false);
  });

  it('decides by the physical key, so a non-Latin layout cannot slip Ctrl+R past', () => {
    expect(decideKey(key('к', 'KeyR', { control: true }), 'linux').shortcut).toBe('reload');
  });

  it('leaves copy, cut, select-all and undo alone (the clipboard policy handles paste)', () => {
    for (const l of ['c', 'x', 'a', 'z', 'v']) expect(decideKey(letter(l, { control: true }), 'win32').block).toBe(false);
  });
});

describe('decideKey: never breaks an input method or a screen reader', () => {
  it('never blocks a key while an IME composes, whatever the key and modifiers', () => {
    const anyKey = fc.record({
      key: fc.oneof(fc.constantFrom('r', 'F5', 'F12', 'w', 'Enter', '=', 'Process'), fc.string({ maxLength: 3 })),
      code: fc.oneof(fc.constantFrom('KeyR', 'F5', 'KeyW', 'Equal', ''), fc.string({ maxLength: 6 })),
      control: fc.boolean(),
      alt: fc.boolean(),
      shift: fc.boolean(),
      meta: fc.boolean(),
      isComposing: fc.constant(true),
    });
    fc.assert(fc.property(anyKey, fc.constantFrom(...OSES), (k, os) => !decideKey(k, os).block), { numRuns: 2000 });
  });

  it('treats key "Process" and keyCode 229 (IME processing) as composing', () => {
    expect(decideKey({ ...letter('r', { control: true }), keyCode: 229 }, 'win32').block).toBe(false);
    expect(decideKey(key('Process', 'KeyR', { control: true }), 'win32').block).toBe(false);
  });

  it('never blocks the keys screen readers and keyboard-only candidates use', () => {
    const keys = ['Tab', 'Enter', ' ', 'Escape', 'ArrowUp', 'ArrowDown', 'ArrowLeft', 'ArrowRight', 'Home', 'End', 'PageUp', 'PageDown', 'Insert', 'CapsLock', 'Backspace', 'Delete', 'Shift', 'Control', 'Alt', 'Meta'];
    for (const os of OSES) {
      for (const k of keys) {
        expect(decideKey(key(k, k), os).block, `${k} on ${os}`).toBe(false);
        expect(decideKey(key(k, k, { shift: true }), os).block).toBe(false);
      }
      expect(decideKey(key('Tab', 'Tab', { shift: true }), os).block).toBe(false);
    }
    // NVDA/JAWS use Insert or Caps Lock with letters; VoiceOver uses Control+Option on macOS.
    expect(decideKey(letter('r', { control: true, alt: true }), 'darwin').block).toBe(false);
    expect(decideKey(key('ArrowRight', 'ArrowRight', { control: true, alt: true }), 'darwin').block).toBe(false);
  });
});

describe('lockdownOs', () => {
  it('maps Node platforms and browser platform strings', () => {
    expect(lockdownOs('darwin')).toBe('darwin');
    expect(lockdownOs('MacIntel')).toBe('darwin');
    expect(lockdownOs('Win32')).toBe('win32');
    expect(lockdownOs('Linux x86_64')).toBe('linux');
  });
});
