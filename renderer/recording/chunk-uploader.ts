/**
 * Sends recorded chunks to main strictly in order and keeps each one until main acknowledges it
 * (committed with its sha256). Transport failures are retried with backoff; a refusal that a retry
 * cannot fix stops the queue and is reported.
 */
import type { IpcResult } from '../../preload/contract/errors';
import type { ChunkAck } from '../../preload/contract/session';

export interface PendingChunk {
  sessionId: string;
  questionIndex: number;
  attempt: number;
  segment: number;
  seq: number;
  mimeType: string;
  data: Uint8Array;
}

export type SendChunk = (chunk: PendingChunk) => Promise<IpcResult<ChunkAck>>;

const RETRYABLE = new Set(['INTERNAL']);

export class ChunkUploader {
  private readonly queue: PendingChunk[] = [];
  private running = false;
  private stopped: { code: string; message: string } | null = null;
  private idleWaiters: Array<() => void> = [];
  acknowledged = 0;

  constructor(
    private readonly send: SendChunk,
    private readonly hooks: {
      onAck?: (ack: ChunkAck) => void;
      onFatal?: (code: string, message: string) => void;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {}

  get pending(): number {
    return this.queue.length;
  }

  get failure(): { code: string; message: string } | null {
    return this.stopped;
  }

  enqueue(chunk: PendingChunk): void {
    this.queue.push(chunk);
    void this.pump();
  }

  /** Resolves when every queued chunk is acknowledged (or the queue stopped on a refusal). */
  whenIdle(): Promise<void> {
    if (!this.running && (this.queue.length === 0 || this.stopped)) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private async pump(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    const sleep = this.hooks.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    let backoff = 200;
    while (this.queue.length > 0 && !this.stopped) {
      const chunk = this.queue[0]!;
      let result: IpcResult<ChunkAck>;
      try {
        result = await this.send(chunk);
      } catch (e) {
        result = { ok: false, error: { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
      }
      if (result.ok) {
        this.queue.shift();
        this.acknowledged += 1;
        backoff = 200;
        this.hooks.onAck?.(result.value);
      } else if (RETRYABLE.has(result.error.code)) {
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 4000);
      } else {
        this.stopped = { code: result.error.code, message: result.error.message };
        this.hooks.onFatal?.(result.error.code, result.error.message);
      }
    }
    this.running = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    waiters.forEach((w) => w());
  }
}
