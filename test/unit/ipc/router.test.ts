import { describe, expect, it, vi } from 'vitest';
import { afterEach } from 'vitest';
import { createKioskCore, type KioskCore } from '../../../main/app/composition-root';
import { createMemoryLogger } from '../../../main/common/logger';
import { err, ok } from '../../../main/common/result';
import { IpcRouter, type Handlers } from '../../../main/ipc/router';
import { decodeWire, encodeWire } from '../../../main/ipc/wire';
import { operations } from '../../../preload/contract/channels';
import { tempDbPath } from '../../support/session-fixture';
import path from 'node:path';

const trusted = { transport: 'web' as const, trusted: true, description: 'test' };
const cores: KioskCore[] = [];
afterEach(() => cores.splice(0).forEach((c) => c.close()));

/** The real router over the real object graph (composition root) on a temp database. */
function router() {
  const logger = createMemoryLogger();
  const core = createKioskCore({ dataDir: path.dirname(tempDbPath()), logger, appVersion: 'test', shell: 'node', tickMs: 0 });
  cores.push(core);
  return { f: core, logger, r: core.router };
}

/** Handlers that all refuse, for tests that replace one of them. */
function refusingHandlers(): Handlers {
  return new Proxy({} as Handlers, { get: () => () => err('INTERNAL', 'not under test') });
}

describe('IpcRouter', () => {
  it('refuses unknown channels and foreign prefixes', async () => {
    const { r } = router();
    expect(await r.handle('kiosk:session:dropTables', {}, trusted)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await r.handle('electron:anything', {}, trusted)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(await r.handle(42, {}, trusted)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
  });

  it('refuses an untrusted sender before looking at the payload', async () => {
    const { r, f } = router();
    const res = await r.handle(operations.checkIn.channel, { inviteCode: 'DEMO-2026', locale: 'en' }, { ...trusted, trusted: false });
    expect(res).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(f.db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 0 });
  });

  it('validates input against the contract and says where it is wrong', async () => {
    const { r } = router();
    const bad = await r.handle(operations.checkIn.channel, { inviteCode: 'x', locale: 'fr' }, trusted);
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/inviteCode|locale/) } });
    const proto = await r.handle(operations.checkIn.channel, JSON.parse('{"inviteCode":"DEMO-2026","locale":"en","__proto__":{"admin":true}}'), trusted);
    // Request schemas are strict: an own `__proto__` key is an unknown key, refused rather than dropped.
    expect(proto).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const exit = await r.handle(operations.confirmExit.channel, { sessionId: crypto.randomUUID(), reason: 'other' }, trusted);
    expect(exit).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringContaining('text') } });
    const hugeText = await r.handle(operations.confirmExit.channel, { sessionId: crypto.randomUUID(), reason: 'other', text: 'x'.repeat(501) }, trusted);
    expect(hugeText).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const notBytes = await r.handle(operations.appendChunk.channel, { sessionId: crypto.randomUUID(), questionIndex: 0, attempt: 0, segment: 0, seq: 0, mimeType: 'video/webm', data: [1, 2, 3] }, trusted);
    expect(notBytes).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const badMime = await r.handle(operations.appendChunk.channel, { sessionId: crypto.randomUUID(), questionIndex: 0, attempt: 0, segment: 0, seq: 0, mimeType: 'text/html', data: new Uint8Array(3) }, trusted);
    expect(badMime).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('normalises invite codes and answers with the service result', async () => {
    const { r } = router();
    const res = await r.handle(operations.checkIn.channel, { inviteCode: ' demo-2026 ', locale: 'en' }, trusted);
    expect(res).toMatchObject({ ok: true, value: { inviteCode: 'DEMO-2026', state: 'checked_in' } });
  });

  it('turns a thrown handler error into INTERNAL without leaking it', async () => {
    const logger = createMemoryLogger();
    const handlers = { ...refusingHandlers() } as Handlers;
    Object.defineProperty(handlers, 'findResumable', {
      value: vi.fn(() => {
        throw new Error('secret stack detail');
      }),
    });
    const r = new IpcRouter(handlers, logger);
    const res = await r.handle(operations.findResumable.channel, {}, trusted);
    expect(res).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(res)).not.toContain('secret stack detail');
  });

  it('refuses a handler response that is outside the contract', async () => {
    const handlers = { ...refusingHandlers() } as Handlers;
    Object.defineProperty(handlers, 'findResumable', { value: () => ok({ nonsense: true } as never) });
    const res = await new IpcRouter(handlers, createMemoryLogger()).handle(operations.findResumable.channel, {}, trusted);
    expect(res).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });

  it('never logs request payloads (answers and names stay out of logs)', async () => {
    const { r, logger } = router();
    await r.handle(operations.checkIn.channel, { inviteCode: 'DEMO-2026', locale: 'en' }, trusted);
    const s = (await r.handle(operations.checkIn.channel, { inviteCode: 'DEMO-2026', locale: 'en' }, trusted)) as { ok: true; value: { sessionId: string } };
    await r.handle(operations.submitAnswer.channel, { sessionId: s.value.sessionId, questionIndex: 0, attempt: 0, text: '我的身份证号是 110101199001011234' }, trusted);
    expect(logger.lines.join('\n')).not.toContain('110101199001011234');
  });
});

describe('wire encoding for the web transport', () => {
  it('round-trips byte arrays inside nested objects', () => {
    const bytes = new Uint8Array([0, 1, 254, 255]);
    const back = decodeWire(encodeWire({ a: { data: bytes, n: 1 } })) as { a: { data: Uint8Array; n: number } };
    expect(back.a.data).toBeInstanceOf(Uint8Array);
    expect([...back.a.data]).toEqual([0, 1, 254, 255]);
    expect(back.a.n).toBe(1);
    expect(decodeWire('{"$bytes":"AQI=","x":1}')).toEqual({ $bytes: 'AQI=', x: 1 });
  });
});
