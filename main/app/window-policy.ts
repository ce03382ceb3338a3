/**
 * The Electron shell's security decisions as pure functions, so they are unit-tested under Node
 * without Electron: window options, navigation, permissions and the app://
 * protocol's file mapping.
 */
import path from 'node:path';
import type { BrowserWindowConstructorOptions } from 'electron';
import { APP_ORIGIN as CONTRACT_APP_ORIGIN } from '../../preload/contract/origin';

export const APP_SCHEME = 'app';
export const APP_HOST = 'kiosk';
export const APP_ORIGIN: string = CONTRACT_APP_ORIGIN;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

export interface WindowPolicyInput {
  readonly preloadPath: string;
  /** Test-centre kiosks lock the window; development runs may not. */
  readonly kiosk: boolean;
  readonly platform: NodeJS.Platform;
  /** From resolveLaunchConfig; ignored (false) whenever the window is a kiosk. Default: not kiosk. */
  readonly devTools?: boolean;
}

export function kioskWindowOptions(input: WindowPolicyInput): BrowserWindowConstructorOptions {
  return {
    width: 1280,
    height: 800,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: '#f4f6fa',
    title: 'Interview Kiosk · 面试终端',
    autoHideMenuBar: true,
    // kiosk: fullscreen on Windows/Linux; on macOS it also disables Cmd+Tab, Force Quit and the Dock.
    kiosk: input.kiosk,
    fullscreen: input.kiosk,
    alwaysOnTop: input.kiosk,
    closable: !input.kiosk,
    minimizable: !input.kiosk,
    webPreferences: {
      preload: input.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      devTools: !input.kiosk && (input.devTools ?? true),
      safeDialogs: true,
      disableBlinkFeatures: 'Auxclick',
    },
  };
}

/** Only our own pages; everything else (links, drags, redirects) is refused. */
export function isAllowedNavigation(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

export interface PermissionRequest {
  readonly permission: string;
  readonly requestingUrl: string;
  readonly mediaTypes?: readonly string[];
  readonly isMainFrame?: boolean;
}

/** Camera and microphone, for our own main frame only. Every other permission is denied. */
export function permissionDecision(req: PermissionRequest): boolean {
  if (!isAllowedNavigation(req.requestingUrl)) return false;
  if (req.isMainFrame === false) return false;
  if (req.permission !== 'media') return false;
  const types = req.mediaTypes ?? [];
  return types.length > 0 && types.every((t) => t === 'video' || t === 'audio');
}

/** Synchronous permission checks (e.g. enumerateDevices labels) follow the same rule. */
export function permissionCheck(permission: string, requestingOrigin: string): boolean {
  return (permission === 'media' || permission === 'mediaKeySystem' ? permission === 'media' : false) && requestingOrigin === APP_ORIGIN;
}

/** Maps an app:// URL to a file under the renderer directory, or null (traversal, other host). */
export function resolveAppFile(url: string, rendererDir: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return null;
  let rel: string;
  try {
    rel = decodeURIComponent(u.pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  if (rel === '/' || rel === '') rel = '/index.html';
  const root = path.resolve(rendererDir);
  const file = path.resolve(root, '.' + rel);
  return file.startsWith(root + path.sep) ? file : null;
}
