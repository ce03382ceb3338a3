/**
 * Walks EVERY route of the hub as EVERY principal (each HR role, an enrolled kiosk, anonymous)
 * against the explicit table below — written out here, not read from hub/auth/permissions.ts, so
 * a change to the hub's table that this file does not make fails. Allowed calls must get past
 * authentication (any status but 401/403); refused ones get 401 (anonymous) or 403.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PERMISSIONS } from '../../hub/auth/permissions';
import { generateSigningKey } from '../../main/services/packs/pack-crypto';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';

type P = 'hr_admin' | 'recruiter' | 'proctor' | 'auditor' | 'kiosk' | 'anonymous';
const ALL: P[] = ['hr_admin', 'recruiter', 'proctor', 'auditor', 'kiosk', 'anonymous'];
const HR: P[] = ['hr_admin', 'recruiter', 'proctor', 'auditor'];

const EXPECTED: Record<string, { allowed: P[]; path: string; body?: unknown; audited?: true }> = {
  'GET /v1/health': { allowed: ALL, path: '/v1/health' },
  'POST /v1/auth/login': { allowed: ['anonymous'], path: '/v1/auth/login', body: {} },
  'POST /v1/auth/logout': { allowed: HR, path: '/v1/auth/logout', body: {} },
  'POST /v1/users': { allowed: ['hr_admin'], path: '/v1/users', body: {} },
  'POST /v1/enrolment-codes': { allowed: ['hr_admin'], path: '/v1/enrolment-codes', body: {} },
  'POST /v1/kiosks/enrol': { allowed: ['anonymous'], path: '/v1/kiosks/enrol', body: {} },
  'GET /v1/kiosks': { allowed: ['hr_admin', 'proctor', 'auditor'], path: '/v1/kiosks' },
  'POST /v1/kiosk/items': { allowed: ['kiosk'], path: '/v1/kiosk/items', body: {} },
  'POST /v1/kiosk/upload-token': { allowed: ['kiosk'], path: '/v1/kiosk/upload-token', body: {} },
  'GET /v1/kiosk/sync-state': { allowed: ['kiosk'], path: '/v1/kiosk/sync-state' },
  'GET /v1/sessions': { allowed: ['hr_admin', 'recruiter', 'proctor'], path: '/v1/sessions', audited: true },
  'GET /v1/sessions/:kioskId/:sessionId': { allowed: ['hr_admin', 'recruiter'], path: '/v1/sessions/k_x/s_x' },
  'GET /v1/sessions/:kioskId/:sessionId/events': { allowed: ['hr_admin', 'recruiter', 'auditor'], path: '/v1/sessions/k_x/s_x/events', audited: true },
  'GET /v1/items': { allowed: ['hr_admin', 'recruiter'], path: '/v1/items', audited: true },
  'GET /v1/media/:kioskId/:key': { allowed: ['hr_admin', 'recruiter'], path: '/v1/media/k_x/m_x' },
  'GET /v1/chain-flags': { allowed: ['hr_admin', 'auditor'], path: '/v1/chain-flags' },
  'GET /v1/audit-log': { allowed: ['hr_admin', 'auditor'], path: '/v1/audit-log' },
  'POST /v1/invites': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites', body: {} },
  'POST /v1/invites/import': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites/import', body: {} },
  'GET /v1/invites': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites', audited: true },
  'GET /v1/invites/export': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites/export', audited: true },
  'GET /v1/invites/:id': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites/inv_00000000-0000-0000-0000-000000000000' },
  'POST /v1/invites/:id/cancel': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites/inv_00000000-0000-0000-0000-000000000000/cancel', body: {} },
  'POST /v1/invites/:id/reschedule': { allowed: ['hr_admin', 'recruiter'], path: '/v1/invites/inv_00000000-0000-0000-0000-000000000000/reschedule', body: {} },
  'GET /v1/reminders': { allowed: ['hr_admin', 'recruiter'], path: '/v1/reminders', audited: true },
  'GET /v1/reschedule-requests': { allowed: ['hr_admin', 'recruiter'], path: '/v1/reschedule-requests', audited: true },
  'GET /v1/no-shows': { allowed: ['hr_admin', 'recruiter', 'proctor'], path: '/v1/no-shows', audited: true },
  'GET /v1/analytics': { allowed: HR, path: '/v1/analytics' },
  'GET /v1/analytics/:name': { allowed: ['hr_admin', 'recruiter', 'auditor'], path: '/v1/analytics/exits', audited: true },
  'GET /v1/analytics/:name/export': { allowed: ['hr_admin', 'recruiter', 'auditor'], path: '/v1/analytics/exits/export?format=csv', audited: true },
  'POST /v1/analytics/imports/outcomes': { allowed: ['hr_admin'], path: '/v1/analytics/imports/outcomes', body: {} },
  'POST /v1/analytics/imports/demographics': { allowed: ['hr_admin'], path: '/v1/analytics/imports/demographics', body: {} },
  'POST /v1/invite-codes/:code/reschedule-requests': { allowed: ['anonymous', 'kiosk'], path: '/v1/invite-codes/NOSUCHCODE99/reschedule-requests', body: {} },
  'POST /v1/invite-codes/:code/precheck': { allowed: ['anonymous', 'kiosk'], path: '/v1/invite-codes/NOSUCHCODE99/precheck', body: {} },
  'GET /console': { allowed: ALL, path: '/console' },
  'GET /console/*': { allowed: ALL, path: '/console/index.html' },
  'GET /v1/console/me': { allowed: HR, path: '/v1/console/me' },
  'GET /v1/console/board': { allowed: ['hr_admin', 'proctor'], path: '/v1/console/board', audited: true },
  'POST /v1/console/alerts/ack': { allowed: ['hr_admin', 'proctor'], path: '/v1/console/alerts/ack', body: {} },
  'POST /v1/console/resume-codes': { allowed: ['hr_admin', 'proctor'], path: '/v1/console/resume-codes', body: {} },
  'GET /v1/console/review': { allowed: ['hr_admin', 'recruiter'], path: '/v1/console/review', audited: true },
  'GET /v1/console/review/:reviewId': { allowed: ['hr_admin', 'recruiter'], path: `/v1/console/review/r_${'0'.repeat(32)}` },
  'GET /v1/console/review/:reviewId/answer': { allowed: ['hr_admin', 'recruiter'], path: `/v1/console/review/r_${'0'.repeat(32)}/answer` },
  'GET /v1/console/review/:reviewId/recording/:segment': { allowed: ['hr_admin', 'recruiter'], path: `/v1/console/review/r_${'0'.repeat(32)}/recording/0` },
  'POST /v1/console/review/:reviewId/decisions': { allowed: ['hr_admin', 'recruiter'], path: `/v1/console/review/r_${'0'.repeat(32)}/decisions`, body: {} },
  'POST /v1/console/review/:reviewId/second-review': { allowed: ['hr_admin', 'recruiter'], path: `/v1/console/review/r_${'0'.repeat(32)}/second-review`, body: {} },
  'GET /v1/console/journal': { allowed: ['hr_admin', 'auditor'], path: '/v1/console/journal' },
  // the HR endpoint API under /hr: 'kiosk' is a kiosk with the bearer token HR issued for it
  'GET /hr/v1/health': { allowed: ALL, path: '/hr/v1/health' },
  'HEAD /hr/v1/health': { allowed: ALL, path: '/hr/v1/health' },
  'POST /hr/v1/unlock': { allowed: ['kiosk'], path: '/hr/v1/unlock', body: {} },
  'POST /hr/v1/stages/release': { allowed: ['kiosk'], path: '/hr/v1/stages/release', body: {} },
  'GET /hr/v1/centres/:centreId/schedules/:day': { allowed: ['kiosk'], path: '/hr/v1/centres/centre-walk/schedules/2026-12-09' },
  'POST /hr/v1/no-shows': { allowed: ['kiosk'], path: '/hr/v1/no-shows', body: {} },
  'POST /hr/v1/kiosk-incidents': { allowed: ['kiosk'], path: '/hr/v1/kiosk-incidents', body: {} },
  'GET /hr/precheck/time': { allowed: ALL, path: '/hr/precheck/time' },
  'GET /hr/precheck/latency': { allowed: ALL, path: '/hr/precheck/latency' },
  'POST /hr/precheck/upload': { allowed: ALL, path: '/hr/precheck/upload' },
  'POST /v1/hr-endpoint/pack-keys': { allowed: ['hr_admin'], path: '/v1/hr-endpoint/pack-keys', body: {} },
  'GET /v1/hr-endpoint/pack-keys': { allowed: ['hr_admin', 'auditor'], path: '/v1/hr-endpoint/pack-keys' },
  'POST /v1/hr-endpoint/schedules': { allowed: ['hr_admin'], path: '/v1/hr-endpoint/schedules', body: {} },
  'GET /v1/hr-endpoint/schedules': { allowed: ['hr_admin', 'proctor', 'auditor'], path: '/v1/hr-endpoint/schedules' },
  'POST /v1/hr-endpoint/kiosk-tokens': { allowed: ['hr_admin'], path: '/v1/hr-endpoint/kiosk-tokens', body: {} },
  'GET /v1/hr-endpoint/releases': { allowed: ['hr_admin', 'auditor'], path: '/v1/hr-endpoint/releases', audited: true },
  'POST /v1/uploads': { allowed: ['kiosk'], path: '/v1/uploads' },
  'HEAD /v1/uploads/:id': { allowed: ['kiosk'], path: '/v1/uploads/nonexistent' },
  'PATCH /v1/uploads/:id': { allowed: ['kiosk'], path: '/v1/uploads/nonexistent' },
  'OPTIONS /v1/uploads': { allowed: ALL, path: '/v1/uploads' },
  'OPTIONS /v1/uploads/:id': { allowed: ALL, path: '/v1/uploads/nonexistent' },
};

describe(`hub permissions (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  const tokens = new Map<P, string>();
  let kiosk: KioskCredential;
  let uploadToken: string;
  let hrKioskToken: string;

  beforeAll(async () => {
    hub = await startTestHub({ hr: { keys: { signingKey: generateSigningKey(), wrapKey: randomBytes(32) }, rateLimit: { burst: 10_000, perSecond: 1000 } } });
    tokens.set('hr_admin', hub.adminToken);
    for (const role of ['recruiter', 'proctor', 'auditor'] as const) {
      const r = await hub.api('POST', '/v1/users', hub.adminToken, { username: `u-${role}`, password: `password-${role}-123`, role });
      expect(r.status).toBe(201);
      tokens.set(role, await hub.login(`u-${role}`, `password-${role}-123`));
    }
    const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
    kiosk = await enrolKiosk(hub.url, String(code.json.code), 'walker');
    const body = '{}';
    const res = await fetch(`${hub.url}/v1/kiosk/upload-token`, { method: 'POST', headers: { ...signedHeaders(kiosk, 'POST', '/v1/kiosk/upload-token', body, Date.now()), 'content-type': 'application/json' }, body });
    uploadToken = ((await res.json()) as { token: string }).token;
    const hrTok = await hub.api('POST', '/v1/hr-endpoint/kiosk-tokens', hub.adminToken, { kioskId: 'kiosk-walk', centreId: 'centre-walk' });
    hrKioskToken = String(hrTok.json.token);
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await hub?.close();
  }, HUB_HOOK_TIMEOUT_MS);

  it('the test table and the hub table list the same routes with the same principals', () => {
    expect(Object.keys(PERMISSIONS).sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [k, v] of Object.entries(EXPECTED)) expect([...(PERMISSIONS[k]?.allowed ?? [])].sort(), k).toEqual([...v.allowed].sort());
  });

  async function call(routeKey: string, who: P): Promise<number> {
    const spec = EXPECTED[routeKey]!;
    const method = routeKey.split(' ')[0]!;
    const text = spec.body === undefined ? undefined : JSON.stringify(spec.body);
    const headers: Record<string, string> = {};
    if (text !== undefined) headers['content-type'] = 'application/json';
    if (method === 'POST' && spec.path === '/v1/uploads') Object.assign(headers, { 'tus-resumable': '1.0.0', 'upload-length': '10' });
    if (method === 'PATCH') Object.assign(headers, { 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' });
    if (method === 'HEAD') headers['tus-resumable'] = '1.0.0';
    if (method === 'POST' && spec.path === '/hr/precheck/upload') headers['content-type'] = 'application/octet-stream';
    if (who === 'kiosk') {
      if (spec.path.startsWith('/v1/uploads')) headers.authorization = `Bearer ${uploadToken}`;
      else if (spec.path.startsWith('/hr/')) headers.authorization = `Bearer ${hrKioskToken}`;
      else Object.assign(headers, signedHeaders(kiosk, method, spec.path, text ?? '', Date.now()));
    } else if (who !== 'anonymous') headers.authorization = `Bearer ${tokens.get(who)}`;
    const res = await fetch(`${hub.url}${spec.path}`, { method, headers, ...(text !== undefined ? { body: text } : method === 'PATCH' || spec.path === '/hr/precheck/upload' ? { body: 'x' } : {}) });
    await res.arrayBuffer().catch(() => undefined);
    return res.status;
  }

  it('every route as every principal: allowed ones pass authentication, the rest get 401/403', async () => {
    let calls = 0;
    for (const routeKey of Object.keys(EXPECTED)) {
      for (const who of ALL) {
        if (routeKey === 'POST /v1/auth/logout') continue; // walked last: it ends the session
        const status = await call(routeKey, who);
        calls++;
        if (EXPECTED[routeKey]!.allowed.includes(who)) expect([401, 403], `${routeKey} as ${who} → ${status}`).not.toContain(status);
        // The HR endpoint API answers in its document's terms: any credential but the kiosk's HR
        // token (an HR session, a signed sync request) is an unknown token, 401 UNAUTHORIZED.
        else if (routeKey.split(' ')[1]!.startsWith('/hr/')) expect(status, `${routeKey} as ${who}`).toBe(401);
        else expect(status, `${routeKey} as ${who}`).toBe(who === 'anonymous' ? 401 : 403);
      }
    }
    expect(calls).toBe((Object.keys(EXPECTED).length - 1) * ALL.length);
    for (const who of ALL) {
      const status = await call('POST /v1/auth/logout', who);
      if (HR.includes(who)) expect(status, who).toBe(200);
      else expect(status, who).toBe(who === 'anonymous' ? 401 : 403);
    }
    // Logged out: the token no longer works.
    expect((await hub.api('GET', '/v1/kiosks', tokens.get('proctor')!)).status).toBe(401);
  });

  it('successful reads of candidate data are audited with who read what; refused ones are not', async () => {
    const log = await hub.db.pool.query<{ actor: string; role: string; action: string }>('SELECT actor, role, action FROM audit_log');
    const rows = log.rows.map((r) => `${r.role} ${r.action}`);
    expect(rows).toContain('recruiter GET /v1/sessions');
    expect(rows).toContain('proctor GET /v1/sessions');
    expect(rows).toContain('auditor GET /v1/sessions/:kioskId/:sessionId/events');
    expect(rows).toContain('hr_admin GET /v1/items');
    expect(rows).toContain('recruiter GET /v1/invites');
    expect(rows).toContain('hr_admin GET /v1/invites/export');
    expect(rows).toContain('recruiter GET /v1/reminders');
    expect(rows).toContain('hr_admin GET /v1/reschedule-requests');
    expect(rows).toContain('proctor GET /v1/no-shows');
    expect(rows).toContain('proctor GET /v1/console/board');
    expect(rows).toContain('recruiter GET /v1/console/review');
    expect(rows).toContain('auditor GET /v1/analytics/:name');
    expect(rows).toContain('recruiter GET /v1/analytics/:name/export');
    expect(rows).toContain('auditor GET /v1/hr-endpoint/releases');
    expect(rows.some((r) => r.startsWith('proctor GET /v1/analytics/'))).toBe(false);
    expect(rows.filter((r) => r.startsWith('auditor GET /v1/sessions ') || r === 'auditor GET /v1/sessions' || r.startsWith('kiosk') || r.startsWith('anonymous'))).toEqual([]);
    expect(log.rows.every((r) => r.actor.length > 0)).toBe(true);
  });
});
