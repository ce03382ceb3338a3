/**
 * `npm run contract-test -- --json`: the HR endpoint contract, proved by validators neither side
 * wrote. The reference server (main/dev/hr-endpoint-server.ts) runs on 127.0.0.1 behind two
 * Stoplight Prism validating proxies (child processes): a strict one (`--errors`) for requests the
 * document accepts, a lenient one for deliberately bad requests (Prism must flag the request, and
 * the answer must still conform). Every answer is also checked by a separate draft 2020-12 Ajv
 * instance compiled from the document on disk (test/contract/oracle.ts, not the product's
 * validators). Traffic: the kiosk's real HR client and network probe, plus a table of hand-made
 * requests that reaches every documented status of every operation.
 *
 * Exits non-zero on any violation, any documented status never reached, fewer than 100 requests,
 * or a canary the validators fail to flag (a deliberately wrong upstream). The last line is JSON.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { systemClock } from '../../main/common/clock';
import { demoHrEndpointOptions, startHrEndpointServer, type HrEndpointServer } from '../../main/dev/hr-endpoint-server';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { HrEndpointClient } from '../../main/services/packs/hr-client';
import type { KioskIncident } from '../../main/services/packs/hr-protocol';
import { buildSchedule } from '../../main/services/packs/schedule';
import { stageKeyOf } from '../../main/services/packs/stage-content';
import { DEFAULT_PROBE_OPTIONS, NetworkProbe } from '../../main/services/precheck/network-probe';
import { exchange, prismViolations, startPrism, type Exchange, type PrismProxy, type RawRequest } from './harness';
import { DocumentOracle, HR_DOCUMENT } from './oracle';
import { startHubTarget } from './hub-target';

const started = performance.now();
const json = process.argv.includes('--json');
const targetAt = process.argv.indexOf('--target');
const TARGET = targetAt >= 0 ? process.argv[targetAt + 1] : 'dev';
if (TARGET !== 'dev' && TARGET !== 'hub') {
  process.stderr.write('usage: contract-test.ts [--json] [--target dev|hub]\n');
  process.exit(2);
}
const BUDGET_MS = 115_000;
const root = path.resolve(import.meta.dirname, '..', '..');
const readJson = <T>(f: string): T => JSON.parse(readFileSync(path.join(root, f), 'utf8')) as T;

type Via = 'strict' | 'lenient' | 'direct';
interface Case {
  readonly name: string;
  readonly op: string;
  readonly expect: number;
  readonly via: Via;
  readonly req: RawRequest;
  /** true: Prism must flag the request (the server refused what the document refuses); false: it must not; undefined: not asserted. */
  readonly requestInvalid?: boolean;
}
interface PathCase {
  readonly name: string;
  readonly expect: 404 | 405;
  readonly req: RawRequest;
}

const violations: string[] = [];
const reached = new Set<string>();
let requests = 0;
const perVia: Record<Via | 'kiosk', number> = { strict: 0, lenient: 0, direct: 0, kiosk: 0 };

function finish(extra: Record<string, unknown>, failed: boolean): never {
  const line = JSON.stringify({ implementation: TARGET === 'hub' ? 'hub (/hr)' : 'dev server', ...extra, durationMs: Math.round(performance.now() - started), target: 'every documented status of every operation reached through Prism + an independent Ajv, >= 100 requests, 0 violations, < 120 s' });
  if (!json) for (const v of violations) process.stderr.write(`VIOLATION ${v}\n`);
  else if (violations.length) process.stderr.write(violations.map((v) => `VIOLATION ${v}`).join('\n') + '\n');
  process.stdout.write(line + '\n');
  process.exit(failed ? 1 : 0);
}

const watchdog = setTimeout(() => {
  violations.push(`the contract test did not finish in ${BUDGET_MS} ms`);
  finish({ operations: null, documentedStatuses: null, statusesReached: reached.size, requests, violations: violations.length, timedOut: true }, true);
}, BUDGET_MS);
watchdog.unref();

const oracle = new DocumentOracle(HR_DOCUMENT);
const documented = oracle.ops.flatMap((o) => [...o.statuses.keys()].map((s) => `${o.id}:${s}`));

// ------------------------------------------------------------------ the reference server's world
const prov = readJson<{ kioskId: string; centreId: string; hrEndpoint: { kioskToken: string } }>('build/provisioning/demo-provisioning.json');
const seKey = readJson<{ packId: string; packHash: string }>('build/provisioning/software-engineer.key.json');
const demoScheduleKey = readJson<SigningKeyPair>('build/provisioning/demo-signing-key.json');
const token = prov.hrEndpoint.kioskToken;
const otherToken = 'another-kiosk-token-' + 'k'.repeat(16);
const DAY = '2026-11-23';
const schedule = buildSchedule(
  { scheduleId: 'contract-day', centreId: prov.centreId, day: DAY, invites: [{ code: 'SCHED-0001', candidateRef: 'cand-1', packId: 'software-engineer', window: { start: `${DAY}T01:00:00Z`, end: `${DAY}T02:00:00Z` } }] },
  root,
  demoScheduleKey,
);
if (!schedule.ok) throw new Error(schedule.error.message);
const demo = demoHrEndpointOptions(root, 0);
// A pack sealed stage by stage (format v2, release "hr"): the endpoint holds its stage master key.
const STAGED = { packId: 'staged-pack', packVersion: '1.0.0', packHash: createHash('sha256').update('contract staged pack').digest('hex'), contentKey: randomBytes(32), stageMaster: randomBytes(32), stageIds: ['intro', 'professional', 'closing'] };

const INVITES = [
  { code: 'STAGED-0001', packId: STAGED.packId, centreId: prov.centreId },
  { code: 'STAGED-0002', packId: STAGED.packId, centreId: prov.centreId },
  { code: 'STAGED-REVOKED', packId: STAGED.packId, centreId: prov.centreId, revoked: true },
  { code: 'STAGED-OTHERC', packId: STAGED.packId, centreId: 'another-centre' },
  { code: 'REVOKED-0001', packId: 'software-engineer', centreId: prov.centreId, revoked: true },
  { code: 'OTHERC-0001', packId: 'software-engineer', centreId: 'another-centre' },
  { code: 'EARLY-0001', packId: 'software-engineer', centreId: prov.centreId, notBefore: Date.now() + 86_400_000 },
  { code: 'SALES-0001', packId: 'regional-sales-manager', centreId: prov.centreId },
];
const KIOSKS = { ...demo.kiosks, [otherToken]: { kioskId: 'other-kiosk-02', centreId: prov.centreId } };

