export { SyncEngine, type SyncState, type SyncPhase, type SyncEngineOptions } from './sync-engine';
export { HubClient, HubCallError, enrolKiosk } from './hub-client';
export { fullJitterDelay, BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './backoff';
export { type KioskCredential } from './signing';
export { isSessionHubConfirmed } from '../../db/queries/outbox';
