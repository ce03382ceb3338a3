/**
 * Tests written against survivors of the first whole-scope mutation sample
 * (`npm run test:mutation -- --sample 600 --seed 20261207`, issue #16): lockdown key decisions that
 * no test pinned, a retired signing key and non-UTF-8 pack files. Expectations come from
 * docs/lockdown.md and docs/pack-threat-model.md, not from the code.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeEnvelope, openEnvelope } from '../../main/services/packs/pack-format';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { parseProvisioning, trustStoreOf, type TrustStore } from '../../main/services/packs/provisioning';
import { decideKey, LockdownReport, type KeyFacts } from '../../preload/contract/lockdown';

const key = (k: string, code: string, mods: Partial<KeyFacts> = {}): KeyFacts => ({ key: k, code, control: false, alt: false, shift: false, meta: false, isComposing: false, ...mods });

describe('lockdown key decisions the sample found unpinned', () => {
  it('blocks every browser navigation key, Stop included', () => {
    for (const k of ['BrowserBack', 'BrowserForward', 'BrowserHome', 'BrowserSearch', 'BrowserFavorites', 'BrowserStop']) {
      for (const os of ['win32', 'linux', 'darwin'] as const) expect(decideKey(key(k, k), os)).toEqual({ block: true, shortcut: 'navigate' });
    }
    expect(decideKey(key('BrowserRefresh', 'BrowserRefresh'), 'linux')).toEqual({ block: true, shortcut: 'reload' });
  });

  it('zooms out by the physical minus key whatever character the layout puts on it', () => {
    // German layout: the key right of 0 (code Minus) types ß; Ctrl+that key still zooms out.
    expect(decideKey(key('ß', 'Minus', { control: true }), 'win32')).toEqual({ block: true, shortcut: 'zoom' });
    expect(decideKey(key('-', 'NumpadSubtract', { control: true }), 'linux')).toEqual({ block: true, shortcut: 'zoom' });
  });

  it('falls back to the character when the physical key is unknown (virtual keyboards send no code)', () => {
    expect(decideKey(key('R', '', { control: true }), 'win32')).toEqual({ block: true, shortcut: 'reload' });
    expect(decideKey(key('P', 'Unidentified', { control: true }), 'linux')).toEqual({ block: true, shortcut: 'print' });
  });

  it('lets Control+Option pass only on macOS (VoiceOver); elsewhere Ctrl+Alt+R is still a reload', () => {
    expect(decideKey(key('r', 'KeyR', { control: true, alt: true }), 'darwin')).toEqual({ block: false, shortcut: null });
    expect(decideKey(key('r', 'KeyR', { control: true, alt: true }), 'win32')).toEqual({ block: true, shortcut: 'reload' });
    expect(decideKey(key('r', 'KeyR', { control: true, alt: true }), 'linux')).toEqual({ block: true, shortcut: 'reload' });
  });

  it('blocks Alt+arrows and Alt+Home (back, forward, home) but not Alt with a letter, on Windows and Linux', () => {
    for (const os of ['win32', 'linux'] as const) {
      expect(decideKey(key('ArrowLeft', 'ArrowLeft', { alt: true }), os).block).toBe(true);
      expect(decideKey(key('Home', 'Home', { alt: true }), os).block).toBe(true);
      // Alt+letter is how many IMEs and menus are reached; answers must keep it.
      expect(decideKey(key('a', 'KeyA', { alt: true }), os)).toEqual({ block: false, shortcut: null });
      expect(decideKey(key('ArrowUp', 'ArrowUp', { alt: true }), os)).toEqual({ block: false, shortcut: null });
    }
  });

  it('accepts every lockdown event the renderer reports, with the shortcut names it journals', () => {
    for (const kind of ['focus_lost', 'focus_regained', 'hidden', 'visible', 'shortcut_blocked', 'paste_blocked', 'fullscreen_left']) {
      expect(LockdownReport.safeParse({ sessionId: null, kind }).success).toBe(true);
    }
    for (const shortcut of ['navigate', 'reload', 'devtools', 'zoom', 'print', 'new_window', 'close', 'quit', 'save_or_open', 'view_source', 'find', 'fullscreen', 'minimize_or_hide', 'function_key', 'screenshot']) {
      expect(LockdownReport.safeParse({ sessionId: null, kind: 'shortcut_blocked', shortcut }).success).toBe(true);
    }
    expect(LockdownReport.safeParse({ sessionId: null, kind: 'shortcut_blocked', shortcut: '' }).success).toBe(false);
    expect(LockdownReport.safeParse({ sessionId: null, kind: 'unplugged' }).success).toBe(false);
  });
});

describe('signed files the sample found unpinned', () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const prov = parseProvisioning(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8'));
  if (!prov.ok) throw new Error(prov.error.message);
  const trust = trustStoreOf(prov.value);
  const signer = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
  const NOW = Date.parse('2026-12-07T12:00:00Z');
  const bytes = Buffer.from(writeEnvelope('schedule', { centreId: 'c-1', day: '2026-12-07', invites: [] }, signer), 'utf8');

  it('a key retired before now is untrusted (KEY_UNTRUSTED), one retired later still verifies', () => {
    const entry = trust.keys.get(signer.keyId);
    expect(entry, 'the demo signing key is in the demo trust store').toBeDefined();
    const withRetirement = (notAfter: number): TrustStore => ({ ...trust, keys: new Map([...trust.keys].map(([id, e]) => [id, id === signer.keyId ? { ...e, notAfter } : e])) });
    const retired = openEnvelope(bytes, 'schedule', withRetirement(NOW - 1), NOW);
    expect(retired.ok).toBe(false);
    if (!retired.ok) expect(retired.error.code).toBe('KEY_UNTRUSTED');
    expect(openEnvelope(bytes, 'schedule', withRetirement(NOW), NOW).ok).toBe(true);
    expect(openEnvelope(bytes, 'schedule', withRetirement(NOW + 1), NOW).ok).toBe(true);
  });

  it('refuses bytes that are not UTF-8 as such, before trying JSON', () => {
    const r = openEnvelope(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]), 'schedule', trust, NOW); // {"a":"\xff"}
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('PACK_MALFORMED');
      expect(r.error.message).toMatch(/UTF-8/);
    }
  });
});

describe('the data-folder lock the sample found unpinned', () => {
  it('release removes the holder file only while it still names this process', async () => {
    const { mkdtempSync, existsSync, writeFileSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const { acquireDataDirLock, LOCK_INFO } = await import('../../main/db/data-dir-lock');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-lock-'));
    try {
      const mine = acquireDataDirLock(dir, { pid: 4242, isAlive: () => false });
      expect(existsSync(path.join(dir, LOCK_INFO))).toBe(true);
      // Another start has since written its own holder (e.g. it took over after a hang).
      writeFileSync(path.join(dir, LOCK_INFO), JSON.stringify({ ...mine.holder, pid: 4343 }));
      mine.release();
      expect(existsSync(path.join(dir, LOCK_INFO)), "another process's holder file must survive our release").toBe(true);
      const again = acquireDataDirLock(dir, { pid: 4444, isAlive: () => false });
      again.release();
      expect(existsSync(path.join(dir, LOCK_INFO)), 'our own holder file goes with our release').toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