/** What the table and the kiosk traffic talk to: the dev server, or the hub (`--target hub`). */
interface Target {
  readonly url: string;
  incidents(): Promise<readonly KioskIncident[]>;
  close(): Promise<void>;
}
let server: Target;
if (TARGET === 'hub') {
  server = await startHubTarget({
    signingKey: demo.signingKey,
    kiosks: KIOSKS,
    sidecars: [
      ...['software-engineer', 'regional-sales-manager'].map((id) => readJson<Record<string, unknown>>(`build/provisioning/${id}.key.json`)),
      { kind: 'interview-kiosk-content-key', packId: STAGED.packId, version: STAGED.packVersion, packHash: STAGED.packHash, contentKey: STAGED.contentKey.toString('base64'), stageMasterKey: STAGED.stageMaster.toString('base64'), stages: STAGED.stageIds.map((id) => ({ id, questionCount: 1 })) },
    ],
    // The dev server accepts any DEMO-XXXX code; the hub knows only the invites HR made.
    invites: [{ code: 'DEMO-2026', packId: 'software-engineer', centreId: prov.centreId }, ...INVITES],
    schedules: [schedule.value.text],
    // The endpoint's own record: STAGED-0001 has submitted its first stage (one question), STAGED-0002 nothing.
    answered: { 'STAGED-0001': [0] },
  });
} else {
  const dev: HrEndpointServer = await startHrEndpointServer({
    ...demo,
    kiosks: KIOSKS,
    packs: [...demo.packs, STAGED],
    invites: INVITES,
    schedules: { [`${prov.centreId}/${DAY}`]: schedule.value.text },
    intercept: (_op, headers) => {
      const fault = headers['x-contract-fault'];
      if (fault === 'throw') return 'throw';
      if (fault === 'unavailable') return { status: 503, code: 'UNAVAILABLE', message: 'maintenance (injected)', retryAfter: 30 };
      return undefined;
    },
    clock: systemClock,
  });
  // The endpoint's own record: STAGED-0001 has submitted its first stage, STAGED-0002 nothing.
  dev.recordStageSubmitted('STAGED-0001', 'intro');
  server = { url: dev.url, incidents: () => Promise.resolve(dev.incidents), close: () => dev.close() };
}

// A deliberately wrong upstream: the canary the validators must flag.
const wrong = http.createServer((req, res) => {
  if (req.url === '/v1/health') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":false,"time":"yesterday"}');
  } else {
    res.writeHead(418, { 'content-type': 'application/json' });
    res.end('{"now":"soon"}');
  }
});
await new Promise<void>((resolve) => wrong.listen(0, '127.0.0.1', resolve));
const wrongUrl = `http://127.0.0.1:${(wrong.address() as AddressInfo).port}`;

const proxies: PrismProxy[] = [];
// Whatever ends this process (watchdog, a thrown error), the Prism children it started end with it.
process.on('exit', () => proxies.forEach((p) => p.stop()));
const cleanup = async (): Promise<void> => {
  for (const p of proxies) p.stop();
  wrong.close();
  await server.close();
};
let strict: PrismProxy;
let lenient: PrismProxy;
let canaryProxy: PrismProxy;
try {
  const launching: [Promise<PrismProxy>, Promise<PrismProxy>, Promise<PrismProxy>] = [startPrism(HR_DOCUMENT, server.url, true), startPrism(HR_DOCUMENT, server.url, false), startPrism(HR_DOCUMENT, wrongUrl, true)];
  // Keep every proxy that did start, so a partial failure still stops them.
  for (const p of launching) void p.then((proxy) => proxies.push(proxy), () => undefined);
  [strict, lenient, canaryProxy] = await Promise.all(launching);
} catch (e) {
  await cleanup();
  violations.push(`Prism could not start: ${e instanceof Error ? e.message : String(e)}`);
  finish({ operations: oracle.ops.length, documentedStatuses: documented.length, statusesReached: 0, requests: 0, violations: violations.length }, true);
}
const baseOf = (via: Via): string => (via === 'strict' ? strict.url : via === 'lenient' ? lenient.url : server.url);


// ------------------------------------------------------------------ request builders
const auth = (t = token, scheme = 'Bearer'): Record<string, string> => ({ authorization: `${scheme} ${t}` });
const jsonHeaders = (t = token): Record<string, string> => ({ ...auth(t), 'content-type': 'application/json' });
const b64 = (n: number): string => randomBytes(n).toString('base64');
const unlockBody = (over: Record<string, unknown> = {}, drop?: string): string => {
  const body: Record<string, unknown> = { inviteCode: 'DEMO-2026', packId: seKey.packId, packHash: seKey.packHash, kioskId: prov.kioskId, centreId: prov.centreId, kioskPublicKey: b64(32), nonce: b64(16), ...over };
  if (drop) delete body[drop];
  return JSON.stringify(body);
};
const unlockReq = (body: string, headers = jsonHeaders()): RawRequest => ({ method: 'POST', path: '/v1/unlock', headers, body });
const stageBody = (over: Record<string, unknown> = {}, drop?: string): string => {
  const body: Record<string, unknown> = { packId: STAGED.packId, packVersion: STAGED.packVersion, packHash: STAGED.packHash, inviteCode: 'STAGED-0001', kioskId: prov.kioskId, stageIndex: 1, stageId: 'professional', submittedStageId: 'intro', kioskPublicKey: b64(32), nonce: b64(16), ...over };
  if (drop) delete body[drop];
  return JSON.stringify(body);
};
const stageReq = (body: string, headers = jsonHeaders()): RawRequest => ({ method: 'POST', path: '/v1/stages/release', headers, body });
const noShowEvent = (code: string, over: Record<string, unknown> = {}): Record<string, unknown> => ({
  type: 'no_show',
  inviteCode: code,
  scheduleId: 'contract-day',
  candidateRef: `cand-${code}`,
  packId: 'software-engineer',
  window: { start: `${DAY}T01:00:00.000Z`, end: `${DAY}T02:00:00.000Z` },
  detectedAt: `${DAY}T02:00:05.000Z`,
  kioskState: { kioskId: prov.kioskId, centreId: prov.centreId, appVersion: '0.1.0', provisioning: 'demo:explicit', packStatus: 'locked', sessionsInProgress: 0 },
  ...over,
});
// The documented key, from the document's words (not the product's helper).
const keyOf = (codes: readonly string[]): string => createHash('sha256').update([...codes].sort().join(',')).digest('hex');
const noShowReq = (events: Record<string, unknown>[], key?: string | null, headers = jsonHeaders()): RawRequest => ({
  method: 'POST',
  path: '/v1/no-shows',
  headers: { ...headers, ...(key === null ? {} : { 'idempotency-key': key ?? keyOf(events.map((e) => String(e.inviteCode))) }) },
  body: JSON.stringify({ events }),
});
const fault = (kind: 'throw' | 'unavailable'): Record<string, string> => ({ 'x-contract-fault': kind });
const schedPath = (centre: string, day: string): string => `/v1/centres/${centre}/schedules/${day}`;

