import { APP_ORIGIN } from '../../preload/contract/origin';

/** The facts about an Electron IPC sender that decide whether it may use the contract. */
export interface ElectronSenderFacts {
  readonly frameUrl: string | null;
  readonly isMainFrame: boolean;
  readonly webContentsId: number;
  readonly expectedWebContentsId: number | null;
}

/** Only our kiosk window's main frame, on our own origin. */
export function isTrustedElectronSender(f: ElectronSenderFacts): boolean {
  if (!f.frameUrl || !f.isMainFrame) return false;
  if (f.expectedWebContentsId !== null && f.webContentsId !== f.expectedWebContentsId) return false;
  try {
    return new URL(f.frameUrl).origin === APP_ORIGIN || f.frameUrl.startsWith(APP_ORIGIN + '/');
  } catch {
    return false;
  }
}
