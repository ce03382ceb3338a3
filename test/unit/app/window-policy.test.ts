import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../../main/app/csp';
import {
  APP_ENTRY,
  isAllowedNavigation,
  kioskWindowOptions,
  permissionCheck,
  permissionDecision,
  resolveAppFile,
} from '../../../main/app/window-policy';
import { refuseLaunch } from '../../../main/app/switch-policy';
import { isTrustedElectronSender } from '../../../main/ipc/sender-policy';

describe('kiosk window options', () => {
  it('isolates the renderer: context isolation, sandbox, no Node, no webviews', () => {
    const o = kioskWindowOptions({ preloadPath: '/app/preload.cjs', kiosk: true, platform: 'win32' });
    expect(o.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      devTools: false,
      preload: '/app/preload.cjs',
    });
    expect(o).toMatchObject({ kiosk: true, fullscreen: true, closable: false });
  });

  it('keeps the same isolation in a windowed development run', () => {
    const o = kioskWindowOptions({ preloadPath: 'p', kiosk: false, platform: 'linux' });
    expect(o.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false });
    expect(o.kiosk).toBe(false);
  });
});

describe('navigation and permissions', () => {
  it('allows only our own app:// pages', () => {
    expect(isAllowedNavigation(APP_ENTRY)).toBe(true);
    expect(isAllowedNavigation('app://kiosk/other.html#x')).toBe(true);
    for (const u of ['https://example.com', 'file:///etc/passwd', 'app://evil/index.html', 'javascript:alert(1)', 'not a url']) {
      expect(isAllowedNavigation(u), u).toBe(false);
    }
  });

  it('grants camera and microphone to our main frame and nothing else', () => {
    expect(permissionDecision({ permission: 'media', requestingUrl: APP_ENTRY, mediaTypes: ['video', 'audio'], isMainFrame: true })).toBe(true);
    expect(permissionDecision({ permission: 'media', requestingUrl: APP_ENTRY, mediaTypes: [], isMainFrame: true })).toBe(false);
    expect(permissionDecision({ permission: 'media', requestingUrl: 'https://x.example', mediaTypes: ['video'] })).toBe(false);
    expect(permissionDecision({ permission: 'media', requestingUrl: APP_ENTRY, mediaTypes: ['video'], isMainFrame: false })).toBe(false);
    for (const p of ['geolocation', 'notifications', 'clipboard-read', 'display-capture', 'openExternal', 'fullscreen', 'midi']) {
      expect(permissionDecision({ permission: p, requestingUrl: APP_ENTRY }), p).toBe(false);
    }
    expect(permissionCheck('media', 'app://kiosk')).toBe(true);
    expect(permissionCheck('media', 'https://x.example')).toBe(false);
    expect(permissionCheck('clipboard-read', 'app://kiosk')).toBe(false);
  });

  it('refuses remote debugging and inspector switches', () => {
    const refused = (argv: string[]) => refuseLaunch({ argv, platform: 'linux', hasSwitch: () => false, env: {}, isPackaged: true }).map((r) => (r.kind === 'switch' ? r.spelling : r.kind));
    expect(refused(['electron', '.', '--remote-debugging-port=9222', '--inspect', '--inspect-brk=0', '--js-flags=--allow-natives-syntax', '--no-kiosk'])).toEqual([
      '--remote-debugging-port',
      '--inspect',
      '--inspect-brk',
      '--js-flags',
    ]);
    expect(refused(['electron', '.', '--lang=zh-CN'])).toEqual([]);
  });

  it('maps app:// URLs into the renderer folder and refuses traversal', () => {
    expect(resolveAppFile('app://kiosk/', '/opt/app/renderer')).toBe('/opt/app/renderer/index.html');
    expect(resolveAppFile('app://kiosk/assets/a.js', '/opt/app/renderer')).toBe('/opt/app/renderer/assets/a.js');
    // The URL parser folds encoded dot segments; what is left still resolves inside the folder.
    expect(resolveAppFile('app://kiosk/%2e%2e/%2e%2e/etc/passwd', '/opt/app/renderer')).toBe('/opt/app/renderer/etc/passwd');
    expect(resolveAppFile('app://kiosk/..%2f..%2fsecret', '/opt/app/renderer')).toBeNull();
    expect(resolveAppFile('app://other/index.html', '/opt/app/renderer')).toBeNull();
    expect(resolveAppFile('app://kiosk/%00', '/opt/app/renderer')).toBeNull();
  });
});

describe('IPC sender check', () => {
  const base = { frameUrl: 'app://kiosk/index.html', isMainFrame: true, webContentsId: 3, expectedWebContentsId: 3 };
  it('trusts only our window main frame on our origin', () => {
    expect(isTrustedElectronSender(base)).toBe(true);
    expect(isTrustedElectronSender({ ...base, isMainFrame: false })).toBe(false);
    expect(isTrustedElectronSender({ ...base, frameUrl: 'https://evil.example/' })).toBe(false);
    expect(isTrustedElectronSender({ ...base, frameUrl: null })).toBe(false);
    expect(isTrustedElectronSender({ ...base, webContentsId: 4 })).toBe(false);
  });
});

describe('content security policy', () => {
  it('allows nothing from the network and no inline script', () => {
    const csp = contentSecurityPolicy({ connectSrc: ['ws://127.0.0.1:5000'] });
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(csp).not.toMatch(/'unsafe-inline'|'unsafe-eval'|https?:/);
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain('connect-src \'self\' ws://127.0.0.1:5000');
  });
});
