/**
 * `npm run contract-test -- --target hub`: the same contract table, kiosk traffic and validators,
 * against the hub's HR endpoint API (hub/hr, under /hr) instead of the dev server. The hub has no
 * fault hooks, so the documented failures come from real hubs:
 *   - the hub itself (embedded PostgreSQL), set up through its own HR routes: the demo HR key as
 *     its signing key, the packs' `.key.json` sidecars uploaded, the schedule published, the
 *     kiosk tokens' hashes, the contract's invites, and the stage submission the kiosk synced;
 *   - `x-contract-fault: unavailable` → a hub started without its HR keys (503 UNAVAILABLE);
 *   - `x-contract-fault: throw` → a hub whose database connection is gone (500 INTERNAL).
 * A loopback router in front (plain node:http, bytes passed through untouched) sends each request
 * to one of them under /hr; Prism and the direct checks talk to the router.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KioskIncident } from '../../main/services/packs/hr-protocol';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { enrolKiosk } from '../../main/services/sync/hub-client';
import { signedHeaders } from '../../main/services/sync/signing';
import { GENESIS, journalEventHash } from '../../hub/journal-chain';
import { startTestHub, type TestHub } from '../support/hub-harness';

export interface HubWorld {
  readonly signingKey: SigningKeyPair;
  /** Bearer token → kiosk. */
  readonly kiosks: Readonly<Record<string, { kioskId: string; centreId: string }>>;
  /** `.key.json` sidecars as `pack sign` writes them. */
  readonly sidecars: readonly Record<string, unknown>[];
  readonly invites: readonly { code: string; packId: string; centreId: string; notBefore?: number; notAfter?: number; revoked?: boolean }[];
  readonly schedules: readonly string[];
  /** The kiosk's synced record: invite → question indexes it submitted answers to. */
  readonly answered: Readonly<Record<string, readonly number[]>>;
}

export interface HubTarget {
  readonly url: string;
  incidents(): Promise<KioskIncident[]>;
  close(): Promise<void>;
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const HUGE = { burst: 1_000_000, perSecond: 1_000_000 };

async function addTokens(hub: TestHub, kiosks: HubWorld['kiosks']): Promise<void> {
  for (const [token, k] of Object.entries(kiosks)) {
    // The hub stores only the token's hash; the contract's tokens are fixed (the demo provisioning's).
    await hub.db.pool.query("INSERT INTO hr_kiosk_tokens (token_hash, kiosk_id, centre_id, issued_by, issued_at) VALUES ($1,$2,$3,'contract-test',0)", [sha256(token), k.kioskId, k.centreId]);
  }
}

export async function startHubTarget(world: HubWorld): Promise<HubTarget> {
  const keys = { signingKey: world.signingKey, wrapKey: randomBytes(32) };
  const [hub, off, broken] = await Promise.all([startTestHub({ hr: { keys, rateLimit: HUGE } }), startTestHub({ hr: { keys: null, offReason: 'maintenance: the HR keys are not loaded', rateLimit: HUGE } }), startTestHub({ hr: { keys, rateLimit: HUGE } })]);
  await addTokens(hub, world.kiosks);
  await addTokens(off, world.kiosks);
  for (const s of world.sidecars) {
    const r = await hub.api('POST', '/v1/hr-endpoint/pack-keys', hub.adminToken, s);
    if (r.status !== 201) throw new Error(`pack key upload: ${r.status} ${JSON.stringify(r.json)}`);
  }
  for (const text of world.schedules) {
    const r = await hub.api('POST', '/v1/hr-endpoint/schedules', hub.adminToken, { schedule: text });
    if (r.status !== 201) throw new Error(`schedule publish: ${r.status} ${JSON.stringify(r.json)}`);
  }
  const now = Date.now();
  for (const i of world.invites) {
    // Fixed codes (the contract table names them), so written as hub/invites stores them.
    await hub.db.pool.query(
      `INSERT INTO invites (id, code, candidate_name, email, channel, job_id, centre, location, window_start, window_end, status, created_by, created_at)
       VALUES ($1,$2,'Contract Candidate','contract@example.com','email',$3,$4,'centre',$5,$6,$7,'contract-test',$8)`,
      [`inv_${randomBytes(16).toString('hex')}`, i.code, i.packId, i.centreId, i.notBefore ?? now - 86_400_000, i.notAfter ?? now + 7 * 86_400_000, i.revoked ? 'cancelled' : 'scheduled', now],
    );
  }
  // The kiosk's sync (signed requests to /v1/kiosk/items) delivers the answers it submitted.
  const code = await hub.api('POST', '/v1/enrolment-codes', hub.adminToken, {});
  const cred = await enrolKiosk(hub.url, String(code.json.code), 'contract-sync');
  for (const [invite, questions] of Object.entries(world.answered)) {
    const sessionId = `contract-${invite}`;
    let prev = GENESIS;
    const items: unknown[] = [{ key: `session:${sessionId}`, kind: 'session', body: { id: sessionId, inviteCode: invite, state: 'in_progress' } }];
    questions.forEach((q, i) => {
      const payload = JSON.stringify({ questionIndex: q });
      const hash = journalEventHash(prev, sessionId, i + 1, 'answer_submitted', now, payload);
      items.push({ key: `journal:${sessionId}:${i + 1}`, kind: 'journal_event', body: { sessionId, seq: i + 1, type: 'answer_submitted', at: now, payload, prevHash: prev, hash } });
      prev = hash;
    });
    const text = JSON.stringify({ items });
    const res = await fetch(`${hub.url}/v1/kiosk/items`, { method: 'POST', headers: { ...signedHeaders(cred, 'POST', '/v1/kiosk/items', text, Date.now()), 'content-type': 'application/json' }, body: text });
    if (res.status !== 200) throw new Error(`sync: ${res.status} ${await res.text()}`);
  }
  // The third hub loses its database: every operation that needs it fails as the hub itself.
  await broken.db.pool.end();

  const upstreams = { ok: new URL(hub.url), unavailable: new URL(off.url), throw: new URL(broken.url) };
  const router = http.createServer((req, res) => {
    const fault = req.headers['x-contract-fault'];
    const to = fault === 'unavailable' ? upstreams.unavailable : fault === 'throw' ? upstreams.throw : upstreams.ok;
    const up = http.request({ host: to.hostname, port: to.port, method: req.method, path: `/hr${req.url ?? '/'}`, headers: req.headers, agent: false }, (ures) => {
      res.writeHead(ures.statusCode ?? 502, ures.rawHeaders);
      ures.pipe(res);
    });
    // An upstream that answered early (413) and closed: the answer already went back.
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502).end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => router.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(router.address() as AddressInfo).port}`,
    async incidents() {
      const r = await hub.db.pool.query<{ body: KioskIncident }>('SELECT body FROM hr_kiosk_incidents ORDER BY received_at, incident_id');
      return r.rows.map((x) => x.body);
    },
    async close() {
      router.closeAllConnections();
      router.close();
      // The broken hub's pool is already ended, so its close stops part way: its files (and any
      // other hub's whose close failed) are removed here.
      const closed = await Promise.allSettled([hub.close(), off.close(), broken.close()]);
      for (const h of [hub, off, broken]) rmSync(h.dir, { recursive: true, force: true });
      const failed = closed.slice(0, 2).find((c) => c.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}
