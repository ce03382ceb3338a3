/**
 * The transport-agnostic IPC router. Every message is checked in the same order, whichever
 * transport carried it: known channel → trusted sender → valid input (zod) → one service call →
 * `{ok:true,value} | {ok:false,error:{code,message}}`. Payload contents are never logged.
 */
import {
  CHANNEL_PREFIX,
  operationForChannel,
  operations,
  type OperationName,
  type ParsedRequestOf,
  type ResponseOf,
} from '../../preload/contract/channels';
import type { IpcResult } from '../../preload/contract/errors';
import type { Logger } from '../common/logger';
import { storageErrorCode } from '../db/errors';
import { fullSyncDurability, type DurabilityBarrier } from '../db/wal-durability';
import type { Result } from '../common/result';
import { formatZodPath } from '../services/packs/pack-provider';

export interface SenderInfo {
  readonly transport: 'electron' | 'web';
  /** Set by the transport after its own checks (frame, origin, token). */
  readonly trusted: boolean;
  readonly description: string;
}

export type Handlers = {
  [K in OperationName]: (request: ParsedRequestOf<K>) => Result<ResponseOf<K>> | Promise<Result<ResponseOf<K>>>;
};

export class IpcRouter {
  private readonly log: Logger;

  constructor(
    private readonly handlers: Handlers,
    logger: Logger,
    private readonly checkResponses = true,
    /**
     * Awaited after every handler, before its answer leaves: whatever the handler committed is
     * durable before the renderer hears of it (wal-durability.ts). Cheap when nothing was written.
     */
    private readonly durability: DurabilityBarrier = fullSyncDurability,
  ) {
    this.log = logger.scope('ipc');
  }

  /**
   * Never throws and never rejects, whatever arrives: every path ends in a result with a code.
   * Validation runs inside the guard too (a hostile payload must not throw out of zod).
   */
  async handle(channel: unknown, payload: unknown, sender: SenderInfo): Promise<IpcResult<unknown>> {
    try {
      return await this.route(channel, payload, sender);
    } catch (e) {
      this.log.error('request failed', { error: e instanceof Error ? e.message.slice(0, 200) : 'non-error thrown' });
      return fail('INTERNAL', 'an internal error occurred; your saved answers are safe');
    }
  }

  private async route(channel: unknown, payload: unknown, sender: SenderInfo): Promise<IpcResult<unknown>> {
    const description = typeof sender?.description === 'string' ? sender.description.slice(0, 80) : 'unknown';
    if (typeof channel !== 'string' || !channel.startsWith(CHANNEL_PREFIX)) {
      this.log.warn('refused: unknown channel prefix', { sender: description });
      return fail('UNKNOWN_CHANNEL', 'unknown channel');
    }
    const name = operationForChannel(channel);
    if (!name) {
      this.log.warn('refused: unknown channel', { channel: channel.slice(0, 80), sender: description });
      return fail('UNKNOWN_CHANNEL', 'unknown channel');
    }
    if (sender?.trusted !== true) {
      this.log.warn('refused: untrusted sender', { channel, sender: description });
      return fail('FORBIDDEN_SENDER', 'this sender may not use the kiosk interface');
    }
    const spec = operations[name];
    const parsed = spec.request.safeParse(payload);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? formatZodPath(issue.path) : '';
      this.log.warn('refused: invalid input', { channel, path: where.slice(0, 120) });
      return fail('INVALID_INPUT', `${where ? where.slice(0, 120) + ': ' : ''}${(issue?.message ?? 'invalid request').slice(0, 200)}`);
    }
    try {
      const handler = this.handlers[name] as (r: unknown) => Result<unknown> | Promise<Result<unknown>>;
      const result = await handler(parsed.data);
      try {
        await this.durability.flush();
      } catch (e) {
        // Committed but not known durable: fail closed, as a failed fsync inside the commit would.
        this.log.error('storage flush failed', { channel, error: e instanceof Error ? e.message.slice(0, 200) : 'non-error thrown' });
        const code = storageErrorCode(e) ?? 'JOURNAL_WRITE_FAILED';
        return { ok: false, error: { code, message: 'the kiosk could not save to its disk; your earlier answers are safe' } };
      }
      if (result.ok && this.checkResponses) {
        const checked = spec.response.safeParse(result.value);
        if (!checked.success) {
          this.log.error('handler returned a value outside the contract', { channel, path: formatZodPath(checked.error.issues[0]?.path ?? []) });
          return fail('INTERNAL', 'the kiosk produced an invalid response');
        }
      }
      if (!result.ok) this.log.info('operation refused', { channel, code: result.error.code });
      return result;
    } catch (e) {
      this.log.error('handler failed', { channel, error: e instanceof Error ? e.message : String(e) });
      return fail('INTERNAL', 'an internal error occurred; your saved answers are safe');
    }
  }
}

function fail(code: 'UNKNOWN_CHANNEL' | 'FORBIDDEN_SENDER' | 'INVALID_INPUT' | 'INTERNAL', message: string): IpcResult<never> {
  return { ok: false, error: { code, message } };
}