// ------------------------------------------------------------------ the table
const cases: Case[] = [];
const add = (c: Case): void => void cases.push(c);

// health
add({ name: 'health', op: 'health', expect: 200, via: 'strict', req: { method: 'GET', path: '/v1/health' }, requestInvalid: false });
add({ name: 'health unavailable', op: 'health', expect: 503, via: 'strict', req: { method: 'GET', path: '/v1/health', headers: fault('unavailable') }, requestInvalid: false });
// Prism's proxy cannot forward HEAD (it parses an empty JSON body): checked directly by the oracle.
add({ name: 'HEAD health without a token', op: 'healthHead', expect: 200, via: 'direct', req: { method: 'HEAD', path: '/v1/health' } });
add({ name: 'HEAD health unavailable', op: 'healthHead', expect: 503, via: 'direct', req: { method: 'HEAD', path: '/v1/health', headers: fault('unavailable') } });

// unlock: success and every refusal
add({ name: 'unlock granted', op: 'unlockPack', expect: 200, via: 'strict', req: unlockReq(unlockBody()), requestInvalid: false });
add({ name: 'unlock granted, bearer in lower case', op: 'unlockPack', expect: 200, via: 'lenient', req: unlockReq(unlockBody(), { ...auth(token, 'bearer'), 'content-type': 'application/json' }) });
add({ name: 'unlock granted, charset in content type', op: 'unlockPack', expect: 200, via: 'strict', req: unlockReq(unlockBody(), { ...auth(), 'content-type': 'application/json; charset=utf-8' }), requestInvalid: false });
add({ name: 'unlock by another kiosk token', op: 'unlockPack', expect: 403, via: 'strict', req: unlockReq(unlockBody(), jsonHeaders(otherToken)), requestInvalid: false });
add({ name: 'unlock of another centre', op: 'unlockPack', expect: 403, via: 'strict', req: unlockReq(unlockBody({ inviteCode: 'OTHERC-0001' })), requestInvalid: false });
add({ name: 'unlock unknown invite', op: 'unlockPack', expect: 404, via: 'strict', req: unlockReq(unlockBody({ inviteCode: 'NOPE-0001' })), requestInvalid: false });
add({ name: 'unlock revoked', op: 'unlockPack', expect: 409, via: 'strict', req: unlockReq(unlockBody({ inviteCode: 'REVOKED-0001' })), requestInvalid: false });
add({ name: 'unlock outside window', op: 'unlockPack', expect: 409, via: 'strict', req: unlockReq(unlockBody({ inviteCode: 'EARLY-0001' })), requestInvalid: false });
add({ name: 'unlock pack mismatch', op: 'unlockPack', expect: 409, via: 'strict', req: unlockReq(unlockBody({ inviteCode: 'SALES-0001' })), requestInvalid: false });
add({ name: 'unlock internal failure', op: 'unlockPack', expect: 500, via: 'strict', req: unlockReq(unlockBody(), { ...jsonHeaders(), ...fault('throw') }), requestInvalid: false });
add({ name: 'unlock unavailable', op: 'unlockPack', expect: 503, via: 'strict', req: unlockReq(unlockBody(), { ...jsonHeaders(), ...fault('unavailable') }), requestInvalid: false });
add({ name: 'unlock without token', op: 'unlockPack', expect: 401, via: 'lenient', req: unlockReq(unlockBody(), { 'content-type': 'application/json' }), requestInvalid: true });
add({ name: 'unlock with Basic', op: 'unlockPack', expect: 401, via: 'lenient', req: unlockReq(unlockBody(), { authorization: 'Basic dXNlcjpwYXNz', 'content-type': 'application/json' }), requestInvalid: true });
add({ name: 'unlock unknown token', op: 'unlockPack', expect: 401, via: 'lenient', req: unlockReq(unlockBody(), jsonHeaders('unknown-token-0123456789')) });
add({ name: 'unlock text/plain', op: 'unlockPack', expect: 415, via: 'lenient', req: unlockReq(unlockBody(), { ...auth(), 'content-type': 'text/plain' }), requestInvalid: true });
add({ name: 'unlock no content type', op: 'unlockPack', expect: 415, via: 'lenient', req: unlockReq(unlockBody(), auth()) });
add({ name: 'unlock 20 KB body', op: 'unlockPack', expect: 413, via: 'lenient', req: unlockReq(JSON.stringify({ pad: 'x'.repeat(20_000) })), requestInvalid: true });
const unlockBad: [string, string][] = [
  ...['inviteCode', 'packId', 'packHash', 'kioskId', 'centreId', 'kioskPublicKey', 'nonce'].map((f): [string, string] => [`missing ${f}`, unlockBody({}, f)]),
  ['extra member', unlockBody({ extra: true })],
  ['invite code in lower case', unlockBody({ inviteCode: 'demo-2026' })],
  ['invite code with a space', unlockBody({ inviteCode: ' DEMO-2026' })],
  ['invite code too short', unlockBody({ inviteCode: 'AB' })],
  ['invite code too long', unlockBody({ inviteCode: 'A'.repeat(33) })],
  ['packHash upper case', unlockBody({ packHash: seKey.packHash.toUpperCase() })],
  ['packHash short', unlockBody({ packHash: 'ab' })],
  ['public key 31 bytes', unlockBody({ kioskPublicKey: b64(31) })],
  ['public key 33 bytes', unlockBody({ kioskPublicKey: b64(33) })],
  ['public key not base64', unlockBody({ kioskPublicKey: '!'.repeat(43) + '=' })],
  ['nonce 4 bytes', unlockBody({ nonce: b64(4) })],
  ['nonce 32 bytes', unlockBody({ nonce: b64(32) })],
  ['kioskId starting with a dash', unlockBody({ kioskId: '-kiosk' })],
  ['centreId empty', unlockBody({ centreId: '' })],
  ['packId one character', unlockBody({ packId: 'a' })],
  ['inviteCode a number', unlockBody({ inviteCode: 2026 })],
  ['body an array', '[]'],
  ['body null', 'null'],
];
for (const [what, body] of unlockBad) add({ name: `unlock ${what}`, op: 'unlockPack', expect: 400, via: 'lenient', req: unlockReq(body), requestInvalid: true });
// Prism never answers a body that is not JSON (it hangs): checked directly by the oracle.
add({ name: 'unlock body not JSON', op: 'unlockPack', expect: 400, via: 'direct', req: unlockReq('{"inviteCode":') });
add({ name: 'no-shows body not JSON', op: 'reportNoShows', expect: 400, via: 'direct', req: { method: 'POST', path: '/v1/no-shows', headers: { ...jsonHeaders(), 'idempotency-key': keyOf([]) }, body: '{"events":[' } });

