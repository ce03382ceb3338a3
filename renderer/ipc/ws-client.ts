/**
 * The development transport: implements `window.kiosk` over the web shell's WebSocket. Used only
 * when no preload exposed `window.kiosk` (i.e. outside Electron).
 */
import { eventNames, events, operationNames, operations, type EventName } from '../../preload/contract/channels';
import type { KioskApi } from '../../preload/contract/api';
import type { IpcResult } from '../../preload/contract/errors';

function encode(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v instanceof Uint8Array) {
      let s = '';
      for (let i = 0; i < v.length; i += 0x8000) s += String.fromCharCode(...v.subarray(i, i + 0x8000));
      return { $bytes: btoa(s) };
    }
    return v;
  });
}

const TOKEN_KEY = 'kiosk.devToken';

export function devToken(): string | null {
  const params = new URLSearchParams(location.search);
  const fromUrl = params.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? `?${rest}` : '') + location.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const lostListeners = new Set<() => void>();

/**
 * Called when an open connection to the kiosk drops (the host stopped or restarted). A restarted
 * host has a new token, so the page cannot reconnect by itself: the candidate is asked to reload.
 */
export function onConnectionLost(listener: () => void): () => void {
  lostListeners.add(listener);
  return () => lostListeners.delete(listener);
}

export function createWsKiosk(token: string): KioskApi {
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ipc?token=${encodeURIComponent(token)}`;
  let socket: WebSocket | null = null;
  let opening: Promise<WebSocket> | null = null;
  let nextId = 1;
  const pending = new Map<number, (r: IpcResult<unknown>) => void>();
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();

  const failAll = (): void => {
    for (const [id, resolve] of pending) {
      pending.delete(id);
      resolve({ ok: false, error: { code: 'INTERNAL', message: 'connection to the kiosk was lost' } });
    }
  };

  const connect = (): Promise<WebSocket> => {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve(socket);
    if (opening) return opening;
    opening = new Promise<WebSocket>((resolve, reject) => {
      const ws = new WebSocket(url);
      ws.onopen = () => {
        socket = ws;
        opening = null;
        resolve(ws);
      };
      ws.onerror = () => {
        opening = null;
        reject(new Error('cannot reach the kiosk'));
      };
      ws.onclose = () => {
        const wasOpen = socket === ws;
        if (socket === ws) socket = null;
        failAll();
        if (wasOpen) lostListeners.forEach((l) => l());
      };
      ws.onmessage = (ev) => {
        const msg = JSON.parse(String(ev.data)) as { id?: number; result?: IpcResult<unknown>; event?: EventName; payload?: unknown };
        if (typeof msg.id === 'number') {
          const done = pending.get(msg.id);
          pending.delete(msg.id);
          done?.(msg.result ?? { ok: false, error: { code: 'INTERNAL', message: 'empty response' } });
        } else if (msg.event && eventNames.includes(msg.event)) {
          const parsed = events[msg.event].payload.safeParse(msg.payload);
          if (parsed.success) listeners.get(msg.event)?.forEach((l) => l(parsed.data));
        }
      };
    });
    return opening;
  };

  const call = async (channel: string, payload: unknown): Promise<IpcResult<unknown>> => {
    let ws: WebSocket;
    try {
      ws = await connect();
    } catch {
      return { ok: false, error: { code: 'INTERNAL', message: 'cannot reach the kiosk' } };
    }
    const id = nextId++;
    return new Promise((resolve) => {
      pending.set(id, resolve);
      ws.send(encode({ id, channel, payload }));
    });
  };

  const api: Record<string, unknown> = {};
  for (const name of operationNames) {
    api[name] = (request: unknown) => call(operations[name].channel, request);
  }
  api.on = (event: EventName, listener: (p: unknown) => void) => {
    const set = listeners.get(event) ?? new Set();
    set.add(listener);
    listeners.set(event, set);
    void connect().catch(() => undefined);
    return () => set.delete(listener);
  };
  return api as unknown as KioskApi;
}
