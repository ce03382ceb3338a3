import { describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../../main/common/logger';
import { err, ok } from '../../../main/common/result';
import { EventHub } from '../../../main/ipc/event-hub';
import { IpcRouter, type Handlers } from '../../../main/ipc/router';
import { isTrustedElectronSender } from '../../../main/ipc/sender-policy';
import { decodeWire, encodeWire } from '../../../main/ipc/wire';
import { operations } from '../../../preload/contract/channels';
import { APP_ORIGIN } from '../../../preload/contract/origin';

/** A memory-logger line split into its level, scope, message and data. */
function parsed(line: string | undefined) {
  const m = /^\S+ \[(\w+)\] \(([^)]+)\) ([^{]+?)(?: (\{.*\}))?$/.exec(line ?? '');
  if (!m) throw new Error(`not a log line: ${line}`);
  return { level: m[1], scope: m[2], message: m[3], data: m[4] ? (JSON.parse(m[4]) as Record<string, unknown>) : undefined };
}

const trusted = { transport: 'web' as const, trusted: true, description: 'unit-sender' };
const resumable = operations.findResumable.channel;

/** Handlers that refuse everything, with `findResumable` replaced. */
function withFindResumable(fn: () => unknown): Handlers {
  const base = new Proxy({} as Record<string, unknown>, { get: (_t, k) => (k === 'findResumable' ? fn : () => err('INTERNAL', 'not under test')) });
  return base as unknown as Handlers;
}

describe('IpcRouter: what it answers and what it logs', () => {
  it('logs each refusal in its own words, with the sender but never the payload', async () => {
    const logger = createMemoryLogger();
    const r = new IpcRouter(withFindResumable(() => ok(null)), logger);
    expect(await r.handle('other:x', { secret: 'PAYLOAD-1' }, trusted)).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel' } });
    expect(await r.handle('kiosk:session:nope' + 'x'.repeat(200), { secret: 'PAYLOAD-2' }, trusted)).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'unknown channel' } });
    expect(await r.handle(resumable, { secret: 'PAYLOAD-3' }, { ...trusted, trusted: false })).toEqual({
      ok: false,
      error: { code: 'FORBIDDEN_SENDER', message: 'this sender may not use the kiosk interface' },
    });
    const [prefix, unknown, untrusted] = logger.lines.map(parsed);
    expect(prefix).toEqual({ level: 'warn', scope: 'test:ipc', message: 'refused: unknown channel prefix', data: { sender: 'unit-sender' } });
    // The channel is cut at 80 characters in the log.
    expect(unknown).toEqual({ level: 'warn', scope: 'test:ipc', message: 'refused: unknown channel', data: { channel: ('kiosk:session:nope' + 'x'.repeat(200)).slice(0, 80), sender: 'unit-sender' } });
    expect(untrusted).toEqual({ level: 'warn', scope: 'test:ipc', message: 'refused: untrusted sender', data: { channel: resumable, sender: 'unit-sender' } });
    expect(logger.lines.join('\n')).not.toMatch(/PAYLOAD-/);
  });

  it('says where invalid input is wrong and logs only the path', async () => {
    const logger = createMemoryLogger();
    const r = new IpcRouter(withFindResumable(() => ok(null)), logger);
    const res = await r.handle(operations.confirmExit.channel, { sessionId: 'not-a-uuid', reason: 'network' }, trusted);
    expect(res).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT', message: expect.stringMatching(/^sessionId: .+/) } });
    expect(parsed(logger.lines.at(-1))).toEqual({ level: 'warn', scope: 'test:ipc', message: 'refused: invalid input', data: { channel: operations.confirmExit.channel, path: 'sessionId' } });
    const root = await r.handle(operations.confirmExit.channel, 'not an object', trusted);
    expect(root).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    // A problem at the root has no path: the message is zod's own, with no prefix.
    const zodMessage = operations.confirmExit.request.safeParse('not an object').error!.issues[0]!.message;
    if (!root.ok) expect(root.error.message).toBe(zodMessage);
  });

  it('passes a service refusal through unchanged and logs its code', async () => {
    const logger = createMemoryLogger();
    const r = new IpcRouter(withFindResumable(() => err('SESSION_NOT_FOUND', 'no such session')), logger);
    expect(await r.handle(resumable, {}, trusted)).toEqual({ ok: false, error: { code: 'SESSION_NOT_FOUND', message: 'no such session' } });
    expect(parsed(logger.lines.at(-1))).toEqual({ level: 'info', scope: 'test:ipc', message: 'operation refused', data: { channel: resumable, code: 'SESSION_NOT_FOUND' } });
  });

  it('awaits asynchronous handlers and answers with their value', async () => {
    const r = new IpcRouter(withFindResumable(async () => ok(null)), createMemoryLogger());
    expect(await r.handle(resumable, {}, trusted)).toEqual({ ok: true, value: null });
  });

  it('checks responses against the contract unless told not to', async () => {
    const logger = createMemoryLogger();
    const bad = () => ok({ nonsense: true });
    expect(await new IpcRouter(withFindResumable(bad), logger).handle(resumable, {}, trusted)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'the kiosk produced an invalid response' },
    });
    expect(parsed(logger.lines.at(-1))).toMatchObject({ level: 'error', scope: 'test:ipc', message: 'handler returned a value outside the contract', data: { channel: resumable } });
    expect(await new IpcRouter(withFindResumable(bad), logger, false).handle(resumable, {}, trusted)).toEqual({ ok: true, value: { nonsense: true } });
  });

  it('reports a thrown error as INTERNAL with a reassuring message, logging the error text only', async () => {
    const logger = createMemoryLogger();
    const r = new IpcRouter(
      withFindResumable(() => {
        throw new Error('disk on fire');
      }),
      logger,
    );
    expect(await r.handle(resumable, {}, trusted)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'an internal error occurred; your saved answers are safe' } });
    expect(parsed(logger.lines.at(-1))).toEqual({ level: 'error', scope: 'test:ipc', message: 'handler failed', data: { channel: resumable, error: 'disk on fire' } });
    const r2 = new IpcRouter(
      withFindResumable(() => {
        throw 'a string';
      }),
      logger,
    );
    expect(await r2.handle(resumable, {}, trusted)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(parsed(logger.lines.at(-1)).data).toEqual({ channel: resumable, error: 'a string' });
  });
});

