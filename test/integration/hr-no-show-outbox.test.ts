/**
 * The no-show outbox against the real reference HR endpoint on 127.0.0.1: 1,200 pending no-shows
 * reach HR in documented batches exactly once each even when the endpoint refuses a batch; an
 * event the endpoint keeps refusing is quarantined (kept, listed) instead of being retried forever;
 * an endpoint that is down loses nothing.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../main/common/clock';
import { silentLogger } from '../../main/common/logger';
import { openDatabase } from '../../main/db/connection';
import { insertNoShow, quarantinedNoShows, unreportedNoShows } from '../../main/db/queries/packs';
import { demoHrEndpointOptions, startHrEndpointServer, type HrEndpointOptions, type HrEndpointServer } from '../../main/dev/hr-endpoint-server';
import type { SigningKeyPair } from '../../main/services/packs/pack-crypto';
import { createPackRuntime } from '../../main/services/packs/pack-runtime';
import { buildSchedule } from '../../main/services/packs/schedule';

const root = path.resolve(import.meta.dirname, '../..');
const demoConfig = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-provisioning.json'), 'utf8')) as Record<string, unknown> & { hrEndpoint: Record<string, string>; centreId: string };
const demoKey = JSON.parse(readFileSync(path.join(root, 'build/provisioning/demo-signing-key.json'), 'utf8')) as SigningKeyPair;
const servers: HrEndpointServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

// The documented key, computed here from the document's words, not with the product's helper.
const documentedKey = (codes: readonly string[]): string => createHash('sha256').update([...codes].sort().join(',')).digest('hex');
const MAX_ITEMS = 500; // docs/hr-endpoint.openapi.yaml, /v1/no-shows events.maxItems

async function kioskWithNoShows(count: number, intercept: HrEndpointOptions['intercept']) {
  const server = await startHrEndpointServer({ ...demoHrEndpointOptions(root, 0), intercept });
  servers.push(server);
  const { demoUnlockCodes: _codes, ...rest } = demoConfig;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hr-outbox-'));
  const prov = path.join(dir, 'provisioning.json');
  writeFileSync(prov, JSON.stringify({ ...rest, hrEndpoint: { ...demoConfig.hrEndpoint, url: server.url } }));
  const db = openDatabase(path.join(dir, 'k.sqlite'));
  const clock = new ManualClock(Date.parse('2026-11-23T00:00:00Z'));
  // A demo config (demo keys) runs only outside kiosk mode; the outbox is the same in both.
  const rt = createPackRuntime({ db, clock, logger: silentLogger, appVersion: 'test', kioskMode: false, resourcesDir: root, provisioningPath: prov });
  const codes = Array.from({ length: count }, (_, i) => `NS-${String(i).padStart(5, '0')}`);
  const built = buildSchedule(
    {
      scheduleId: 'day-big',
      centreId: demoConfig.centreId,
      day: '2026-11-23',
      invites: codes.map((code, i) => ({ code, candidateRef: `cand-${i}`, packId: 'software-engineer', window: { start: '2026-11-23T01:00:00Z', end: '2026-11-23T02:00:00Z' } })),
    },
    dir,
    demoKey,
  );
  if (!built.ok) throw new Error(built.error.message);
  writeFileSync(path.join(dir, 'day.ikschedule'), built.value.text);
  const imported = await rt.importScheduleFile(path.join(dir, 'day.ikschedule'));
  if (!imported.ok) throw new Error(`schedule import: ${imported.error.code} ${imported.error.message}`);
  expect(imported).toMatchObject({ ok: true, value: { invites: count } });
  clock.set(Date.parse('2026-11-23T02:00:01Z'));
  expect(rt.sweepNoShows()).toHaveLength(count);
  return { server, db, rt, codes };
}

/** Checks every batch the endpoint saw against the document: size, key, and each code accepted once. */
function expectDocumentedBatches(server: HrEndpointServer, codes: readonly string[]): void {
  for (const b of server.noShowBatches) {
    expect(b.codes.length).toBeGreaterThan(0);
    expect(b.codes.length).toBeLessThanOrEqual(MAX_ITEMS);
    expect(b.key).toBe(documentedKey(b.codes));
  }
  const accepted = server.noShowBatches.filter((b) => b.status === 200).flatMap((b) => b.codes);
  expect(accepted.length).toBe(codes.length);
  expect([...accepted].sort()).toEqual([...codes].sort());
}

