/**
 * The Electron IPC transport: the only code that touches `ipcMain`. It receives `ipcMain` as a
 * parameter (type-only import), checks each sender's frame, and hands the message to the router.
 */
import type { BrowserWindow, IpcMain, IpcMainInvokeEvent } from 'electron';
import { events as eventTable, operationNames, operations } from '../../preload/contract/channels';
import type { EventHub } from './event-hub';
import type { IpcRouter } from './router';
import { isTrustedElectronSender } from './sender-policy';

export function registerElectronTransport(
  ipcMain: IpcMain,
  router: IpcRouter,
  hub: EventHub,
  getWindow: () => BrowserWindow | null,
): () => void {
  for (const name of operationNames) {
    const channel = operations[name].channel;
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, payload: unknown) => {
      const frame = event.senderFrame;
      const trusted = isTrustedElectronSender({
        frameUrl: frame?.url ?? null,
        isMainFrame: frame !== null && frame !== undefined && frame.parent === null,
        webContentsId: event.sender.id,
        expectedWebContentsId: getWindow()?.webContents.id ?? null,
      });
      return router.handle(channel, payload, { transport: 'electron', trusted, description: `wc:${event.sender.id}` });
    });
  }
  const unsubscribe = hub.subscribe((event, payload) => {
    const win = getWindow();
    if (win && !win.isDestroyed()) win.webContents.send(eventTable[event].channel, payload);
  });
  return () => {
    unsubscribe();
    for (const name of operationNames) ipcMain.removeHandler(operations[name].channel);
  };
}
