/**
 * The shape of `window.kiosk`: one named method per operation, plus typed event
 * subscriptions. Both the Electron preload and the development WebSocket client implement it.
 */
import type { IpcResult } from './errors';
import type { EventName, EventPayloadOf, OperationName, RequestOf, ResponseOf } from './channels';

export type KioskOperations = {
  [K in OperationName]: (request: RequestOf<K>) => Promise<IpcResult<ResponseOf<K>>>;
};

export interface KioskApi extends KioskOperations {
  on<E extends EventName>(event: E, listener: (payload: EventPayloadOf<E>) => void): () => void;
}
