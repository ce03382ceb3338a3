/**
 * The Electron shell: kiosk window, security settings, app:// protocol and lifecycle. Every
 * decision it makes comes from the pure policy functions in window-policy.ts.
 */
import { app, BrowserWindow, dialog, ipcMain, net, protocol, screen, session } from 'electron';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { registerElectronTransport } from '../ipc/electron-transport';
import { createKioskCore, type KioskCore } from './composition-root';
import { contentSecurityPolicy } from './csp';
import { createElectronLogger, initElectronLog } from './electron-logger';
import {
  APP_ENTRY,
  APP_SCHEME,
  isAllowedNavigation,
  kioskWindowOptions,
  permissionCheck,
  permissionDecision,
  refusedSwitches,
  resolveAppFile,
} from './window-policy';

const refused = refusedSwitches(process.argv);
if (refused.length > 0) {
  process.stderr.write(`Interview Kiosk refuses to run with debugging switches: ${refused.join(' ')}\n`);
  app.exit(2);
}

initElectronLog();
const logger = createElectronLogger();
const kioskMode = !process.argv.includes('--no-kiosk') && process.env.KIOSK_WINDOWED !== '1';
const rendererDir = path.join(__dirname, '..', 'renderer');
const preloadPath = path.join(__dirname, '..', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);
app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

let core: KioskCore | null = null;
let win: BrowserWindow | null = null;

app.on('web-contents-created', (_e, contents) => {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.on('will-navigate', (ev, url) => {
    if (!isAllowedNavigation(url)) ev.preventDefault();
  });
  contents.on('will-redirect', (ev, url) => {
    if (!isAllowedNavigation(url)) ev.preventDefault();
  });
  contents.on('will-attach-webview', (ev) => ev.preventDefault());
});

process.on('uncaughtException', (e) => {
  logger.error('uncaught exception', { error: e.message });
  win?.webContents.reload();
});
process.on('unhandledRejection', (e) => logger.error('unhandled rejection', { error: String(e) }));

void app.whenReady().then(() => {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererDir);
    if (!file) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', csp);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
  session.defaultSession.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = 'mediaTypes' in details ? (details.mediaTypes as string[] | undefined) : undefined;
    callback(permissionDecision({ permission, requestingUrl: details.requestingUrl, mediaTypes: media, isMainFrame: details.isMainFrame }));
  });
  session.defaultSession.setPermissionCheckHandler((_wc, permission, origin) => permissionCheck(permission, origin));

  try {
    core = createKioskCore({
      dataDir: app.getPath('userData'),
      logger,
      appVersion: app.getVersion(),
      shell: 'electron',
      displaySource: { displays: () => screen.getAllDisplays().map((d) => ({ width: d.size.width, height: d.size.height })) },
    });
  } catch (e) {
    // Fail closed: no interview starts on a store that cannot be trusted.
    dialog.showErrorBox('Interview Kiosk · 面试终端', `无法打开面试数据存储 / The interview store cannot be opened:\n${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
    return;
  }
  registerElectronTransport(ipcMain, core.router, core.events, () => win);

  win = new BrowserWindow(kioskWindowOptions({ preloadPath, kiosk: kioskMode, platform: process.platform }));
  if (kioskMode) win.setContentProtection(true);
  win.once('ready-to-show', () => win?.show());
  win.webContents.on('render-process-gone', (_e, details) => {
    logger.error('renderer gone; reloading', { reason: details.reason });
    win?.webContents.reload();
  });
  void win.loadURL(APP_ENTRY);
});

app.on('before-quit', () => {
  core?.close();
  core = null;
});
app.on('window-all-closed', () => app.quit());