describe('isTrustedElectronSender', () => {
  const good = { frameUrl: `${APP_ORIGIN}/index.html`, isMainFrame: true, webContentsId: 3, expectedWebContentsId: 3 };
  it('trusts only our window main frame on our origin', () => {
    expect(isTrustedElectronSender(good)).toBe(true);
    expect(isTrustedElectronSender({ ...good, expectedWebContentsId: null })).toBe(true);
    expect(isTrustedElectronSender({ ...good, frameUrl: null })).toBe(false);
    expect(isTrustedElectronSender({ ...good, frameUrl: '' })).toBe(false);
    expect(isTrustedElectronSender({ ...good, isMainFrame: false })).toBe(false);
    expect(isTrustedElectronSender({ ...good, webContentsId: 4 })).toBe(false);
    expect(isTrustedElectronSender({ ...good, frameUrl: 'app://kiosk.evil/index.html' })).toBe(false);
    expect(isTrustedElectronSender({ ...good, frameUrl: 'app://kioskevil/' })).toBe(false);
    expect(isTrustedElectronSender({ ...good, frameUrl: 'https://kiosk/index.html' })).toBe(false);
    expect(isTrustedElectronSender({ ...good, frameUrl: 'not a url' })).toBe(false);
  });
});

describe('EventHub', () => {
  it('delivers each event to every subscriber until it unsubscribes', () => {
    const hub = new EventHub();
    const a: unknown[] = [];
    const b: unknown[] = [];
    const offA = hub.subscribe((e, p) => a.push([e, p]));
    hub.subscribe((e, p) => b.push([e, p]));
    const event = 'status' as const;
    hub.emit(event, { n: 1 } as never);
    expect(offA()).toBe(true);
    hub.emit(event, { n: 2 } as never);
    expect(a).toEqual([[event, { n: 1 }]]);
    expect(b).toEqual([
      [event, { n: 1 }],
      [event, { n: 2 }],
    ]);
  });
});

describe('wire encoding', () => {
  it('encodes only the viewed bytes of a Uint8Array that is a window on a larger buffer', () => {
    const whole = new Uint8Array([9, 9, 1, 2, 3, 9]);
    const view = whole.subarray(2, 5);
    expect(JSON.parse(encodeWire({ data: view }))).toEqual({ data: { $bytes: Buffer.from([1, 2, 3]).toString('base64') } });
    expect(encodeWire({ a: [1, 'x', null] })).toBe('{"a":[1,"x",null]}');
  });

  it('restores bytes only from an object whose single member is a $bytes string', () => {
    expect(decodeWire('{"$bytes":"AQID"}')).toEqual(new Uint8Array([1, 2, 3]));
    expect(decodeWire('{"$bytes":5}')).toEqual({ $bytes: 5 });
    expect(decodeWire('["AQID"]')).toEqual(['AQID']);
    expect(decodeWire('[{"$bytes":"AQID"}]')).toEqual([new Uint8Array([1, 2, 3])]);
    expect(decodeWire('null')).toBeNull();
  });
});
