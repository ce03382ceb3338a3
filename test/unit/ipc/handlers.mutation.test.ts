import { describe, expect, it } from 'vitest';
import { err, ok } from '../../../main/common/result';
import { createHandlers } from '../../../main/ipc/handlers';
import type { Handlers } from '../../../main/ipc/router';

type Call = [service: string, method: string, args: unknown[]];

/** A stand-in service that records every call and answers ok(<method name>). */
function recorder(name: string, calls: Call[]): never {
  return new Proxy(
    {},
    {
      get: (_t, method) => (...args: unknown[]) => {
        calls.push([name, String(method), args]);
        return ok(`${name}.${String(method)}`);
      },
    },
  ) as never;
}

const sid = '7f9c24e8-3b12-4fef-91e6-5b3b1f1a2c3d';

/** The invite gate is tested on its own; here it only passes the code through. */
const passGate = { checkIn: (code: string, f: (c: string) => unknown) => f(code) } as never;

describe('createHandlers: each operation is exactly one service call with the request fields', () => {
  const expected: Array<[keyof Handlers, Record<string, unknown>, Call]> = [
    ['giveConsent', { sessionId: sid, accepted: false, consentVersion: 'v1', declineReason: 'no' }, ['sessions', 'giveConsent', [sid, false, 'v1', 'no']]],
    ['reportPrecheck', { sessionId: sid, camera: 'ok', microphone: 'lost' }, ['sessions', 'reportPrecheck', [sid, 'ok', 'lost']]],
    ['startInterview', { sessionId: sid }, ['sessions', 'start', [sid]]],
    ['getCurrent', { sessionId: sid }, ['sessions', 'current', [sid]]],
    ['beginAnswer', { sessionId: sid, questionIndex: 2 }, ['sessions', 'beginAnswer', [sid, 2]]],
    ['appendChunk', { sessionId: sid, seq: 1 }, ['sessions', 'appendChunk', [{ sessionId: sid, seq: 1 }]]],
    ['submitAnswer', { sessionId: sid, questionIndex: 2, attempt: 1, text: 't' }, ['sessions', 'submitAnswer', [sid, 2, 1, 't']]],
    ['retakeAnswer', { sessionId: sid, questionIndex: 2, attempt: 1 }, ['sessions', 'retake', [sid, 2, 1]]],
    ['requestExit', { sessionId: sid }, ['sessions', 'requestExit', [sid]]],
    ['confirmExit', { sessionId: sid, reason: 'other', text: 'why' }, ['sessions', 'confirmExit', [sid, 'other', 'why']]],
    ['findResumable', {}, ['sessions', 'findResumable', []]],
    ['resume', { inviteCode: 'DEMO-2026', resumeCode: 'ABC' }, ['sessions', 'resume', ['DEMO-2026', 'ABC']]],
    ['reportDevices', { camera: 'ok' }, ['sessions', 'reportDevices', [{ camera: 'ok' }]]],
    ['deviceLost', { sessionId: sid, questionIndex: 3, device: 'camera' }, ['sessions', 'deviceLost', [sid, 3, 'camera']]],
    ['deviceRestored', { sessionId: sid, questionIndex: 3 }, ['sessions', 'deviceRestored', [sid, 3]]],
    ['raiseHand', { sessionId: sid, screen: 'question', incidentId: 'INC-20261207-0000000A' }, ['assistance', 'raiseHand', [sid, 'question', 'INC-20261207-0000000A']]],
    ['saveDiagnostics', { sessionId: sid, screen: 'question', renderer: { a: 1 }, incidentId: 'INC-20261207-0000000B' }, ['assistance', 'saveDiagnostics', [sid, 'question', { a: 1 }, 'INC-20261207-0000000B']]],
    ['storeRemux', { sessionId: sid, part: 0 }, ['assistance', 'storeRemux', [{ sessionId: sid, part: 0 }]]],
    ['runPrecheck', { mode: 'x' }, ['precheck', 'run', [{ mode: 'x' }]]],
    ['finishPrecheck', { runId: 'r' }, ['precheck', 'finish', [{ runId: 'r' }]]],
    ['requestReschedule', { sessionId: sid, reason: 'other', text: 'ill', runId: 'r1' }, ['sessions', 'requestReschedule', [sid, 'other', 'ill', 'r1']]],
  ];

  it.each(expected)('%s', async (op, request, call) => {
    const calls: Call[] = [];
    const handlers = createHandlers(recorder('sessions', calls), recorder('assistance', calls), recorder('precheck', calls), undefined, passGate);
    const handler = handlers[op] as (r: unknown) => unknown;
    expect(await handler(request)).toEqual(ok(`${call[0]}.${call[1]}`));
    expect(calls).toEqual([call]);
  });

  it('checks in directly without a preparer, and after a successful preparation with its tailoring', async () => {
    const calls: Call[] = [];
    const bare = createHandlers(recorder('sessions', calls), recorder('assistance', calls), recorder('precheck', calls), undefined, passGate);
    await bare.checkIn({ inviteCode: 'DEMO-2026', locale: 'en' } as never);
    expect(calls).toEqual([['sessions', 'checkIn', ['DEMO-2026', 'en', undefined]]]);

    calls.length = 0;
    const tailoring = { variants: [] };
    const preparer = { prepare: async (...args: unknown[]) => (calls.push(['checkIn', 'prepare', args]), ok(tailoring)) };
    const withPrep = createHandlers(recorder('sessions', calls), recorder('assistance', calls), recorder('precheck', calls), preparer as never, passGate);
    expect(await withPrep.checkIn({ inviteCode: 'DEMO-2026', locale: 'zh-CN', unlockCode: 'U1' } as never)).toEqual(ok('sessions.checkIn'));
    expect(calls).toEqual([
      ['checkIn', 'prepare', ['DEMO-2026', 'U1']],
      ['sessions', 'checkIn', ['DEMO-2026', 'zh-CN', tailoring]],
    ]);
  });

  it('returns a failed preparation without checking in', async () => {
    const calls: Call[] = [];
    const refused = err('UNLOCK_CODE_REQUIRED', 'needs a code');
    const handlers = createHandlers(recorder('sessions', calls), recorder('assistance', calls), recorder('precheck', calls), { prepare: async () => refused } as never, passGate);
    expect(await handlers.checkIn({ inviteCode: 'DEMO-2026', locale: 'en' } as never)).toEqual(refused);
    expect(calls).toEqual([]);
  });
});