// stage release (pack format v2): success and every refusal
add({ name: 'stage granted', op: 'releaseStage', expect: 200, via: 'strict', req: stageReq(stageBody()), requestInvalid: false });
add({ name: 'stage granted, charset in content type', op: 'releaseStage', expect: 200, via: 'strict', req: stageReq(stageBody(), { ...auth(), 'content-type': 'application/json; charset=utf-8' }), requestInvalid: false });
add({ name: 'stage by another kiosk token', op: 'releaseStage', expect: 403, via: 'strict', req: stageReq(stageBody(), jsonHeaders(otherToken)), requestInvalid: false });
add({ name: 'stage of another centre', op: 'releaseStage', expect: 403, via: 'strict', req: stageReq(stageBody({ inviteCode: 'STAGED-OTHERC' })), requestInvalid: false });
add({ name: 'stage unknown invite', op: 'releaseStage', expect: 404, via: 'strict', req: stageReq(stageBody({ inviteCode: 'NOPE-0001' })), requestInvalid: false });
add({ name: 'stage revoked invite', op: 'releaseStage', expect: 409, via: 'strict', req: stageReq(stageBody({ inviteCode: 'STAGED-REVOKED' })), requestInvalid: false });
add({ name: 'stage of a v1 pack', op: 'releaseStage', expect: 409, via: 'strict', req: stageReq(stageBody({ inviteCode: 'DEMO-2026', packId: seKey.packId, packHash: seKey.packHash })), requestInvalid: false });
add({ name: 'stage id not the outline\'s', op: 'releaseStage', expect: 409, via: 'strict', req: stageReq(stageBody({ stageId: 'closing' })), requestInvalid: false });
add({ name: 'stage without the submission on record', op: 'releaseStage', expect: 409, via: 'strict', req: stageReq(stageBody({ inviteCode: 'STAGED-0002' })), requestInvalid: false });
add({ name: 'stage 2 before stage 1 is on record', op: 'releaseStage', expect: 409, via: 'strict', req: stageReq(stageBody({ stageIndex: 2, stageId: 'closing', submittedStageId: 'professional' })), requestInvalid: false });
add({ name: 'stage internal failure', op: 'releaseStage', expect: 500, via: 'strict', req: stageReq(stageBody(), { ...jsonHeaders(), ...fault('throw') }), requestInvalid: false });
add({ name: 'stage unavailable', op: 'releaseStage', expect: 503, via: 'strict', req: stageReq(stageBody(), { ...jsonHeaders(), ...fault('unavailable') }), requestInvalid: false });
add({ name: 'stage without token', op: 'releaseStage', expect: 401, via: 'lenient', req: stageReq(stageBody(), { 'content-type': 'application/json' }), requestInvalid: true });
add({ name: 'stage as text', op: 'releaseStage', expect: 415, via: 'lenient', req: stageReq(stageBody(), { ...auth(), 'content-type': 'text/plain' }), requestInvalid: true });
add({ name: 'stage 20 KB body', op: 'releaseStage', expect: 413, via: 'lenient', req: stageReq(JSON.stringify({ pad: 'x'.repeat(20_000) })), requestInvalid: true });
for (const [what, body] of [
  ...['packId', 'packVersion', 'packHash', 'inviteCode', 'kioskId', 'stageIndex', 'stageId', 'submittedStageId', 'kioskPublicKey', 'nonce'].map((f): [string, string] => [`missing ${f}`, stageBody({}, f)]),
  ['extra member', stageBody({ centreId: prov.centreId })],
  ['stageIndex 0', stageBody({ stageIndex: 0 })],
  ['stageIndex 10', stageBody({ stageIndex: 10 })],
  ['stageIndex 1.5', stageBody({ stageIndex: 1.5 })],
  ['packVersion with a leading zero', stageBody({ packVersion: '01.0.0' })],
  ['stageId in upper case', stageBody({ stageId: 'Professional' })],
  ['nonce 4 bytes', stageBody({ nonce: b64(4) })],
] as [string, string][]) {
  add({ name: `stage ${what}`, op: 'releaseStage', expect: 400, via: 'lenient', req: stageReq(body), requestInvalid: true });
}

