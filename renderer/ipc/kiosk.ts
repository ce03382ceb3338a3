import type { KioskApi } from '../../preload/contract/api';
import { createWsKiosk, devToken } from './ws-client';

declare global {
  interface Window {
    kiosk?: KioskApi;
  }
}

let instance: KioskApi | null = null;

/** `window.kiosk` from the Electron preload, or the development WebSocket client. */
export function kiosk(): KioskApi {
  if (instance) return instance;
  if (window.kiosk) {
    instance = window.kiosk;
    return instance;
  }
  const token = devToken();
  if (!token) throw new Error('no kiosk bridge and no development token');
  instance = createWsKiosk(token);
  return instance;
}
