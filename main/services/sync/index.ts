export { SyncEngine, type SyncState, type SyncPhase, type SyncEngineOptions } from './sync-engine';
export { HubClient, HubCallError, enrolKiosk } from './hub-client';
export { fullJitterDelay, BACKOFF_BASE_MS, BACKOFF_CAP_MS } from './backoff';
export { type KioskCredential } from './signing';
export { isSessionHubConfirmed } from '../../db/queries/outbox';
export { syncPlan, hubCredentialPath, retentionStarts, uploadReceipt, isSessionClosed, normalizeHubUrl, HUB_CREDENTIAL_FILE, type SyncPlan, type CredentialRead, type HubProvisioning } from './sync-plan';
export { loadHubCredential, saveHubCredential, HUB_CREDENTIAL_VERSION } from './credential-store';