// schedules
add({ name: 'schedule of the day', op: 'getSchedule', expect: 200, via: 'strict', req: { method: 'GET', path: schedPath(prov.centreId, DAY), headers: auth() }, requestInvalid: false });
add({ name: 'schedule, BEARER in upper case', op: 'getSchedule', expect: 200, via: 'lenient', req: { method: 'GET', path: schedPath(prov.centreId, DAY), headers: auth(token, 'BEARER') } });
add({ name: 'schedule of a day without one', op: 'getSchedule', expect: 404, via: 'strict', req: { method: 'GET', path: schedPath(prov.centreId, '2026-11-24'), headers: auth() }, requestInvalid: false });
add({ name: 'schedule of another centre', op: 'getSchedule', expect: 403, via: 'strict', req: { method: 'GET', path: schedPath('another-centre', DAY), headers: auth() }, requestInvalid: false });
add({ name: 'schedule internal failure', op: 'getSchedule', expect: 500, via: 'strict', req: { method: 'GET', path: schedPath(prov.centreId, DAY), headers: { ...auth(), ...fault('throw') } }, requestInvalid: false });
add({ name: 'schedule unavailable', op: 'getSchedule', expect: 503, via: 'strict', req: { method: 'GET', path: schedPath(prov.centreId, DAY), headers: { ...auth(), ...fault('unavailable') } }, requestInvalid: false });
add({ name: 'schedule without token', op: 'getSchedule', expect: 401, via: 'lenient', req: { method: 'GET', path: schedPath(prov.centreId, DAY) }, requestInvalid: true });
add({ name: 'schedule unknown token', op: 'getSchedule', expect: 401, via: 'lenient', req: { method: 'GET', path: schedPath(prov.centreId, DAY), headers: auth('unknown-token-0123456789') } });
for (const [what, centre, day] of [
  ['February 30th', prov.centreId, '2026-02-30'],
  ['month 13', prov.centreId, '2026-13-01'],
  ['day not a date', prov.centreId, 'tomorrow'],
  ['centre starting with a dot', '.centre', DAY],
  ['centre of one character', 'c', DAY],
] as const) {
  add({ name: `schedule ${what}`, op: 'getSchedule', expect: 400, via: 'lenient', req: { method: 'GET', path: schedPath(centre, day), headers: auth() }, requestInvalid: true });
}

// no-shows
const okEvents = [noShowEvent('NSC-0001'), noShowEvent('NSC-0002')];
add({ name: 'no-shows accepted', op: 'reportNoShows', expect: 200, via: 'strict', req: noShowReq(okEvents), requestInvalid: false });
add({ name: 'no-shows replayed with the same key and body', op: 'reportNoShows', expect: 200, via: 'strict', req: noShowReq(okEvents), requestInvalid: false });
add({ name: 'no-shows same key, different body', op: 'reportNoShows', expect: 409, via: 'strict', req: noShowReq([noShowEvent('NSC-0001', { detectedAt: `${DAY}T03:00:00.000Z` }), noShowEvent('NSC-0002')]), requestInvalid: false });
add({ name: 'no-shows key of other codes', op: 'reportNoShows', expect: 400, via: 'strict', req: noShowReq([noShowEvent('NSC-0003')], keyOf(['NSC-9999'])), requestInvalid: false });
add({ name: 'no-shows same code twice', op: 'reportNoShows', expect: 400, via: 'strict', req: noShowReq([noShowEvent('NSC-0004'), noShowEvent('NSC-0004')]), requestInvalid: false });
add({ name: 'no-shows 500 events', op: 'reportNoShows', expect: 200, via: 'strict', req: noShowReq(Array.from({ length: 500 }, (_, i) => noShowEvent(`NSB-${String(i).padStart(4, '0')}`))), requestInvalid: false });
add({ name: 'no-shows internal failure', op: 'reportNoShows', expect: 500, via: 'strict', req: noShowReq([noShowEvent('NSC-0005')], undefined, { ...jsonHeaders(), ...fault('throw') }), requestInvalid: false });
add({ name: 'no-shows unavailable', op: 'reportNoShows', expect: 503, via: 'strict', req: noShowReq([noShowEvent('NSC-0005')], undefined, { ...jsonHeaders(), ...fault('unavailable') }), requestInvalid: false });
add({ name: 'no-shows without token', op: 'reportNoShows', expect: 401, via: 'lenient', req: noShowReq([noShowEvent('NSC-0006')], undefined, { 'content-type': 'application/json' }), requestInvalid: true });
add({ name: 'no-shows as XML', op: 'reportNoShows', expect: 415, via: 'lenient', req: noShowReq([noShowEvent('NSC-0006')], undefined, { ...auth(), 'content-type': 'application/xml' }), requestInvalid: true });
add({ name: 'no-shows 1.2 MB body', op: 'reportNoShows', expect: 413, via: 'lenient', req: { method: 'POST', path: '/v1/no-shows', headers: { ...jsonHeaders(), 'idempotency-key': keyOf(['X']) }, body: JSON.stringify({ events: [noShowEvent('NSC-0007', { candidateRef: 'c'.repeat(1_200_000) })] }) }, requestInvalid: true });
const nsBad: [string, RawRequest][] = [
  ['no events', noShowReq([])],
  ['501 events', noShowReq(Array.from({ length: 501 }, (_, i) => noShowEvent(`NSD-${String(i).padStart(4, '0')}`)))],
  ['events missing', { method: 'POST', path: '/v1/no-shows', headers: { ...jsonHeaders(), 'idempotency-key': keyOf([]) }, body: '{}' }],
  ['extra top-level member', { method: 'POST', path: '/v1/no-shows', headers: { ...jsonHeaders(), 'idempotency-key': keyOf(['NSE-0001']) }, body: JSON.stringify({ events: [noShowEvent('NSE-0001')], extra: 1 }) }],
  ['packStatus outside the enum', noShowReq([noShowEvent('NSE-0002', { kioskState: { ...(noShowEvent('x').kioskState as object), packStatus: 'broken' } })])],
  ['detectedAt "yesterday"', noShowReq([noShowEvent('NSE-0003', { detectedAt: 'yesterday' })])],
  ['extra member in window', noShowReq([noShowEvent('NSE-0004', { window: { start: `${DAY}T01:00:00Z`, end: `${DAY}T02:00:00Z`, tz: 'Asia/Shanghai' } })])],
  ['window without end', noShowReq([noShowEvent('NSE-0005', { window: { start: `${DAY}T01:00:00Z` } })])],
  ['type late', noShowReq([noShowEvent('NSE-0006', { type: 'late' })])],
  ['invite code in lower case', noShowReq([noShowEvent('nse-0007')])],
  ['empty candidateRef', noShowReq([noShowEvent('NSE-0008', { candidateRef: '' })])],
  ['candidateRef of 129 characters', noShowReq([noShowEvent('NSE-0009', { candidateRef: 'c'.repeat(129) })])],
  ['kioskState without packStatus', noShowReq([noShowEvent('NSE-0010', { kioskState: { kioskId: prov.kioskId, centreId: prov.centreId, appVersion: '1', provisioning: 'p', sessionsInProgress: 0 } })])],
  ['negative sessionsInProgress', noShowReq([noShowEvent('NSE-0011', { kioskState: { ...(noShowEvent('x').kioskState as object), sessionsInProgress: -1 } })])],
  ['extra member in kioskState', noShowReq([noShowEvent('NSE-0012', { kioskState: { ...(noShowEvent('x').kioskState as object), battery: 80 } })])],
  ['Idempotency-Key missing', noShowReq([noShowEvent('NSE-0013')], null)],
  ['Idempotency-Key "abc"', noShowReq([noShowEvent('NSE-0014')], 'abc')],
  ['Idempotency-Key in upper-case hex', noShowReq([noShowEvent('NSE-0015')], keyOf(['NSE-0015']).toUpperCase())],
  ['Idempotency-Key of 200 characters', noShowReq([noShowEvent('NSE-0016')], 'NSE-0016,'.repeat(22).slice(0, 200))],
];
for (const [what, req] of nsBad) add({ name: `no-shows ${what}`, op: 'reportNoShows', expect: 400, via: 'lenient', req, requestInvalid: true });

