/**
 * docs/hub-sync.openapi.yaml is the contract of the kiosk → hub sync API (#13: "kept as the
 * contract that customers' own HR systems may implement instead"). The kiosk's real sync engine
 * and client run a recorded interview against a real hub through a recording proxy on loopback;
 * every answer the hub gave is checked against the document by the contract tests' own Ajv oracle
 * (test/contract/oracle.ts, compiled from the file on disk, no product validators), every request
 * body the kiosk sent against its documented schema, and the refusals a kiosk can meet are
 * provoked on purpose. Fails when an operation the kiosk used is missing from the document.
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enrolKiosk, HubClient } from '../../main/services/sync/hub-client';
import { signedHeaders, type KioskCredential } from '../../main/services/sync/signing';
import { SyncEngine } from '../../main/services/sync/sync-engine';
import { DocumentOracle } from '../contract/oracle';
import { HUB_HOOK_TIMEOUT_MS, hubTestDbLabel, startTestHub, type TestHub } from '../support/hub-harness';
import { openSyncKiosk } from '../support/sync-kiosk';

const DOC = path.resolve(import.meta.dirname, '..', '..', 'docs', 'hub-sync.openapi.yaml');

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly requestBody: Buffer;
  readonly requestType: string;
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Forwards to the hub and keeps every exchange. */
async function recordingProxy(target: string): Promise<{ url: string; exchanges: Exchange[]; close: () => Promise<void> }> {
  const exchanges: Exchange[] = [];
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const requestBody = Buffer.concat(chunks);
      const up = http.request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          const body = Buffer.concat(out);
          exchanges.push({ method: req.method ?? 'GET', path: (req.url ?? '/').split('?')[0]!, requestBody, requestType: String(req.headers['content-type'] ?? ''), status: r.statusCode ?? 0, headers: r.headers, body });
          res.writeHead(r.statusCode ?? 502, r.headers);
          res.end(body);
        });
      });
      up.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      up.end(requestBody);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exchanges, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe(`hub sync API conforms to docs/hub-sync.openapi.yaml (${hubTestDbLabel()})`, () => {
  let hub: TestHub;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let dir: string;
  const oracle = new DocumentOracle(DOC);

  beforeAll(async () => {
    hub = await startTestHub();
    proxy = await recordingProxy(hub.url);
    dir = mkdtempSync(path.join(os.tmpdir(), 'hub-sync-openapi-'));
  }, HUB_HOOK_TIMEOUT_MS);
  afterAll(async () => {
    await proxy?.close();
    await hub?.close();
    rmSync(dir, { recursive: true, force: true });
  }, HUB_HOOK_TIMEOUT_MS);

  it('every answer the hub gave the kiosk, and every refusal a kiosk can meet, is documented and matches its schema', async () => {
    const code = String((await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {})).json.code);
    const cred: KioskCredential = await enrolKiosk(proxy.url, code, 'openapi-kiosk');
    const kiosk = openSyncKiosk(dir);
    await kiosk.interview(2, 2048);
    const engine = new SyncEngine({ db: kiosk.db, hub: new HubClient(cred), sealer: kiosk.chunkSealer });
    for (let i = 0; i < 50 && engine.state().pending > 0; i++) expect(await engine.tick()).not.toBe('failed');
    expect(engine.state().pending).toBe(0);

    // The rest of the surface: health, sync state, and the refusals.
    const signed = (method: string, p: string, body: string) => ({ ...signedHeaders(cred, method, p, body, Date.now()), 'content-type': 'application/json' });
    await fetch(`${proxy.url}/v1/health`);
    await fetch(`${proxy.url}/v1/kiosk/sync-state`, { headers: signedHeaders(cred, 'GET', '/v1/kiosk/sync-state', '', Date.now()) });
    await fetch(`${proxy.url}/v1/kiosks/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, publicKey: 'x', name: 'again' }) });
    const publicKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    await fetch(`${proxy.url}/v1/kiosks/enrol`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: 'USED-OR-UNKNOWN', publicKey, name: 'again' }) });
    await fetch(`${proxy.url}/v1/kiosk/items`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ items: [] }) });
    const bad = JSON.stringify({ items: [{ key: 'k', kind: 'nonsense', body: {} }] });
    await fetch(`${proxy.url}/v1/kiosk/items`, { method: 'POST', headers: signed('POST', '/v1/kiosk/items', bad), body: bad });
    const replayBody = JSON.stringify({ items: [{ key: 'ev:none:1', kind: 'incident', body: { id: 'X' } }] });
    const h = signed('POST', '/v1/kiosk/items', replayBody);
    await fetch(`${proxy.url}/v1/kiosk/items`, { method: 'POST', headers: h, body: replayBody });
    await fetch(`${proxy.url}/v1/kiosk/items`, { method: 'POST', headers: h, body: replayBody });

    const problems: string[] = [];
    const used = new Set<string>();
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(oracle.document, 'doc');
    for (const x of proxy.exchanges) {
      const op = oracle.find(x.method, x.path);
      if (!op) {
        problems.push(`${x.method} ${x.path}: not in the document`);
        continue;
      }
      used.add(op.id);
      const rule = op.statuses.get(x.status);
      if (!rule) {
        problems.push(`${op.id}: status ${x.status} is not documented`);
        continue;
      }
      // tus answers carry no documented body; JSON answers are checked whole.
      if (rule.mediaType !== null) problems.push(...oracle.checkAnswer(op, x.status, x.headers, x.body));
      // What the kiosk itself sent, when it succeeded, against the documented request body.
      const reqSchema = (((oracle.document.paths as Record<string, Record<string, { requestBody?: { content?: Record<string, unknown> } }>>)[op.template] ?? {})[x.method.toLowerCase()]?.requestBody?.content ?? {})['application/json'];
      if (reqSchema && x.status < 300 && x.requestType.startsWith('application/json')) {
        const esc = op.template.replace(/~/g, '~0').replace(/\//g, '~1');
        const v = ajv.getSchema(`doc#/paths/${esc}/${x.method.toLowerCase()}/requestBody/content/application~1json/schema`) ?? ajv.compile({ $ref: `doc#/paths/${esc}/${x.method.toLowerCase()}/requestBody/content/application~1json/schema` });
        if (!v(JSON.parse(x.requestBody.toString('utf8')))) problems.push(`${op.id} request: ${(v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
      }
    }
    expect(problems).toEqual([]);
    for (const id of ['health', 'enrolKiosk', 'sendItems', 'uploadToken', 'syncState', 'createUpload']) expect(used).toContain(id);
    // The refusals were really provoked (and documented): 400, 401, 403 from the hub.
    const statuses = new Set(proxy.exchanges.map((x) => `${x.path} ${x.status}`));
    for (const s of ['/v1/kiosks/enrol 400', '/v1/kiosks/enrol 403', '/v1/kiosk/items 401', '/v1/kiosk/items 400']) expect(statuses).toContain(s);
    // Media travelled: media_chunk items were sent and stored.
    const media = proxy.exchanges.filter((x) => x.path === '/v1/kiosk/items' && x.status === 200 && x.requestBody.includes(Buffer.from('"media_chunk"')));
    expect(media.length).toBeGreaterThan(0);
    kiosk.db.close();
  });
});
