/**
 * The conformance kit for integrators: checks a company's own HR endpoint against
 * docs/hr-endpoint.openapi.yaml before a test day.
 *
 *   npm run hr:conformance -- --url https://hr.example.com/interview-kiosk --token <kioskToken> \
 *     --invite <test invite> --kiosk-id <id> --centre-id <id> --pack-id <id> --pack-hash <sha256> \
 *     [--hr-public-key <base64>] [--day YYYY-MM-DD] [--no-show-invite <code>] [--json]
 *
 * Every answer is checked with the document's schemas (test/contract/oracle.ts, an Ajv instance
 * independent of the kiosk's own validators); the unlock happy path also runs the kiosk's real
 * client, so "pass" means a kiosk will work with the endpoint. Checks that change data on the
 * endpoint (a no-show report) run only when asked (`--no-show-invite`); a check that cannot run
 * says why. Prints one line per rule and a JSON summary as the last line; exits 1 on any failure.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { HrEndpointClient } from '../../main/services/packs/hr-client';
import { exchange, type Exchange, type RawRequest } from './harness';
import { DocumentOracle } from './oracle';

export interface ConformanceOptions {
  readonly url: string;
  readonly token: string;
  readonly invite: string;
  readonly kioskId: string;
  readonly centreId: string;
  readonly packId: string;
  readonly packHash: string;
  readonly hrPublicKey?: string;
  readonly day?: string;
  readonly noShowInvite?: string;
  readonly timeoutMs?: number;
}

export type RuleOutcome = 'pass' | 'fail' | 'skip';
export interface RuleResult {
  readonly rule: string;
  readonly outcome: RuleOutcome;
  readonly title: string;
  readonly detail: string;
}

export interface ConformanceReport {
  readonly endpoint: string;
  readonly documentVersion: string;
  readonly rules: readonly RuleResult[];
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failedRules: readonly string[];
  readonly conformant: boolean;
}

const keyOf = (codes: readonly string[]): string => createHash('sha256').update([...codes].sort().join(',')).digest('hex');

export async function runConformance(o: ConformanceOptions, oracle = new DocumentOracle()): Promise<ConformanceReport> {
  const results: RuleResult[] = [];
  const timeout = o.timeoutMs ?? 10_000;
  const send = (r: RawRequest): Promise<Exchange> => exchange(o.url, r, timeout);
  const auth = (scheme = 'Bearer', token = o.token): Record<string, string> => ({ authorization: `${scheme} ${token}` });
  const json = { 'content-type': 'application/json' };
  const b64 = (n: number): string => randomBytes(n).toString('base64');
  const unlockBody = (over: Record<string, unknown> = {}): string =>
    JSON.stringify({ inviteCode: o.invite, packId: o.packId, packHash: o.packHash, kioskId: o.kioskId, centreId: o.centreId, kioskPublicKey: b64(32), nonce: b64(16), ...over });

  /** One rule: send, then the answer must have one of `statuses` and conform to the document; `extra` adds checks. */
  const rule = async (id: string, title: string, op: string, req: RawRequest, statuses: readonly number[], extra?: (x: Exchange) => string | undefined): Promise<Exchange | undefined> => {
    let x: Exchange;
    try {
      x = await send(req);
    } catch (e) {
      results.push({ rule: id, outcome: 'fail', title, detail: `no answer: ${e instanceof Error ? e.message : String(e)}` });
      return undefined;
    }
    const problems: string[] = [];
    if (!statuses.includes(x.status)) problems.push(`expected ${statuses.join(' or ')}, got ${x.status}`);
    problems.push(...oracle.checkAnswer(oracle.op(op), x.status, x.headers, x.body, req.method === 'HEAD'));
    if (problems.length === 0) {
      const more = extra?.(x);
      if (more) problems.push(more);
    }
    results.push({ rule: id, outcome: problems.length ? 'fail' : 'pass', title, detail: problems.length ? problems.join('; ').slice(0, 600) : `HTTP ${x.status}` });
    return x;
  };
  const pathRule = async (id: string, title: string, req: RawRequest, status: 404 | 405, allow?: readonly string[]): Promise<void> => {
    try {
      const x = await send(req);
      const problems = x.status === status ? oracle.checkPathLevel(status, x.headers, x.body) : [`expected ${status}, got ${x.status}`];
      if (allow && x.status === 405) {
        const got = String(x.headers.allow ?? '').split(',').map((s) => s.trim()).filter(Boolean).sort();
        if (got.join(',') !== [...allow].sort().join(',')) problems.push(`Allow is "${got.join(', ')}", expected ${allow.join(', ')}`);
      }
      results.push({ rule: id, outcome: problems.length ? 'fail' : 'pass', title, detail: problems.length ? problems.join('; ') : `HTTP ${x.status}` });
    } catch (e) {
      results.push({ rule: id, outcome: 'fail', title, detail: `no answer: ${e instanceof Error ? e.message : String(e)}` });
    }
  };
  const errorCode = (x: Exchange, code: string): string | undefined => {
    const got = (JSON.parse(x.body.toString('utf8')) as { code?: string }).code;
    return got === code ? undefined : `error code must be ${code}, got ${got}`;
  };

  // Health and path-level answers
  await rule('HEALTH', 'GET /v1/health answers 200 without a token', 'health', { method: 'GET', path: '/v1/health' }, [200]);
  await rule('HEALTH-HEAD', 'HEAD /v1/health answers 200 without a token and without a body', 'healthHead', { method: 'HEAD', path: '/v1/health' }, [200]);
  await pathRule('METHOD-405', 'a documented path with another method answers 405 with Allow', { method: 'DELETE', path: '/v1/health' }, 405, ['GET', 'HEAD']);
  await pathRule('METHOD-405-UNLOCK', 'GET /v1/unlock answers 405 with Allow: POST', { method: 'GET', path: '/v1/unlock', headers: auth() }, 405, ['POST']);
  await pathRule('NOT-FOUND-404', 'an unknown path answers 404 NOT_FOUND', { method: 'GET', path: `/v1/conformance-${randomBytes(4).toString('hex')}`, headers: auth() }, 404);

  // Unlock: the happy path with the kiosk's real client, then the documented refusals
  if (o.hrPublicKey) {
    const client = new HrEndpointClient({ baseUrl: o.url, kioskToken: o.token, kioskId: o.kioskId, centreId: o.centreId, timeoutMs: timeout });
    const r = await client.unlock({ inviteCode: o.invite, packId: o.packId, packHash: o.packHash, hrPublicKey: o.hrPublicKey });
    results.push({ rule: 'UNLOCK-KIOSK', title: 'the kiosk unlocks the test invite (grant signed by the HR key, sealed key opens)', outcome: r.ok ? 'pass' : 'fail', detail: r.ok ? 'content key opened' : `${r.error.code}: ${r.error.message}` });
  } else {
    results.push({ rule: 'UNLOCK-KIOSK', title: 'the kiosk unlocks the test invite (grant signed by the HR key, sealed key opens)', outcome: 'skip', detail: 'give --hr-public-key to check the signature and the sealed key' });
  }
  await rule('UNLOCK-GRANT', 'POST /v1/unlock grants the test invite and echoes it exactly', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: unlockBody() }, [200], (x) => {
    const g = (JSON.parse(x.body.toString('utf8')) as { grant: { inviteCode: string } }).grant;
    return g.inviteCode === o.invite ? undefined : `the grant names ${g.inviteCode}, the request ${o.invite}`;
  });
  await rule('AUTH-SCHEME-CASE', 'the Bearer scheme is case-insensitive ("bearer" works)', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth('bearer'), ...json }, body: unlockBody() }, [200]);
  await rule('AUTH-MISSING-401', 'no token answers 401 UNAUTHORIZED', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: json, body: unlockBody() }, [401], (x) => errorCode(x, 'UNAUTHORIZED'));
  await rule('AUTH-UNKNOWN-401', 'an unknown token answers 401 UNAUTHORIZED', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth('Bearer', `conformance-${randomBytes(12).toString('hex')}`), ...json }, body: unlockBody() }, [401], (x) => errorCode(x, 'UNAUTHORIZED'));
  await rule('MEDIA-415', 'a body that is not application/json answers 415', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), 'content-type': 'text/plain' }, body: unlockBody() }, [415], (x) => errorCode(x, 'UNSUPPORTED_MEDIA_TYPE'));
  await rule('BODY-413', 'a body over x-max-body-bytes is answered 413 (not reset)', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: JSON.stringify({ pad: 'x'.repeat(20_000) }) }, [413], (x) => errorCode(x, 'TOO_LARGE'));
  await rule('UNLOCK-NONCE-400', 'a 4-byte nonce (16 are documented) answers 400', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: unlockBody({ nonce: b64(4) }) }, [400], (x) => errorCode(x, 'BAD_REQUEST'));
  await rule('UNLOCK-EXTRA-400', 'an undocumented member answers 400', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: unlockBody({ extra: 1 }) }, [400], (x) => errorCode(x, 'BAD_REQUEST'));
  await rule('INVITE-NOT-NORMALISED', 'an invite code in lower case is refused (400), never silently upper-cased', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: unlockBody({ inviteCode: o.invite.toLowerCase() }) }, [400]);
  await rule('UNLOCK-NOT-JSON-400', 'a body that is not JSON answers 400', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: '{"inviteCode":' }, [400], (x) => errorCode(x, 'BAD_REQUEST'));
  await rule('UNLOCK-UNKNOWN-404', 'an unknown invite answers 404 INVITE_UNKNOWN', 'unlockPack', { method: 'POST', path: '/v1/unlock', headers: { ...auth(), ...json }, body: unlockBody({ inviteCode: `ZZ-${randomBytes(6).toString('hex').toUpperCase()}` }) }, [404], (x) => errorCode(x, 'INVITE_UNKNOWN'));

  // Schedules
  const day = o.day ?? new Date().toISOString().slice(0, 10);
  await rule('SCHEDULE', `GET the centre's schedule of ${day} answers 200 (signed file) or 404`, 'getSchedule', { method: 'GET', path: `/v1/centres/${encodeURIComponent(o.centreId)}/schedules/${day}`, headers: auth() }, [200, 404]);
  await rule('SCHEDULE-OTHER-CENTRE-403', "another centre's schedule answers 403 NOT_THIS_CENTRE", 'getSchedule', { method: 'GET', path: `/v1/centres/conformance-${randomBytes(3).toString('hex')}/schedules/${day}`, headers: auth() }, [403], (x) => errorCode(x, 'NOT_THIS_CENTRE'));
  await rule('SCHEDULE-DATE-400', 'an impossible date (2026-02-30) answers 400', 'getSchedule', { method: 'GET', path: `/v1/centres/${encodeURIComponent(o.centreId)}/schedules/2026-02-30`, headers: auth() }, [400]);
  await rule('SCHEDULE-AUTH-401', 'a schedule without a token answers 401', 'getSchedule', { method: 'GET', path: `/v1/centres/${encodeURIComponent(o.centreId)}/schedules/${day}` }, [401]);

  // No-shows: refusals change nothing; the happy path only when asked
  const event = (code: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    type: 'no_show',
    inviteCode: code,
    scheduleId: 'conformance',
    candidateRef: 'conformance-check',
    packId: o.packId,
    window: { start: `${day}T00:00:00.000Z`, end: `${day}T00:30:00.000Z` },
    detectedAt: new Date().toISOString(),
    kioskState: { kioskId: o.kioskId, centreId: o.centreId, appVersion: 'conformance', provisioning: 'conformance:kit', packStatus: 'ready', sessionsInProgress: 0 },
    ...over,
  });
  const probeCode = `ZZ-${randomBytes(6).toString('hex').toUpperCase()}`;
  const noShow = (events: Record<string, unknown>[], key: string | undefined, headers: Record<string, string> = { ...auth(), ...json }): RawRequest => ({ method: 'POST', path: '/v1/no-shows', headers: { ...headers, ...(key ? { 'idempotency-key': key } : {}) }, body: JSON.stringify({ events }) });
  await rule('NOSHOW-KEY-MISSING-400', 'a no-show batch without Idempotency-Key answers 400', 'reportNoShows', noShow([event(probeCode)], undefined), [400]);
  await rule('NOSHOW-KEY-MISMATCH-400', 'an Idempotency-Key that is not sha256 of the codes answers 400 IDEMPOTENCY_KEY_MISMATCH', 'reportNoShows', noShow([event(probeCode)], keyOf(['SOMETHING-ELSE'])), [400], (x) => errorCode(x, 'IDEMPOTENCY_KEY_MISMATCH'));
  await rule('NOSHOW-ENUM-400', 'a packStatus outside the enum answers 400', 'reportNoShows', noShow([event(probeCode, { kioskState: { ...(event('x').kioskState as object), packStatus: 'broken' } })], keyOf([probeCode])), [400]);
  await rule('NOSHOW-DATE-400', 'detectedAt "yesterday" answers 400', 'reportNoShows', noShow([event(probeCode, { detectedAt: 'yesterday' })], keyOf([probeCode])), [400]);
  await rule('NOSHOW-MAXITEMS-400', 'a batch of 501 events answers 400', 'reportNoShows', noShow(Array.from({ length: 501 }, (_, i) => event(`${probeCode}-${i}`)), keyOf(Array.from({ length: 501 }, (_, i) => `${probeCode}-${i}`))), [400]);
  await rule('NOSHOW-MEDIA-415', 'a no-show batch as text/plain answers 415', 'reportNoShows', noShow([event(probeCode)], keyOf([probeCode]), { ...auth(), 'content-type': 'text/plain' }), [415]);
  await rule('NOSHOW-413', 'a no-show body over 1 MiB is answered 413 (not reset)', 'reportNoShows', noShow([event(probeCode, { candidateRef: 'c'.repeat(1_100_000) })], keyOf([probeCode])), [413]);
  if (o.noShowInvite) {
    const events = [event(o.noShowInvite)];
    const req = noShow(events, keyOf([o.noShowInvite]));
    await rule('NOSHOW-ACCEPT', 'a valid batch is acknowledged with exactly its codes', 'reportNoShows', req, [200], (x) => {
      const acc = (JSON.parse(x.body.toString('utf8')) as { accepted: string[] }).accepted;
      return acc.length === 1 && acc[0] === o.noShowInvite ? undefined : `accepted ${JSON.stringify(acc)}`;
    });
    await rule('NOSHOW-REPLAY-200', 'the same key and body again answers 200 (idempotent)', 'reportNoShows', req, [200]);
    await rule('NOSHOW-CONFLICT-409', 'the same key with a different body answers 409 IDEMPOTENCY_CONFLICT', 'reportNoShows', noShow([event(o.noShowInvite, { candidateRef: 'conformance-other' })], keyOf([o.noShowInvite])), [409], (x) => errorCode(x, 'IDEMPOTENCY_CONFLICT'));
  } else {
    for (const id of ['NOSHOW-ACCEPT', 'NOSHOW-REPLAY-200', 'NOSHOW-CONFLICT-409']) results.push({ rule: id, outcome: 'skip', title: 'no-show acknowledgement and idempotency', detail: 'records a no-show on the endpoint: give --no-show-invite <a test invite> to run it' });
  }

  // Kiosk incidents: refusals change nothing; recording one only when asked
  const incident = (code: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
    incidentId: createHash('sha256').update(`no_show_quarantined|${o.kioskId}|${code}`).digest('hex'),
    kind: 'no_show_quarantined',
    kioskId: o.kioskId,
    centreId: o.centreId,
    detectedAt: new Date().toISOString(),
    reason: 'conformance check',
    subject: { inviteCode: code, scheduleId: 'conformance', candidateRef: 'conformance-check', packId: o.packId },
    truncated: false,
    ...over,
  });
  const incidentReq = (body: unknown, headers: Record<string, string> = { ...auth(), ...json }): RawRequest => ({ method: 'POST', path: '/v1/kiosk-incidents', headers, body: JSON.stringify(body) });
  await rule('INCIDENT-KIND-400', 'an incident of an unknown kind answers 400', 'reportKioskIncident', incidentReq(incident(probeCode, { kind: 'fire' })), [400]);
  await rule('INCIDENT-AUTH-401', 'an incident without a token answers 401', 'reportKioskIncident', incidentReq(incident(probeCode), json), [401]);
  await rule('INCIDENT-MEDIA-415', 'an incident as text/plain answers 415', 'reportKioskIncident', incidentReq(incident(probeCode), { ...auth(), 'content-type': 'text/plain' }), [415]);
  if (o.noShowInvite) {
    await rule('INCIDENT-RECORD', 'a quarantine incident with malformed subject strings is recorded', 'reportKioskIncident', incidentReq(incident(o.noShowInvite, { subject: { inviteCode: o.noShowInvite.toLowerCase() + ' ', scheduleId: '', candidateRef: 'c', packId: '?' } })), [200]);
    await rule('INCIDENT-CONFLICT-409', 'the same incident id with a different body answers 409', 'reportKioskIncident', incidentReq(incident(o.noShowInvite, { reason: 'another reason' })), [409], (x) => errorCode(x, 'IDEMPOTENCY_CONFLICT'));
  } else {
    for (const id of ['INCIDENT-RECORD', 'INCIDENT-CONFLICT-409']) results.push({ rule: id, outcome: 'skip', title: 'kiosk incident recording and idempotency', detail: 'records an incident on the endpoint: give --no-show-invite <a test invite> to run it' });
  }

  // Pre-check routes (no token)
  await rule('PRECHECK-TIME', 'GET /precheck/time answers {"now": epoch ms} without a token', 'precheckTime', { method: 'GET', path: '/precheck/time' }, [200], (x) => {
    const now = (JSON.parse(x.body.toString('utf8')) as { now: number }).now;
    return Math.abs(now - Date.now()) > 5 * 60_000 ? `the endpoint's clock is ${Math.round((now - Date.now()) / 1000)} s off` : undefined;
  });
  await rule('PRECHECK-LATENCY', 'GET /precheck/latency answers 204 without a body', 'precheckLatency', { method: 'GET', path: '/precheck/latency' }, [204]);
  const upload = randomBytes(64 * 1024);
  await rule('PRECHECK-UPLOAD', 'POST /precheck/upload reads the whole body and answers its size', 'precheckUpload', { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/octet-stream' }, body: upload }, [200], (x) => {
    const n = (JSON.parse(x.body.toString('utf8')) as { bytes: number }).bytes;
    return n === upload.length ? undefined : `answered ${n} bytes for ${upload.length}`;
  });
  await rule('PRECHECK-UPLOAD-415', 'POST /precheck/upload as JSON answers 415', 'precheckUpload', { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/json' }, body: '{}' }, [415]);

  const failedRules = results.filter((r) => r.outcome === 'fail').map((r) => r.rule);
  return {
    endpoint: o.url,
    documentVersion: String((oracle.document.info as { version?: unknown } | undefined)?.version ?? '?'),
    rules: results,
    passed: results.filter((r) => r.outcome === 'pass').length,
    failed: failedRules.length,
    skipped: results.filter((r) => r.outcome === 'skip').length,
    failedRules,
    conformant: failedRules.length === 0,
  };
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      token: { type: 'string' },
      invite: { type: 'string' },
      'kiosk-id': { type: 'string' },
      'centre-id': { type: 'string' },
      'pack-id': { type: 'string' },
      'pack-hash': { type: 'string' },
      'hr-public-key': { type: 'string' },
      day: { type: 'string' },
      'no-show-invite': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const required = ['url', 'token', 'invite', 'kiosk-id', 'centre-id', 'pack-id', 'pack-hash'] as const;
  const missing = required.filter((k) => !values[k]);
  if (missing.length) {
    process.stderr.write(`usage: npm run hr:conformance -- --url <endpoint> --token <kioskToken> --invite <test invite> --kiosk-id <id> --centre-id <id> --pack-id <id> --pack-hash <sha256> [--hr-public-key <base64>] [--day YYYY-MM-DD] [--no-show-invite <code>] [--json]\nmissing: ${missing.map((m) => `--${m}`).join(', ')}\n`);
    process.stdout.write(JSON.stringify({ conformant: false, error: 'usage', missing }) + '\n');
    process.exit(2);
  }
  const report = await runConformance({
    url: values.url!,
    token: values.token!,
    invite: values.invite!,
    kioskId: values['kiosk-id']!,
    centreId: values['centre-id']!,
    packId: values['pack-id']!,
    packHash: values['pack-hash']!,
    ...(values['hr-public-key'] ? { hrPublicKey: values['hr-public-key'] } : {}),
    ...(values.day ? { day: values.day } : {}),
    ...(values['no-show-invite'] ? { noShowInvite: values['no-show-invite'] } : {}),
  });
  if (!values.json) {
    process.stdout.write(`HR endpoint conformance — ${report.endpoint} against docs/hr-endpoint.openapi.yaml ${report.documentVersion}\n`);
    for (const r of report.rules) process.stdout.write(`${r.outcome.toUpperCase().padEnd(4)} ${r.rule.padEnd(26)} ${r.title} — ${r.detail}\n`);
    process.stdout.write(`${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped\n`);
  }
  process.stdout.write(JSON.stringify({ endpoint: report.endpoint, documentVersion: report.documentVersion, rules: report.rules.length, passed: report.passed, failed: report.failed, skipped: report.skipped, failedRules: report.failedRules, conformant: report.conformant, target: 'every rule passes' }) + '\n');
  process.exit(report.conformant ? 0 : 1);
}
