import { createHash } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SessionState } from '../../../../preload/contract/common';
import { hubCredentialPath, isSessionClosed, normalizeHubUrl, retentionStarts, syncPlan, uploadReceipt } from '../../../../main/services/sync/sync-plan';

const cred = { hubUrl: 'https://hub.example.com', kioskId: 'k_1', privateKey: 'AAAA' };

describe('syncPlan', () => {
  it('is off when provisioning names no hub, whatever is on disk', () => {
    expect(syncPlan(undefined, { kind: 'found', credential: cred })).toEqual({ kind: 'off' });
    expect(syncPlan(undefined, { kind: 'absent' })).toEqual({ kind: 'off' });
  });

  it('waits for enrolment when a hub is provisioned and no credential exists', () => {
    expect(syncPlan({ url: 'https://hub.example.com/' }, { kind: 'absent' })).toEqual({ kind: 'not_enrolled', hubUrl: 'https://hub.example.com' });
  });

  it('refuses an unusable credential with its code', () => {
    expect(syncPlan({ url: 'https://hub.example.com' }, { kind: 'unusable', code: 'HUB_CREDENTIAL_LOCKED', message: 'm' })).toEqual({
      kind: 'refused',
      hubUrl: 'https://hub.example.com',
      code: 'HUB_CREDENTIAL_LOCKED',
      message: 'm',
    });
  });

  it('refuses a credential enrolled with another hub than the provisioned one', () => {
    const p = syncPlan({ url: 'https://other.example.com' }, { kind: 'found', credential: cred });
    expect(p).toMatchObject({ kind: 'refused', code: 'HUB_MISMATCH' });
  });

  it('starts with the credential, trailing slashes on either side being the same hub', () => {
    expect(syncPlan({ url: 'https://hub.example.com//' }, { kind: 'found', credential: { ...cred, hubUrl: 'https://hub.example.com/' } })).toEqual({ kind: 'start', credential: cred });
  });
});

describe('hubCredentialPath and normalizeHubUrl', () => {
  it('defaults to keys/hub-credential.json in the data folder and honours the provisioned file', () => {
    expect(hubCredentialPath(undefined, '/d')).toBe(path.join('/d', 'keys', 'hub-credential.json'));
    expect(hubCredentialPath({ url: 'https://h' }, '/d')).toBe(path.join('/d', 'keys', 'hub-credential.json'));
    expect(hubCredentialPath({ url: 'https://h', credentialFile: '/etc/ik/cred.json' }, '/d')).toBe('/etc/ik/cred.json');
  });
  it('drops trailing slashes only', () => {
    expect(normalizeHubUrl('https://h/a///')).toBe('https://h/a');
    expect(normalizeHubUrl('https://h/a')).toBe('https://h/a');
  });
});

describe('retention start', () => {
  const all: SessionState[] = ['checked_in', 'consented', 'prechecked', 'in_progress', 'interrupted', 'completed', 'exited', 'expired', 'no_show'];

  it('counts only sessions that can record nothing more as closed', () => {
    expect(all.filter(isSessionClosed)).toEqual(['completed', 'exited', 'expired', 'no_show']);
  });

  it('starts the clock for closed sessions only, once each, and never for unknown ids', () => {
    const states: Record<string, SessionState> = { a: 'completed', b: 'interrupted', c: 'exited', d: 'in_progress' };
    expect(retentionStarts(['a', 'b', 'c', 'd', 'zz', 'a'], (id) => states[id])).toEqual(['a', 'c']);
    expect(retentionStarts([], () => 'completed')).toEqual([]);
  });
});

describe('uploadReceipt', () => {
  it('names the kiosk, the count and a digest of the acknowledged keys, whatever their order', () => {
    const keys = ['ev:s:2', 'ev:s:1', 'media:s:0:0:0:0'];
    const expected = createHash('sha256').update(['ev:s:1', 'ev:s:2', 'media:s:0:0:0:0'].join('\n')).digest('hex');
    expect(uploadReceipt('k_1', keys)).toBe(`hub:k_1:3:${expected}`);
    expect(uploadReceipt('k_1', [...keys].reverse())).toBe(uploadReceipt('k_1', keys));
    expect(uploadReceipt('k_1', keys.slice(1))).not.toBe(uploadReceipt('k_1', keys));
  });

  it('stays within the 200 characters confirmUpload accepts', () => {
    expect(uploadReceipt('k_'.padEnd(300, 'x'), ['a']).length).toBeLessThanOrEqual(200);
  });
});
