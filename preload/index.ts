/**
 * The preload: exposes `window.kiosk` with one named method per contract operation and typed
 * event subscriptions. No generic `invoke(channel)` reaches the page.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { KioskApi } from './contract/api';
import { eventNames, events, operationNames, operations, type EventName } from './contract/channels';

const api: Record<string, unknown> = {};
for (const name of operationNames) {
  const channel = operations[name].channel;
  api[name] = (request: unknown) => ipcRenderer.invoke(channel, request);
}
api.on = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
  if (!eventNames.includes(event)) throw new Error('unknown event');
  const channel = events[event].channel;
  const handler = (_e: IpcRendererEvent, payload: unknown) => {
    const parsed = events[event].payload.safeParse(payload);
    if (parsed.success) listener(parsed.data);
  };
  ipcRenderer.on(channel, handler);
  return () => ipcRenderer.removeListener(channel, handler);
};

contextBridge.exposeInMainWorld('kiosk', Object.freeze(api as unknown as KioskApi));