describe('no-show outbox', () => {
  it('delivers 1,200 pending no-shows in documented batches, exactly once each, after the endpoint refused one batch', async () => {
    let refused = 0;
    const { server, db, rt, codes } = await kioskWithNoShows(1200, (op) => {
      if (op !== 'reportNoShows' || refused > 0) return undefined;
      refused += 1;
      return { status: 400, code: 'BAD_REQUEST', message: 'refused once by the test' };
    });
    const acked = await rt.reportNoShows();
    expect(refused).toBe(1);
    expect(server.noShowBatches.filter((b) => b.status === 400)).toHaveLength(1);
    expect(server.noShowBatches[0]!.codes).toHaveLength(MAX_ITEMS);
    expectDocumentedBatches(server, codes);
    expect(acked).toBe(1200);
    expect(server.noShows).toHaveLength(1200);
    expect(unreportedNoShows(db)).toHaveLength(0);
    expect(quarantinedNoShows(db)).toHaveLength(0);
    // Nothing is owed any more: the next cycle sends nothing.
    const before = server.noShowBatches.length;
    expect(await rt.reportNoShows()).toBe(0);
    expect(server.noShowBatches.length).toBe(before);
    db.close();
  });

  it('quarantines the one event the endpoint keeps refusing and the one the document refuses, tells HR once through an incident, and delivers the others once', async () => {
    const poisoned = 'NS-00321';
    const { server, db, rt, codes } = await kioskWithNoShows(600, (op, _h, body) =>
      op === 'reportNoShows' && (body as { events: { inviteCode: string }[] }).events.some((e) => e.inviteCode === poisoned) ? { status: 400, code: 'BAD_REQUEST', message: 'this HR system cannot take NS-00321' } : undefined,
    );
    // A row the document refuses (a candidateRef of 200 characters; 128 are documented), as an
    // older kiosk version could have stored it.
    const tooLong = 'NS-LEGACY-1';
    const row = unreportedNoShows(db)[0]!;
    insertNoShow(db, { ...row, invite_code: tooLong, candidate_ref: 'r'.repeat(200) });
    expect(await rt.reportNoShows()).toBe(599);
    const refusedBatches = server.noShowBatches.filter((b) => b.status === 400);
    // 500 → 250 → 125 → 63 → 32 → 16 → 8 → 4 → 2 → 1: bounded by log2(maxItems), not retried forever.
    expect(refusedBatches.length).toBeGreaterThanOrEqual(2);
    expect(refusedBatches.length).toBeLessThanOrEqual(Math.ceil(Math.log2(MAX_ITEMS)) + 1);
    expect(refusedBatches.at(-1)!.codes).toEqual([poisoned]);
    // The event the document refuses never left the kiosk.
    expect(server.noShowBatches.some((b) => b.codes.includes(tooLong))).toBe(false);
    expectDocumentedBatches(server, codes.filter((c) => c !== poisoned));
    const q = quarantinedNoShows(db);
    expect(q.map((r) => r.invite_code).sort()).toEqual([tooLong, poisoned].sort());
    expect(q.find((r) => r.invite_code === poisoned)!.quarantine_reason).toMatch(/BAD_REQUEST: this HR system cannot take NS-00321/);
    expect(q.find((r) => r.invite_code === tooLong)!.quarantine_reason).toMatch(/candidateRef must NOT have more than 128 characters/);
    expect(q.every((r) => r.incident_state === 'reported')).toBe(true);
    // HR sees both, with what it needs to find the candidate.
    expect(server.incidents.map((i) => i.subject.inviteCode).sort()).toEqual([tooLong, poisoned].sort());
    expect(server.incidents.find((i) => i.subject.inviteCode === tooLong)).toMatchObject({ kind: 'no_show_quarantined', truncated: false, subject: { candidateRef: 'r'.repeat(200) } });
    expect(rt.allNoShows().map((e) => e.inviteCode)).toContain(poisoned);
    const sent = server.noShowBatches.length;
    expect(await rt.reportNoShows()).toBe(0);
    expect(server.noShowBatches.length).toBe(sent);
    expect(server.incidents).toHaveLength(2);
    db.close();
  });

  it('keeps everything pending while the endpoint answers 503, then delivers each event once', async () => {
    let down = true;
    const { server, db, rt, codes } = await kioskWithNoShows(700, (op) => (op === 'reportNoShows' && down ? { status: 503, code: 'UNAVAILABLE', message: 'maintenance', retryAfter: 60 } : undefined));
    expect(await rt.reportNoShows()).toBe(0);
    expect(unreportedNoShows(db)).toHaveLength(700);
    // Down: the first batch is answered 503 and the cycle stops (no hammering).
    expect(server.noShowBatches.map((b) => b.status)).toEqual([503]);
    down = false;
    expect(await rt.reportNoShows()).toBe(700);
    expectDocumentedBatches(server, codes);
    expect(server.noShowBatches.map((b) => `${b.status}:${b.codes.length}`)).toEqual(['503:500', '200:500', '200:200']);
    db.close();
  });
});
