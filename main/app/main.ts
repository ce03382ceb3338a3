/**
 * The Electron shell: kiosk window, security settings, app:// protocol, lockdown and lifecycle.
 * Every decision it makes comes from pure functions (launch-config.ts, switch-policy.ts,
 * window-policy.ts, lockdown-policy.ts, unpacked-integrity.ts and the key decision shared with
 * the renderer in preload/contract/lockdown.ts); this file only wires them to Electron.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, Menu, net, powerSaveBlocker, protocol, safeStorage, screen, session } from 'electron';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { decideKey, lockdownOs } from '../../preload/contract/lockdown';
import { sessionsInStates } from '../db/queries/sessions';
import { registerElectronTransport } from '../ipc/electron-transport';
import { createKioskCore, type KioskCore } from './composition-root';
import { contentSecurityPolicy, isHtmlPath } from './csp';
import { createElectronLogger, initElectronLog } from './electron-logger';
import { resolveLaunchConfig } from './launch-config';
import { configureParserProcess } from './resume-parser-process';
import { keyProtectorForShell } from './safe-storage-protector';
import { clearClipboardNow, diffDisplays, DISPLAY_POLL_MS, faultAction, FAULT_MESSAGE, powerSaveAction, type DisplayFacts } from './lockdown-policy';
import { refuseLaunch, refusalMessage, type RefusalReason } from './switch-policy';
import { fsUnpackedTree, HASH_LIST_FILE, verifyUnpacked } from './unpacked-integrity';
import { APP_ENTRY, APP_SCHEME, isAllowedNavigation, kioskWindowOptions, permissionCheck, permissionDecision, resolveAppFile } from './window-policy';

declare const __KIOSK_RELEASE_PUBLIC_KEY__: string | undefined;
const RELEASE_PUBLIC_KEY = typeof __KIOSK_RELEASE_PUBLIC_KEY__ === 'string' ? __KIOSK_RELEASE_PUBLIC_KEY__ : '';
const TITLE = 'Interview Kiosk · 面试终端';
const startedAt = Date.now();

// ---------------------------------------------------------------- refuse unsafe launches first
const hasSwitch = (name: string): boolean => app.commandLine.hasSwitch(name);
const refusals: RefusalReason[] = refuseLaunch({ argv: process.argv, platform: process.platform, hasSwitch, env: process.env, isPackaged: app.isPackaged });
if (app.isPackaged) {
  const resources = process.resourcesPath;
  let listText: string | null = null;
  try {
    listText = readFileSync(path.join(resources, HASH_LIST_FILE), 'utf8');
  } catch {
    listText = null;
  }
  const verdict = verifyUnpacked(listText, RELEASE_PUBLIC_KEY, fsUnpackedTree(path.join(resources, 'app.asar.unpacked')));
  if (!verdict.ok) refusals.push({ kind: 'integrity', detail: verdict.detail });
}
const refused = refusals.length > 0;
if (refused) {
  const message = refusalMessage(refusals);
  process.stderr.write(message + '\n');
  dialog.showErrorBox(TITLE, message);
  app.exit(2);
}

const launch = resolveLaunchConfig({ isPackaged: app.isPackaged, hasSwitch, env: process.env });
initElectronLog();
const logger = createElectronLogger();
if (launch.ignored.length > 0) logger.warn('launch overrides ignored in a kiosk build', { ignored: launch.ignored.join(',') });
const kioskMode = launch.kiosk;
const os = lockdownOs(process.platform);
const rendererDir = path.join(__dirname, '..', 'renderer');
const preloadPath = path.join(__dirname, '..', 'preload', 'preload.cjs');

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true, codeCache: true } },
]);
app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.exit(0);

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
  if (!launch.devTools) contents.on('devtools-opened', () => contents.closeDevTools());
});

// A second launch (double click, a script) never opens a second kiosk: the first one comes forward.
app.on('second-instance', () => {
  core?.lockdown.record({ kind: 'app_fault', detail: 'second instance launched' }, 'window');
  if (win) {
    if (win.isMinimized()) win.restore();
    win.focus();
  }
});

// An uncaught exception leaves main in an unknown state: fail closed, never reload and carry on.
let faulted = false;
function onFault(kind: string, e: unknown): void {
  logger.error(kind, { error: e instanceof Error ? e.message : String(e) });
  if (faulted) return;
  faulted = true;
  try {
    core?.lockdown.record({ kind: 'app_fault', detail: kind }, 'window');
  } catch {
    // the journal itself may be what failed; the session is interrupted below either way
  }
  try {
    core?.close();
  } catch {
    // closing interrupts open sessions; if even that fails the next start finds them in progress
  }
  core = null;
  dialog.showErrorBox(TITLE, FAULT_MESSAGE);
  if (faultAction(Date.now() - startedAt).kind === 'relaunch') app.relaunch();
  app.exit(1);
}
process.on('uncaughtException', (e) => onFault('uncaught exception', e));
// A rejected promise nobody awaited (a background send that failed) does not leave main's state
// half-changed the way a throw mid-handler can: record it for review, do not restart mid-answer.
process.on('unhandledRejection', (e) => {
  logger.error('unhandled rejection', { error: e instanceof Error ? e.message : String(e) });
  try {
    core?.lockdown.record({ kind: 'app_fault', detail: 'unhandled rejection' }, 'window');
  } catch {
    // logged above
  }
});

function displayFacts(): DisplayFacts[] {
  return screen.getAllDisplays().map((d) => ({ id: d.id, width: d.size.width, height: d.size.height }));
}

function startLockdown(w: BrowserWindow, c: KioskCore): void {
  const record = c.lockdown.record.bind(c.lockdown);
  // Keys: the same decision as the renderer's; never during IME composition.
  w.webContents.on('before-input-event', (event, input) => {
    const d = decideKey({ key: input.key, code: input.code, control: input.control, alt: input.alt, shift: input.shift, meta: input.meta, isComposing: input.isComposing }, os);
    if (!d.block) return;
    event.preventDefault();
    if (d.shortcut && input.type === 'keyDown' && !input.isAutoRepeat) record({ kind: 'shortcut_blocked', shortcut: d.shortcut }, 'window');
  });
  w.on('blur', () => record({ kind: 'focus_lost' }, 'window'));
  w.on('focus', () => record({ kind: 'focus_regained' }, 'window'));
  w.on('hide', () => record({ kind: 'hidden' }, 'window'));
  w.on('minimize', () => record({ kind: 'hidden' }, 'window'));
  w.on('show', () => record({ kind: 'visible' }, 'window'));
  w.on('restore', () => record({ kind: 'visible' }, 'window'));
  w.on('leave-full-screen', () => {
    record({ kind: 'fullscreen_left' }, 'window');
    w.setKiosk(true);
  });

  // Displays: events where the OS delivers them, and a one-second poll where it does not.
  let displays = displayFacts();
  const checkDisplays = (): void => {
    const now = displayFacts();
    const change = diffDisplays(displays, now);
    displays = now;
    for (const d of change.added) record({ kind: 'display_added', displays: now.length, detail: `${d.width}x${d.height}` }, 'window');
    for (const d of change.removed) record({ kind: 'display_removed', displays: now.length, detail: `${d.width}x${d.height}` }, 'window');
  };
  screen.on('display-added', checkDisplays);
  screen.on('display-removed', checkDisplays);
  const displayTimer = setInterval(checkDisplays, DISPLAY_POLL_MS);

  // Power and clipboard follow the interview: awake while one is in progress, clipboard cleared at its start.
  let blocker: number | null = null;
  let wasInProgress = false;
  const followInterview = (): void => {
    if (!core) return;
    const active = sessionsInStates(core.db, ['in_progress']);
    const inProgress = active.length > 0;
    switch (powerSaveAction(inProgress, blocker !== null)) {
      case 'start':
        blocker = powerSaveBlocker.start('prevent-display-sleep');
        break;
      case 'stop':
        if (blocker !== null) powerSaveBlocker.stop(blocker);
        blocker = null;
        break;
      case 'none':
        break;
    }
    const policy = active[0] ? core.lockdown.policy(active[0].id) : null;
    if (clearClipboardNow(wasInProgress, inProgress, policy?.ok === true && policy.value.clearClipboardAtStart)) clipboard.clear();
    wasInProgress = inProgress;
  };
  const interviewTimer = setInterval(followInterview, 1000);
  w.on('closed', () => {
    clearInterval(displayTimer);
    clearInterval(interviewTimer);
    if (blocker !== null) powerSaveBlocker.stop(blocker);
  });
}

void app.whenReady().then(() => {
  // app.exit() above does not stop this module's remaining code from registering handlers.
  if (refused) return;
  if (kioskMode) Menu.setApplicationMenu(null);
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppFile(request.url, rendererDir);
    if (!file) return new Response('not found', { status: 404 });
    const res = await net.fetch(pathToFileURL(file).toString());
    const headers = new Headers(res.headers);
    headers.set('Content-Security-Policy', contentSecurityPolicy({ trustedTypes: isHtmlPath(file) }));
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(res.body, { status: res.status, headers });
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) => {
    const media = 'mediaTypes' in details ? (details.mediaTypes as string[] | undefined) : undefined;
    callback(permissionDecision({ permission, requestingUrl: details.requestingUrl, mediaTypes: media, isMainFrame: details.isMainFrame }));
  });
  ses.setPermissionCheckHandler((_wc, permission, origin) => permissionCheck(permission, origin));
  // No USB, HID, serial or Bluetooth devices, and no screen capture: denied outright.
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  ses.on('will-download', (e) => e.preventDefault());

  // Résumés are parsed in a utility process: the RunAsNode fuse is off (build/scripts/fuses-config.mjs).
  const parserProcess = configureParserProcess(app.getPath('userData'), false);
  logger.info('résumé parser process', { kind: parserProcess });
  try {
    core = createKioskCore({
      dataDir: app.getPath('userData'),
      logger,
      appVersion: app.getVersion(),
      shell: 'electron',
      kioskMode,
      launchSource: launch.source,
      ignoredOverrides: launch.ignored,
      ...(launch.precheckEndpoint ? { precheckEndpoint: launch.precheckEndpoint } : {}),
      ...(launch.packsDir ? { packsDir: launch.packsDir } : {}),
      // Secrets at rest (resume-code secret, content keys) wrapped by the OS keystore where it has one.
      keyProtector: keyProtectorForShell(safeStorage, app.getPath('userData'), logger),
      displaySource: { displays: () => screen.getAllDisplays().map((d) => ({ width: d.size.width, height: d.size.height })) },
    });
  } catch (e) {
    // Fail closed: no interview starts on a store that cannot be trusted.
    dialog.showErrorBox(TITLE, `无法打开面试数据存储 / The interview store cannot be opened:\n${e instanceof Error ? e.message : String(e)}`);
    app.exit(1);
    return;
  }
  registerElectronTransport(ipcMain, core.router, core.events, () => win);

  win = new BrowserWindow(kioskWindowOptions({ preloadPath, kiosk: kioskMode, platform: process.platform, devTools: launch.devTools }));
  if (kioskMode) {
    win.setContentProtection(true);
    win.setMenu(null);
    startLockdown(win, core);
  }
  win.once('ready-to-show', () => win?.show());
  win.webContents.on('render-process-gone', (_e, details) => {
    // The page holds nothing that is not journaled: reload it, and keep the fault on record.
    logger.error('renderer gone; reloading', { reason: details.reason });
    core?.lockdown.record({ kind: 'app_fault', detail: `renderer ${details.reason}` }, 'window');
    win?.webContents.reload();
  });
  void win.loadURL(APP_ENTRY);
});

app.on('before-quit', () => {
  core?.close();
  core = null;
});
app.on('window-all-closed', () => app.quit());
