import { describe, expect, it } from 'vitest';
import { HrEndpointClient, type NoShowOutboxSink } from '../../../../main/services/packs/hr-client';
import type { NoShowWireEvent } from '../../../../main/services/packs/hr-protocol';

const event = (code: string): NoShowWireEvent => ({
  type: 'no_show',
  inviteCode: code,
  scheduleId: 'sched-1',
  candidateRef: 'cand-1',
  packId: 'software-engineer',
  window: { start: '2026-03-01T09:00:00.000Z', end: '2026-03-01T10:00:00.000Z' },
  detectedAt: '2026-03-01T10:01:00.000Z',
  kioskState: { kioskId: 'kiosk-01', centreId: 'centre-01', appVersion: '0.1.0', provisioning: 'production:machine', packStatus: 'ready', sessionsInProgress: 0 },
});
const events = (n: number): NoShowWireEvent[] => Array.from({ length: n }, (_, i) => event(`INV-${String(i).padStart(5, '0')}`));

/** A fake endpoint: `answer` sees each batch's codes and returns status + body. */
function client(answer: (codes: string[]) => { status: number; body: unknown } | 'reset', budget?: number) {
  const batches: string[][] = [];
  const fetchImpl = (async (_url: string, init: RequestInit) => {
    const codes = (JSON.parse(String(init.body)) as { events: { inviteCode: string }[] }).events.map((e) => e.inviteCode);
    batches.push(codes);
    const a = answer(codes);
    if (a === 'reset') throw new Error('socket hang up');
    return new Response(JSON.stringify(a.body), { status: a.status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  const c = new HrEndpointClient({ baseUrl: 'http://hr.test', kioskToken: 't'.repeat(20), kioskId: 'kiosk-01', centreId: 'centre-01', fetch: fetchImpl, ...(budget ? { maxNoShowRequestsPerCycle: budget } : {}) });
  const acked: string[] = [];
  const quarantined: string[] = [];
  const sink: NoShowOutboxSink = { acknowledged: (codes) => void acked.push(...codes), quarantined: (code) => void quarantined.push(code) };
  return { c, sink, batches, acked, quarantined };
}

describe('the kiosk no-show outbox against hostile or broken endpoints', () => {
  it('marks only codes that were in the batch, whatever the endpoint claims', async () => {
    const t = client((codes) => ({ status: 200, body: { accepted: [...codes.slice(0, 2), 'NOT-SENT-1'] } }));
    const d = await t.c.deliverNoShows(events(3), t.sink);
    expect(t.acked).toEqual(['INV-00000', 'INV-00001']);
    expect(d).toMatchObject({ acknowledged: 2, pending: 1, quarantined: 0 });
  });

  it('does not trust an acknowledgement that does not fit the document', async () => {
    const t = client(() => ({ status: 200, body: { accepted: 'everything' } }));
    const d = await t.c.deliverNoShows(events(3), t.sink);
    expect(t.acked).toEqual([]);
    expect(d.pending).toBe(3);
    expect(d.stoppedBy).toMatch(/does not fit/);
  });

  it('splits a batch answered 413 and delivers the halves', async () => {
    const t = client((codes) => (codes.length > 100 ? { status: 413, body: { code: 'TOO_LARGE', message: 'smaller please' } } : { status: 200, body: { accepted: codes } }));
    const d = await t.c.deliverNoShows(events(300), t.sink);
    expect(d).toMatchObject({ acknowledged: 300, quarantined: 0, pending: 0 });
    expect(new Set(t.acked).size).toBe(300);
  });

  it('stops on 401 and on a reset without quarantining or dropping anything', async () => {
    for (const a of [{ status: 401, body: { code: 'UNAUTHORIZED', message: 'who?' } }, 'reset' as const, { status: 502, body: {} }]) {
      const t = client(() => a);
      const d = await t.c.deliverNoShows(events(700), t.sink);
      expect(t.batches).toHaveLength(1);
      expect(d).toMatchObject({ acknowledged: 0, quarantined: 0, pending: 700 });
    }
  });

  it('bounds one cycle when the endpoint refuses everything, and accounts for every event', async () => {
    const t = client(() => ({ status: 400, body: { code: 'BAD_REQUEST', message: 'no' } }), 60);
    const d = await t.c.deliverNoShows(events(1000), t.sink);
    expect(t.batches.length).toBe(60);
    expect(t.batches.every((b) => b.length <= 500)).toBe(true);
    expect(d.quarantined).toBeGreaterThan(0);
    expect(d.acknowledged + d.quarantined + d.pending).toBe(1000);
    expect(d.stoppedBy).toMatch(/budget/);
  });

  it('quarantines an event the document refuses without sending it', async () => {
    const t = client((codes) => ({ status: 200, body: { accepted: codes } }));
    const bad = { ...event('INV-BAD'), kioskState: { ...event('x').kioskState, packStatus: 'broken' } };
    const d = await t.c.deliverNoShows([event('INV-1'), bad, event('INV-2')], t.sink);
    expect(t.quarantined).toEqual(['INV-BAD']);
    expect(t.batches).toEqual([['INV-1', 'INV-2']]);
    expect(d).toMatchObject({ acknowledged: 2, quarantined: 1, pending: 0 });
  });
});