// kiosk incidents
const incident = (over: Record<string, unknown> = {}, code = 'INC-0001'): Record<string, unknown> => ({
  incidentId: createHash('sha256').update(`no_show_quarantined|${prov.kioskId}|${code}`).digest('hex'),
  kind: 'no_show_quarantined',
  kioskId: prov.kioskId,
  centreId: prov.centreId,
  detectedAt: `${DAY}T02:00:06.000Z`,
  reason: 'refused alone by the HR endpoint (BAD_REQUEST: test)',
  subject: { inviteCode: code, scheduleId: 'contract-day', candidateRef: 'cand-x', packId: 'software-engineer' },
  truncated: false,
  ...over,
});
const incidentReq = (body: string, headers = jsonHeaders()): RawRequest => ({ method: 'POST', path: '/v1/kiosk-incidents', headers, body });
add({ name: 'incident recorded', op: 'reportKioskIncident', expect: 200, via: 'strict', req: incidentReq(JSON.stringify(incident())), requestInvalid: false });
add({ name: 'incident replayed', op: 'reportKioskIncident', expect: 200, via: 'strict', req: incidentReq(JSON.stringify(incident())), requestInvalid: false });
add({ name: 'incident same id, different body', op: 'reportKioskIncident', expect: 409, via: 'strict', req: incidentReq(JSON.stringify(incident({ reason: 'another reason' }))), requestInvalid: false });
add({ name: 'incident with malformed subject strings', op: 'reportKioskIncident', expect: 200, via: 'strict', req: incidentReq(JSON.stringify(incident({ subject: { inviteCode: ' lower case & spaces ', scheduleId: '', candidateRef: 'r'.repeat(256), packId: '?' } }, ' lower case & spaces '))), requestInvalid: false });
add({ name: 'incident internal failure', op: 'reportKioskIncident', expect: 500, via: 'strict', req: incidentReq(JSON.stringify(incident()), { ...jsonHeaders(), ...fault('throw') }), requestInvalid: false });
add({ name: 'incident unavailable', op: 'reportKioskIncident', expect: 503, via: 'strict', req: incidentReq(JSON.stringify(incident()), { ...jsonHeaders(), ...fault('unavailable') }), requestInvalid: false });
add({ name: 'incident without token', op: 'reportKioskIncident', expect: 401, via: 'lenient', req: incidentReq(JSON.stringify(incident()), { 'content-type': 'application/json' }), requestInvalid: true });
add({ name: 'incident as text', op: 'reportKioskIncident', expect: 415, via: 'lenient', req: incidentReq(JSON.stringify(incident()), { ...auth(), 'content-type': 'text/plain' }), requestInvalid: true });
add({ name: 'incident 20 KB', op: 'reportKioskIncident', expect: 413, via: 'lenient', req: incidentReq(JSON.stringify(incident({ reason: 'x'.repeat(20_000) }))), requestInvalid: true });
for (const [what, body] of [
  ['unknown kind', incident({ kind: 'fire' })],
  ['subject string of 257 characters', incident({ subject: { inviteCode: 'c'.repeat(257), scheduleId: 's', candidateRef: 'c', packId: 'p' } })],
  ['empty reason', incident({ reason: '' })],
  ['incidentId not hex', incident({ incidentId: 'z'.repeat(64) })],
  ['truncated missing', (({ truncated: _t, ...rest }) => rest)(incident())],
  ['detectedAt not a date-time', incident({ detectedAt: '2026-11-23 02:00' })],
] as const) {
  add({ name: `incident ${what}`, op: 'reportKioskIncident', expect: 400, via: 'lenient', req: incidentReq(JSON.stringify(body)), requestInvalid: true });
}

