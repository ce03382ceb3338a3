/**
 * The decisions that connect a kiosk to its hub, as pure functions (the composition root only
 * carries them out): whether sync starts, where the credential lives, which confirmed sessions
 * start their retention clock, and the receipt recorded for each.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { SessionState } from '../../../preload/contract/common';
import type { KioskCredential } from './signing';

/** The provisioning config's `hub` section (main/services/packs/provisioning.ts). */
export interface HubProvisioning {
  readonly url: string;
  /** Absolute path of the enrolment credential; default `<dataDir>/keys/hub-credential.json`. */
  readonly credentialFile?: string | undefined;
}

export type HubCredentialProblem = 'HUB_CREDENTIAL_INVALID' | 'HUB_CREDENTIAL_LOCKED';

/** What reading the credential file gave (credential-store.ts): nothing, a credential, or why not. */
export type CredentialRead =
  | { readonly kind: 'absent' }
  | { readonly kind: 'found'; readonly credential: KioskCredential }
  | { readonly kind: 'unusable'; readonly code: HubCredentialProblem; readonly message: string };

export type SyncPlan =
  | { readonly kind: 'off' }
  | { readonly kind: 'not_enrolled'; readonly hubUrl: string }
  | { readonly kind: 'refused'; readonly hubUrl: string; readonly code: HubCredentialProblem | 'HUB_MISMATCH'; readonly message: string }
  | { readonly kind: 'start'; readonly credential: KioskCredential };

export const HUB_CREDENTIAL_FILE = 'hub-credential.json';

/** One spelling of a hub's base URL: no trailing slashes, so `https://h/` and `https://h` agree. */
export function normalizeHubUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

export function hubCredentialPath(hub: HubProvisioning | undefined, dataDir: string): string {
  return hub?.credentialFile ?? path.join(dataDir, 'keys', HUB_CREDENTIAL_FILE);
}

/**
 * Sync starts only when provisioning names a hub and a valid credential for that same hub exists.
 * A credential enrolled with another hub is refused (the machine-wide config decides where a
 * kiosk's records go, not a file in the data folder).
 */
export function syncPlan(hub: HubProvisioning | undefined, read: CredentialRead): SyncPlan {
  if (!hub) return { kind: 'off' };
  const hubUrl = normalizeHubUrl(hub.url);
  switch (read.kind) {
    case 'absent':
      return { kind: 'not_enrolled', hubUrl };
    case 'unusable':
      return { kind: 'refused', hubUrl, code: read.code, message: read.message };
    case 'found':
      if (normalizeHubUrl(read.credential.hubUrl) !== hubUrl) {
        return { kind: 'refused', hubUrl, code: 'HUB_MISMATCH', message: `the credential was enrolled with ${read.credential.hubUrl}, provisioning names ${hubUrl}` };
      }
      return { kind: 'start', credential: { ...read.credential, hubUrl } };
    default: {
      const never: never = read;
      return never;
    }
  }
}

/** States after which a session records nothing more: its retention clock may start. */
export function isSessionClosed(state: SessionState): boolean {
  switch (state) {
    case 'completed':
    case 'exited':
    case 'expired':
    case 'no_show':
      return true;
    case 'checked_in':
    case 'consented':
    case 'prechecked':
    case 'in_progress':
    case 'interrupted':
      return false;
    default: {
      const never: never = state;
      return never;
    }
  }
}

/**
 * Of the sessions the hub has now confirmed in full, those whose retention clock starts: closed
 * ones only (an interrupted interview may still resume and record more). Unknown ids are dropped.
 */
export function retentionStarts(confirmed: readonly string[], stateOf: (sessionId: string) => SessionState | undefined): string[] {
  return [...new Set(confirmed)].filter((id) => {
    const s = stateOf(id);
    return s !== undefined && isSessionClosed(s);
  });
}

/**
 * The upload receipt kept with the confirmation: the hub that acknowledged, and a digest of every
 * idempotency key it acknowledged for the session (what HR holds). At most 200 characters.
 */
export function uploadReceipt(kioskId: string, ackedKeys: readonly string[]): string {
  const digest = createHash('sha256').update([...ackedKeys].sort().join('\n')).digest('hex');
  return `hub:${kioskId.slice(0, 100)}:${ackedKeys.length}:${digest}`;
}
