/**
 * The Electron shell's wiring, with electron mocked (Electron's binary is not installed here):
 * a refused launch shows the message and builds nothing; a clean launch locks the window, wires
 * before-input-event to the shared key decision (never during IME composition), denies device
 * and display-media permissions and journals focus loss with its duration.
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

type Handler = (...args: unknown[]) => unknown;

interface Fake {
  exitCodes: number[];
  errorBoxes: string[];
  windows: FakeWindow[];
  ready: () => Promise<void>;
  devicePermission: Handler | null;
  displayMedia: Handler | null;
  menuNulled: boolean;
}

class FakeWebContents {
  id = 1;
  readonly handlers = new Map<string, Handler[]>();
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
    return this;
  }
  emit(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  setWindowOpenHandler() {}
  reload() {}
  closeDevTools() {}
}

class FakeWindow {
  readonly webContents = new FakeWebContents();
  readonly handlers = new Map<string, Handler[]>();
  contentProtection = false;
  constructor(readonly options: Record<string, unknown>) {
    fake.windows.push(this);
  }
  on(event: string, h: Handler) {
    this.handlers.set(event, [...(this.handlers.get(event) ?? []), h]);
    return this;
  }
  once(event: string, h: Handler) {
    return this.on(event, h);
  }
  emit(event: string, ...args: unknown[]) {
    for (const h of this.handlers.get(event) ?? []) h(...args);
  }
  setContentProtection(v: boolean) {
    this.contentProtection = v;
  }
  setMenu() {}
  setKiosk() {}
  loadURL() {
    return Promise.resolve();
  }
  show() {}
  isMinimized() {
    return false;
  }
  isDestroyed() {
    return false;
  }
}

let fake: Fake;
let dataDir: string;

function mockElectron(argv: string[]): void {
  let resolveReady: () => void = () => undefined;
  const readyPromise = new Promise<void>((r) => (resolveReady = r));
  fake = { exitCodes: [], errorBoxes: [], windows: [], ready: async () => resolveReady(), devicePermission: null, displayMedia: null, menuNulled: false };
  const switches = new Set(argv.filter((a) => a.startsWith('--')).map((a) => a.slice(2).split('=')[0]!));
  const session = {
    setPermissionRequestHandler: () => undefined,
    setPermissionCheckHandler: () => undefined,
    setDevicePermissionHandler: (h: Handler) => (fake.devicePermission = h),
    setDisplayMediaRequestHandler: (h: Handler) => (fake.displayMedia = h),
    on: () => undefined,
  };
  vi.doMock('electron', () => ({
    app: {
      isPackaged: false,
      commandLine: { hasSwitch: (n: string) => switches.has(n) },
      exit: (code: number) => fake.exitCodes.push(code),
      quit: () => undefined,
      relaunch: () => undefined,
      on: () => undefined,
      enableSandbox: () => undefined,
      requestSingleInstanceLock: () => true,
      whenReady: () => readyPromise,
      getPath: () => dataDir,
      getVersion: () => '0.0.0-test',
    },
    BrowserWindow: FakeWindow,
    clipboard: { clear: () => undefined },
    dialog: { showErrorBox: (_t: string, m: string) => fake.errorBoxes.push(m) },
    ipcMain: { handle: () => undefined, removeHandler: () => undefined },
    Menu: { setApplicationMenu: (m: unknown) => (fake.menuNulled = m === null) },
    net: { fetch: () => Promise.resolve(new Response('')) },
    powerSaveBlocker: { start: () => 1, stop: () => undefined },
    protocol: { registerSchemesAsPrivileged: () => undefined, handle: () => undefined },
    screen: { getAllDisplays: () => [{ id: 1, size: { width: 1920, height: 1080 } }], on: () => undefined },
    safeStorage: { isEncryptionAvailable: () => false, getSelectedStorageBackend: () => 'basic_text', encryptString: (s: string) => Buffer.from(s), decryptString: (b: Buffer) => b.toString() },
    session: { defaultSession: session },
    // Résumés are parsed in a utility process (resume-parser-process.ts); nothing is parsed here.
    utilityProcess: { fork: () => { throw new Error('no utility process in this test'); } },
  }));
  vi.doMock('electron-log/main', () => {
    const scoped = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    return { default: { initialize: () => undefined, transports: { file: {}, console: {} }, scope: () => scoped } };
  });
}

const savedArgv = process.argv;
const listeners = { uncaught: process.listeners('uncaughtException'), rejection: process.listeners('unhandledRejection') };

beforeEach(() => {
  vi.resetModules();
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiosk-shell-'));
});

afterEach(() => {
  process.argv = savedArgv;
  // main.ts adds process-wide fault handlers; keep only the test runner's own.
  for (const l of process.listeners('uncaughtException')) if (!listeners.uncaught.includes(l)) process.removeListener('uncaughtException', l);
  for (const l of process.listeners('unhandledRejection')) if (!listeners.rejection.includes(l)) process.removeListener('unhandledRejection', l);
  vi.unstubAllEnvs();
  vi.doUnmock('electron');
  vi.doUnmock('electron-log/main');
});

async function launch(argv: string[]): Promise<void> {
  process.argv = ['/opt/kiosk/electron', '.', ...argv];
  // A CI runner's own NODE_OPTIONS would (rightly) refuse every launch here.
  vi.stubEnv('NODE_OPTIONS', '');
  vi.stubEnv('ELECTRON_RUN_AS_NODE', '');
  mockElectron(argv);
  await import('../../../main/app/main');
  await fake.ready();
  await new Promise((r) => setTimeout(r, 50));
}

describe('the Electron shell', () => {
  it('refuses a debugging switch: says so in both languages, exits 2, builds no window', async () => {
    await launch(['--Remote-Debugging-Port=9222']);
    expect(fake.exitCodes).toContain(2);
    expect(fake.errorBoxes[0]).toContain('--Remote-Debugging-Port');
    expect(fake.errorBoxes[0]).toContain('面试终端');
    expect(fake.windows).toHaveLength(0);
  });

  it('locks a clean launch: kiosk window without DevTools, no menu, content protection, devices and screen capture denied', async () => {
    await launch([]);
    expect(fake.exitCodes).toEqual([]);
    const w = fake.windows[0]!;
    expect(w.options).toMatchObject({ kiosk: true, fullscreen: true });
    expect((w.options.webPreferences as Record<string, unknown>).devTools).toBe(false);
    expect(w.contentProtection).toBe(true);
    expect(fake.menuNulled).toBe(true);
    expect(fake.devicePermission?.()).toBe(false);
    const cb = vi.fn();
    fake.displayMedia?.({}, cb);
    expect(cb).toHaveBeenCalledWith({});
  });

  it('swallows Ctrl+R in before-input-event, but not while an IME composes', async () => {
    await launch([]);
    const wc = fake.windows[0]!.webContents;
    const key = { type: 'keyDown', key: 'r', code: 'KeyR', control: true, alt: false, shift: false, meta: false, isAutoRepeat: false };
    const blocked = { preventDefault: vi.fn() };
    wc.emit('before-input-event', blocked, { ...key, isComposing: false });
    expect(blocked.preventDefault).toHaveBeenCalled();
    const composing = { preventDefault: vi.fn() };
    wc.emit('before-input-event', composing, { ...key, isComposing: true });
    expect(composing.preventDefault).not.toHaveBeenCalled();
  });

  it('leaves a development --no-kiosk window unlocked, with DevTools', async () => {
    await launch(['--no-kiosk']);
    const w = fake.windows[0]!;
    expect(w.options).toMatchObject({ kiosk: false });
    expect((w.options.webPreferences as Record<string, unknown>).devTools).toBe(true);
    expect(w.webContents.handlers.has('before-input-event')).toBe(false);
  });
});