// pre-check routes (no token)
add({ name: 'precheck time', op: 'precheckTime', expect: 200, via: 'strict', req: { method: 'GET', path: '/precheck/time' }, requestInvalid: false });
add({ name: 'precheck time unavailable', op: 'precheckTime', expect: 503, via: 'strict', req: { method: 'GET', path: '/precheck/time', headers: fault('unavailable') }, requestInvalid: false });
add({ name: 'precheck latency', op: 'precheckLatency', expect: 204, via: 'strict', req: { method: 'GET', path: '/precheck/latency' }, requestInvalid: false });
add({ name: 'precheck latency unavailable', op: 'precheckLatency', expect: 503, via: 'strict', req: { method: 'GET', path: '/precheck/latency', headers: fault('unavailable') }, requestInvalid: false });
add({ name: 'precheck upload 256 KB', op: 'precheckUpload', expect: 200, via: 'strict', req: { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/octet-stream' }, body: randomBytes(256 * 1024) }, requestInvalid: false });
add({ name: 'precheck upload unavailable', op: 'precheckUpload', expect: 503, via: 'strict', req: { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/octet-stream', ...fault('unavailable') }, body: randomBytes(1024) }, requestInvalid: false });
add({ name: 'precheck upload as JSON', op: 'precheckUpload', expect: 415, via: 'lenient', req: { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/json' }, body: '{}' }, requestInvalid: true });
// Prism's proxy stops at 10 MB; the documented limit is 16 MiB, so the 413 is checked directly.
add({ name: 'precheck upload 17 MiB', op: 'precheckUpload', expect: 413, via: 'direct', req: { method: 'POST', path: '/precheck/upload', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(17 * 1024 * 1024) } });

const pathCases: PathCase[] = [
  { name: 'DELETE health', expect: 405, req: { method: 'DELETE', path: '/v1/health' } },
  { name: 'GET unlock', expect: 405, req: { method: 'GET', path: '/v1/unlock', headers: auth() } },
  { name: 'GET stage release', expect: 405, req: { method: 'GET', path: '/v1/stages/release', headers: auth() } },
  { name: 'PUT no-shows', expect: 405, req: { method: 'PUT', path: '/v1/no-shows', headers: jsonHeaders(), body: '{}' } },
  { name: 'POST precheck time', expect: 405, req: { method: 'POST', path: '/precheck/time', headers: { 'content-type': 'application/json' }, body: '{}' } },
  { name: 'GET precheck upload', expect: 405, req: { method: 'GET', path: '/precheck/upload' } },
  { name: 'DELETE schedule', expect: 405, req: { method: 'DELETE', path: schedPath(prov.centreId, DAY), headers: auth() } },
  { name: 'unknown path', expect: 404, req: { method: 'GET', path: '/v1/nothing-here', headers: auth() } },
  { name: 'unknown version', expect: 404, req: { method: 'GET', path: '/v2/health' } },
];

// ------------------------------------------------------------------ running and judging
function judge(name: string, op: string, via: Via | 'kiosk', x: Exchange, expect: number | undefined, requestInvalid: boolean | undefined, head: boolean): void {
  requests += 1;
  perVia[via] += 1;
  const o = oracle.op(op);
  if (expect !== undefined && x.status !== expect) violations.push(`${name}: expected ${expect}, got ${x.status} ${x.body.toString('utf8').slice(0, 200)}`);
  for (const p of oracle.checkAnswer(o, x.status, x.headers, x.body, head)) violations.push(`${name} [oracle]: ${p}`);
  if (o.statuses.has(x.status)) reached.add(`${op}:${x.status}`);
  if (via === 'direct') return;
  const pv = prismViolations(x);
  for (const v of pv.filter((v) => v.location[0] !== 'request')) violations.push(`${name} [prism ${via}]: ${v.location.join('.')} ${v.severity}: ${v.message}`);
  const flagged = pv.some((v) => v.location[0] === 'request' && v.severity === 'Error');
  if (requestInvalid === true && !flagged) violations.push(`${name} [prism ${via}]: the server refused a request Prism finds valid (the document accepts it)`);
  if (requestInvalid === false && flagged) violations.push(`${name} [prism ${via}]: the request is invalid for the document: ${pv.map((v) => v.message).join('; ')}`);
}

async function run(c: Case): Promise<void> {
  try {
    const x = await exchange(baseOf(c.via), c.req);
    judge(c.name, c.op, c.via, x, c.expect, c.requestInvalid, c.req.method === 'HEAD');
  } catch (e) {
    requests += 1;
    violations.push(`${c.name}: no answer (${e instanceof Error ? e.message : String(e)}) — a refusal must be answered, not reset`);
  }
}

// Cases run one at a time: order matters for idempotency (accept, replay, conflict).
for (const c of cases) await run(c);

for (const c of pathCases) {
  try {
    const x = await exchange(lenient.url, c.req);
    requests += 1;
    perVia.lenient += 1;
    if (x.status !== c.expect) violations.push(`${c.name}: expected ${c.expect}, got ${x.status}`);
    for (const p of oracle.checkPathLevel(c.expect, x.headers, x.body)) violations.push(`${c.name} [oracle]: ${p}`);
    if (c.expect === 405) {
      const allow = String(x.headers.allow ?? '').split(',').map((s) => s.trim()).filter(Boolean).sort();
      const want = oracle.methodsOf(c.req.path).sort();
      if (allow.join(',') !== want.join(',')) violations.push(`${c.name}: Allow is "${allow.join(', ')}", the document has ${want.join(', ')}`);
    }
  } catch (e) {
    requests += 1;
    violations.push(`${c.name}: no answer (${e instanceof Error ? e.message : String(e)})`);
  }
}

// ------------------------------------------------------------------ the kiosk's own traffic
const kioskFetch: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  const body = Buffer.from(await res.clone().arrayBuffer());
  const url = new URL(String(input instanceof Request ? input.url : input));
  const op = oracle.find(init?.method ?? 'GET', url.pathname);
  const headers: http.IncomingHttpHeaders = {};
  res.headers.forEach((v, k) => (headers[k] = v));
  if (!op) violations.push(`kiosk ${init?.method} ${url.pathname}: not an operation of the document`);
  else judge(`kiosk ${op.id}`, op.id, 'kiosk', { status: res.status, headers, body }, undefined, false, false);
  return res;
};
const client = new HrEndpointClient({ baseUrl: strict.url, kioskToken: token, kioskId: prov.kioskId, centreId: prov.centreId, fetch: kioskFetch, timeoutMs: 20_000 });
const kioskResults: Record<string, unknown> = {};
const expectKiosk = (what: string, ok: boolean, detail: unknown): void => {
  kioskResults[what] = ok;
  if (!ok) violations.push(`kiosk ${what}: ${JSON.stringify(detail).slice(0, 300)}`);
};
const granted = await client.unlock({ inviteCode: 'DEMO-2026', packId: seKey.packId, packHash: seKey.packHash, hrPublicKey: readJson<{ publicKey: string }>('build/provisioning/demo-hr-endpoint-key.json').publicKey });
expectKiosk('unlock granted and opened', granted.ok, granted);
const unknown = await client.unlock({ inviteCode: 'NOPE-0002', packId: seKey.packId, packHash: seKey.packHash, hrPublicKey: 'AAAA' });
const hrPublic = readJson<{ publicKey: string }>('build/provisioning/demo-hr-endpoint-key.json').publicKey;
const stageFields = { packId: STAGED.packId, packVersion: STAGED.packVersion, packHash: STAGED.packHash, inviteCode: 'STAGED-0001', stageIndex: 1, stageId: 'professional', submittedStageId: 'intro' };
const stageKey = await client.releaseStage(stageFields, hrPublic);
expectKiosk('stage key released and opened', stageKey.ok && stageKey.value.equals(stageKeyOf(STAGED.stageMaster, { id: STAGED.packId, version: STAGED.packVersion }, 1, 'professional')), stageKey.ok ? 'another key' : stageKey);
const stageRefused = await client.releaseStage({ ...stageFields, inviteCode: 'STAGED-0002' }, hrPublic);
expectKiosk('stage refused without the submission on record', !stageRefused.ok && stageRefused.error.code === 'STAGE_RELEASE_REFUSED' && stageRefused.error.message.includes('STAGE_NOT_SUBMITTED'), stageRefused);
expectKiosk('unknown invite refused', !unknown.ok && unknown.error.code === 'UNLOCK_REFUSED' && unknown.error.message.includes('INVITE_UNKNOWN'), unknown);
// Prism re-serialises JSON bodies it proxies, so bytes are compared on a direct fetch.
const sched = await client.fetchSchedule(DAY);
expectKiosk('schedule fetched through Prism', sched.ok && JSON.stringify(JSON.parse(sched.value.toString('utf8'))) === JSON.stringify(JSON.parse(schedule.value.text)), sched.ok ? 'differs' : sched);
const directClient = new HrEndpointClient({ baseUrl: server.url, kioskToken: token, kioskId: prov.kioskId, centreId: prov.centreId, fetch: kioskFetch, timeoutMs: 20_000 });
const schedDirect = await directClient.fetchSchedule(DAY);
expectKiosk('schedule fetched byte for byte', schedDirect.ok && schedDirect.value.toString('utf8') === schedule.value.text, schedDirect.ok ? 'differs' : schedDirect);
const noSched = await client.fetchSchedule('2026-11-24');
expectKiosk('missing schedule refused', !noSched.ok, noSched);
const owed = Array.from({ length: 1050 }, (_, i) => noShowEvent(`NSK-${String(i).padStart(5, '0')}`)) as never[];
const acked: string[] = [];
const sink = { acknowledged: (codes: readonly string[]) => void acked.push(...codes), quarantined: (code: string, reason: string) => violations.push(`kiosk quarantined ${code}: ${reason}`) };
const first = await client.deliverNoShows(owed, sink);
expectKiosk('1,050 no-shows delivered in 3 batches', first.acknowledged === 1050 && first.requests === 3 && new Set(acked).size === 1050, first);
const again = await client.deliverNoShows(owed, sink);
expectKiosk('re-sending acknowledged again (idempotent)', again.acknowledged === 1050 && again.requests === 3, again);
const quarantined = [
  { inviteCode: 'NSK-Q-0001', scheduleId: 'contract-day', candidateRef: 'cand-q', packId: 'software-engineer', quarantinedAt: Date.parse(`${DAY}T03:00:00Z`), reason: 'refused alone by the HR endpoint (BAD_REQUEST: test)' },
  { inviteCode: 'nsk q 2 ' + 'x'.repeat(300), scheduleId: 'contract-day', candidateRef: 'c', packId: 'software-engineer', quarantinedAt: Date.parse(`${DAY}T03:00:00Z`), reason: 'not sent: does not fit the HR document' },
];
const states: string[] = [];
const inc = await client.reportQuarantinedNoShows(quarantined, (_code, state) => void states.push(state));
expectKiosk('quarantined no-shows reported as incidents, a 300-character code cut and flagged', inc.reported === 2 && states.join() === 'reported,reported' && (await server.incidents()).some((i) => i.truncated && i.subject.inviteCode.length === 256), inc);
// The kiosk's pre-check network probe, through the strict proxy (its answers must conform or Prism breaks them).
const probe = new NetworkProbe(strict.url, systemClock, { ...DEFAULT_PROBE_OPTIONS, uploadSizes: [64 * 1024, 256 * 1024], uploadBudgetMs: 2000 });
try {
  const [t, p, u] = [await probe.time(), await probe.pings(), await probe.upload()];
  expectKiosk('pre-check probe measured through Prism', t.reachable && p.received > 0 && p.received === p.sent && u.bytes > 0 && u.error === null, { t, p, u });
  kioskResults.probeRequests = t.samples + p.sent + u.attempts;
  requests += t.samples + p.sent + u.attempts;
} finally {
  probe.close();
}

// ------------------------------------------------------------------ canary: the validators can fail
let canary = true;
for (const [p, op] of [
  ['/v1/health', 'health'],
  ['/precheck/time', 'precheckTime'],
] as const) {
  const x = await exchange(canaryProxy.url, { method: 'GET', path: p });
  const viaPrism = prismViolations(x).some((v) => v.location[0] === 'response');
  const raw = await exchange(wrongUrl, { method: 'GET', path: p });
  const viaOracle = oracle.checkAnswer(oracle.op(op), raw.status, raw.headers, raw.body).length > 0;
  if (!viaPrism || !viaOracle) {
    canary = false;
    violations.push(`canary ${p}: a wrong answer was not flagged (prism: ${viaPrism}, oracle: ${viaOracle})`);
  }
}

await cleanup();
clearTimeout(watchdog);
const missing = documented.filter((d) => !reached.has(d));
for (const m of missing) violations.push(`documented status never reached: ${m}`);
if (requests < 100) violations.push(`only ${requests} requests (at least 100)`);
if (!json) {
  process.stderr.write(`operations ${oracle.ops.length}, documented statuses ${documented.length}, reached ${documented.length - missing.length}, requests ${requests} (strict ${perVia.strict}, lenient ${perVia.lenient}, direct ${perVia.direct}, kiosk ${perVia.kiosk})\n`);
}
finish(
  {
    operations: oracle.ops.length,
    documentedStatuses: documented.length,
    statusesReached: documented.length - missing.length,
    requests,
    violations: violations.length,
    via: perVia,
    pathLevelChecks: pathCases.length,
    kiosk: kioskResults,
    canary,
  },
  violations.length > 0,
);
