import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generatedSource, HR_DOCUMENT_FILE, HR_GENERATED_FILE } from '../../../../main/dev/gen-hr-contract';
import { HrContract, hrContract } from '../../../../main/services/contract/hr-contract';
import { HR_ENDPOINT_OPENAPI_YAML } from '../../../../main/services/contract/hr-document.generated';
import { noShowIdempotencyKey } from '../../../../main/services/packs/hr-protocol';

const event = (over: Record<string, unknown> = {}) => ({
  type: 'no_show',
  inviteCode: 'INV-0001',
  scheduleId: 'sched-1',
  candidateRef: 'cand-1',
  packId: 'software-engineer',
  window: { start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T10:00:00.000Z' },
  detectedAt: '2026-03-01T10:01:00.000Z',
  kioskState: { kioskId: 'kiosk-01', centreId: 'centre-01', appVersion: '0.1.0', provisioning: 'production:machine', packStatus: 'ready', sessionsInProgress: 0 },
  ...over,
});

describe('the HR contract compiled from docs/hr-endpoint.openapi.yaml', () => {
  it('embeds exactly the document on disk (run `npm run contract:gen` after editing it)', () => {
    const digest = (t: string): string => createHash('sha256').update(t).digest('hex');
    const doc = readFileSync(HR_DOCUMENT_FILE, 'utf8');
    // What the kiosk validates against at run time: the embedded string is the document.
    expect(digest(HR_ENDPOINT_OPENAPI_YAML), 'the embedded document differs from docs/: run npm run contract:gen').toBe(digest(doc));
    // And the file is exactly what the generator writes. Stryker's sandbox (stryker.config.mjs:
    // tempDirName test-results/stryker-tmp) adds a `// @ts-nocheck` line to every TypeScript file,
    // so that one line is allowed there and only there.
    const onDisk = readFileSync(HR_GENERATED_FILE, 'utf8');
    const inStrykerSandbox = HR_GENERATED_FILE.includes(`${path.sep}stryker-tmp${path.sep}`);
    const generated = inStrykerSandbox ? onDisk.replace(/^\/\/ @ts-nocheck\n/m, '') : onDisk;
    expect(digest(generated), 'the generated file differs from what contract:gen writes').toBe(digest(generatedSource(doc)));
    expect(path.basename(HR_DOCUMENT_FILE)).toBe('hr-endpoint.openapi.yaml');
  });

  it('refuses what the document refuses in a no-show batch', () => {
    const c = hrContract();
    expect(c.checkRequestBody('reportNoShows', { events: [event()] })).toBeUndefined();
    expect(c.checkRequestBody('reportNoShows', { events: [event({ kioskState: { ...event().kioskState, packStatus: 'broken' } })] })).toMatch(/allowed values/);
    expect(c.checkRequestBody('reportNoShows', { events: [event({ detectedAt: 'yesterday' })] })).toMatch(/date-time/);
    expect(c.checkRequestBody('reportNoShows', { events: [event({ window: { start: '2026-03-01T09:00:00Z', end: '2026-03-01T10:00:00Z', extra: 1 } })] })).toMatch(/additional/);
    expect(c.checkRequestBody('reportNoShows', { events: [event({ inviteCode: ' inv-0001' })] })).toMatch(/pattern/);
    expect(c.checkRequestBody('reportNoShows', { events: [] })).toMatch(/fewer than 1/);
    expect(c.checkRequestBody('reportNoShows', { events: Array.from({ length: c.noShowMaxItems + 1 }, () => event()) })).toMatch(/more than 500/);
  });

  it('holds binary fields to their documented byte lengths', () => {
    const c = hrContract();
    const req = { inviteCode: 'INV-0001', packId: 'software-engineer', packHash: 'a'.repeat(64), kioskId: 'kiosk-01', centreId: 'centre-01', kioskPublicKey: Buffer.alloc(32, 1).toString('base64'), nonce: Buffer.alloc(16, 2).toString('base64') };
    expect(c.checkRequestBody('unlockPack', req)).toBeUndefined();
    expect(c.checkRequestBody('unlockPack', { ...req, nonce: Buffer.alloc(4).toString('base64') })).toMatch(/nonce/);
    expect(c.checkRequestBody('unlockPack', { ...req, kioskPublicKey: Buffer.alloc(33).toString('base64') })).toMatch(/kioskPublicKey/);
  });

  it('answers a documented path with another method 405 and lists the documented ones', () => {
    const c = hrContract();
    expect(c.match('DELETE', '/v1/health')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'HEAD'] });
    expect(c.match('GET', '/v1/unlock')).toEqual({ kind: 'method_not_allowed', allow: ['POST'] });
    expect(c.match('GET', '/v1/nothing')).toEqual({ kind: 'not_found' });
    const m = c.match('GET', '/v1/centres/centre-01/schedules/2026-03-01');
    expect(m.kind === 'operation' && m.operation.operationId).toBe('getSchedule');
    expect(c.checkParams('getSchedule', { centreId: 'centre-01', day: '2026-02-30' })).toMatch(/date/);
  });

  it('flags undocumented statuses and wrong media types in responses', () => {
    const c = hrContract();
    expect(c.checkResponse('reportNoShows', 404, 'application/json', { code: 'NOT_FOUND', message: 'x' })).toMatch(/not documented/);
    expect(c.checkResponse('reportNoShows', 500, 'text/plain', 'boom')).toMatch(/application\/json/);
    expect(c.checkResponse('reportNoShows', 500, 'application/json; charset=utf-8', { code: 'INTERNAL', message: 'x' })).toBeUndefined();
  });

  it('derives the no-show idempotency key as documented: sha256 of the sorted, comma-joined codes, 64 hex characters at any size', () => {
    const codes = Array.from({ length: 1200 }, (_, i) => `INV-${String(1199 - i).padStart(5, '0')}`);
    const key = noShowIdempotencyKey(codes);
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const sorted = [...codes].sort();
    expect(key).toBe(createHash('sha256').update(sorted.join(',')).digest('hex'));
    expect(noShowIdempotencyKey(['B-1', 'A-1'])).toBe(createHash('sha256').update('A-1,B-1').digest('hex'));
    expect(hrContract().checkHeaders('reportNoShows', { 'idempotency-key': key })).toBeUndefined();
  });

  it('refuses a text that is not an OpenAPI document', () => {
    expect(() => new HrContract('just: text')).toThrow(/not an OpenAPI document/);
  });
});
