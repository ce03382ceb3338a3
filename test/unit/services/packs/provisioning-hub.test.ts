import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseProvisioning } from '../../../../main/services/packs/provisioning';

const root = path.resolve(import.meta.dirname, '../../../..');
const demo = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as Record<string, unknown>;
const production = JSON.parse(readFileSync(path.join(root, 'test/fixtures/packs/provisioning-production.json'), 'utf8')) as Record<string, unknown>;
const parse = (c: Record<string, unknown>) => parseProvisioning(JSON.stringify(c));

describe('provisioning: the hub section', () => {
  it('is optional, and names the hub and, optionally, an absolute credential file', () => {
    expect(parse(demo).ok).toBe(true);
    const r = parse({ ...demo, hub: { url: 'http://127.0.0.1:8080', credentialFile: '/var/lib/interview-kiosk/hub-credential.json' } });
    expect(r.ok && r.value.hub).toEqual({ url: 'http://127.0.0.1:8080', credentialFile: '/var/lib/interview-kiosk/hub-credential.json' });
    expect(parse({ ...production, hub: { url: 'https://hub.example.com', credentialFile: 'C:\\ProgramData\\InterviewKiosk\\hub.json' } }).ok).toBe(true);
  });

  it('refuses a relative credential file, unknown fields and non-http URLs', () => {
    for (const hub of [{ url: 'http://h', credentialFile: 'keys/c.json' }, { url: 'http://h', token: 'x' }, { url: 'ftp://h' }, {}]) {
      const r = parse({ ...demo, hub });
      expect(!r.ok && r.error.code).toBe('PROVISIONING_INVALID');
    }
  });

  it('needs https in production', () => {
    const r = parse({ ...production, hub: { url: 'http://hub.example.com' } });
    expect(!r.ok && r.error.message).toMatch(/hub\.url: a production hub must use https/);
  });
});
